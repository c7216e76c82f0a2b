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

__all__ = ["PAGE", "AdviceRow", "advice_pages", "advised_interchanges", "call_items",
           "calls_by_id", "transactions_of"]  # fmt: skip

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


def advice_pages(
    ledger: Ledger, file_id: str, page: int | None = None
) -> Iterator[list[AdviceRow]]:
    """The file's events by id, a page of `page` (default PAGE) rows per read transaction."""
    page = page or PAGE
    origin = Event.lineage["origin"]
    columns = (Event.id, Event.purchase_order, Event.tracking_number, Event.state,
               Event.batch_id, origin)  # fmt: skip
    after = 0
    while True:
        with ledger._read() as session:
            rows = [AdviceRow(r[0], r[1], r[2], EventState(r[3]), r[4], r[5] or None)
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


def advised_interchanges(ledger: Ledger, file_id: str) -> set[str]:
    """The interchange controls the file's recorded 824 / APERAK answer (contents not read)."""
    with ledger._read() as session:
        return {str(a) for a in session.scalars(
            select(Ack.acknowledges).where(Ack.file_id == file_id,
                                           Ack.type.in_(("824", "APERAK"))))}  # fmt: skip
