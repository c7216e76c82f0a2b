"""The SQLite ledger's writers take turns across processes (gateway.ledger.writers), and a big
translation is recorded in short transactions (gateway.ledger.streaming): what that
changes must not change what is stored."""

from __future__ import annotations

import logging
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text

from gateway.ledger import FileState, Ledger
from gateway.ledger.controls import ControlConflict, next_control
from gateway.ledger.engine import _json
from gateway.ledger.records import NewEvent
from gateway.ledger.streaming import TranslationWriter
from gateway.ledger.translation import NewAck, NewInterchange, NewTransaction
from gateway.ledger.writers import WriterQueue

_NORMAL, _FULL = 1, 2  # PRAGMA synchronous values


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    ledger.migrate()
    return ledger


def _file(ledger: Ledger) -> str:
    return ledger.record_file(partner_id="bulk", transport="http", name="f.edi",
                              sha256="0" * 64, size=1, stored_path="/dev/null",
                              file_id=uuid.uuid4().hex)  # fmt: skip


def test_a_turn_waits_for_the_holder_of_another_process(tmp_path: Path) -> None:
    """Two queues on one database (two processes: two open files, so the lock is theirs
    alone): the second writer enters only once the first left; nested turns of one holder
    release the lock only at the outermost."""
    first, second = WriterQueue(tmp_path / "db"), WriterQueue(tmp_path / "db")
    entered = threading.Event()

    def write() -> None:
        with second.turn(timeout=30):
            entered.set()

    with first.turn(timeout=1):
        with first.turn(timeout=1):  # nested: no wait on itself
            waiter = threading.Thread(target=write)
            waiter.start()
        assert not entered.wait(0.3)  # the outer turn still holds it
    assert entered.wait(10)
    waiter.join(10)
    assert (tmp_path / "db.writers").stat().st_mode & 0o777 == 0o600
    first.close()
    second.close()


def test_a_turn_not_given_in_time_goes_on_to_sqlite_lock(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    first, second = WriterQueue(tmp_path / "db"), WriterQueue(tmp_path / "db")
    with first.turn(timeout=1), caplog.at_level(logging.WARNING), second.turn(timeout=0.05):
        pass  # not stuck: SQLite's own lock and busy timeout decide from here
    assert "writer turn not taken in time" in caplog.text
    first.close()
    second.close()


def test_ledger_write_transactions_hold_the_turn(
    ledger: Ledger, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A Ledger's write transaction holds the turn of its database (another process's
    writer does not get it meanwhile); its read transactions do not."""
    other = WriterQueue(tmp_path / "ledger.sqlite")
    with ledger._tx() as session, caplog.at_level(logging.WARNING):
        session.execute(text("SELECT 1"))
        with other.turn(timeout=0.05):
            pass
    assert "writer turn not taken in time" in caplog.text
    caplog.clear()
    with ledger._read() as session, caplog.at_level(logging.WARNING):
        session.execute(text("SELECT 1"))
        with other.turn(timeout=5):
            pass
    assert caplog.text == ""
    _file(ledger)  # its turn was given back
    assert len(ledger.files_in_state(*FileState)) == 1
    other.close()


def test_lazy_transactions_do_not_wait_for_the_disk_others_do(ledger: Ledger) -> None:
    """synchronous NORMAL only inside a `durable=False` transaction; every other write
    transaction on the same pooled connection is FULL again."""
    for durable, level in ((False, _NORMAL), (True, _FULL), (False, _NORMAL), (True, _FULL)):
        with ledger._tx(durable=durable) as session:
            assert session.execute(text("PRAGMA synchronous")).scalar() == level


def test_batched_translation_stores_what_the_orm_stores(ledger: Ledger) -> None:
    """Transaction sets and events written in batches of 2 (each its own transaction, the
    events' JSON serialized before the lock): every set id found, the JSON text stored
    exactly as the JSON column writes it (a missing lineage as JSON null too)."""
    file_id = _file(ledger)
    writer = TranslationWriter(ledger, file_id, batch=2)
    sets = tuple(NewTransaction(f"{n:04d}", "214", True, "7") for n in range(1, 6))
    ids = writer.interchange(NewInterchange(syntax="x12", sender="BULKCAR", receiver="AMAZONDF",
                                            control="000000007", test=False, accepted=True,
                                            transactions=sets))  # fmt: skip
    found = [ids["7", f"{n:04d}"] for n in range(1, 6)]  # in file order (a forward walk)
    assert len(set(found)) == 5 and found == sorted(found)
    assert ids.find("7", "0001") is None and ids.find("8", "0005") is None  # passed / none
    assert ids["7", "0005"] == found[4]  # a miss leaves the walk where it was
    payloads = [{"trackingNumber": f"1Z{n}", "note": "Zürich ✓", "n": n} for n in range(5)]
    for n, payload in enumerate(payloads):
        lineage = None if n == 4 else {"origin": {"st": f"{n + 1:04d}"}, "values": [n]}
        writer.add_events(found[n], [NewEvent("submitShipmentStatusUpdates", "demo", payload,
                                              f"PO{n}", f"1Z{n}", lineage)])  # fmt: skip
    writer.flush()
    assert writer.events == 5
    events = ledger.events_for_file(file_id)
    assert [e.payload for e in events] == payloads
    assert [e.transaction_id for e in events] == found
    assert events[4].lineage is None and events[0].lineage == {"origin": {"st": "0001"},
                                                               "values": [0]}  # fmt: skip
    with ledger._read() as session:
        stored = session.execute(text("SELECT payload, lineage, typeof(lineage) FROM events "
                                      "ORDER BY id")).all()  # fmt: skip
    assert [row[0] for row in stored] == [_json(p) for p in payloads]
    assert stored[4][1:] == ("null", "text")  # as the JSON column stores None
    assert stored[0][1] == _json(events[0].lineage)


def test_last_events_recorded_with_the_state_once_after_a_control_conflict(
    ledger: Ledger,
) -> None:
    """The events not yet written go in the transaction that marks the file translated; if
    another ack took the control numbers meanwhile nothing of it is recorded, and the call
    made again (numbered again) records them exactly once."""
    file_id = _file(ledger)
    writer = TranslationWriter(ledger, file_id, batch=10)
    ids = writer.interchange(NewInterchange(syntax="x12", sender="BULKCAR", receiver="AMAZONDF",
                                            control="000000008", test=False, accepted=True,
                                            transactions=(NewTransaction("0001", "214", True,
                                                                         "8"),)))  # fmt: skip
    writer.add_events(ids["8", "0001"], [NewEvent("submitShipmentStatusUpdates", "demo",
                                                  {"n": n}) for n in range(3)])  # fmt: skip
    assert ledger.events_for_file(file_id) == []  # fewer than a batch: not yet written
    ack = NewAck("997", "ISA*...~", "000000008")
    with pytest.raises(ControlConflict):
        writer.finish(state=FileState.TRANSLATED, syntax="x12", accepted=True, errors=[],
                      acks=[ack], controls=(5, 1))  # fmt: skip
    record = ledger.get_file(file_id)
    assert record is not None and record.state is FileState.RECEIVED
    assert ledger.events_for_file(file_id) == [] and ledger.acks_for_file(file_id) == []
    writer.finish(state=FileState.TRANSLATED, syntax="x12", accepted=True, errors=[],
                  acks=[ack], controls=(next_control(ledger, "bulk"), 1))  # fmt: skip
    assert [e.payload for e in ledger.events_for_file(file_id)] == [{"n": n} for n in range(3)]
    assert writer.events == 3 and len(ledger.acks_for_file(file_id)) == 1
