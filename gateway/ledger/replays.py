"""Operator replays: the replay file recorded with who asked and what it resends, and the
check that keeps a replay from sending again what Amazon already has.

`record_replay_file` records the new file and its `replays` row in one transaction.
`sent_among` is asked by the translation writers for each batch of events of a replay file
whose `resend` is `unsent` (`already_sent` for one event): an event with the same operation,
purchase order, tracking number and body, of the same partner, that succeeded or is still
on its way (pending, sending, accepted) is not recorded again. Events that failed, were
rejected or are unknown are sent again.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from gateway.ledger.records import NewEvent
from gateway.ledger.states import EventState, FileState
from gateway.ledger.store import Ledger
from gateway.ledger.tables import Event, ReceivedFile, Replay, utc_now

__all__ = [
    "ReplayRecord",
    "Resend",
    "already_sent",
    "record_replay_file",
    "replay_record",
    "sent_among",
]

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
    return bool(sent_among(session, partner_id, file_id, [event]))


_KEYS_PER_QUERY = 300  # purchase orders and tracking numbers each, well under SQLite's 999


def sent_among(session: Session, partner_id: str, file_id: str,
               events: Sequence[NewEvent]) -> set[int]:  # fmt: skip
    """The positions in `events` of those `already_sent` (one query per few hundred events,
    not one per event: a candidate superset is read by purchase order / tracking number,
    then matched exactly, body included)."""
    sent: set[int] = set()
    for start in range(0, len(events), _KEYS_PER_QUERY):
        chunk = events[start : start + _KEYS_PER_QUERY]
        wanted: dict[tuple[str, str | None, str | None], list[int]] = {}
        for index, event in enumerate(chunk, start):
            key = (event.operation, event.purchase_order, event.tracking_number)
            wanted.setdefault(key, []).append(index)
        orders = {e.purchase_order for e in chunk if e.purchase_order is not None}
        tracking = {e.tracking_number for e in chunk if e.tracking_number is not None}
        by_order = or_(Event.purchase_order.in_(sorted(orders)), Event.purchase_order.is_(None))
        by_tracking = or_(Event.tracking_number.in_(sorted(tracking)),
                          Event.tracking_number.is_(None))  # fmt: skip
        query = (
            select(Event.operation, Event.purchase_order, Event.tracking_number, Event.payload)
            .join(ReceivedFile, ReceivedFile.id == Event.file_id)
            .where(ReceivedFile.partner_id == partner_id, Event.file_id != file_id,
                   Event.operation.in_(sorted({e.operation for e in chunk})), by_order,
                   by_tracking, Event.state.in_([s.value for s in _NOT_AGAIN]))
        )  # fmt: skip
        for operation, order, number, payload in session.execute(query):
            for index in wanted.get((operation, order, number), ()):
                if index not in sent and events[index].payload == payload:
                    sent.add(index)
    return sent
