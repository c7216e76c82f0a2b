"""Streaming front of the Submitter: requests arrive one at a time and leave in batches.

Per seller, a pending list flushes when it holds `batch_max` items or `batch_wait` seconds
after its first request arrived, whichever comes first. Flushes of one seller run one after
the other, so an update of a tracking number is never sent before or alongside an earlier one
from a previous flush; within a flush the Submitter orders and overlaps calls.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from gateway.mapping.result import TranslatedRequest
from gateway.settings import SubmitSettings
from gateway.spapi import SubmissionOutcome
from gateway.submit.submitter import Submitter

__all__ = ["BatchQueue", "OutcomeSink"]

log = logging.getLogger(__name__)

# called with the seller, the flushed requests and their outcomes (outcome.requests index them)
OutcomeSink = Callable[[str, list[TranslatedRequest], list[SubmissionOutcome]], Awaitable[None]]


class _Pending:
    def __init__(self) -> None:
        self.requests: list[TranslatedRequest] = []
        self.items = 0
        self.timer: asyncio.TimerHandle | None = None
        self.lock = asyncio.Lock()  # one flush at a time per seller


class BatchQueue:
    """put() requests as they come; outcomes go to `sink` after each flush."""

    def __init__(self, submitter: Submitter, settings: SubmitSettings, sink: OutcomeSink) -> None:
        self._submitter = submitter
        self._settings = settings
        self._sink = sink
        self._pending: dict[str, _Pending] = {}
        self._flushes: set[asyncio.Task[None]] = set()

    async def put(self, seller: str, request: TranslatedRequest) -> None:
        pending = self._pending.setdefault(seller, _Pending())
        pending.requests.append(request)
        pending.items += request.event_count()
        if pending.items >= self._settings.batch_max:
            self._start_flush(seller)
        elif pending.timer is None:
            loop = asyncio.get_running_loop()
            pending.timer = loop.call_later(self._settings.batch_wait, self._start_flush, seller)

    async def close(self) -> None:
        """Flush what is pending and wait for every flush to end."""
        for seller in list(self._pending):
            self._start_flush(seller)
        while self._flushes:
            await asyncio.gather(*self._flushes, return_exceptions=True)

    def _start_flush(self, seller: str) -> None:
        pending = self._pending.get(seller)
        if pending is None or not pending.requests:
            return
        if pending.timer is not None:
            pending.timer.cancel()
            pending.timer = None
        requests, pending.requests, pending.items = pending.requests, [], 0
        task = asyncio.get_running_loop().create_task(self._flush(seller, pending, requests))
        self._flushes.add(task)
        task.add_done_callback(self._flushes.discard)

    async def _flush(
        self, seller: str, pending: _Pending, requests: list[TranslatedRequest]
    ) -> None:
        async with pending.lock:  # locks wake in FIFO order: flushes keep their order
            outcomes = await self._submitter.submit(seller, requests)
            try:
                await self._sink(seller, requests, outcomes)
            except Exception as exc:  # the sink's fault must not stop later flushes
                log.error("outcome sink failed for seller %s: %r", seller, exc)
