"""Structured JSON logs: one object per line with the record's extras (file id, control
numbers, partner, ...). Secrets are never passed to the logger in the first place."""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["JsonFormatter", "SchedulerRepeats", "setup_logging"]

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class SchedulerRepeats(logging.Filter):
    """APScheduler's warnings that come back at every tick while a job is busy ("Execution
    of job ... skipped: maximum number of running instances reached", "Run time of job ...
    was missed by ..."): the first of each (message, job id) passes, then at most one per
    `every` seconds, with `repeated` = how many were left out since. They made two thirds
    of a busy gateway's log, burying failed logins. Errors (a job that raised) and every
    other logger's records always pass."""

    def __init__(self, every: float = 3600.0, clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self.every, self.clock = every, clock
        self._last: dict[tuple[object, str], tuple[float, int]] = {}  # -> (logged at, left out)

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.WARNING or not record.name.startswith("apscheduler"):
            return True
        job = record.args[0] if isinstance(record.args, tuple) and record.args else None
        key = (record.msg, str(getattr(job, "id", job)))  # a job's text has its next run time
        now = self.clock()
        logged, left_out = self._last.get(key, (None, 0))
        if logged is not None and now - logged < self.every:
            self._last[key] = (logged, left_out + 1)
            return False
        if len(self._last) >= 256:  # a few jobs and messages: bounded all the same
            self._last.clear()
        self._last[key] = (now, 0)
        if left_out:
            record.repeated = left_out
        return True


def setup_logging(level: int = logging.INFO) -> None:
    """JSON lines on stderr at `level`; chatty libraries at warning, and APScheduler's
    per-tick warnings logged once an hour per job (`SchedulerRepeats`)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(SchedulerRepeats())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("asyncssh", "apscheduler", "httpx", "uvicorn.error"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
