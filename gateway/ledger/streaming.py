"""Recording a big translation in bounded batches, and counting translation attempts.

`record_translation` holds a whole file's rows in one transaction; for a file of hundreds of
thousands of events that is memory growing with the file and a write lock held for minutes
(every other partner's file would wait on it). `TranslationWriter` instead records each
interchange when its trailer was checked, its transaction sets and then its events in
batches of `BATCH`, each batch its own short transaction, and last the acks and the file's
new state in one transaction.

The batches keep SQLite's single write lock short, because other partners' small files are
recorded meanwhile (by the service and the other translation workers): each batch commits
without waiting for the disk (`SessionScope._tx(durable=False)`; the last transaction's
commit does, for all of them), its JSON columns are serialized before the lock is taken, and
the writers of all processes take turns (gateway.ledger.writers), so a waiting writer gets in
between two batches. The attempt counter and `clear` need not survive a power loss either
(an attempt that ends with the machine is not counted; cleared rows that come back are
cleared again).

The file stays `received` until that last commit, and nothing reads the events of a
`received` file (submission takes `translated` files), so the rows of an interrupted attempt
are never acted upon: `clear` removes them before the next attempt, which records
everything again exactly once. Its interchange rows are the exception: they are the file's
claims on its interchanges (gateway.ledger.claims), kept until the new attempt's rows take
them over, so a copy of the file translated meanwhile is its duplicate, never a second
original.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from itertools import islice
from typing import Any

from sqlalchemy import Column, MetaData, Table, Text, delete, exists, func, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.types import JSON

from gateway.ledger.claims import OpenClaim, insert_claim, lock_interchange, release
from gateway.ledger.controls import take_controls
from gateway.ledger.engine import NotFoundError, _json, is_sqlite
from gateway.ledger.paging import in_pages
from gateway.ledger.records import EventRecord, NewEvent
from gateway.ledger.replays import resends_only_unsent, sent_among
from gateway.ledger.states import (
    AckState,
    EventState,
    FileState,
    LedgerError,
    StateError,
    check_file_move,
)
from gateway.ledger.store import Ledger
from gateway.ledger.submissions import _event
from gateway.ledger.tables import (
    Ack,
    Base,
    Event,
    Interchange,
    ReceivedFile,
    Transaction,
    utc_now,
)
from gateway.ledger.translation import NewAck, NewInterchange, NewTransaction

__all__ = [
    "SetIds",
    "TranslationWriter",
    "begin_attempt",
    "event_counts",
    "give_back_attempt",
    "iter_events",
]

_EVENTS, _TRANSACTIONS = Base.metadata.tables["events"], Base.metadata.tables["transactions"]
BATCH = 500  # events (and transaction sets) per insert transaction


def _as_text(table: Table) -> Table:
    """`table` with its JSON columns as text, for rows whose JSON is serialized already."""
    columns = [Column(c.name, Text() if isinstance(c.type, JSON) else c.type,
                      primary_key=c.primary_key) for c in table.columns]  # fmt: skip
    return Table(table.name, MetaData(), *columns)


_EVENTS_TEXT = _as_text(_EVENTS)
_JSON_COLUMNS = tuple(c.name for c in _EVENTS.columns if isinstance(c.type, JSON))


def begin_attempt(ledger: Ledger, file_id: str) -> int:
    """Count one more translation attempt of a file (committed before it starts, so a crash
    of the whole service during the attempt still counts; a power loss need not: module
    doc); the attempts so far, this one included."""
    with ledger._tx(durable=False) as session:
        row = ledger._row(session, ReceivedFile, file_id)
        row.attempts = (row.attempts or 0) + 1
        return row.attempts


def give_back_attempt(ledger: Ledger, file_id: str) -> None:
    """An attempt the service itself interrupted (shutdown) does not count."""
    with ledger._tx(durable=False) as session:
        row = ledger._row(session, ReceivedFile, file_id)
        row.attempts = max(0, (row.attempts or 0) - 1)


def iter_events(ledger: Ledger, *states: EventState, page: int = 1000) -> Iterator[EventRecord]:
    """Events in `states` by id, read a page at a time (memory does not grow with their
    number; each page is its own read transaction)."""
    query = select(Event).where(Event.state.in_([EventState(s).value for s in states]))
    return in_pages(ledger, query, Event.id, _event, page)


def event_outlines(ledger: Ledger, file_id: str) -> list[EventRecord]:
    """A file's events without their bodies: `payload` empty and `lineage` only its
    `origin` (what advices need), a fraction of the memory of the full rows."""
    origin = Event.lineage["origin"]
    columns = (Event.id, Event.file_id, Event.transaction_id, Event.operation, Event.seller,
               Event.purchase_order, Event.tracking_number, origin, Event.state,
               Event.batch_id, Event.amazon_transaction_id, Event.updated_at)  # fmt: skip
    with ledger._read() as session:
        rows = session.execute(select(*columns).where(Event.file_id == file_id)
                               .order_by(Event.id)).all()  # fmt: skip
    return [EventRecord(id=r[0], file_id=r[1], transaction_id=r[2], operation=r[3],
                        seller=r[4], purchase_order=r[5], tracking_number=r[6], payload={},
                        lineage={"origin": r[7]} if r[7] else None, state=EventState(r[8]),
                        batch_id=r[9], amazon_transaction_id=r[10], updated_at=r[11])
            for r in rows]  # fmt: skip


def event_counts(ledger: Ledger, file_id: str) -> dict[str, int]:
    """{event state: count} of a file, counted by the database (no rows loaded)."""
    with ledger._read() as session:
        rows = session.execute(
            select(Event.state, func.count()).where(Event.file_id == file_id)
            .group_by(Event.state)
        ).all()  # fmt: skip
        return {str(state): int(count) for state, count in rows}


def _set_rows(interchange_id: int, sets: Iterable[NewTransaction]) -> list[dict[str, Any]]:
    return [{"interchange_id": interchange_id, "group_control": st.group_control,
             "control": st.control, "type_code": st.type_code, "accepted": st.accepted,
             "errors": list(st.errors), "version": st.version} for st in sets]  # fmt: skip


class SetIds:
    """The `transactions.id` of one recorded interchange's sets, found in file order: a
    forward-only walk over its rows in id order (the order they were written), read a page
    at a time (each page its own read transaction), so memory stays flat however many sets
    the interchange has. Translation hands its requests over in file order, set by set."""

    def __init__(self, ledger: Ledger, interchange_id: int, page: int = BATCH) -> None:
        self.ledger, self.interchange_id, self.page = ledger, interchange_id, page
        self._rows: deque[tuple[int, str | None, str]] = deque()  # read, not yet passed
        self._after = 0  # the last id read
        self._end = False  # every row was read

    def _more(self) -> bool:
        """Read the next page; False when there is none."""
        if self._end:
            return False
        query = (select(Transaction.id, Transaction.group_control, Transaction.control)
                 .where(Transaction.interchange_id == self.interchange_id,
                        Transaction.id > self._after)
                 .order_by(Transaction.id).limit(self.page))  # fmt: skip
        with self.ledger._read() as session:
            rows = [(int(r[0]), r[1], r[2]) for r in session.execute(query)]
        self._rows.extend(rows)
        self._end = len(rows) < self.page
        if rows:
            self._after = rows[-1][0]
        return bool(rows)

    def find(self, group: str | None, control: str) -> int | None:
        """The id of the first set (group control, set control) from the one found last on
        (that one included: a set may have several requests); None, and the walk where it
        was, when no set further on has it (a set controlled twice gets its first row)."""
        back = self._rows[0][0] - 1 if self._rows else self._after
        while self._rows or self._more():
            transaction_id, row_group, row_control = self._rows[0]
            if row_control == control and row_group == group:
                return transaction_id
            self._rows.popleft()
        self._rows.clear()  # not found: from where the walk was, next time
        self._after, self._end = back, False
        return None

    def __getitem__(self, key: tuple[str | None, str]) -> int:
        found = self.find(*key)
        if found is None:
            raise KeyError(key)
        return found


class TranslationWriter:
    """The rows of one `received` file's translation, written as they come (module doc)."""

    def __init__(self, ledger: Ledger, file_id: str, batch: int | None = None) -> None:
        self.ledger, self.file_id, self.batch = ledger, file_id, batch or BATCH
        self.events = 0  # recorded so far
        self._pending: list[dict[str, Any]] = []  # queued by add_events
        self._ready: list[dict[str, Any]] = []  # taken from the queue, not yet written
        self._replay: bool | None = None
        self._partner_id = ""
        self._skip_sent = False  # an operator's replay that resends only what did not succeed
        self.skipped = 0  # events left out because they already succeeded (replays)
        self._held = 0  # this file's interchange rows up to this id: an earlier attempt's
        self._claimed: OpenClaim | None = None  # open from `claim` to `interchange`
        self._scoped = False  # in `claiming()`
        self.repeated = False  # the last claim's original came earlier in this file

    def clear(self, *, release_claims: bool = False) -> None:
        """Remove what an interrupted earlier attempt recorded (the file must be `received`, or
        `failed`; StateError otherwise). A first attempt finds nothing to remove and writes
        nothing. Its interchange rows stay, as the file's claims (module doc), taken over by
        this attempt's (`claim`, `interchange`); `release_claims`: the file is given up (it
        is quarantined next), its claims with it (gateway.ledger.claims.release)."""
        with self.ledger._read() as session:
            file = session.get(ReceivedFile, self.file_id)
            if file is None:
                raise NotFoundError(f"no ReceivedFile {self.file_id!r} in the ledger")
            if FileState(file.state) not in (FileState.RECEIVED, FileState.FAILED):
                raise StateError(f"file {self.file_id} is {file.state}: already translated")
            self._replay, self._partner_id = file.replay_of is not None, file.partner_id
            self._skip_sent = resends_only_unsent(session, self.file_id)
            left = session.scalar(select(
                exists().where(Interchange.file_id == self.file_id)
                | exists().where(Event.file_id == self.file_id)
                | exists().where(Ack.file_id == self.file_id)))  # fmt: skip
        if not left:
            return
        with self.ledger._tx(durable=False) as session:
            file = self.ledger._row(session, ReceivedFile, self.file_id)
            if FileState(file.state) not in (FileState.RECEIVED, FileState.FAILED):
                raise StateError(f"file {self.file_id} is {file.state}: already translated")
            mine = select(Interchange.id).where(Interchange.file_id == self.file_id)
            session.execute(delete(Event).where(Event.file_id == self.file_id))
            session.execute(delete(Ack).where(Ack.file_id == self.file_id))
            session.execute(delete(Transaction).where(Transaction.interchange_id.in_(mine)))
            if release_claims:
                release(session, self.file_id)
            last = select(func.max(Interchange.id)).where(Interchange.file_id == self.file_id)
            self._held = session.scalar(last) or 0

    @contextmanager
    def claiming(self) -> Iterator[None]:
        """The scope of one interchange's header check and record: a `claim` in it keeps its
        write transaction (and the interchange's lock) open until `interchange()` has
        recorded the row in it, so the look and the row are one step at the cost of one
        transaction. Leaving the scope ends a claim still open: committed (nothing of it
        written), or rolled back on an exception. No other ledger write in between."""
        self._scoped = True
        try:
            yield
        except BaseException as exc:
            self._end_claim(exc)
            raise
        else:
            self._end_claim(None)
        finally:
            self._scoped = False

    def _end_claim(self, exc: BaseException | None) -> None:
        pending, self._claimed = self._claimed, None
        if pending is not None:
            pending.end(exc)

    def claim(self, *, sender: str, control: str) -> int | None:
        """Claim an interchange of this file whose trailer was read, in `claiming()`
        (gateway.ledger.claims): take the interchange's lock and look for the interchange
        processed before with this sender + control number; the next `interchange()`, of
        the same sender + control number, records the row (as that one's duplicate, if any)
        before the lock is let go. Returns that interchange's id (reject this one whole;
        it may be this file's own, recorded earlier in this attempt: an interchange sent
        twice in one file), None when this file holds the interchange (always for a
        replay, unless it came twice in the replay; an earlier, interrupted attempt's row
        of it does not count); `repeated` then says whether the id is this file's. Of two files
        claiming the same interchange at once, in any processes, exactly one gets None.
        LedgerError outside `claiming()` or with a claim of it still open."""
        if not self._scoped or self._claimed is not None:
            raise LedgerError("claim() outside claiming(), or twice in one")
        if self._replay is None:
            self.clear()
        self._claimed = OpenClaim.begin(self.ledger, self._partner_id, self.file_id, sender,
                                        control, replay=bool(self._replay),
                                        since=self._held)  # fmt: skip
        self.repeated = self._claimed.in_file
        return self._claimed.original

    def interchange(self, new: NewInterchange) -> SetIds:
        """Record an interchange and its transaction sets, taken from `new.transactions` (any
        iterable: read as it goes, `batch` sets per transaction; their `events` are ignored,
        see `add_events`). Returns the sets' ids to look up in file order (`SetIds`): neither
        the sets nor their ids are held here, whatever their number. After a `claim` of the
        same sender + control number, its row and first sets go in the claim's transaction,
        `duplicate_of` the claim's; else `new.duplicate_of` as given, under the key's lock
        too (the row takes over an earlier attempt's: gateway.ledger.claims.take_over)."""
        if self._replay is None:
            self.clear()
        sets = iter(new.transactions)
        claimed, self._claimed = self._claimed, None
        if claimed is not None and (claimed.sender, claimed.control) != (new.sender, new.control):
            claimed.end()  # not this interchange's: nothing of it written
            claimed = None
        scope = claimed.scope if claimed else ExitStack()
        with scope:  # with the first batch of its sets
            if claimed is None:
                session = scope.enter_context(self.ledger._tx(durable=False))
                lock_interchange(session, self._partner_id, new.sender, new.control)
            else:
                session = claimed.session
            row = Interchange(file_id=self.file_id, partner_id=self._partner_id,
                              syntax=new.syntax, sender=new.sender, receiver=new.receiver,
                              control=new.control, test=new.test, accepted=new.accepted,
                              duplicate_of=claimed.original if claimed else new.duplicate_of,
                              replay=bool(self._replay))  # fmt: skip
            insert_claim(session, row, held=self._held)
            interchange_id = row.id
            rows = _set_rows(interchange_id, islice(sets, self.batch))
            self._insert_in(session, _TRANSACTIONS, rows)
        while len(rows) == self.batch:  # a transaction per further batch
            rows = _set_rows(interchange_id, islice(sets, self.batch))
            if rows:
                with self.ledger._tx(durable=False) as session:
                    self._insert_in(session, _TRANSACTIONS, rows)
        return SetIds(self.ledger, interchange_id, self.batch)

    def _serialized(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Event rows ready to insert: on SQLite with their JSON as text (serialized here,
        before the write lock is taken, not while it is held)."""
        if not is_sqlite(self.ledger.engine):
            return rows
        return [{**r, **{c: _json(r[c]) for c in _JSON_COLUMNS}} for r in rows]

    def _insert_in(self, session: Session, table: Table, rows: list[dict[str, Any]]) -> None:
        """Insert `rows` in `session`'s transaction (Core executemany: no ORM bookkeeping per
        row); event rows come from `_serialized`."""
        if not rows:
            return
        if table is _EVENTS and is_sqlite(self.ledger.engine):
            table = _EVENTS_TEXT
        session.connection().execute(insert(table), rows)

    def add_events(self, transaction_id: int | None, events: Sequence[NewEvent]) -> None:
        """Queue events of a recorded transaction set; written every `batch` events. In a
        replay that resends only what did not succeed, an event that the partner's other
        files hold as succeeded or on its way (same operation, PO, tracking number and
        payload) is left out when its batch is written (gateway.ledger.replays.sent_among:
        one query per batch)."""
        now = utc_now()
        for event in events:
            self._pending.append({
                "file_id": self.file_id, "transaction_id": transaction_id,
                "operation": event.operation, "seller": event.seller,
                "purchase_order": event.purchase_order,
                "tracking_number": event.tracking_number, "payload": event.payload,
                "lineage": event.lineage, "state": EventState.PENDING.value, "updated_at": now,
            })  # fmt: skip
        if len(self._pending) >= self.batch:
            self.flush()

    def _unsent(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """`rows` without the events already sent (an unsent-only replay), one query."""
        if not self._skip_sent or not rows:
            return rows
        events = [NewEvent(r["operation"], r["seller"], r["payload"], r["purchase_order"],
                           r["tracking_number"]) for r in rows]  # fmt: skip
        with self.ledger._read() as session:
            sent = sent_among(session, self._partner_id, self.file_id, events)
        self.skipped += len(sent)
        return [row for index, row in enumerate(rows) if index not in sent]

    def _take_pending(self) -> list[dict[str, Any]]:
        """The queued events to write next, without those already sent (an unsent-only
        replay), serialized; kept until `_written` (a transaction that fails may be retried)."""
        if self._pending:
            self._ready += self._serialized(self._unsent(self._pending))
            self._pending = []
        return self._ready

    def _written(self) -> None:
        self.events += len(self._ready)
        self._ready = []

    def flush(self) -> None:
        """Write the queued events in their own transaction."""
        rows = self._take_pending()
        if rows:
            with self.ledger._tx(durable=False) as session:
                self._insert_in(session, _EVENTS, rows)
        self._written()

    def finish(self, *, state: FileState, syntax: str | None, accepted: bool,
               errors: Sequence[dict[str, Any]], acks: Iterable[NewAck],
               reason: str | None = None, controls: tuple[int, int] | None = None,
               unlisted: int = 0) -> None:  # fmt: skip
        """The last events, the acks and the file's new state in one transaction: the file
        is `state` only once everything is recorded. `controls` (first, used): the acks'
        interchange control numbers, taken from the partner's counter in the same
        transaction (gateway.ledger.controls); ControlConflict, and nothing of this call
        recorded, when another ack took them meanwhile (it may be called again). `acks` are
        read once, in order, and inserted `batch` at a time (a mailbag's thousands of acks
        are not held as rows). An earlier attempt's interchange rows this one did not take
        over are released. `unlisted`: the file's problems past `errors`, counted only."""
        rows = self._take_pending()
        now = utc_now()
        with self.ledger._tx() as session:
            self._insert_in(session, _EVENTS, rows)
            file = self.ledger._row(session, ReceivedFile, self.file_id)
            check_file_move(FileState(file.state), state)
            if self._held:
                release(session, self.file_id, up_to=self._held)
            if controls is not None:
                take_controls(session, file.partner_id, *controls)
            rows_of_acks = ({"file_id": self.file_id, "type": a.type, "content": a.content,
                             "acknowledges": a.acknowledges, "created_at": now,
                             "state": AckState.CREATED.value} for a in acks)  # fmt: skip
            while batch := list(islice(rows_of_acks, self.batch)):
                session.connection().execute(insert(Ack), batch)
            file.state, file.state_reason, file.syntax = state.value, reason, syntax
            file.accepted, file.errors, file.updated_at = accepted, list(errors), now
            file.errors_unlisted = unlisted
        self._written()
