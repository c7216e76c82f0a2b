"""Transaction polling with backoff until a final outcome (`edigw submit --wait`).

Amazon's V1 transactions often never leave Processing (selling-partner-api-docs#1653,
jlevers/selling-partner-api#415), so nothing is polled every second forever: the first poll
comes `poll_interval` after acceptance, each later one `poll_backoff` times later, up to
`poll_max`, and none after the seller's deadline `assume_success_after`. At the deadline a
transaction still Processing ends by the seller's `processing_policy`: AssumedSuccess
(`assume_success`) or Unconfirmed (`confirm`, a person decides). Success and Failure end it
at once. Sandbox transactions are not polled at all: the static sandbox answers a canned
Processing for any id, so they end as Sandbox when accepted.

A transaction that cannot be polled `poll_alert_errors` times in a row raises an alert (an
error log line naming it); if it was never answered by the deadline it ends Unknown.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace

from gateway.settings import SellerAccount, SubmitSettings
from gateway.spapi import (
    FINAL_STATUSES,
    SubmissionOutcome,
    TransactionState,
    TransactionStatus,
)
from gateway.submit.client import SpApiClient, TransactionStatusError

__all__ = ["PollSchedule", "TransactionPoller", "deadline_outcome", "settled"]

log = logging.getLogger(__name__)


def settled(outcome: SubmissionOutcome) -> bool:
    """Nothing more to learn: not accepted, or a final outcome."""
    if not outcome.call.accepted:
        return True
    return outcome.state is not None and outcome.state.status in FINAL_STATUSES


def deadline_outcome(account: SellerAccount | None) -> TransactionStatus:
    """What a transaction still Processing at the seller's deadline becomes."""
    if account is not None and account.processing_policy == "confirm":
        return TransactionStatus.UNCONFIRMED
    return TransactionStatus.ASSUMED_SUCCESS


@dataclass(frozen=True, slots=True)
class PollSchedule:
    """When to ask getTransactionStatus: first after `first` s, then `factor` times longer
    each time, capped at `cap`; the service and the CLI use the same schedule."""

    first: float
    factor: float
    cap: float

    @classmethod
    def of(cls, settings: SubmitSettings) -> PollSchedule:
        return cls(settings.poll_interval, max(1.0, settings.poll_backoff), settings.poll_max)

    def delay(self, polls: int) -> float:
        """Seconds between poll number `polls` (0: acceptance) and the next one."""
        return float(min(self.cap, self.first * self.factor**polls))


class TransactionPoller:
    """Polls the transactions of accepted calls; updates outcome.state and outcome.history."""

    def __init__(self, client: SpApiClient, settings: SubmitSettings,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self.client = client
        self.settings = settings
        self.schedule = PollSchedule.of(settings)
        self.clock = clock

    async def wait(self, outcomes: Sequence[SubmissionOutcome], timeout: float,
                   accepted_at: Mapping[str, float] | None = None) -> None:  # fmt: skip
        """Poll until every outcome is final or `timeout` seconds passed (then return; the
        open ones stay Processing and report as Unknown)."""
        started = self.clock()
        open_ = [o for o in outcomes if not settled(o)]
        tasks = [asyncio.create_task(self._follow(o, (accepted_at or {}).get(
            o.call.transaction_id or "", started))) for o in open_]  # fmt: skip
        if not tasks:
            return
        done, pending = await asyncio.wait(tasks, timeout=timeout)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for task in done:
            task.result()  # a bug in polling must not pass silently
        if pending:
            log.warning("%d transactions still open after %.1f s", len(pending), timeout)

    async def _follow(self, outcome: SubmissionOutcome, accepted: float) -> None:
        if outcome.sandbox:  # static sandbox: its status answers are canned
            self._set(outcome, TransactionState(outcome.call.transaction_id or "",
                                                TransactionStatus.SANDBOX))  # fmt: skip
            return
        account = self.client.sellers.get(outcome.seller)
        deadline = accepted + (account.assume_success_after if account else 1800.0)
        polls, failures, answered = 0, 0, False
        while True:
            wake = min(self.clock() + self.schedule.delay(polls), deadline)
            await asyncio.sleep(max(0.0, wake - self.clock()))
            polls += 1
            ok = await self.poll_once(outcome)
            answered |= ok
            failures = 0 if ok else failures + 1
            if failures == self.settings.poll_alert_errors:
                log.error(
                    "alert: transaction %s of seller %s cannot be polled (%d failures in a row)",
                    outcome.call.transaction_id,
                    outcome.seller,
                    failures,
                )
            if settled(outcome):
                return
            if self.clock() >= deadline:
                status = deadline_outcome(account) if answered else TransactionStatus.UNKNOWN
                previous = outcome.state or TransactionState(
                    outcome.call.transaction_id or "", TransactionStatus.PROCESSING
                )
                self._set(outcome, replace(previous, status=status))
                log.warning(
                    "transaction %s still Processing after %.0f s: %s",
                    outcome.call.transaction_id,
                    self.clock() - accepted,
                    status.value,
                )
                return

    @staticmethod
    def _set(outcome: SubmissionOutcome, state: TransactionState) -> None:
        if not outcome.history or outcome.history[-1].status != state.status:
            outcome.history.append(state)
        outcome.state = state

    async def poll_once(self, outcome: SubmissionOutcome) -> bool:
        """Ask once and record the answer; False when there was no answer."""
        transaction_id = outcome.call.transaction_id
        if transaction_id is None:
            return False
        previous = outcome.state or TransactionState(transaction_id, TransactionStatus.PROCESSING)
        try:
            answer = await self.client.transaction_status(
                outcome.seller, transaction_id, outcome.sandbox
            )
        except TransactionStatusError as exc:
            log.warning("getTransactionStatus %s: %s", transaction_id, exc)
            self._set(outcome, replace(previous, polls=previous.polls + 1))
            return False
        self._set(outcome, replace(answer, polls=previous.polls + 1))
        return True
