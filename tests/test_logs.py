"""The service's log: APScheduler's per-tick warnings about a busy job are logged once an
hour per job (with how many were left out), its info lines not at all; its errors (a job
that raised) and our own warnings always are."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from gateway.service.logs import SchedulerRepeats, setup_logging

SKIPPED = 'Execution of job "%s" skipped: maximum number of running instances reached (%d)'
MISSED = 'Run time of job "%s" was missed by %s'


@pytest.fixture
def logs() -> Iterator[tuple[list[float], io.StringIO]]:
    """setup_logging as the service calls it, its repeat filter on a clock the test moves;
    the root logger and the libraries' levels put back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {name: logging.getLogger(name).level
              for name in ("asyncssh", "apscheduler", "httpx", "uvicorn.error")}  # fmt: skip
    setup_logging()
    [handler] = root.handlers
    assert isinstance(handler, logging.StreamHandler)
    out = io.StringIO()
    handler.setStream(out)  # its stream is stderr: read what it writes
    [repeats] = [f for f in handler.filters if isinstance(f, SchedulerRepeats)]
    clock = [1000.0]
    repeats.clock = lambda: clock[0]
    try:
        yield clock, out
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        for name, old in levels.items():
            logging.getLogger(name).setLevel(old)


def _lines(out: io.StringIO) -> list[dict[str, Any]]:
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    out.seek(0)
    out.truncate()
    return lines


def test_busy_job_warnings_once_an_hour_errors_always(
    logs: tuple[list[float], io.StringIO],
) -> None:
    clock, out = logs
    scheduler = BackgroundScheduler()  # the scheduler's own Job objects (never started)
    alerts = scheduler.add_job(print, "interval", seconds=60, id="alerts", max_instances=1)
    poll = scheduler.add_job(print, "interval", seconds=30, id="poll", max_instances=1)
    base = logging.getLogger("apscheduler.scheduler")
    executor = logging.getLogger("apscheduler.executors.default")
    for _ in range(500):  # a job busy for hours: a skip at every tick
        base.warning(SKIPPED, alerts, 1)
        base.warning(SKIPPED, poll, 1)
        executor.warning(MISSED, alerts, "0:00:03")
        executor.info('Running job "%s" (scheduled at %s)', alerts, "now")
        logging.getLogger("edigw.auth").warning("login failed")
    executor.error('Job "%s" raised an exception', alerts)
    lines = _lines(out)
    skips = [str(line["message"]) for line in lines if "skipped" in str(line["message"])]
    assert len(skips) == 2  # one per job
    assert "interval[0:01:00]" in skips[0] and "interval[0:00:30]" in skips[1]
    assert len([line for line in lines if "missed by" in str(line["message"])]) == 1
    assert not [line for line in lines if "Running job" in str(line["message"])]
    assert len([line for line in lines if line["message"] == "login failed"]) == 500
    [error] = [line for line in lines if line["level"] == "error"]
    assert error["logger"] == "apscheduler.executors.default"

    clock[0] += 3599.0  # within the hour: still quiet
    base.warning(SKIPPED, alerts, 1)
    assert _lines(out) == []
    clock[0] += 2.0  # an hour after the first: once more, with how many were left out
    base.warning(SKIPPED, alerts, 1)
    base.warning(SKIPPED, alerts, 1)
    [again] = _lines(out)
    assert again["level"] == "warning" and again["repeated"] == 500
    assert "skipped" in again["message"] and "interval[0:01:00]" in again["message"]
