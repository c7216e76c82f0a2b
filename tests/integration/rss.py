"""Peak RSS of a process tree, for the memory bounds of the integration tests and the
service benchmarks (issue 9: every gateway process under 250 MB, all together under 600)."""

from __future__ import annotations

import threading

import psutil

__all__ = ["RssSampler"]


class RssSampler:
    """Peak RSS in MB (10^6 bytes) of the process `pid`, of each of its children (the
    translation workers) and of all of them together: `sample()` by hand, or every
    `interval` seconds in a thread while used as a context manager."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.root = psutil.Process(pid)
        self.interval = interval
        self.peaks: dict[int, float] = {}  # pid -> MB
        self.total = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def sample(self) -> None:
        """Read the RSS of every process of the tree now; keep the peaks."""
        try:
            procs = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            return
        total = 0.0
        for proc in procs:
            try:
                rss = proc.memory_info().rss / 1e6
            except psutil.Error:
                continue
            total += rss
            self.peaks[proc.pid] = max(self.peaks.get(proc.pid, 0.0), rss)
        self.total = max(self.total, total)

    def reset(self) -> None:
        """Forget the peaks (the next phase is measured on its own)."""
        self.peaks, self.total = {}, 0.0

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)
