"""What a file's application advices (824 / APERAK) are built from, read a page at a time.

A file may hold hundreds of thousands of events: its advices are built while its events are
read in pages of `PAGE` rows (keyset on the event id, `LIMIT PAGE`, each page its own short
read transaction), so memory follows the page and what the advices say, not the file.
Only what an advice needs is read: no bodies, only the `origin` of each event's lineage.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from gateway.ledger.paging import in_pages
from gateway.ledger.records import CallRecord, TransactionRecord
from gateway.ledger.states import EventState
from gateway.ledger.store import Ledger
from gateway.ledger.tables import Ack, ApiCall, Event, Transaction

__all__ = ["PAGE", "AdviceRow", "advice_pages", "advices_of_file",
           "call_items", "calls_by_id", "group_version", "transactions_of"]  # fmt: skip

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


def group_version(ledger: Ledger, file_id: str, interchange_id: int,
                  group_control: str | None) -> str | None:  # fmt: skip
    """The version (GS08) of a group of the interchange, from the origin of its first event
    (read through the file's events, the index there is); None when it has no event."""
    query = (select(Event.lineage["origin"])
             .join(Transaction, Event.transaction_id == Transaction.id)
             .where(Event.file_id == file_id, Transaction.interchange_id == interchange_id,
                    Transaction.group_control.is_(None) if group_control is None
                    else Transaction.group_control == group_control)
             .order_by(Event.id).limit(1))  # fmt: skip
    with ledger._read() as session:
        origin = session.scalar(query)
    version = origin.get("version") if isinstance(origin, dict) else None
    return str(version) if version else None
