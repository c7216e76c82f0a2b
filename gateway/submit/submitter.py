"""Submitter: plans batches, sends them with bounded concurrency in a safe order, then polls.

Confirmation batches all end before the first status batch starts (Amazon wants a package
confirmed before its statuses). Within a phase a batch starts once the batches it comes
`after` (earlier items of its tracking numbers) have ended; the rest run concurrently, up to
`concurrency` calls in flight, so the rate limit rather than latency sets the pace.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from gateway.mapping.result import TranslatedRequest
from gateway.settings import SubmitSettings
from gateway.spapi import (
    RETRYABLE_TRANSACTION_ERRORS,
    ApiError,
    CallResult,
    SubmissionOutcome,
    TransactionStatus,
)
from gateway.submit.batching import Batch, Rejected, plan_batches
from gateway.submit.client import SpApiClient
from gateway.submit.transactions import TransactionPoller

__all__ = ["SendHooks", "Submitter", "retryable_failure"]

log = logging.getLogger(__name__)


class SendHooks(Protocol):
    """Called around every call: `before` returns a token handed back to `after`."""

    async def before(self, batch: Batch) -> object: ...

    async def after(self, batch: Batch, call: CallResult, token: object) -> None: ...


def _outcome(seller: str, batch: Batch, call: CallResult,
             body: dict[str, Any]) -> SubmissionOutcome:  # fmt: skip
    return SubmissionOutcome(seller=seller, operation=batch.operation,
                             purchase_orders=batch.purchase_orders,
                             tracking_numbers=batch.tracking_numbers, events=batch.events,
                             sandbox=batch.sandbox, call=call,
                             requests=batch.requests, body=body)  # fmt: skip


def retryable_failure(outcome: SubmissionOutcome) -> bool:
    """Amazon ended the transaction in Failure with only errors a resubmission may cure."""
    state = outcome.state
    return (state is not None and state.status is TransactionStatus.FAILURE and bool(state.errors)
            and all(e.code in RETRYABLE_TRANSACTION_ERRORS for e in state.errors))  # fmt: skip


def _rejected_outcome(seller: str, item: Rejected) -> SubmissionOutcome:
    po = item.item.get("purchaseOrderNumber")
    call = CallResult(operation=item.operation, url="", status_code=None, attempts=0,
                      request_ids=(), transaction_id=None,
                      errors=(ApiError("InvalidInput", item.reason),))  # fmt: skip
    return SubmissionOutcome(seller=seller, operation=item.operation,
                             purchase_orders=(po,) if isinstance(po, str) else (),
                             tracking_numbers=(), events=1, sandbox=item.sandbox, call=call,
                             requests=(item.request,))  # fmt: skip


def _accepted_at(outcomes: Iterable[SubmissionOutcome]) -> dict[str, float]:
    """Transaction id -> monotonic time its call was accepted."""
    return {o.call.transaction_id: o.accepted_at for o in outcomes
            if o.call.transaction_id is not None and o.accepted_at is not None}  # fmt: skip


class Submitter:
    """Batching, ordering and transaction polling on top of one SpApiClient."""

    def __init__(
        self, client: SpApiClient, settings: SubmitSettings, concurrency: int | None = None
    ) -> None:
        self._client = client
        self._settings = settings
        # enough calls in flight to keep the bucket busy even at ~1 s latency
        self._concurrency = concurrency or max(4, 2 * settings.burst)
        self._poller = TransactionPoller(client, settings)

    @property
    def client(self) -> SpApiClient:
        return self._client

    async def submit(
        self,
        seller: str,
        requests: Iterable[TranslatedRequest],
        hooks: SendHooks | None = None,
    ) -> list[SubmissionOutcome]:
        """Send every item of `requests` for `seller`; one outcome per batch, in plan order
        (confirmations first), then one per rejected item. `hooks` lets a caller record each
        batch durably right before its call and its result right after (the ledger)."""
        plan, rejected = await asyncio.to_thread(  # CPU-bound: off the event loop
            plan_batches, seller, list(requests), self._settings.batch_max
        )
        ended = [asyncio.Event() for _ in plan]
        results: dict[int, SubmissionOutcome] = {}
        gate = asyncio.Semaphore(self._concurrency)

        async def send(batch: Batch) -> None:
            try:
                for before in batch.after:
                    await ended[before].wait()
                body = batch.body()
                async with gate:
                    token = await hooks.before(batch) if hooks else None
                    call = await self._client.submit(seller, batch.operation, body, batch.sandbox)
                    if hooks:
                        await hooks.after(batch, call, token)
                results[batch.index] = outcome = _outcome(seller, batch, call, body)
                if call.transaction_id is not None:  # on the outcome: nothing kept per call
                    outcome.accepted_at = time.monotonic()
            finally:
                ended[batch.index].set()

        for phase in ("submitShipmentConfirmations", "submitShipmentStatusUpdates"):
            async with asyncio.TaskGroup() as group:
                for batch in plan:
                    if batch.operation == phase:
                        group.create_task(send(batch))
        outcomes = [results[b.index] for b in plan]
        return outcomes + [_rejected_outcome(seller, r) for r in rejected]

    async def wait_final(self, outcomes: Sequence[SubmissionOutcome], timeout: float) -> None:
        """Poll getTransactionStatus until every outcome is final or `timeout` passed; a
        transaction that failed with a retryable error (INTERNAL_SERVER_ERROR) is sent again
        as it was, at most `resubmit_max` times (only its own items: nothing else twice)."""
        end = time.monotonic() + timeout
        await self._poller.wait(outcomes, timeout, _accepted_at(outcomes))
        while again := [o for o in outcomes if retryable_failure(o)
                        and o.resubmits < self._settings.resubmit_max and o.body]:  # fmt: skip
            for outcome in again:
                log.warning(
                    "transaction %s failed with a retryable error: resubmitting (%d)",
                    outcome.call.transaction_id,
                    outcome.resubmits + 1,
                )
                outcome.earlier_calls.append(outcome.call)
                outcome.resubmits += 1
                outcome.call = await self._client.submit(outcome.seller, outcome.operation,
                                                         outcome.body, outcome.sandbox)  # fmt: skip
                outcome.state = None
                outcome.accepted_at = time.monotonic()
            await self._poller.wait(again, max(0.0, end - time.monotonic()),
                                    _accepted_at(again))  # fmt: skip
