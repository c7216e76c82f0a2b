"""Operator replays: the replay file recorded with who asked and what it resends, and the
check that keeps a replay from sending again what Amazon already has.

`record_replay_file` records the new file and its `replays` row in one transaction.
`already_sent` is asked by `record_translation` for every event of a replay file whose
`resend` is `unsent`: an event with the same operation, purchase order, tracking number and
body, of the same partner, that succeeded or is still on its way (pending, sending, accepted)
is not recorded again. Events that failed, were rejected or are unknown are sent again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from gateway.ledger.records import NewEvent
from gateway.ledger.states import EventState, FileState
from gateway.ledger.store import Ledger
from gateway.ledger.tables import Event, ReceivedFile, Replay, utc_now

__all__ = ["ReplayRecord", "Resend", "already_sent", "record_replay_file", "replay_record"]

Resend = Literal["unsent", "all"]
_NOT_AGAIN = (EventState.SUCCESS, EventState.ACCEPTED, EventState.SENDING, EventState.PENDING,
              EventState.ASSUMED_SUCCESS, EventState.UNCONFIRMED, EventState.BLOCKED)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ReplayRecord:
    file_id: str
    replay_of: str
    requested_by: str
    resend: Resend
    requested_at: datetime


def record_replay_file(ledger: Ledger, *, original_id: str, requested_by: str, resend: Resend,
                       sha256: str, size: int, stored_path: str,
                       file_id: str | None = None) -> str:  # fmt: skip
    """A replay of `original_id` (bytes already stored at `stored_path`), state `received`,
    with who asked and what it resends; its id. NotFoundError for an unknown original."""
    now = utc_now()
    new_id = file_id or uuid.uuid4().hex
    with ledger._tx() as session:
        original = ledger._row(session, ReceivedFile, original_id)
        session.add(ReceivedFile(id=new_id, partner_id=original.partner_id, transport="replay",
                                 name=original.name, sha256=sha256, size=size,
                                 stored_path=stored_path, received_at=now,
                                 state=FileState.RECEIVED.value, errors=[],
                                 replay_of=original.id, updated_at=now))  # fmt: skip
        session.flush()
        session.add(Replay(file_id=new_id, replay_of=original.id, requested_by=requested_by,
                           resend=resend, requested_at=now))  # fmt: skip
    return new_id


def replay_record(ledger: Ledger, file_id: str) -> ReplayRecord | None:
    """Who asked for the replay file `file_id` and what it resends (None: not a replay)."""
    with ledger._read() as session:
        row = session.get(Replay, file_id)
        if row is None:
            return None
        resend: Resend = "all" if row.resend == "all" else "unsent"
        return ReplayRecord(row.file_id, row.replay_of, row.requested_by, resend,
                            row.requested_at)  # fmt: skip


def resends_only_unsent(session: Session, file_id: str) -> bool:
    """Whether the file being recorded is a replay that must skip events already sent."""
    row = session.get(Replay, file_id)
    return row is not None and row.resend != "all"


def already_sent(session: Session, partner_id: str, file_id: str, event: NewEvent) -> bool:
    """Whether another file of the partner holds this event and it succeeded or is on its way."""
    query = (
        select(Event.payload)
        .join(ReceivedFile, ReceivedFile.id == Event.file_id)
        .where(ReceivedFile.partner_id == partner_id, Event.file_id != file_id,
               Event.operation == event.operation,
               Event.purchase_order.is_(None) if event.purchase_order is None
               else Event.purchase_order == event.purchase_order,
               Event.tracking_number.is_(None) if event.tracking_number is None
               else Event.tracking_number == event.tracking_number,
               Event.state.in_([s.value for s in _NOT_AGAIN]))
    )  # fmt: skip
    return any(payload == event.payload for payload in session.scalars(query))
