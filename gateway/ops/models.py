"""What the ops views show, as typed models: one shape for the JSON API (`/v1/ops/...`),
the console's templates and `edigw ops ...` in a terminal."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "AckControls",
    "ActionOut",
    "Dashboard",
    "EventDiff",
    "FieldChange",
    "FileRow",
    "Out",
    "OverrideIn",
    "OverrideOut",
    "ReplayDiff",
    "ReplayResult",
    "SearchPage",
    "SearchQuery",
    "WorkItem",
    "WorkLists",
]

_CODE = r"^[A-Za-z0-9_.:-]{1,64}$"


class Out(BaseModel):
    """What every ops view returns: frozen."""

    model_config = ConfigDict(frozen=True)


class SearchQuery(BaseModel):
    """Search criteria (all given are required); unknown fields are refused."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    partner: str | None = Field(None, max_length=64, description="partner id")
    # (a purchase order may have 70 characters, EDIFACT RFF 1154; the ledger keeps 64)
    po: str | None = Field(None, max_length=200, description="purchase order number")
    tracking: str | None = Field(None, max_length=200, description="tracking number")
    control: str | None = Field(
        None,
        max_length=200,
        description="any control number: ISA13 (with or without leading zeros), GS06, ST02, "
        "UNB 0020, UNH 0062",
    )
    transaction: str | None = Field(None, max_length=128, description="Amazon transaction id")
    state: str | None = Field(None, max_length=16, description="file state")
    event_state: str | None = Field(None, max_length=16, description="state of an event")
    error: str | None = Field(
        None, pattern=_CODE, description="error code: the gateway's or Amazon's"
    )
    since: datetime | None = Field(None, description="received at or after (ISO 8601)")
    until: datetime | None = Field(None, description="received before (ISO 8601)")
    page: int = Field(1, ge=1, le=10_000)
    page_size: int = Field(50, ge=1, le=200)

    @field_validator("since", "until")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        """A date or time without a zone is UTC."""
        return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value

    def criteria(self) -> dict[str, str]:
        """The criteria that are set, as text (for links and the console's form)."""
        out = self.model_dump(exclude_none=True, exclude={"page", "page_size"}, mode="json")
        return {k: str(v) for k, v in out.items()}


class FileRow(Out):
    file_id: str
    partner_id: str
    name: str
    transport: str
    state: str
    state_reason: str | None
    received_at: datetime
    syntax: str | None
    accepted: bool | None
    replay_of: str | None
    error_codes: list[str]
    events: dict[str, int]
    tracking_numbers: list[str]
    purchase_orders: list[str]
    controls: list[str]
    matched: list[str] = []  # what matched the search's tracking/PO/control, as in the file


class SearchPage(Out):
    items: list[FileRow]
    page: int
    page_size: int
    has_more: bool


class WorkItem(Out):
    kind: str
    file_id: str | None
    partner_id: str | None
    at: datetime | None
    state: str | None
    summary: str
    codes: list[str] = []
    event_id: int | None = None
    tracking_number: str | None = None
    purchase_order: str | None = None


class WorkLists(Out):
    since: datetime
    rejected: list[WorkItem]
    quarantined: list[WorkItem]
    refused_events: list[WorkItem]
    stuck_events: list[WorkItem]
    alerts: dict[str, list[str]]


class ActionOut(Out):
    id: int
    at: datetime
    operator: str
    action: str
    file_id: str | None
    note: str | None
    detail: dict[str, Any]


class OverrideIn(BaseModel):
    """A partner status code-table override: the file's pair -> an event of
    mappings/status_codes.yaml (reason None: any reason)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    syntax: Literal["x12", "edifact"]
    status: str = Field(pattern=r"^[A-Za-z0-9]{1,8}$")
    reason: str | None = Field(None, pattern=r"^[A-Za-z0-9]{1,8}$")
    event: str = Field(pattern=r"^[A-Z_]{1,64}$")
    note: str = Field(min_length=1, max_length=2000)


class OverrideOut(Out):
    partner_id: str
    version: int
    syntax: str
    status: str
    reason: str | None
    event: str
    created_at: datetime
    created_by: str
    note: str | None


class FieldChange(Out):
    path: str
    before: Any
    after: Any


class EventDiff(Out):
    key: str  # PO / tracking / status of the item
    original_event: int | None
    original_state: str | None
    change: Literal["same", "changed", "added", "removed"]
    fields: list[FieldChange]


class ReplayDiff(Out):
    file_id: str
    partner_id: str
    override_version: int
    new_overrides: list[OverrideOut]  # added since the file was received
    accepted: bool
    errors: list[str]  # the first `listed_at_most`
    error_total: int = 0
    events: list[EventDiff]  # the first `listed_at_most`: changes before same items
    changes: dict[str, int] = {}  # every item and removed event by change: same, changed, ...
    listed_at_most: int = 0
    failed_events: int  # events of the first run that did not succeed
    would_resend: int  # items a replay of only the failed ones sends (new or failed before)


class ReplayResult(Out):
    file_id: str
    replay_of: str
    only_failed: bool
    operator: str


class AckControls(Out):
    """A partner's acks and advices of the period and their interchange control numbers."""

    partner_id: str
    acks: dict[str, int]  # type -> how many in the period
    last_type: str | None
    last_control: str | None  # ISA13 / UNB 0020 of the latest ack sent
    last_at: datetime | None
    reserved_up_to: int | None  # the partner's control counter (numbers reserved so far)


class Dashboard(Out):
    since: datetime
    days: list[str]
    files_per_partner: dict[str, list[int]]  # partner -> files per day (as `days`)
    events_per_partner: dict[str, list[int]]
    rejection_rate: dict[str, float]  # partner -> rejected / received files
    amazon_failures: dict[str, int]  # Amazon error code -> events
    scan_to_submit_seconds: dict[str, float | None]  # p50 / p95
    unmapped_pairs: list[tuple[str, int]]  # "x12 AF/NS" -> times seen
    ack_controls: list[AckControls]
