"""Recording a translated file in one transaction: its interchanges, transaction sets, the
status events / confirmations to submit, its acks and its new state.

All or nothing: a crash before the commit leaves the file `received` with no partial rows, so
translating it again on restart records everything exactly once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from gateway.ledger.controls import take_controls
from gateway.ledger.records import NewEvent
from gateway.ledger.replays import resends_only_unsent, sent_among
from gateway.ledger.states import AckState, EventState, FileState, check_file_move
from gateway.ledger.store import Ledger
from gateway.ledger.tables import Ack, Event, Interchange, ReceivedFile, Transaction, utc_now

__all__ = ["NewAck", "NewInterchange", "NewTransaction", "add_acks", "record_translation"]


@dataclass(frozen=True, slots=True)
class NewTransaction:
    control: str
    type_code: str
    accepted: bool
    group_control: str | None
    errors: tuple[dict[str, Any], ...] = ()
    events: tuple[NewEvent, ...] = ()  # what this set means for Amazon
    version: str | None = None  # as its events' origins name it (TransactionRecord.version)


@dataclass(frozen=True, slots=True)
class NewInterchange:
    syntax: str
    sender: str
    receiver: str
    control: str
    test: bool
    accepted: bool
    duplicate_of: int | None = None
    # read once, in order: a generator lets a big interchange's sets be recorded as they are
    # read back from the envelope's spool (TranslationWriter.interchange)
    transactions: Iterable[NewTransaction] = ()


@dataclass(frozen=True, slots=True)
class NewAck:
    type: str
    content: str
    acknowledges: str | None = None


@dataclass
class Recorded:
    """Ids of what was recorded."""

    events: list[int] = field(default_factory=list)
    acks: list[int] = field(default_factory=list)


def record_translation(
    ledger: Ledger,
    file_id: str,
    *,
    state: FileState,
    syntax: str | None,
    accepted: bool,
    errors: Sequence[dict[str, Any]],
    interchanges: Sequence[NewInterchange],
    acks: Sequence[NewAck],
    reason: str | None = None,
    controls: tuple[int, int] = (1, 0),
) -> Recorded:
    """Record the whole translation of a `received` file and move it to `state`.
    `controls`: (first, count) of the partner's ack control numbers the acks carry
    (gateway.ledger.controls; ControlConflict if they were taken meanwhile)."""
    recorded = Recorded()
    now = utc_now()
    with ledger._tx() as session:  # one transaction on purpose: see the module docstring
        file = ledger._row(session, ReceivedFile, file_id)
        check_file_move(FileState(file.state), state)
        take_controls(session, file.partner_id, *controls)
        replay = file.replay_of is not None
        skip_sent = replay and resends_only_unsent(session, file_id)
        pending: list[Event] = []
        for new in interchanges:
            interchange = Interchange(file_id=file_id, partner_id=file.partner_id,
                                      syntax=new.syntax, sender=new.sender,
                                      receiver=new.receiver, control=new.control, test=new.test,
                                      accepted=new.accepted, duplicate_of=new.duplicate_of,
                                      replay=replay)  # fmt: skip
            session.add(interchange)
            session.flush()
            for st in new.transactions:
                transaction = Transaction(interchange_id=interchange.id,
                                          group_control=st.group_control, control=st.control,
                                          type_code=st.type_code, accepted=st.accepted,
                                          errors=list(st.errors), version=st.version)  # fmt: skip
                session.add(transaction)
                session.flush()
                # an operator's replay resends only what did not succeed
                sent = sent_among(session, file.partner_id, file_id, st.events) if skip_sent \
                    else set()  # fmt: skip
                for index, event in enumerate(st.events):
                    if index in sent:
                        continue
                    row = Event(file_id=file_id, transaction_id=transaction.id,
                                operation=event.operation, seller=event.seller,
                                purchase_order=event.purchase_order,
                                tracking_number=event.tracking_number, payload=event.payload,
                                lineage=event.lineage, state=EventState.PENDING.value,
                                updated_at=now)  # fmt: skip
                    session.add(row)
                    pending.append(row)
        ack_rows = [Ack(file_id=file_id, type=a.type, content=a.content,
                        acknowledges=a.acknowledges, created_at=now,
                        state=AckState.CREATED.value) for a in acks]  # fmt: skip
        session.add_all(ack_rows)
        file.state = state.value
        file.state_reason = reason
        file.syntax = syntax
        file.accepted = accepted
        file.errors = list(errors)
        file.updated_at = now
        session.flush()
        recorded.events = [row.id for row in pending]
        recorded.acks = [row.id for row in ack_rows]
    return recorded


def add_acks(
    ledger: Ledger, file_id: str, acks: Sequence[NewAck], controls: tuple[int, int] = (1, 0)
) -> list[int]:
    """Several acks / advices of one file in one transaction (all or none); `controls` as for
    record_translation."""
    now = utc_now()
    with ledger._tx() as session:
        file = ledger._row(session, ReceivedFile, file_id)
        take_controls(session, file.partner_id, *controls)
        rows = [Ack(file_id=file_id, type=a.type, content=a.content,
                    acknowledges=a.acknowledges, created_at=now,
                    state=AckState.CREATED.value) for a in acks]  # fmt: skip
        session.add_all(rows)
        session.flush()
        return [row.id for row in rows]
