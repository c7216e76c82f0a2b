"""Settling V1 transactions in the service: polls that back off, the seller's deadline and
policy, retryable Failures resubmitted, and an alert for a transaction nobody can poll.

Every round (the poll job) asks getTransactionStatus for the calls whose next poll is due
(`PollSchedule`: first `submit.poll_interval` after acceptance, growing by `poll_backoff`
up to `poll_max`, and never later than the seller's deadline). Processing at the deadline
(`assume_success_after` after acceptance) ends by the seller's `processing_policy`:
AssumedSuccess or Unconfirmed (the operators' work list); Unknown when no poll was ever
answered. Failure with only retryable errors (INTERNAL_SERVER_ERROR) sends the call's own
events again, at most `resubmit_max` times each.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

from gateway.ledger.records import CallRecord
from gateway.service.runtime import Runtime
from gateway.spapi import RETRYABLE_TRANSACTION_ERRORS, TransactionStatus
from gateway.submit.transactions import PollSchedule, deadline_outcome

__all__ = ["poll_transactions"]

log = logging.getLogger("edigw.service")
alerts = logging.getLogger("edigw.alerts")
_POLLS_IN_FLIGHT = 16


async def poll_transactions(rt: Runtime) -> set[str]:
    """One round of getTransactionStatus for the calls that are due (several in flight; the
    client's rate limit paces them); the ids of the files whose events moved."""
    if rt.submitter is None:
        return set()
    client = rt.submitter.client
    settings = rt.settings.submit
    schedule = PollSchedule.of(settings)
    moved: set[str] = set()
    gate = asyncio.Semaphore(_POLLS_IN_FLIGHT)

    async def files_of(call: CallRecord) -> None:
        events = await asyncio.to_thread(rt.ledger.call_events, call.id)
        moved.update(events.file_ids)

    async def poll(call: CallRecord) -> None:
        async with gate:  # the whole poll: its ledger work too (memory and threads bounded)
            await _poll(call)

    async def _poll(call: CallRecord) -> None:
        assert call.transaction_id is not None
        account = client.sellers.get(call.seller)
        accepted = call.finished_at or call.started_at
        deadline = accepted + timedelta(seconds=account.assume_success_after if account
                                        else 1800.0)  # fmt: skip
        try:
            state = await client.transaction_status(call.seller, call.transaction_id,
                                                    call.sandbox)  # fmt: skip
        except Exception as exc:
            now = datetime.now(UTC)
            if now >= deadline and call.polls == call.poll_errors:  # never answered at all
                await asyncio.to_thread(rt.ledger.settle_by_policy, call.id,
                                        TransactionStatus.UNKNOWN)  # fmt: skip
                alerts.warning("alert", extra={"alert": "transaction_unknown", "detail":
                               f"transaction {call.transaction_id} of seller {call.seller} "
                               "was never answered: events unknown, ops decide"})  # fmt: skip
                await files_of(call)
                return
            failures = await asyncio.to_thread(
                rt.ledger.record_poll,
                call.id,
                False,
                min(now + timedelta(seconds=schedule.delay(call.polls)), deadline),
            )
            log.warning("transaction status failed", extra={"call": call.id,
                                                            "error": str(exc)})  # fmt: skip
            if failures == settings.poll_alert_errors:
                alerts.warning("alert", extra={"alert": "transaction_unpollable", "detail":
                               f"transaction {call.transaction_id} of seller {call.seller} "
                               f"cannot be polled ({failures} failures in a row)"})  # fmt: skip
            return
        now = datetime.now(UTC)
        status = state.status
        if status is TransactionStatus.PROCESSING:
            if now < deadline:
                await asyncio.to_thread(
                    rt.ledger.record_poll,
                    call.id,
                    True,
                    min(now + timedelta(seconds=schedule.delay(call.polls)), deadline),
                )
                return
            status = deadline_outcome(account)
            await asyncio.to_thread(rt.ledger.settle_by_policy, call.id, status)
            log.info("transaction settled by policy", extra={
                "call": call.id, "transaction_id": call.transaction_id, "status": status.value,
                "seller": call.seller})  # fmt: skip
        elif (
            status is TransactionStatus.FAILURE
            and state.errors
            and all(e.code in RETRYABLE_TRANSACTION_ERRORS for e in state.errors)
            and await _may_resubmit(rt, call)
        ):
            ids = await asyncio.to_thread(rt.ledger.resubmit_call, call.id,
                                          [asdict(e) for e in state.errors])  # fmt: skip
            log.warning(
                "retryable transaction failure: resubmitting",
                extra={"call": call.id, "transaction_id": call.transaction_id, "events": ids},
            )
        else:
            await asyncio.to_thread(rt.ledger.update_transaction_status, call.id, status,
                                    state.errors)  # fmt: skip
        events = await asyncio.to_thread(rt.ledger.call_events, call.id)
        for state_name, count in events.states.items():
            # the event states' spelling (`success`), as in edigw_queue_depth
            rt.metrics.events.labels(call.operation, state_name).inc(count)
        moved.update(events.file_ids)

    async def _may_resubmit(rt: Runtime, call: CallRecord) -> bool:
        events = await asyncio.to_thread(rt.ledger.call_events, call.id)
        return events.count > 0 and events.resubmits < settings.resubmit_max

    calls = await asyncio.to_thread(rt.ledger.due_calls, datetime.now(UTC))
    await asyncio.gather(*(poll(c) for c in calls if c.transaction_id is not None))
    return moved
