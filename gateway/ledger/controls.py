"""Ack control numbers without gaps: per partner, the interchange control numbers of the acks
and advices sent (ISA13 / UNB 0020) go 1, 2, 3, ... one per ack interchange.

Nothing is reserved ahead. A builder reads `next_control` (the number its first ack will
carry), numbers its acks from there, and the recording transaction that stores the acks also
moves the partner's counter on by the numbers they used (`take_controls`). A crash before that
commit stores neither, so no number is lost; if another ack of the same partner was recorded
in between, `ControlConflict` is raised, nothing is stored, and the builder numbers its acks
again from the new `next_control`.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from gateway.ack.context import MAX_CONTROL  # ISA13 / UNB 0020 in nine digits
from gateway.ledger.engine import SessionScope
from gateway.ledger.states import LedgerError
from gateway.ledger.tables import ControlCounter

__all__ = ["MAX_CONTROL", "ControlConflict", "next_control", "take_controls"]

_WRAP_AT = MAX_CONTROL - 1_000_000  # numbering restarts at 1 beyond this (room for one file)


class ControlConflict(LedgerError):
    """Another ack of the partner took these control numbers first: number again."""


def _effective(stored: int | None) -> int:
    return 1 if stored is None or stored > _WRAP_AT else stored


def next_control(ledger: SessionScope, partner_id: str) -> int:
    """The control number the partner's next ack interchange carries (nothing is reserved)."""
    with ledger._read() as session:
        stored = session.scalar(
            select(ControlCounter.next_control).where(ControlCounter.partner_id == partner_id)
        )
    return _effective(stored)


def take_controls(session: Session, partner_id: str, first: int, used: int) -> None:
    """Inside the transaction recording acks numbered `first` .. `first + used - 1`: move the
    counter past them; ControlConflict unless `first` is still the partner's next number."""
    if used <= 0:
        return
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    session.execute(insert(ControlCounter).values(partner_id=partner_id, next_control=1)
                    .on_conflict_do_nothing(index_elements=["partner_id"]))  # fmt: skip
    row = session.scalars(select(ControlCounter).where(ControlCounter.partner_id == partner_id)
                          .with_for_update()).one()  # fmt: skip
    if _effective(row.next_control) != first:
        raise ControlConflict(f"control {first} of {partner_id} was taken meanwhile")
    row.next_control = first + used
