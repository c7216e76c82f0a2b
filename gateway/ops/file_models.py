"""The file page's models: one page of a file's raw segments, located errors, events with
their API calls and lineage, acks and timeline (`/v1/ops/files/{id}`, the console's file page,
`edigw ops file`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from gateway.ops.models import ActionOut, FileRow, Out

__all__ = [
    "AckOut",
    "CallOut",
    "DetailPaging",
    "DetailQuery",
    "ErrorOut",
    "EventOut",
    "FileDetail",
    "LineageRow",
    "SegmentOut",
    "TimelineEntry",
]


class ErrorOut(Out):
    code: str
    message: str
    level: str | None
    standard_code: str | None  # X12 997/TA1 or EDIFACT CONTRL code the partner reads
    interchange: str | None = None
    group: str | None = None
    transaction: str | None = None
    segment: str | None = None
    position: int | None = None  # in the set (ST/UNH = 1)
    element: int | None = None
    component: int | None = None
    value: str | None = None
    line: int | None = None  # the raw segment's number in the file (1 = first)


class SegmentOut(Out):
    number: int
    tag: str
    elements: list[str]
    errors: list[int]  # indexes into FileDetail.errors
    bad_elements: list[int]  # 1-based element positions an error points at
    cut: bool = False  # a very long segment: only its start is shown (gateway.ops.raw)


class CallOut(Out):
    id: int
    operation: str
    url: str | None
    sandbox: bool
    status_code: int | None
    attempts: int
    request_ids: list[str]
    transaction_id: str | None
    transaction_status: str | None
    errors: list[dict[str, Any]]  # every error of the call, as Amazon answered
    unattributed: list[dict[str, Any]] = Field(default_factory=list)  # naming no call item
    started_at: datetime
    finished_at: datetime | None


class LineageRow(Out):
    path: str
    value: Any
    kind: str
    segment: str | None = None
    position: int | None = None
    element: int | None = None
    component: int | None = None
    detail: str | None = None
    raw: str | None = None  # the element as it stands in the file
    line: int | None = None


class EventOut(Out):
    id: int
    operation: str
    state: str
    purchase_order: str | None
    tracking_number: str | None
    status: str | None
    reason: str | None
    event_time: str | None
    updated_at: datetime
    amazon_transaction_id: str | None
    call: CallOut | None
    errors: list[dict[str, Any]] = Field(default_factory=list)  # naming its package or PO
    payload: dict[str, Any]
    lineage: list[LineageRow]


class AckOut(Out):
    id: int
    type: str
    acknowledges: str | None
    state: str
    created_at: datetime
    delivered_to: str | None
    delivered_at: datetime | None
    content: str
    content_cut: bool = False  # only the first characters of a very long ack are shown


class TimelineEntry(Out):
    at: datetime
    what: str


class DetailQuery(BaseModel):
    """Which page of a file's raw segments and of its events the file view shows; a big
    file (hundreds of thousands of segments) is read page by page, never whole."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    from_segment: int = Field(1, ge=1, le=1_000_000_000, description="first segment shown")
    segments: int = Field(500, ge=1, le=5000, description="segments per page")
    after_event: int = Field(
        0, ge=0, le=2**31 - 1, description="events with a greater id are shown"
    )
    events: int = Field(100, ge=1, le=1000, description="events per page")


class DetailPaging(Out):
    """Where this page stands in the whole file; `next_*` is None on the last page. Lists
    that are not paged (errors, interchanges, sets, acks) show their first `listed_at_most`
    and count all."""

    from_segment: int
    segments: int  # per page
    segment_total: int  # 0: the stored file is gone
    next_from_segment: int | None
    after_event: int
    events: int  # per page
    event_total: int
    next_after_event: int | None
    error_total: int  # every problem of the file: listed or not
    error_unlisted: int  # of them, not recorded one by one (past the 1,000 a file keeps)
    interchange_total: int
    transaction_total: int
    ack_total: int
    listed_at_most: int


class FileDetail(Out):
    file: FileRow
    paging: DetailPaging
    segments: list[SegmentOut]
    errors: list[ErrorOut]
    interchanges: list[dict[str, Any]]
    transactions: list[dict[str, Any]]
    events: list[EventOut]
    acks: list[AckOut]
    actions: list[ActionOut]
    replays: list[str]
    timeline: list[TimelineEntry]
