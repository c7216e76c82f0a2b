"""The ledger's state machines: received files, status events / confirmations, acks.

States only move forward. A move to an earlier state (or away from a final one) is an
infrastructure bug, not a data problem, so it raises `StateError`; the one deliberate way
back is `Ledger.requeue_events`, an operator's decision to resend.

    file:  received -> translated -> submitted -> done
           side exits: quarantined (cannot be parsed), duplicate (all interchanges seen before),
           failed (internal error, kept for retry: may move on to any later state)
    event: pending -> sending -> accepted -> success | failure
           accepted -> assumed_success | unconfirmed (still Processing at the seller's
                       deadline, by its policy) | unknown (never answered a poll)
           unconfirmed -> success | failure (an operator who checked Vendor Central)
           sending -> rejected (call refused) | unknown (crash while sending, ops decide)
                    | blocked (LWA refused the seller's credentials: nothing was sent)
                    | sandbox (the static sandbox answered: canned 202 or 500)
           blocked -> pending (credentials fixed); accepted -> pending (a retryable
                      transaction Failure, resubmitted: `resubmit_call`)
    ack:   created -> delivered
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

__all__ = [
    "AckState",
    "EventState",
    "FileState",
    "LedgerError",
    "StateError",
    "Transport",
    "check_ack_move",
    "check_event_move",
    "check_file_move",
]

Transport = Literal["sftp", "http", "cli", "replay"]


class LedgerError(Exception):
    """Base of the ledger's exceptions (infrastructure, never bad EDI data)."""


class StateError(LedgerError):
    """A transition to an earlier state, away from a final state, or of an unknown row."""


class FileState(StrEnum):
    RECEIVED = "received"
    TRANSLATED = "translated"
    SUBMITTED = "submitted"
    DONE = "done"
    QUARANTINED = "quarantined"
    DUPLICATE = "duplicate"
    FAILED = "failed"


class EventState(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    ACCEPTED = "accepted"
    SUCCESS = "success"
    FAILURE = "failure"
    REJECTED = "rejected"
    UNKNOWN = "unknown"
    BLOCKED = "blocked"
    ASSUMED_SUCCESS = "assumed_success"
    UNCONFIRMED = "unconfirmed"
    SANDBOX = "sandbox"


class AckState(StrEnum):
    CREATED = "created"
    DELIVERED = "delivered"


_FILE_RANK = {FileState.RECEIVED: 0, FileState.TRANSLATED: 1, FileState.SUBMITTED: 2}
_FILE_FINAL = frozenset({FileState.DONE, FileState.QUARANTINED, FileState.DUPLICATE})

_EVENT_NEXT: dict[EventState, frozenset[EventState]] = {
    EventState.PENDING: frozenset({EventState.SENDING}),
    EventState.SENDING: frozenset({EventState.ACCEPTED, EventState.REJECTED, EventState.UNKNOWN,
                                   EventState.BLOCKED, EventState.SANDBOX}),
    EventState.ACCEPTED: frozenset({EventState.SUCCESS, EventState.FAILURE,
                                    EventState.ASSUMED_SUCCESS, EventState.UNCONFIRMED,
                                    EventState.UNKNOWN, EventState.PENDING}),
    EventState.UNCONFIRMED: frozenset({EventState.SUCCESS, EventState.FAILURE}),
    EventState.BLOCKED: frozenset({EventState.PENDING}),
}  # fmt: skip


def check_file_move(current: FileState, target: FileState) -> None:
    """Raise StateError unless `current -> target` moves forward (or stays put).

    Final states (done, quarantined, duplicate) never change. `failed` can be entered from
    any non-final state and left for any state but `received` (the retry moves it on)."""
    if current == target:
        return
    if current in _FILE_FINAL:
        raise StateError(f"file is {current.value}: final, cannot move to {target.value}")
    if target == FileState.FAILED or target in _FILE_FINAL:
        return
    if current == FileState.FAILED:
        if target == FileState.RECEIVED:
            raise StateError("a failed file cannot go back to received")
        return
    if _FILE_RANK[target] < _FILE_RANK[current]:
        raise StateError(f"file cannot move back from {current.value} to {target.value}")


def check_event_move(current: EventState, target: EventState) -> None:
    """Raise StateError unless `current -> target` is a step of the event machine (or no move)."""
    if current != target and target not in _EVENT_NEXT.get(current, frozenset()):
        raise StateError(f"event cannot move from {current.value} to {target.value}")


def check_ack_move(current: AckState, target: AckState) -> None:
    if current == AckState.DELIVERED and target == AckState.CREATED:
        raise StateError("a delivered ack cannot go back to created")
