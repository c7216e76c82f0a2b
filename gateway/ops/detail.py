"""The file page: everything the ledger knows of one file, next to its raw segments.

Errors point at their raw segment (by interchange, set and position in the set); each body
field's lineage shows the raw element it was read from. The timeline is assembled from the
ledger's recorded times (received, acks created / delivered, calls sent / answered / polled,
events' last moves, operators' actions, replays)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from gateway.ack.codes import edifact_code, x12_code
from gateway.ledger.ops_queries import OpsQueries
from gateway.ledger.tables import (
    Ack,
    ApiCall,
    Event,
    Interchange,
    OpsAction,
    ReceivedFile,
    Transaction,
)
from gateway.ops.models import (
    AckOut,
    ActionOut,
    CallOut,
    ErrorOut,
    EventOut,
    FileDetail,
    LineageRow,
    SegmentOut,
)
from gateway.ops.raw import RawSegment, locate_errors, split_segments
from gateway.ops.timeline import file_timeline
from gateway.problems import Problem

__all__ = ["file_detail", "pointer"]


def pointer(document: Any, path: str) -> Any:
    """The value at JSON pointer `path` (RFC 6901) in `document`, None when absent."""
    node = document
    for part in path.strip("/").split("/") if path.strip("/") else []:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _standard_code(error: dict[str, Any], syntax: str | None) -> str | None:
    try:
        problem = Problem.model_validate(error)
    except ValueError:
        return None
    try:
        return edifact_code(problem) if syntax == "edifact" else x12_code(problem)
    except (KeyError, ValueError):
        return None


def _error(error: dict[str, Any], syntax: str | None, line: int | None) -> ErrorOut:
    keys = (
        "interchange",
        "group",
        "transaction",
        "segment",
        "position",
        "element",
        "component",
        "value",
    )
    return ErrorOut(
        code=str(error.get("code")),
        message=str(error.get("message", "")),
        level=error.get("level"),
        standard_code=_standard_code(error, syntax),
        line=line,
        **{k: error.get(k) for k in keys},
    )


def _raw_value(
    segments: list[RawSegment],
    origin: dict[str, Any],
    entry: dict[str, Any],
    component_separator: str,
) -> tuple[str | None, int | None]:
    position, element = entry.get("position"), entry.get("element")
    if not entry.get("segment") or position is None:
        return None, None
    hit = next(
        (
            s
            for s in segments
            if s.position == position
            and s.tag == entry.get("segment")
            and s.transaction == origin.get("transaction_control")
            and s.interchange == (origin.get("interchange_control") or s.interchange)
        ),
        None,
    )
    if hit is None:
        return None, None
    if not isinstance(element, int) or not 0 < element <= len(hit.elements):
        return None, hit.number
    value = hit.elements[element - 1]
    component = entry.get("component")
    if isinstance(component, int) and component_separator:
        parts = value.split(component_separator)
        value = parts[component - 1] if 0 < component <= len(parts) else ""
    return value, hit.number


def _lineage(event: Event, segments: list[RawSegment], separator: str) -> list[LineageRow]:
    lineage = event.lineage if isinstance(event.lineage, dict) else {}
    origin = lineage.get("origin") or {}
    rows = []
    for entry in lineage.get("values") or []:
        raw, line = _raw_value(segments, origin, entry, separator)
        keys = ("kind", "segment", "position", "element", "component", "detail")
        rows.append(
            LineageRow(
                path=entry.get("path", ""),
                value=pointer(event.payload, entry.get("path", "")),
                raw=raw,
                line=line,
                **{k: entry.get(k) for k in keys if k in entry},
            )
        )
    return rows


def _names(error: dict[str, Any], value: str | None) -> bool:
    """Whether Amazon's error names `value` (a tracking number or PO) in its message or
    details as a whole word (PO11 is not named by PO111)."""
    if not value:
        return False
    text = " ".join(str(error.get(k, "")) for k in ("message", "details"))
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(value)}(?![A-Za-z0-9])", text) is not None


def attribute_errors(
    errors: Sequence[dict[str, Any]], event: Event, members: Sequence[Event]
) -> list[dict[str, Any]]:
    """The errors of a call that concern `event`, one of the call's events `members`: those
    naming its tracking number, else (an error naming no member's package) its PO. Amazon
    names the item an error is about in the message or details (SP-API Error model)."""
    mine: list[dict[str, Any]] = []
    for error in errors:
        if any(_names(error, m.tracking_number) for m in members):
            if _names(error, event.tracking_number):
                mine.append(error)
        elif _names(error, event.purchase_order):
            mine.append(error)
    return mine


def _unattributed(
    errors: Sequence[dict[str, Any]], members: Sequence[Event]
) -> list[dict[str, Any]]:
    return [
        e
        for e in errors
        if not any(_names(e, m.tracking_number) or _names(e, m.purchase_order) for m in members)
    ]


def _call(row: ApiCall | None, members: Sequence[Event] = ()) -> CallOut | None:
    if row is None:
        return None
    return CallOut(
        id=row.id,
        operation=row.operation,
        url=row.url,
        sandbox=row.sandbox,
        status_code=row.status_code,
        attempts=row.attempts,
        request_ids=list(row.request_ids),
        transaction_id=row.transaction_id,
        transaction_status=row.transaction_status,
        errors=list(row.errors),
        unattributed=_unattributed(row.errors, members),
        started_at=row.started_at,
        finished_at=row.finished_at,
    )


def _event(
    row: Event,
    call: ApiCall | None,
    segments: list[RawSegment],
    separator: str,
    members: Sequence[Event] = (),
) -> EventOut:
    details = row.payload.get("statusUpdateDetails") or {}
    shipment = row.payload.get("shipmentDetails") or {}
    return EventOut(
        id=row.id,
        operation=row.operation,
        state=row.state,
        purchase_order=row.purchase_order,
        tracking_number=row.tracking_number,
        status=details.get("statusCode"),
        reason=details.get("reasonCode"),
        event_time=details.get("statusDateTime") or shipment.get("shippedDate"),
        updated_at=row.updated_at,
        amazon_transaction_id=row.amazon_transaction_id,
        call=_call(call, members),
        errors=attribute_errors(call.errors, row, members) if call is not None else [],
        payload=row.payload,
        lineage=_lineage(row, segments, separator),
    )


def _component_separator(data: bytes) -> str:
    text = data[:200].decode("latin-1").lstrip("\ufeff\r\n\t ")
    if text.startswith("ISA") and len(text) > 104:
        return text[104]
    if text.startswith("UNA") and len(text) > 3:
        return text[3]
    return ":"


def file_detail(queries: OpsQueries, file_id: str, data: bytes | None) -> FileDetail | None:
    """The file page of `file_id` (None: no such file); `data` is its stored bytes (None
    when the store no longer has them: no raw segments then)."""
    with queries._read() as session:
        file = session.get(ReceivedFile, file_id)
        if file is None:
            return None
        interchanges = list(
            session.scalars(
                select(Interchange).where(Interchange.file_id == file_id).order_by(Interchange.id)
            )
        )
        transactions = list(
            session.scalars(
                select(Transaction)
                .join(Interchange)
                .where(Interchange.file_id == file_id)
                .order_by(Transaction.id)
            )
        )
        events = list(
            session.scalars(select(Event).where(Event.file_id == file_id).order_by(Event.id))
        )
        batch_ids = {e.batch_id for e in events if e.batch_id is not None}
        calls = (
            {c.id: c for c in session.scalars(select(ApiCall).where(ApiCall.id.in_(batch_ids)))}
            if batch_ids
            else {}
        )
        members: dict[int, list[Event]] = {}
        if batch_ids:  # every event of those calls, also other files': errors name them
            for member in session.scalars(select(Event).where(Event.batch_id.in_(batch_ids))):
                members.setdefault(member.batch_id or 0, []).append(member)
        acks = list(session.scalars(select(Ack).where(Ack.file_id == file_id).order_by(Ack.id)))
        actions = list(
            session.scalars(
                select(OpsAction).where(OpsAction.file_id == file_id).order_by(OpsAction.id)
            )
        )
        replays = list(
            session.scalars(
                select(ReceivedFile)
                .where(ReceivedFile.replay_of == file_id)
                .order_by(ReceivedFile.received_at)
            )
        )
    (row,) = queries.file_rows([file_id])
    segments = split_segments(data) if data is not None else []
    errors = [*file.errors, *(e for t in transactions for e in t.errors)]
    errors = list({repr(sorted(e.items())): e for e in errors}.values())  # file + sets overlap
    lines = locate_errors(segments, errors)
    separator = _component_separator(data) if data else ":"
    return FileDetail(
        file=row,
        segments=[
            SegmentOut(
                number=s.number,
                tag=s.tag,
                elements=s.elements,
                errors=s.errors,
                bad_elements=s.bad_elements,
            )
            for s in segments
        ],
        errors=[_error(e, file.syntax, line) for e, line in zip(errors, lines, strict=True)],
        interchanges=[
            {
                "id": i.id,
                "syntax": i.syntax,
                "sender": i.sender,
                "receiver": i.receiver,
                "control": i.control,
                "test": i.test,
                "accepted": i.accepted,
                "duplicate_of": i.duplicate_of,
                "replay": i.replay,
            }
            for i in interchanges
        ],
        transactions=[
            {
                "id": t.id,
                "interchange_id": t.interchange_id,
                "type_code": t.type_code,
                "group_control": t.group_control,
                "control": t.control,
                "accepted": t.accepted,
                "error_codes": [e.get("code") for e in t.errors],
            }
            for t in transactions
        ],
        events=[
            _event(
                e,
                calls.get(e.batch_id) if e.batch_id else None,
                segments,
                separator,
                members.get(e.batch_id or 0, []),
            )
            for e in events
        ],
        acks=[
            AckOut(
                id=a.id,
                type=a.type,
                acknowledges=a.acknowledges,
                state=a.state,
                created_at=a.created_at,
                delivered_to=a.delivered_to,
                delivered_at=a.delivered_at,
                content=a.content,
            )
            for a in acks
        ],
        actions=[
            ActionOut(
                id=a.id,
                at=a.at,
                operator=a.operator,
                action=a.action,
                file_id=a.file_id,
                note=a.note,
                detail=a.detail,
            )
            for a in actions
        ],
        replays=[r.id for r in replays],
        timeline=file_timeline(file, events, calls, acks, actions, replays),
    )
