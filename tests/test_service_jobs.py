"""Scheduler jobs of the service: alerts for stuck work, retry of failed work, retention."""

from __future__ import annotations

import asyncio
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gateway.ledger import EventState, FileState, Ledger, NewEvent
from gateway.mapping.codes import load_code_tables
from gateway.profile import load_partners
from gateway.service.config import ServiceSettings
from gateway.service.jobs import find_alerts, purge_archive, retry_failed
from gateway.service.metrics import Metrics
from gateway.service.runtime import Runtime
from gateway.service.storage import FileStore
from gateway.service.worker import Gateway
from gateway.spapi import ApiError, CallResult

CONFIRMATION = {
    "purchaseOrderNumber": "PO1",
    "shipmentDetails": {"shippedDate": "2026-11-20T08:00:00Z", "shipmentStatus": "SHIPPED"},
}


def runtime(tmp_path: Path) -> Runtime:
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    ledger.migrate()
    settings = ServiceSettings(data_dir=tmp_path, files_waiting_alert=60)
    return Runtime(settings=settings, ledger=ledger, store=FileStore(tmp_path),
                   partners=load_partners(demo=True), tables=load_code_tables(), metrics=Metrics(),
                   default_seller="demo")  # fmt: skip


def a_file(rt: Runtime, name: str = "f.edi") -> str:
    file_id, path, sha256 = rt.store.store(b"ISA")
    return rt.ledger.record_file(partner_id="demo", transport="http", name=name, sha256=sha256,
                                 size=3, stored_path=str(path), file_id=file_id)  # fmt: skip


def call(status: int | None, transaction: str | None = None) -> CallResult:
    errors = () if transaction else (ApiError("TransportError", "ConnectError"),)
    return CallResult("submitShipmentConfirmations", "http://x", status, 6, (), transaction,
                      errors)  # fmt: skip


def test_alerts_name_late_confirmations_stuck_transactions_waiting_files(tmp_path: Path) -> None:
    rt = runtime(tmp_path)
    waiting = a_file(rt, "waiting.edi")
    late = a_file(rt, "late.edi")
    rt.ledger.advance(late, FileState.TRANSLATED)
    (event,) = rt.ledger.add_events(late, [NewEvent("submitShipmentConfirmations", "demo",
                                                    CONFIRMATION, "PO1")])  # fmt: skip
    stuck_file = a_file(rt, "stuck.edi")
    (stuck,) = rt.ledger.add_events(stuck_file, [NewEvent("submitShipmentStatusUpdates",
                                                          "demo", {}, "PO2", "T2")])  # fmt: skip
    call_id = rt.ledger.mark_sending([stuck])
    rt.ledger.record_call(call_id, call(202, "tx-1"))
    for _ in range(rt.settings.submit.poll_alert_errors):
        rt.ledger.record_poll(call_id, False, datetime.now(UTC))

    now = datetime(2026, 11, 20, 13, 0, tzinfo=UTC)  # 5 h after the ship date
    alerts = find_alerts(rt, now=datetime.now(UTC) + timedelta(minutes=5))
    assert any("PO1" in line for line in alerts["confirmation_late"])
    assert alerts["transaction_unpollable"] == [
        f"transaction tx-1 of seller demo: {rt.settings.submit.poll_alert_errors} polls failed "
        "in a row"
    ]
    assert any(waiting in line for line in alerts["files_waiting"])
    on_time = find_alerts(rt, now=now - timedelta(hours=2))
    assert on_time["confirmation_late"] == [] and on_time["files_waiting"] == []
    assert event


def test_retry_requeues_transport_failures_but_not_refusals(tmp_path: Path) -> None:
    rt = runtime(tmp_path)
    file_id = a_file(rt)
    rt.ledger.advance(file_id, FileState.TRANSLATED)
    gave_up, refused = rt.ledger.add_events(file_id, [
        NewEvent("submitShipmentConfirmations", "demo", CONFIRMATION, "PO1"),
        NewEvent("submitShipmentConfirmations", "demo", CONFIRMATION, "PO2"),
    ])  # fmt: skip
    first = rt.ledger.mark_sending([gave_up])
    rt.ledger.record_call(first, call(None))  # transport errors until max attempts
    second = rt.ledger.mark_sending([refused])
    rt.ledger.record_call(second, call(400))  # Amazon said no: final
    asyncio.run(retry_failed(Gateway(rt)))
    states = {e.id: e.state for e in rt.ledger.events_for_file(file_id)}
    assert states == {gave_up: EventState.PENDING, refused: EventState.REJECTED}


def test_archive_retention_removes_only_old_days(tmp_path: Path) -> None:
    rt = runtime(tmp_path)
    old_day = (datetime.now(UTC) - timedelta(days=40)).strftime("%Y-%m-%d")
    new_day = datetime.now(UTC).strftime("%Y-%m-%d")
    for day in (old_day, new_day):
        folder = rt.store.archive / "demo" / day
        folder.mkdir(parents=True)
        (folder / "x.edi").write_text("ISA")
    asyncio.run(purge_archive(rt))
    assert not (rt.store.archive / "demo" / old_day).exists()
    assert (rt.store.archive / "demo" / new_day / "x.edi").exists()


def test_stored_files_are_durable_and_readable(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    file_id, path, sha256 = store.store(b"UNB+UNOA:3")
    assert store.read(file_id) == b"UNB+UNOA:3" and path.parent == tmp_path / "files"
    assert len(sha256) == 64 and not [p for p in path.parent.iterdir() if p.name.startswith(".")]
    inbox = tmp_path / "inbox.edi"
    inbox.write_text("ISA")
    os.utime(inbox, (time.time(), time.time()))
    archived = store.archive_inbox_file("demo", inbox)
    assert archived is not None and archived.read_text() == "ISA" and not inbox.exists()
