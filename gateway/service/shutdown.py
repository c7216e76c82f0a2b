"""Stopping within seconds during a long submission round.

A round may hold hundreds of SP-API calls. On SIGTERM the calls already made (events marked
`sending`) are let finish and recorded; the batches not started yet are held back and stay
`pending` for the next start. Interrupting a call instead would leave its events `sending`,
which a restart must treat as `unknown` (never resent automatically).
"""

from __future__ import annotations

import asyncio
import contextlib

__all__ = ["CallGate"]


class CallGate:
    """Counts SP-API calls in flight; once `drain` began, `enter` holds new calls forever
    (the caller cancels the round after `drain`)."""

    def __init__(self) -> None:
        self.stopping = False
        self.in_flight = 0
        self._idle: asyncio.Event | None = None

    def _event(self) -> asyncio.Event:
        if self._idle is None:
            self._idle = asyncio.Event()
            self._idle.set()
        return self._idle

    async def enter(self) -> None:
        """Before a call (before its events are marked `sending`)."""
        if self.stopping:
            await asyncio.Event().wait()  # held until the round is cancelled
        self.in_flight += 1
        self._event().clear()

    def leave(self) -> None:
        """After the call's outcome was recorded."""
        self.in_flight = max(0, self.in_flight - 1)
        if self.in_flight == 0:
            self._event().set()

    async def drain(self, timeout: float) -> bool:
        """Hold new calls; wait up to `timeout` s for those in flight. True if none is left."""
        self.stopping = True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event().wait(), timeout)
        return self.in_flight == 0
