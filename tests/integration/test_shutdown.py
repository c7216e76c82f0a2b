"""Stopping the service while an HTTP upload waits for its translation: the uploader gets a
clear 503 that names the stored file, the log holds no traceback, the service exits within
10 s, and the file is translated at the next start with the interrupted attempt not counted.
Real processes on loopback: the gateway, the emulator, httpx."""

from __future__ import annotations

import signal
import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gateway.ledger import FileState
from tests.integration.service import (
    SFTP,
    Service,
    emulator_process,
    running_service,
    wait_until,
)
from tests.integration.test_load import BULK_KEY, mappings, write_214

pytestmark = pytest.mark.skipif(SFTP is None, reason="OpenSSH sftp client not installed")


def _attempts(data_dir: Path, file_id: str) -> int:
    """Translation attempts counted for the file (not part of its record)."""
    with sqlite3.connect(data_dir / "ledger.sqlite") as db:
        row = db.execute("select attempts from received_files where id = ?", (file_id,))
        return int(row.fetchone()[0])


def _stop_cleanly(service: Service, sender: threading.Thread) -> None:
    """SIGTERM: exit status 0 within 10 s, the uploading thread answered, no traceback."""
    start = time.monotonic()
    code = service.stop(signal.SIGTERM, timeout=20)
    took = time.monotonic() - start
    sender.join(timeout=60)
    logs = service.logs(200_000)
    assert code == 0, logs
    assert took < 10, f"SIGTERM took {took:.1f} s"
    assert "Traceback" not in logs and "Exception in ASGI" not in logs, logs


def test_sigterm_while_an_http_upload_translates(tmp_path: Path) -> None:
    big = tmp_path / "big.edi"
    events = write_214(big, "BULKCAR", 931, 6)  # seconds of translation on any machine
    tables = mappings(tmp_path)
    extra = f"mappings_dir: {tables}\npartners_dir: {tables / 'partners'}\n"
    answers: list[httpx.Response] = []
    with emulator_process(tmp_path / "emu", rate=200, burst=200) as emu:
        with running_service(tmp_path / "gw", emu.port, extra_settings=extra) as service:
            ledger = service.ledger()

            def upload() -> None:
                answers.append(httpx.post(f"{service.base}/v1/partners/bulk/interchanges",
                                          content=big.read_bytes(), timeout=120,
                                          headers={"X-API-Key": BULK_KEY,
                                                   "X-File-Name": "big.edi"}))  # fmt: skip

            sender = threading.Thread(target=upload)
            sender.start()

            def translating() -> str | None:
                files = ledger.files_in_state(FileState.RECEIVED)
                return files[0].id if files and _attempts(service.data_dir, files[0].id) else None

            file_id = wait_until(translating, 60, "the upload's translation to start")
            assert not answers, "translated before the stop: make the file bigger"
            _stop_cleanly(service, sender)
            assert len(answers) == 1
            answer = answers[0]
            assert answer.status_code == 503, answer.text
            assert answer.headers["retry-after"] == "30"
            detail = answer.json()["detail"]
            assert "stopping" in detail and file_id in detail, detail
        with running_service(tmp_path / "gw", emu.port, extra_settings=extra) as service:
            record = service.wait_file(file_id, FileState.TRANSLATED,
                                       FileState.SUBMITTED, FileState.DONE,
                                       timeout=120)  # fmt: skip
            assert record.state is not FileState.RECEIVED
            assert _attempts(service.data_dir, file_id) == 1  # the stopped one was given back
            assert len(service.ledger().events_for_file(file_id)) == events


def test_sigterm_while_an_http_upload_arrives(tmp_path: Path) -> None:
    """An upload still arriving when the service stops gets 503 (not kept: the partner sends
    it again), no traceback, and the service exits within 10 s; nothing is recorded."""
    tables = mappings(tmp_path)
    extra = f"mappings_dir: {tables}\npartners_dir: {tables / 'partners'}\n"
    answers: list[httpx.Response | Exception] = []
    sent = threading.Event()

    def trickle() -> Iterator[bytes]:
        for n in range(100):  # 20 s at least: the stop comes long before the end
            if n == 3:
                sent.set()
            yield b"ISA*00*" if n == 0 else b" " * 1024
            time.sleep(0.2)

    with (
        emulator_process(tmp_path / "emu", rate=200, burst=200) as emu,
        running_service(tmp_path / "gw", emu.port, extra_settings=extra) as service,
    ):

        def upload() -> None:
            try:
                answers.append(httpx.post(f"{service.base}/v1/partners/bulk/interchanges",
                                          content=trickle(), timeout=60,
                                          headers={"X-API-Key": BULK_KEY}))  # fmt: skip
            except httpx.HTTPError as exc:
                answers.append(exc)

        sender = threading.Thread(target=upload)
        sender.start()
        assert sent.wait(30)
        _stop_cleanly(service, sender)
        assert len(answers) == 1
        answer = answers[0]
        assert isinstance(answer, httpx.Response), answer
        assert answer.status_code == 503, answer.text
        assert "stopping" in answer.json()["detail"]
        assert answer.headers["retry-after"] == "30"
        assert service.ledger().files_in_state(*FileState) == []
