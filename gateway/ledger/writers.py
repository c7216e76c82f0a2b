"""One queue for the writers of a SQLite ledger, across processes.

SQLite lets one writer at a time in; the others wait in its busy handler, which sleeps and
tries again, in steps growing to 100 ms. A writer that commits and begins again within a few
milliseconds (a translation worker recording a big file's events batch after batch) then
holds the lock nearly all the time, and another process's writer (the service recording a
small upload of another partner, the worker translating it) only gets in when one of its
tries happens to fall into a gap: seconds of waiting for a write that takes milliseconds.

`WriterQueue` puts the writers of every process in front of a lock file (`flock`, released
by the kernel when a process dies) and tries it every few milliseconds, so a waiting writer
gets in at the holder's next gap between two transactions. It only orders the writers:
SQLite's own lock still keeps them apart. If the turn does not come within the busy timeout
(a writer of a process that does not use the queue, a stopped process), the writer goes on
without it and SQLite's busy timeout applies as before.
"""

from __future__ import annotations

import fcntl
import logging
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["WriterQueue"]

log = logging.getLogger("edigw.ledger")
_FIRST_PAUSE = 0.0005  # seconds between tries, doubling up to _LAST_PAUSE
_LAST_PAUSE = 0.002


class WriterQueue:
    """The write turn of one SQLite database (`database` + ".writers", mode 0600). Not thread
    safe: the caller holds its process's write lock (`SessionScope._tx`) around `turn`."""

    def __init__(self, database: Path) -> None:
        self.path = database.with_name(database.name + ".writers")
        self._fd: int | None = None
        self._depth = 0  # nested turns of this process (the outermost takes and releases)

    @contextmanager
    def turn(self, timeout: float) -> Iterator[None]:
        """Hold the turn for a write transaction; waits at most `timeout` seconds for it,
        then goes on without it (module doc)."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        fd = self._open()
        held = _take(fd, timeout)
        if not held:
            log.warning("ledger writer turn not taken in time: waiting on SQLite's lock",
                        extra={"timeout": timeout})  # fmt: skip
        self._depth = 1
        try:
            yield
        finally:
            self._depth = 0
            if held:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def _open(self) -> int:
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        return self._fd

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def _take(fd: int, timeout: float) -> bool:
    """Try the lock every few milliseconds until `timeout`; whether it was taken."""
    deadline = time.monotonic() + timeout
    pause = _FIRST_PAUSE
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            pass
        if time.monotonic() >= deadline:
            return False
        time.sleep(pause)
        pause = min(pause * 2, _LAST_PAUSE)
