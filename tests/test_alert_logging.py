"""An alert is logged when it opens, when what it covers changes and once when it closes; the
runs in between only keep the `edigw_alerts` gauge up to date."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from gateway.ledger import FileState
from gateway.service.jobs import Seen, check_alerts
from tests.test_service_jobs import a_file, runtime


def test_alert_logged_on_open_change_and_close(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    rt = runtime(tmp_path)
    # every received file is late at once
    rt.settings = rt.settings.model_copy(update={"files_waiting_alert": -1.0})
    seen: Seen = {}
    caplog.set_level(logging.INFO, logger="edigw.alerts")

    def run() -> list[logging.LogRecord]:
        caplog.clear()
        asyncio.run(check_alerts(rt, seen))
        return [r for r in caplog.records if getattr(r, "alert", None) == "files_waiting"]

    first = a_file(rt, "one.edi")
    [opened] = run()
    assert (opened.levelname, opened.state) == ("WARNING", "opened")  # type: ignore[attr-defined]
    assert run() == [] and run() == []  # unchanged: not logged every minute
    second = a_file(rt, "two.edi")
    [changed] = run()
    assert changed.state == "changed" and second in str(changed.detail)  # type: ignore[attr-defined]
    assert first not in str(changed.detail)  # type: ignore[attr-defined]
    for file_id in (first, second):
        rt.ledger.advance(file_id, FileState.QUARANTINED)
    [closed] = run()
    assert (closed.levelname, closed.getMessage()) == ("INFO", "alert closed")
    assert run() == []
    gauge = rt.metrics.alerts.labels("files_waiting")._value.get()
    assert gauge == 0
