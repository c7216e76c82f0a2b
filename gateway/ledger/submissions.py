"""Ledger queries for what goes to Amazon: status events / confirmation items and SP-API calls.

An event is sent at most once automatically: `mark_sending` moves pending events to `sending`
and creates their call row in the same transaction *before* the request leaves; after a crash
`mark_unknown_after_crash` turns whatever is still `sending` into `unknown`, which only an
operator's `requeue_events` sends again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from gateway.ledger.mailbox import MailboxLedger
from gateway.ledger.records import (
    AMAZON_ID_WIDTH,
    CallRecord,
    EventRecord,
    NewEvent,
    column_text,
)
from gateway.ledger.settling import REAUTHORIZATION_NEEDED, SettlingLedger
from gateway.ledger.states import EventState, LedgerError, StateError, check_event_move
from gateway.ledger.tables import (
    STATE_ONLY,
    ApiCall,
    Event,
    ReceivedFile,
    call_event_rows,
    utc_now,
)
from gateway.spapi import FINAL_STATUSES, ApiError, CallResult, TransactionStatus

__all__ = ["SubmissionLedger"]

_FINAL_STATUSES = frozenset(s.value for s in FINAL_STATUSES)
_OPEN_STATUSES = (TransactionStatus.PROCESSING.value,)
_TARGETS = {TransactionStatus.SUCCESS: EventState.SUCCESS,
            TransactionStatus.FAILURE: EventState.FAILURE,
            TransactionStatus.ASSUMED_SUCCESS: EventState.ASSUMED_SUCCESS,
            TransactionStatus.UNCONFIRMED: EventState.UNCONFIRMED}  # fmt: skip
_CRASH_ERROR = {"code": "Unknown", "message": "the gateway stopped while this call was in flight",
                "details": None}  # fmt: skip


def _event(row: Event) -> EventRecord:
    return EventRecord.of(row, state=EventState(row.state))


def _move(row: Event, target: EventState) -> None:
    check_event_move(EventState(row.state), target)
    row.state = target.value
    row.updated_at = utc_now()


def _errors(errors: Iterable[ApiError]) -> list[dict[str, str | None]]:
    return [asdict(e) for e in errors]


class SubmissionLedger(SettlingLedger, MailboxLedger):
    """Events and API calls (the file, interchange and ack side is in `store.Ledger`)."""

    def add_events(self, file_id: str, events: Sequence[NewEvent]) -> list[int]:
        """Record the items to submit for a file, all `pending`; their ids in order."""
        now = utc_now()
        with self._tx() as session:
            self._row(session, ReceivedFile, file_id)
            rows = [Event(file_id=file_id, transaction_id=e.transaction_id, operation=e.operation,
                          seller=e.seller, purchase_order=e.purchase_order,
                          tracking_number=e.tracking_number, payload=e.payload,
                          lineage=e.lineage, state=EventState.PENDING.value,
                          updated_at=now) for e in events]  # fmt: skip
            session.add_all(rows)
            session.flush()
            return [row.id for row in rows]

    def events_for_file(self, file_id: str,
                        states: Iterable[EventState] | None = None,
                        ) -> list[EventRecord]:  # fmt: skip
        query = select(Event).where(Event.file_id == file_id)
        if states is not None:
            query = query.where(Event.state.in_([EventState(s).value for s in states]))
        with self._read() as session:
            return [_event(row) for row in session.scalars(query.order_by(Event.id))]

    def events_for_files(self, file_ids: Sequence[str],
                         states: Iterable[EventState] | None = None, limit: int | None = None,
                         ) -> list[EventRecord]:  # fmt: skip
        """events_for_file of several files in one query, file by file in the given order
        (`limit`: only the first events by id)."""
        query = select(Event).where(Event.file_id.in_(file_ids))
        if states is not None:
            query = query.where(Event.state.in_([EventState(s).value for s in states]))
        with self._read() as session:
            query = query.order_by(Event.id).limit(limit)
            rows = [_event(row) for row in session.scalars(query)]
        rank = {file_id: index for index, file_id in enumerate(file_ids)}
        return sorted(rows, key=lambda event: rank[event.file_id])

    def events_in_state(self, *states: EventState) -> list[EventRecord]:
        query = select(Event).where(Event.state.in_([EventState(s).value for s in states]))
        with self._read() as session:
            return [_event(row) for row in session.scalars(query.order_by(Event.id))]

    def retryable_rejected_events(self) -> list[int]:
        """Ids of `rejected` events whose call got no answer from Amazon or a 429 / 5xx after
        all its retries (worth sending again; never those Amazon refused). Only ids are read,
        in one query: a big file's rejected events are not loaded with their bodies."""
        status = ApiCall.status_code
        query = (select(Event.id).join(ApiCall, Event.batch_id == ApiCall.id)
                 .where(Event.state == EventState.REJECTED.value,
                        or_(status.is_(None), status >= 500, status == 429))
                 .order_by(Event.id))  # fmt: skip
        with self._read() as session:
            return list(session.scalars(query))

    def events_of_call(self, call_id: int) -> list[EventRecord]:
        query = select(Event).where(Event.batch_id == call_id).order_by(Event.id)
        with self._read() as session:
            return [_event(row) for row in session.scalars(query)]

    def _events(self, session: Session, event_ids: Sequence[int]) -> list[Event]:
        query = (select(Event).options(*STATE_ONLY).where(Event.id.in_(event_ids))
                 .order_by(Event.id).with_for_update())  # fmt: skip
        rows = list(session.scalars(query))
        if len(rows) != len(set(event_ids)):
            raise StateError(f"unknown event ids among {sorted(event_ids)}")
        return rows

    def mark_sending(self, event_ids: Sequence[int], *, url: str | None = None,
                     sandbox: bool = False) -> int:  # fmt: skip
        """Move pending events to `sending` under a new api_calls row (one seller, one
        operation); its id. StateError if any event is not pending: nothing changes then."""
        if not event_ids:
            raise LedgerError("mark_sending needs at least one event")
        with self._tx() as session:
            rows = self._events(session, event_ids)
            kinds = {(row.seller, row.operation) for row in rows}
            if len(kinds) != 1:
                raise LedgerError(f"one call holds one seller and operation, not {kinds}")
            ((seller, operation),) = kinds
            if busy := [row.id for row in rows if row.state != EventState.PENDING.value]:
                raise StateError(f"events {busy} are not pending")
            call = ApiCall(seller=seller, operation=operation, url=url, sandbox=sandbox,
                           attempts=0, request_ids=[], errors=[], throttled=0,
                           started_at=utc_now())  # fmt: skip
            session.add(call)
            session.flush()
            for row in rows:
                _move(row, EventState.SENDING)
                row.batch_id = call.id
            return call.id

    def record_call(self, call_id: int, result: CallResult) -> None:
        """How the call ended: its events become `accepted` (with Amazon's transaction id,
        transaction status Processing) or `rejected` (status NotSubmitted); `blocked` when
        LWA refused the seller's credentials (nothing was sent; the seller is marked
        reauthorization_needed); `sandbox` when the static sandbox answered (canned 202 or
        500: its status answers are canned too, so nothing is polled)."""
        with self._tx() as session:
            call = self._row(session, ApiCall, call_id)
            if call.finished_at is not None:
                raise StateError(f"call {call_id} was already recorded")
            call.url = result.url
            call.status_code = result.status_code
            call.attempts = result.attempts
            call.request_ids = list(result.request_ids)
            # Amazon's ids are ~50 characters; a longer one is kept cut (`column_text`)
            amazon_id = result.transaction_id
            call.transaction_id = amazon_id and column_text(amazon_id, AMAZON_ID_WIDTH)
            call.errors = _errors(result.errors)
            call.throttled = result.throttled
            call.finished_at = utc_now()
            status = TransactionStatus.PROCESSING if result.accepted else \
                TransactionStatus.NOT_SUBMITTED  # fmt: skip
            target = EventState.ACCEPTED if result.accepted else EventState.REJECTED
            if result.blocked:
                status, target = TransactionStatus.BLOCKED, EventState.BLOCKED
            elif call.sandbox and (result.accepted or result.sandbox_refused):
                status, target = TransactionStatus.SANDBOX, EventState.SANDBOX
            call.transaction_status = status.value
            seller = call.seller
            for row in session.scalars(call_event_rows(call_id)):
                _move(row, target)
                row.amazon_transaction_id = call.transaction_id
        if result.blocked:
            code = next((e.code for e in result.errors if e.code.startswith("lwa_")), "lwa")
            self.set_seller_state(seller, REAUTHORIZATION_NEEDED, code)

    def update_transaction_status(self, call_id: int, status: TransactionStatus,
                                  errors: Sequence[ApiError] = ()) -> None:  # fmt: skip
        """What getTransactionStatus said: Success/Failure settle the call's events."""
        status = TransactionStatus(status)
        with self._tx() as session:
            call = self._row(session, ApiCall, call_id)
            if call.transaction_id is None:
                raise StateError(f"call {call_id} has no transaction to poll")
            if call.transaction_status in _FINAL_STATUSES and call.transaction_status != status:
                raise StateError(f"transaction of call {call_id} is already "
                                 f"{call.transaction_status}")  # fmt: skip
            call.transaction_status = status.value
            call.polled_at = utc_now()
            if errors:
                call.errors = _errors(errors)
            target = _TARGETS.get(status)
            if target is not None:
                for row in session.scalars(call_event_rows(call_id)):
                    _move(row, target)

    def get_call(self, call_id: int) -> CallRecord | None:
        with self._read() as session:
            row = session.get(ApiCall, call_id)
            return None if row is None else CallRecord.of(row)

    def calls_for_file(self, file_id: str) -> list[CallRecord]:
        batches = select(Event.batch_id).where(Event.file_id == file_id)
        query = select(ApiCall).where(ApiCall.id.in_(batches)).order_by(ApiCall.id)
        with self._read() as session:
            return [CallRecord.of(row) for row in session.scalars(query)]

    def unresolved_calls(self) -> list[CallRecord]:
        """Accepted calls whose transaction is not final yet (Processing): to poll."""
        query = (select(ApiCall).where(ApiCall.transaction_id.is_not(None),
                                       ApiCall.transaction_status.in_(_OPEN_STATUSES))
                 .order_by(ApiCall.id))  # fmt: skip
        with self._read() as session:
            return [CallRecord.of(row) for row in session.scalars(query)]

    def mark_unknown_after_crash(self) -> int:
        """At start-up: events still `sending` -> `unknown` (never resent automatically) and
        their unfinished calls closed with an error; the number of events."""
        now = utc_now()
        with self._tx() as session:
            sending = select(Event).where(Event.state == EventState.SENDING.value)
            rows = list(session.scalars(sending.with_for_update()))
            calls = {row.batch_id for row in rows if row.batch_id is not None}
            for row in rows:
                _move(row, EventState.UNKNOWN)
            for call in session.scalars(
                select(ApiCall).where(ApiCall.id.in_(calls), ApiCall.finished_at.is_(None))
            ):
                call.finished_at = now
                call.errors = [*call.errors, _CRASH_ERROR]
            return len(rows)

    def requeue_events(self, event_ids: Sequence[int]) -> int:
        """An operator's decision: `rejected` / `unknown` events back to `pending` (the only
        backward move); the number moved. StateError if any is in another state."""
        with self._tx() as session:
            rows = self._events(session, event_ids)
            retryable = {EventState.REJECTED.value, EventState.UNKNOWN.value}
            if bad := [row.id for row in rows if row.state not in retryable]:
                raise StateError(f"events {bad} are not rejected or unknown")
            now = utc_now()
            for row in rows:
                row.state, row.batch_id, row.updated_at = EventState.PENDING.value, None, now
                row.amazon_transaction_id = None
            return len(rows)
