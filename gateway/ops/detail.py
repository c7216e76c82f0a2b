"""The file page: what the ledger knows of one file, next to its raw segments, one page at a
time.

Errors point at their raw segment (by interchange, set and position in the set); each body
field's lineage shows the raw element it was read from. A file may hold hundreds of
thousands of segments and events, so the page reads the stored file once as a stream
(keeping only the page's segments and the few others its errors and lineage point at), reads
one page of events by id, and lists at most `LISTED` errors, interchanges, sets and acks with
their totals. Its memory and time grow with the page, and the time of the one pass over the
file, not with what the page leaves out."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, defer

from gateway.ledger.ops_queries import OpsQueries, file_errors
from gateway.ledger.tables import (
    Ack,
    ApiCall,
    Event,
    Interchange,
    OpsAction,
    ReceivedFile,
    Transaction,
)
from gateway.ops.detail_rows import CallErrors, LineageKey, error_row, event_row, lineage_keys
from gateway.ops.file_models import AckOut, DetailPaging, DetailQuery, FileDetail, SegmentOut
from gateway.ops.models import ActionOut
from gateway.ops.raw import ErrorLocator, RawSegment, iter_segments, mark
from gateway.ops.timeline import file_timeline

__all__ = ["ACK_CHARACTERS", "LISTED", "file_detail"]

LISTED = 1000  # errors, interchanges, sets and acks listed on one page at the most
ACK_CHARACTERS = 200_000  # of an ack's text on the page (a 997 for 200,000 sets is 4 MB)
_CHUNK = 1 << 20


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            yield chunk


def _component_separator(path: Path) -> str:
    with path.open("rb") as stream:
        text = stream.read(400).decode("utf-8", errors="replace").lstrip("\ufeff\r\n\t ")
    if text.startswith("ISA") and len(text) > 104:
        return text[104]
    if text.startswith("UNA") and len(text) > 3:
        return text[3]
    return ":"


def _scan(
    path: Path | None, query: DetailQuery, locator: ErrorLocator, wanted: set[LineageKey]
) -> tuple[list[RawSegment], int, dict[LineageKey, RawSegment]]:
    """One pass over the stored file: the page's segments, how many segments in all, and the
    first segment of each lineage key; `locator` sees every segment."""
    if path is None or not path.is_file():
        return [], 0, {}
    page: list[RawSegment] = []
    found: dict[LineageKey, RawSegment] = {}
    last = query.from_segment + query.segments
    total = 0
    for segment in iter_segments(_chunks(path)):
        total = segment.number
        locator.feed(segment)
        if query.from_segment <= segment.number < last:
            page.append(segment)
        if wanted and segment.position is not None:
            for interchange in (segment.interchange, None):
                key = (interchange, segment.transaction, segment.position, segment.tag)
                if key in wanted and key not in found:
                    found[key] = segment
    return page, total, found


def _count(session: Session, query: Select[int]) -> int:
    return int(session.scalar(query) or 0)


def file_detail(
    queries: OpsQueries, file_id: str, stored: Path | None, query: DetailQuery | None = None
) -> FileDetail | None:
    """The file page of `file_id` (None: no such file): the segments `query.from_segment`
    on of the stored file at `stored` (None or gone: no raw segments), the events after
    `query.after_event` by id, and the file's errors, interchanges, sets, acks, actions,
    replays and timeline. Reads the stored file once, 1 MiB at a time."""
    query = query or DetailQuery()
    with queries._read() as session:
        file = session.get(ReceivedFile, file_id, options=[defer(ReceivedFile.errors)])
        if file is None:
            return None
        of_file = Interchange.file_id == file_id
        interchanges = list(
            session.scalars(
                select(Interchange).where(of_file).order_by(Interchange.id).limit(LISTED)
            )
        )
        transactions = list(
            session.scalars(
                select(Transaction)
                .join(Interchange)
                .where(of_file)
                .order_by(Transaction.id)
                .limit(LISTED)
            )
        )
        events = list(
            session.scalars(
                select(Event)
                .where(Event.file_id == file_id, Event.id > query.after_event)
                .order_by(Event.id)
                .limit(query.events + 1)
            )
        )
        more_events = len(events) > query.events
        events = events[: query.events]
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
        acks = list(  # only the text shown: a big advice is not read whole
            session.execute(
                select(Ack.id, Ack.type, Ack.acknowledges, Ack.state, Ack.created_at,
                       Ack.delivered_to, Ack.delivered_at,
                       func.substr(Ack.content, 1, ACK_CHARACTERS + 1).label("content"))
                .where(Ack.file_id == file_id).order_by(Ack.id).limit(LISTED)
            )
        )  # fmt: skip
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
        errors, error_total = file_errors(session, file_id, LISTED)
        counts = {
            "interchange_total": _count(
                session, select(func.count()).select_from(Interchange).where(of_file)
            ),
            "transaction_total": _count(
                session,
                select(func.count()).select_from(Transaction).join(Interchange).where(of_file),
            ),
            "ack_total": _count(
                session, select(func.count()).select_from(Ack).where(Ack.file_id == file_id)
            ),
        }
        event_total = _count(
            session, select(func.count()).select_from(Event).where(Event.file_id == file_id)
        )
        timeline = file_timeline(session, file, acks, actions, replays)
    indexed = {i: CallErrors(c.errors, members.get(i, [])) for i, c in calls.items()}
    (row,) = queries.file_rows([file_id])
    locator = ErrorLocator(errors)
    segments, segment_total, found = _scan(stored, query, locator, lineage_keys(events))
    lines = locator.lines()
    mark(segments, errors, lines)
    separator = _component_separator(stored) if stored is not None and segment_total else ":"
    return FileDetail(
        file=row,
        paging=DetailPaging(
            from_segment=query.from_segment,
            segments=query.segments,
            segment_total=segment_total,
            next_from_segment=(
                query.from_segment + query.segments
                if query.from_segment + query.segments <= segment_total
                else None
            ),
            after_event=query.after_event,
            events=query.events,
            event_total=event_total,
            next_after_event=events[-1].id if more_events else None,
            error_total=error_total + file.errors_unlisted,
            error_unlisted=file.errors_unlisted,
            listed_at_most=LISTED,
            **counts,
        ),
        segments=[
            SegmentOut(
                number=s.number,
                tag=s.tag,
                elements=s.elements,
                errors=s.errors,
                bad_elements=s.bad_elements,
                cut=s.cut,
            )
            for s in segments
        ],
        errors=[error_row(e, file.syntax, line) for e, line in zip(errors, lines, strict=True)],
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
            event_row(
                e,
                calls.get(e.batch_id) if e.batch_id else None,
                found,
                separator,
                indexed.get(e.batch_id or 0),
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
                content=a.content[:ACK_CHARACTERS],
                content_cut=len(a.content) > ACK_CHARACTERS,
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
        timeline=timeline,
    )
