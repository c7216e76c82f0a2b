"""Load-related parts of the service without its process (issue 9): streamed storage with a
size limit, attempts counted across restarts (a poison file never crash-loops), partial rows
of an interrupted translation recorded exactly once on the next attempt, and retention of
stale *.part uploads and stored copies."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from gateway.ledger import EventState, FileState, Ledger
from gateway.ledger.records import NewEvent
from gateway.ledger.streaming import TranslationWriter, begin_attempt, event_counts
from gateway.ledger.translation import NewInterchange, NewTransaction
from gateway.mapping.codes import load_code_tables
from gateway.profile import PartnerProfile
from gateway.service.config import ServiceSettings
from gateway.service.jobs import remove_stale_parts
from gateway.service.metrics import Metrics
from gateway.service.runtime import Runtime
from gateway.service.storage import FileStore, FileTooLarge
from gateway.service.translating import translate_received
from gateway.service.worker import Gateway
from tests.claim_checks import x12_214

PROFILE = PartnerProfile(id="bulk", x12_sender_ids=("BULKCAR",), selling_party="999US",
                         ship_from="ABCD", seller="demo")  # fmt: skip


def _214(control: int, sets: int) -> bytes:
    return x12_214(control, f"T{control}", sets, sender="BULKCAR").encode("ascii")


@pytest.fixture
def rt(tmp_path: Path) -> Runtime:
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    ledger.migrate()
    settings = ServiceSettings(data_dir=tmp_path, part_retention_hours=1, retention_days=2)
    (tmp_path / "sftp" / "bulk" / "inbox").mkdir(parents=True)
    return Runtime(settings=settings, ledger=ledger, store=FileStore(tmp_path),
                   partners={"bulk": PROFILE}, tables=load_code_tables(), metrics=Metrics(),
                   default_seller="demo")  # fmt: skip


def _receive(rt: Runtime, data: bytes) -> str:
    gateway = Gateway(rt)
    return asyncio.run(gateway.receive("bulk", "http", "f.edi", data)).id


def test_incoming_streams_counts_and_refuses_past_the_limit(rt: Runtime) -> None:
    with rt.store.incoming(limit=10) as incoming:
        incoming.write(b"12345")
        incoming.write(b"67890")
        with pytest.raises(FileTooLarge, match="limit of 10 bytes"):
            incoming.write(b"x")
    assert list(rt.store.files.iterdir()) == []  # the partial file is gone
    source = rt.store.files.parent / "source.edi"
    source.write_bytes(_214(1, 3))
    stored = rt.store.store_path(source, limit=None)
    assert stored.path.read_bytes() == source.read_bytes()
    assert stored.size == source.stat().st_size
    with pytest.raises(FileTooLarge):
        rt.store.store_path(source, limit=100)
    assert [p.name for p in rt.store.files.iterdir()] == [stored.file_id]


def test_attempts_that_ended_with_the_service_count_then_quarantine(rt: Runtime) -> None:
    """A file left `received` by three attempts that each took the whole service down is
    quarantined at the next start, not translated a fourth time (no crash loop)."""
    file_id = _receive(rt, _214(2, 2))
    for _ in range(rt.settings.translation_attempts):
        begin_attempt(rt.ledger, file_id)
    gateway = Gateway(rt)
    assert asyncio.run(gateway.translate(file_id)) is None
    record = rt.ledger.get_file(file_id)
    assert record is not None and record.state is FileState.QUARANTINED
    assert record.state_reason and "3 translation attempts" in record.state_reason
    assert rt.ledger.events_for_file(file_id) == []


def test_fewer_attempts_still_translate(rt: Runtime) -> None:
    file_id = _receive(rt, _214(3, 2))
    begin_attempt(rt.ledger, file_id)
    summary = asyncio.run(Gateway(rt).translate(file_id))
    assert summary is not None and summary.state is FileState.TRANSLATED
    assert event_counts(rt.ledger, file_id) == {EventState.PENDING.value: 2}


def test_rows_of_an_interrupted_attempt_are_recorded_once(rt: Runtime) -> None:
    """An attempt that recorded an interchange and some events, then died: the next attempt
    records every interchange, set and event exactly once."""
    file_id = _receive(rt, _214(4, 3))
    writer = TranslationWriter(rt.ledger, file_id, batch=1)
    ids = writer.interchange(NewInterchange(syntax="x12", sender="BULKCAR", receiver="AMAZONDF",
                                            control="000000004", test=False, accepted=True,
                                            transactions=(NewTransaction("0001", "214", True,
                                                                         "4"),)))  # fmt: skip
    writer.add_events(ids["4", "0001"], [NewEvent("submitShipmentStatusUpdates", "demo", {})])
    assert len(rt.ledger.events_for_file(file_id)) == 1  # committed: a batch
    record = rt.ledger.get_file(file_id)
    assert record is not None
    summary = translate_received(rt, record)
    assert summary.events == 3
    assert len(rt.ledger.events_for_file(file_id)) == 3
    assert [i.control for i in rt.ledger.interchanges_for_file(file_id)] == ["000000004"]
    assert len(rt.ledger.transactions_for_file(file_id)) == 3


def test_batches_bound_each_insert(rt: Runtime, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file's events go to the ledger in batches while it is read: with a batch of 2,
    a 5-event file takes three inserts (2, 2, 1; the last in the transaction that marks the
    file translated), not one; its 5 transaction sets likewise."""
    import gateway.ledger.streaming as streaming

    sizes: dict[str, list[int]] = {"events": [], "transactions": []}

    def count(_conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any,
              executemany: bool) -> None:  # fmt: skip
        for table, seen in sizes.items():
            if statement.startswith(f"INSERT INTO {table} "):
                seen.append(len(parameters) if executemany else 1)

    monkeypatch.setattr(streaming, "BATCH", 2)
    file_id = _receive(rt, _214(5, 5))
    record = rt.ledger.get_file(file_id)
    assert record is not None
    event.listen(rt.ledger.engine, "before_cursor_execute", count)
    try:
        assert translate_received(rt, record).events == 5
    finally:
        event.remove(rt.ledger.engine, "before_cursor_execute", count)
    assert sizes == {"events": [2, 2, 1], "transactions": [2, 2, 1]}
    assert len(rt.ledger.events_for_file(file_id)) == 5


def test_stale_part_files_and_old_stored_copies_removed(rt: Runtime) -> None:
    inbox = rt.sftp_root / "bulk" / "inbox"
    stale, fresh = inbox / "old.edi.part", inbox / "new.edi.part"
    stale.write_bytes(b"ISA")
    fresh.write_bytes(b"ISA")
    two_hours_ago = time.time() - 7200
    os.utime(stale, (two_hours_ago, two_hours_ago))
    assert remove_stale_parts(rt) == [stale]
    assert not stale.exists() and fresh.exists()

    done_id, open_id = _receive(rt, b"not edi at all"), _receive(rt, _214(6, 1))
    asyncio.run(Gateway(rt).translate(done_id))  # quarantined junk
    three_days_ago = time.time() - 3 * 86_400
    for file_id in (done_id, open_id):
        os.utime(rt.store.path(file_id), (three_days_ago, three_days_ago))

    def final(file_id: str) -> bool:
        record = rt.ledger.get_file(file_id)
        return record is not None and record.state is FileState.QUARANTINED

    assert rt.store.purge_files(rt.settings.retention_days, final) == 1
    assert not rt.store.path(done_id).exists()
    assert rt.store.path(open_id).exists()  # not final yet: kept


class _SlowPool:
    """A translation pool whose every file runs past its time limit (no processes)."""

    def __init__(self, settings: ServiceSettings) -> None:
        self.settings = settings
        self.sizes: list[int] = []

    def timeout(self, size_bytes: int) -> float:
        return self.settings.translation_limit(size_bytes)

    async def translate(self, partner_id: str, file_id: str, profile: object = None,
                        size_bytes: int = 0) -> object:  # fmt: skip
        self.sizes.append(size_bytes)
        raise TimeoutError


def test_time_limit_grows_with_the_file(rt: Runtime) -> None:
    """A file's time limit is the base plus an allowance per MB of it (a legitimate big file
    on a slow machine is no poison file); the reason names the limit of that file."""
    settings = ServiceSettings(data_dir=rt.settings.data_dir, translation_timeout=900,
                               translation_seconds_per_mb=30)  # fmt: skip
    assert settings.translation_limit(0) == 900
    assert settings.translation_limit(100_000_000) == 900 + 3000
    rt.settings = ServiceSettings(data_dir=rt.settings.data_dir, translation_timeout=10,
                                  translation_seconds_per_mb=2000)  # fmt: skip
    data = _214(5, 40)
    file_id = _receive(rt, data)
    pool = _SlowPool(rt.settings)
    gateway = Gateway(rt, pool)  # type: ignore[arg-type]
    assert asyncio.run(gateway.translate(file_id)) is None
    assert pool.sizes == [len(data)]
    record = rt.ledger.get_file(file_id)
    assert record is not None and record.state_reason is not None
    limit = 10 + 2000 * len(data) / 1e6
    assert f"longer than the limit of {limit:g} s" in record.state_reason, record.state_reason
