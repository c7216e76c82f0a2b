"""What a file's application advices (824 / APERAK) are built from, read a page at a time.

A file may hold hundreds of thousands of events: its advices are built while its events are
read in pages of `PAGE` rows (keyset on the event id, `LIMIT PAGE`, each page its own short
read transaction), so memory follows the page and what the advices say, not the file.
Only what an advice needs is read: no bodies, only the `origin` of each event's lineage.
The file's interchange rows and its advices recorded so far are read the same way: those of
a page's interchange control numbers (`interchanges_by_control`, `advices_of_controls`), and
those no event names a page at a time (`unmet_interchanges`); never all of a mailbag's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, select

from gateway.ledger.paging import in_pages
from gateway.ledger.records import CallRecord, InterchangeRecord, TransactionRecord
from gateway.ledger.states import EventState
from gateway.ledger.store import Ledger
from gateway.ledger.tables import Ack, ApiCall, Event, Interchange, Transaction

__all__ = ["PAGE", "AdviceRow", "advice_pages", "advices_of_controls", "advices_of_file",
           "call_items", "calls_by_id", "group_version", "group_version_query", "has_advices",
           "interchanges_by_control", "met_before", "transactions_of",
           "unmet_interchanges"]  # fmt: skip

PAGE = 1000  # rows per read


@dataclass(frozen=True, slots=True)
class AdviceRow:
    """One event as its advice needs it; `origin`: the lineage's origin (Origin fields)."""

    id: int
    purchase_order: str | None
    tracking_number: str | None
    state: EventState
    batch_id: int | None
    origin: dict[str, Any] | None
    transaction: int | None = None  # the ledger id of its transaction set


def advice_pages(
    ledger: Ledger, file_id: str, page: int | None = None, after: int = 0
) -> Iterator[list[AdviceRow]]:
    """The file's events by id (those after the id `after`), a page of `page` (default PAGE)
    rows per read transaction."""
    page = page or PAGE
    origin = Event.lineage["origin"]
    columns = (Event.id, Event.purchase_order, Event.tracking_number, Event.state,
               Event.batch_id, origin, Event.transaction_id)  # fmt: skip
    while True:
        with ledger._read() as session:
            rows = [AdviceRow(r[0], r[1], r[2], EventState(r[3]), r[4], r[5] or None, r[6])
                    for r in session.execute(
                        select(*columns).where(Event.file_id == file_id, Event.id > after)
                        .order_by(Event.id).limit(page))]  # fmt: skip
        if rows:
            yield rows
        if len(rows) < page:
            return
        after = rows[-1].id


def calls_by_id(ledger: Ledger, ids: Iterable[int]) -> dict[int, CallRecord]:
    """The SP-API calls `ids` (a page's worth: the caller bounds them)."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    with ledger._read() as session:
        rows = session.scalars(select(ApiCall).where(ApiCall.id.in_(wanted)))
        return {row.id: CallRecord.of(row) for row in rows}


def call_items(ledger: Ledger, ids: Iterable[int]) -> dict[int, tuple[set[str], set[str]]]:
    """call id -> (purchase orders, tracking numbers) of all its events, for the calls `ids`
    (a page's worth: a call holds at most `submit.batch_max` items)."""
    wanted = sorted(set(ids))
    items: dict[int, tuple[set[str], set[str]]] = {i: (set(), set()) for i in wanted}
    if not wanted:
        return items
    query = (select(Event.batch_id, Event.purchase_order, Event.tracking_number).distinct()
             .where(Event.batch_id.in_(wanted)))  # fmt: skip
    with ledger._read() as session:
        for call_id, po, tracking in session.execute(query):
            pos, numbers = items[call_id or 0]
            if po:
                pos.add(po)
            if tracking:
                numbers.add(tracking)
    return items


def transactions_of(ledger: Ledger, interchange_id: int,
                    page: int | None = None) -> Iterator[TransactionRecord]:  # fmt: skip
    """The transaction sets of one interchange by id, `page` (default PAGE) rows per read
    transaction."""
    query = select(Transaction).where(Transaction.interchange_id == interchange_id)
    return in_pages(ledger, query, Transaction.id, TransactionRecord.of, page or PAGE)


_ADVICES = ("824", "APERAK")


def _event_control() -> ColumnElement[str]:
    """An event's interchange control number as its advice reads it: its lineage's
    `origin.interchange_control`, '' when it has none (`gateway.service.advising.origin_of`)."""
    return func.coalesce(Event.lineage[("origin", "interchange_control")].as_string(), "")


def interchanges_by_control(
    ledger: Ledger, file_id: str, controls: Iterable[str]
) -> dict[str, list[InterchangeRecord]]:
    """Control number -> the file's interchange rows with it (any syntax), by id, for the
    control numbers `controls` (a page's worth: the caller bounds them)."""
    wanted = sorted(set(controls))
    found: dict[str, list[InterchangeRecord]] = {control: [] for control in wanted}
    if not wanted:
        return found
    query = (select(Interchange).where(Interchange.file_id == file_id,
                                       Interchange.control.in_(wanted))
             .order_by(Interchange.id))  # fmt: skip
    with ledger._read() as session:
        for row in session.scalars(query):
            found[row.control].append(InterchangeRecord.of(row))
    return found


def met_before(ledger: Ledger, file_id: str, control: str, before: int) -> bool:
    """Whether an event of the file before the event id `before`, not `unknown`, names the
    interchange control number `control` (one indexed read of the file's earlier events)."""
    query = select(exists().where(Event.file_id == file_id, Event.id < before,
                                  Event.state != EventState.UNKNOWN.value,
                                  _event_control() == control))  # fmt: skip
    with ledger._read() as session:
        return bool(session.scalar(query))


def unmet_interchanges(ledger: Ledger, file_id: str,
                       page: int | None = None) -> Iterator[list[InterchangeRecord]]:  # fmt: skip
    """The file's interchange rows whose control number no event of the file (but those in
    state `unknown`) names, by id, `page` (default PAGE) rows per read transaction: the
    interchanges whose every set was refused, or that were rejected whole. The database
    compares them with its events' control numbers, nothing of them is held here."""
    named = (select(_event_control()).where(Event.file_id == file_id,
                                            Event.state != EventState.UNKNOWN.value)
             .distinct().scalar_subquery())  # fmt: skip
    query = select(Interchange).where(Interchange.file_id == file_id,
                                      Interchange.control.not_in(named))  # fmt: skip
    rows = in_pages(ledger, query, Interchange.id, InterchangeRecord.of, page or PAGE)
    batch: list[InterchangeRecord] = []
    for row in rows:
        batch.append(row)
        if len(batch) == (page or PAGE):
            yield batch
            batch = []
    if batch:
        yield batch


def has_advices(ledger: Ledger, file_id: str) -> bool:
    """Whether the file has a recorded 824 / APERAK (a finish interrupted after some)."""
    query = select(exists().where(Ack.file_id == file_id, Ack.type.in_(_ADVICES)))
    with ledger._read() as session:
        return bool(session.scalar(query))


def advices_of_controls(ledger: Ledger, file_id: str,
                        controls: Iterable[str]) -> list[tuple[int, str, str]]:  # fmt: skip
    """(ack id, type, interchange control answered) of the file's recorded 824s / APERAKs
    that answer the control numbers `controls` (a page's worth), in the order recorded."""
    wanted = sorted(set(controls))
    if not wanted:
        return []
    query = (select(Ack.id, Ack.type, Ack.acknowledges)
             .where(Ack.file_id == file_id, Ack.type.in_(_ADVICES),
                    Ack.acknowledges.in_(wanted))
             .order_by(Ack.id))  # fmt: skip
    with ledger._read() as session:
        return [(i, t, str(a)) for i, t, a in session.execute(query)]


def advices_of_file(ledger: Ledger, file_id: str) -> list[tuple[int, str, str]]:
    """(ack id, type, interchange control answered) of the file's recorded 824s / APERAKs, in
    the order recorded (contents not read: `Ledger.ack_content`, one at a time)."""
    query = (
        select(Ack.id, Ack.type, Ack.acknowledges)
        .where(Ack.file_id == file_id, Ack.type.in_(("824", "APERAK")))
        .order_by(Ack.id)
    )
    with ledger._read() as session:
        return [(i, t, str(a)) for i, t, a in session.execute(query)]  # fmt: skip


def group_version(ledger: Ledger, interchange_id: int, group_control: str | None) -> str | None:
    """The version (GS08) of a group of the interchange, from the origin of its first event;
    None when it has no event (`group_version_query`)."""
    with ledger._read() as session:
        origin = session.scalar(group_version_query(interchange_id, group_control))
    version = origin.get("version") if isinstance(origin, dict) else None
    return str(version) if version else None


def group_version_query(interchange_id: int, group_control: str | None) -> Select[Any]:
    """The origin (lineage JSON) of the first event of a group of the interchange, read from
    the group's transactions to their events (the indexes on transactions.interchange_id and
    events.transaction_id), not through the file's events: a refused set's advice asks once
    per group, and a scan of the file's events each time grew with the square of a mailbag."""
    group = (Transaction.group_control.is_(None) if group_control is None
             else Transaction.group_control == group_control)  # fmt: skip
    first = (select(func.min(Event.id))
             .join(Transaction, Event.transaction_id == Transaction.id)
             .where(Transaction.interchange_id == interchange_id, group)
             .scalar_subquery())  # fmt: skip
    return select(Event.lineage["origin"]).where(Event.id == first)
