"""Ledger queries for settling V1 transactions and for blocked sellers.

Polling bookkeeping per call (polls, consecutive errors, when to ask next), the seller's
policy at its deadline (AssumedSuccess / Unconfirmed, or Unknown when never answered), an
operator's decision on an Unconfirmed one (recorded with who made it), the resubmission of
a call whose transaction failed with a retryable error (its own events only), and the state
of each seller's credentials (`reauthorization_needed` while LWA refuses them; its events
wait `blocked` and go back to `pending` once they work again).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select

from gateway.ledger.engine import SessionScope
from gateway.ledger.records import CallRecord
from gateway.ledger.states import EventState, StateError, check_event_move
from gateway.ledger.tables import (
    STATE_ONLY,
    ApiCall,
    Event,
    SellerState,
    ServiceCredentials,
    call_event_rows,
    utc_now,
)
from gateway.spapi import TransactionStatus

__all__ = ["REAUTHORIZATION_NEEDED", "SELLER_OK", "CallEvents", "SettlingLedger"]

REAUTHORIZATION_NEEDED = "reauthorization_needed"
SELLER_OK = "ok"
_POLICY_TARGETS = {TransactionStatus.ASSUMED_SUCCESS: EventState.ASSUMED_SUCCESS,
                   TransactionStatus.UNCONFIRMED: EventState.UNCONFIRMED,
                   TransactionStatus.UNKNOWN: EventState.UNKNOWN}  # fmt: skip


def _move(row: Event, target: EventState) -> None:
    check_event_move(EventState(row.state), target)
    row.state = target.value
    row.updated_at = utc_now()


@dataclass(frozen=True, slots=True)
class CallEvents:
    """What settling needs of a call's events, without their bodies: the files they belong
    to, how many are in each state, and the most resubmissions of any of them."""

    file_ids: frozenset[str]
    states: dict[str, int]
    resubmits: int

    @property
    def count(self) -> int:
        return sum(self.states.values())


class SettlingLedger(SessionScope):
    """Mixed into the ledger: settling transactions and seller credential states."""

    def call_events(self, call_id: int) -> CallEvents:
        """The outline of a call's events (no payload or lineage is read)."""
        query = select(Event.file_id, Event.state, Event.resubmits).where(
            Event.batch_id == call_id)  # fmt: skip
        files: set[str] = set()
        states: Counter[str] = Counter()
        most = 0
        with self._read() as session:
            for file_id, state, resubmits in session.execute(query):
                files.add(file_id)
                states[state] += 1
                most = max(most, resubmits or 0)
        return CallEvents(frozenset(files), dict(states), most)

    def due_calls(self, now: datetime) -> list[CallRecord]:
        """Accepted calls still Processing whose next poll is due at `now`."""
        query = (select(ApiCall).where(
            ApiCall.transaction_id.is_not(None),
            ApiCall.transaction_status == TransactionStatus.PROCESSING.value,
            or_(ApiCall.next_poll_at.is_(None), ApiCall.next_poll_at <= now),
        ).order_by(ApiCall.id))  # fmt: skip
        with self._read() as session:
            return [CallRecord.of(row) for row in session.scalars(query)]

    def record_poll(self, call_id: int, answered: bool, next_poll_at: datetime) -> int:
        """One poll that changed nothing final: counts it (or its failure) and sets the next
        one; the number of consecutive failed polls."""
        with self._tx() as session:
            call = self._row(session, ApiCall, call_id)
            call.polls += 1
            call.poll_errors = 0 if answered else call.poll_errors + 1
            call.next_poll_at = next_poll_at
            if answered:
                call.polled_at = utc_now()
            return call.poll_errors

    def settle_by_policy(self, call_id: int, status: TransactionStatus) -> None:
        """At the seller's deadline: AssumedSuccess / Unconfirmed (or Unknown when it was never
        answered) for the call and its events."""
        target = _POLICY_TARGETS[status]
        with self._tx() as session:
            call = self._row(session, ApiCall, call_id)
            if call.transaction_status != TransactionStatus.PROCESSING.value:
                raise StateError(f"transaction of call {call_id} is {call.transaction_status}")
            call.transaction_status = status.value
            for row in session.scalars(call_event_rows(call_id)):
                _move(row, target)

    def unconfirmed_calls(self) -> list[CallRecord]:
        """The operators' work list: Unconfirmed transactions nobody decided on yet."""
        query = select(ApiCall).where(
            ApiCall.transaction_status == TransactionStatus.UNCONFIRMED.value,
            ApiCall.resolved_by.is_(None)).order_by(ApiCall.id)  # fmt: skip
        with self._read() as session:
            return [CallRecord.of(row) for row in session.scalars(query)]

    def resolve_unconfirmed(self, call_id: int, succeeded: bool, who: str) -> int:
        """An operator checked Vendor Central: the call's events succeeded or failed. The call
        stays Unconfirmed (never called Success) with who decided and when; the events moved."""
        if not who.strip():
            raise StateError("an operator's decision needs the operator's name")
        target = EventState.SUCCESS if succeeded else EventState.FAILURE
        with self._tx() as session:
            call = self._row(session, ApiCall, call_id)
            if call.transaction_status != TransactionStatus.UNCONFIRMED.value:
                raise StateError(f"call {call_id} is not Unconfirmed")
            if call.resolved_by is not None:
                raise StateError(f"call {call_id} was decided by {call.resolved_by}")
            call.resolved_by, call.resolved_at = who, utc_now()
            rows = list(session.scalars(call_event_rows(call_id)))
            for row in rows:
                _move(row, target)
            return len(rows)

    def resubmit_call(self, call_id: int, errors: Sequence[dict[str, str | None]]) -> list[int]:
        """A retryable transaction Failure: the call is Failure (with Amazon's errors) and its
        events go back to `pending`, each counted as resubmitted; their ids."""
        with self._tx() as session:
            call = self._row(session, ApiCall, call_id)
            call.transaction_status = TransactionStatus.FAILURE.value
            call.errors = list(errors)
            call.polled_at = utc_now()
            rows = list(session.scalars(call_event_rows(call_id)))
            for row in rows:
                _move(row, EventState.PENDING)
                row.batch_id, row.amazon_transaction_id = None, None
                row.resubmits += 1
            return [row.id for row in rows]

    # --- sellers -----------------------------------------------------------------------------

    def set_seller_state(self, seller: str, state: str, reason: str | None = None) -> None:
        with self._tx() as session:
            row = session.get(SellerState, seller)
            if row is None:
                session.add(SellerState(seller=seller, state=state, reason=reason,
                                        updated_at=utc_now()))  # fmt: skip
            else:
                row.state, row.reason, row.updated_at = state, reason, utc_now()

    def record_service_credentials(self, seller: str, sha256: str) -> None:
        """The running service uses the credentials with this SHA-256 for `seller`."""
        with self._tx() as session:
            row = session.get(ServiceCredentials, seller)
            if row is None:
                session.add(ServiceCredentials(seller=seller, sha256=sha256,
                                               recorded_at=utc_now()))  # fmt: skip
            else:
                row.sha256, row.recorded_at = sha256, utc_now()

    def service_credentials(self, seller: str) -> str | None:
        """The SHA-256 of the credentials the service last used for `seller`, if known."""
        with self._read() as session:
            row = session.get(ServiceCredentials, seller)
            return row.sha256 if row is not None else None

    def seller_states(self) -> dict[str, tuple[str, str | None]]:
        """seller -> (state, reason) for every seller that ever had a recorded state."""
        with self._read() as session:
            return {r.seller: (r.state, r.reason) for r in session.scalars(select(SellerState))}

    def resume_seller(self, seller: str) -> int:
        """The seller's credentials work again: state ok, its blocked events back to
        `pending` (they were never sent); how many."""
        self.set_seller_state(seller, SELLER_OK)
        with self._tx() as session:
            rows = list(session.scalars(select(Event).options(*STATE_ONLY).where(
                Event.seller == seller, Event.state == EventState.BLOCKED.value)))  # fmt: skip
            for row in rows:
                _move(row, EventState.PENDING)
                row.batch_id = None
            return len(rows)
