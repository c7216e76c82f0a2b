"""Transaction polling: getTransactionStatus on an APScheduler interval job until final.

Every `poll_interval` the job starts one poll per outcome that is still open and has no poll in
flight (the client's own bucket for getTransactionStatus paces them). An outcome is settled
when Amazon says Success or Failure, or when it has been Processing for longer than
`processing_alert_after` since it was accepted: then it becomes Stuck (alert on it).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from gateway.settings import SubmitSettings
from gateway.submit.client import SpApiClient, TransactionStatusError
from gateway.submit.model import SubmissionOutcome, TransactionState, TransactionStatus

__all__ = ["TransactionPoller", "settled"]

log = logging.getLogger(__name__)

_SETTLED = (TransactionStatus.SUCCESS, TransactionStatus.FAILURE, TransactionStatus.STUCK)


def settled(outcome: SubmissionOutcome) -> bool:
    """Nothing more to learn: not accepted, Success, Failure or Stuck."""
    if not outcome.call.accepted:
        return True
    return outcome.state is not None and outcome.state.status in _SETTLED


class _Run:
    """One wait: the open outcomes, polls in flight and the event set when all are settled."""

    def __init__(self, poller: TransactionPoller, outcomes: Sequence[SubmissionOutcome],
                 accepted_at: Mapping[str, float]) -> None:  # fmt: skip
        self.poller = poller
        self.open = [o for o in outcomes if not settled(o)]
        self.accepted_at = accepted_at
        self.started = poller.clock()
        self.inflight: dict[int, asyncio.Task[None]] = {}
        self.done = asyncio.Event()
        if not self.open:
            self.done.set()

    async def tick(self) -> None:
        for outcome in self.open:
            if not settled(outcome) and id(outcome) not in self.inflight:
                task = asyncio.create_task(self.poll(outcome))
                self.inflight[id(outcome)] = task

    async def poll(self, outcome: SubmissionOutcome) -> None:
        try:
            await self.poller.poll_once(outcome, self.accepted_at, self.started)
        finally:
            self.inflight.pop(id(outcome), None)
            if all(settled(o) for o in self.open):
                self.done.set()

    async def cancel(self) -> None:
        tasks = list(self.inflight.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class TransactionPoller:
    """Polls the transactions of accepted calls; updates outcome.state and outcome.history."""

    def __init__(self, client: SpApiClient, settings: SubmitSettings,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self.client = client
        self.settings = settings
        self.clock = clock

    async def wait(self, outcomes: Sequence[SubmissionOutcome], timeout: float,
                   accepted_at: Mapping[str, float] | None = None) -> None:  # fmt: skip
        """Poll until every outcome is settled or `timeout` seconds passed (then return)."""
        run = _Run(self, outcomes, accepted_at or {})
        if run.done.is_set():
            return
        scheduler = AsyncIOScheduler(event_loop=asyncio.get_running_loop(), timezone=UTC)
        scheduler.add_job(run.tick, "interval", seconds=self.settings.poll_interval,
                          coalesce=True, max_instances=1, misfire_grace_time=None)  # fmt: skip
        scheduler.start()
        try:
            await asyncio.wait_for(run.done.wait(), timeout)
        except TimeoutError:
            log.warning("%d transactions still open after %.1f s",
                        sum(not settled(o) for o in run.open), timeout)  # fmt: skip
        finally:
            scheduler.shutdown(wait=False)
            await run.cancel()

    async def poll_once(self, outcome: SubmissionOutcome, accepted_at: Mapping[str, float],
                        started: float) -> None:  # fmt: skip
        """Ask once; record the new state (and history on a change); Stuck when overdue."""
        transaction_id = outcome.call.transaction_id
        if transaction_id is None:
            return
        previous = outcome.state or TransactionState(transaction_id, TransactionStatus.PROCESSING)
        try:
            answer = await self.client.transaction_status(
                outcome.seller, transaction_id, outcome.sandbox
            )
        except TransactionStatusError as exc:
            log.warning("getTransactionStatus %s: %s", transaction_id, exc)
            answer = previous
        state = replace(answer, polls=previous.polls + 1)
        since = accepted_at.get(transaction_id, started)
        overdue = self.clock() - since >= self.settings.processing_alert_after
        if state.status is TransactionStatus.PROCESSING and overdue:
            state = replace(state, status=TransactionStatus.STUCK)
            log.warning("transaction %s still Processing after %.0f s: Stuck",
                        transaction_id, self.clock() - since)  # fmt: skip
        if not outcome.history or outcome.history[-1].status != state.status:
            outcome.history.append(state)
        outcome.state = state
