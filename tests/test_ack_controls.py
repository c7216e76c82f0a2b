"""Ack control numbers without gaps (gateway.ledger.controls): numbers are taken only by the
transaction that records the acks; a conflict or a crash takes none."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.ack.context import AckContext
from gateway.ledger.controls import ControlConflict, next_control
from gateway.ledger.states import FileState
from gateway.ledger.store import Ledger
from gateway.ledger.tables import ControlCounter
from gateway.ledger.translation import NewAck, add_acks, record_translation


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    ledger.migrate()
    return ledger


def _file(ledger: Ledger, partner: str = "p1") -> str:
    return ledger.record_file(partner_id=partner, transport="http", name="f.edi",
                              sha256="00" * 32, size=1, stored_path="/f")  # fmt: skip


def _record(ledger: Ledger, file_id: str, first: int, used: int) -> None:
    acks = [NewAck("997", f"ack {first + n}") for n in range(used)]
    record_translation(ledger, file_id, state=FileState.TRANSLATED, syntax="x12", accepted=True,
                       errors=[], interchanges=[], acks=acks, controls=(first, used))  # fmt: skip


def test_numbers_are_taken_by_the_recording_transaction_only(ledger: Ledger) -> None:
    assert next_control(ledger, "p1") == 1
    first_file, second_file = _file(ledger), _file(ledger)
    assert next_control(ledger, "p1") == 1  # peeking and receiving take nothing
    _record(ledger, first_file, 1, 3)
    assert next_control(ledger, "p1") == 4
    assert next_control(ledger, "p2") == 1  # per partner
    _record(ledger, second_file, 4, 0)  # no ack: nothing taken, no conflict check needed
    assert next_control(ledger, "p1") == 4
    add_acks(ledger, second_file, [NewAck("824", "advice")], controls=(4, 1))
    assert next_control(ledger, "p1") == 5


def test_a_conflict_records_nothing_and_numbering_again_succeeds(ledger: Ledger) -> None:
    mine, theirs = _file(ledger), _file(ledger)
    first = next_control(ledger, "p1")  # both builders read 1
    _record(ledger, theirs, first, 2)  # the other one commits first
    with pytest.raises(ControlConflict):
        _record(ledger, mine, first, 2)
    record = ledger.get_file(mine)
    assert record is not None and record.state is FileState.RECEIVED
    assert ledger.acks_for_file(mine) == []
    with pytest.raises(ControlConflict):
        add_acks(ledger, mine, [NewAck("824", "x")], controls=(first, 1))
    assert ledger.acks_for_file(mine) == []
    _record(ledger, mine, next_control(ledger, "p1"), 2)
    assert next_control(ledger, "p1") == 5


def test_numbers_wrap_to_1_near_nine_digits(ledger: Ledger) -> None:
    file_id = _file(ledger)
    with ledger._tx() as session:
        session.add(ControlCounter(partner_id="p1", next_control=999_500_000))
    assert next_control(ledger, "p1") == 1
    _record(ledger, file_id, 1, 2)
    assert next_control(ledger, "p1") == 3


def test_references_inside_an_interchange_leave_interchange_numbers_consecutive() -> None:
    service = AckContext(next_control=7, references_per_interchange=True)
    taken = [service.take_control(), service.take_reference(), service.take_reference(),
             service.take_control(), service.take_reference()]  # fmt: skip
    assert taken == [7, 1, 2, 8, 1] and service.next_control == 9
    cli = AckContext(next_control=7)  # one shared counter (golden samples)
    assert [cli.take_control(), cli.take_reference(), cli.take_control()] == [7, 8, 9]
