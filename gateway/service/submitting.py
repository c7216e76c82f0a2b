"""Step 2: submit a translated file's pending events, each call recorded around it.

Before a call its events move to `sending` in the ledger (committed); after it, the call's
outcome is recorded. A crash in between leaves them `sending`, which start-up turns into
`unknown`: they are never sent again automatically (no event is submitted twice), and ops
see them and may requeue. Transaction status polling is `poll_transactions`
(gateway.service.settling). A seller whose credentials LWA refused for good is skipped:
its events wait `blocked` (the first call records that) until the credentials work again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict
from typing import Any

from gateway.ledger.records import EventRecord, FileRecord
from gateway.ledger.states import EventState, FileState
from gateway.ledger.streaming import event_counts
from gateway.mapping.payloads import (
    SubmitShipmentConfirmationsRequest,
    SubmitShipmentStatusUpdatesRequest,
)
from gateway.mapping.result import TranslatedRequest
from gateway.origin import Origin
from gateway.service.crash import crash_point
from gateway.service.runtime import Runtime
from gateway.service.settling import poll_transactions
from gateway.spapi import CallResult
from gateway.submit.batching import ITEM_KEYS, Batch

__all__ = ["event_origin", "poll_transactions", "submit_file", "submit_files"]

log = logging.getLogger("edigw.service")
alerts = logging.getLogger("edigw.alerts")
_EVENTS_PER_ROUND = 500  # pending events loaded per submission round


def event_origin(event: EventRecord) -> Origin:
    data: dict[str, Any] = (event.lineage or {}).get("origin") or {}
    return Origin(**data) if data else Origin("x12", "", "", "", None, "", "", "", False)


def _request(event: EventRecord) -> TranslatedRequest:
    """A one-item request for one ledger event (batching merges them again)."""
    key = ITEM_KEYS[event.operation]
    body: SubmitShipmentStatusUpdatesRequest | SubmitShipmentConfirmationsRequest
    if event.operation == "submitShipmentStatusUpdates":
        body = SubmitShipmentStatusUpdatesRequest.model_validate({key: [event.payload]})
        operation: Any = "submitShipmentStatusUpdates"
    else:
        body = SubmitShipmentConfirmationsRequest.model_validate({key: [event.payload]})
        operation = "submitShipmentConfirmations"
    return TranslatedRequest(
        operation=operation,
        body=body,
        origin=event_origin(event),
        purchase_orders=(event.purchase_order,) if event.purchase_order else (),
        tracking_numbers=(event.tracking_number,) if event.tracking_number else (),
        lineage=(),
    )


def _requests(events: list[EventRecord]) -> list[TranslatedRequest]:
    return [_request(event) for event in events]


class _LedgerHooks:
    """Record each batch as `sending` before its call and its outcome after."""

    def __init__(self, rt: Runtime, files: dict[str, FileRecord], events: list[EventRecord]):
        self.rt, self.files, self.events = rt, files, events

    async def before(self, batch: Batch) -> object:
        await self.rt.calls.enter()  # held back (stays pending) once the service stops
        members = [self.events[i] for i in batch.requests]
        call_id = await asyncio.to_thread(
            self.rt.ledger.mark_sending, [e.id for e in members], sandbox=batch.sandbox
        )
        crash_point("call:sending")
        now = time.time()
        for file_id in {e.file_id for e in members}:
            waited = now - self.files[file_id].received_at.timestamp()
            self.rt.metrics.upload_to_call.observe(max(waited, 0.0))
        return (call_id, time.monotonic())

    async def after(self, batch: Batch, call: CallResult, token: object) -> None:
        assert isinstance(token, tuple)
        call_id, started = token
        crash_point("call:sent")
        try:
            await asyncio.to_thread(self.rt.ledger.record_call, call_id, call)
        finally:
            self.rt.calls.leave()
        m = self.rt.metrics
        m.calls.labels(batch.operation, str(call.status_code)).inc()
        m.latency.labels(batch.operation).observe(time.monotonic() - started)
        m.throttled.inc(call.throttled)
        file_ids = sorted({self.events[i].file_id for i in batch.requests})
        if call.blocked and call.attempts:  # LWA was asked and refused: say so once
            code = next(e.code for e in call.errors if e.code.startswith("lwa_"))
            seller = self.events[batch.requests[0]].seller
            alerts.warning("alert", extra={"alert": "seller_blocked", "detail":
                           f"seller {seller}: reauthorization needed ({code}); its events wait "
                           f"blocked until the credentials are fixed (edigw sellers check "
                           f"{seller})"})  # fmt: skip
        log.info("api call", extra={"file_ids": file_ids, "operation": batch.operation,
                                    "status": call.status_code, "events": batch.events,
                                    "request_ids": list(call.request_ids),
                                    "transaction_id": call.transaction_id})  # fmt: skip


async def submit_files(rt: Runtime, files: list[FileRecord]) -> None:
    """Submit the pending events of several files together (batched across files, every
    confirmation before any status update, one package's updates in order), then mark the
    files submitted. Files without pending events move on straight away."""
    if not files:
        return
    pending = await asyncio.to_thread(
        rt.ledger.events_for_files, [file.id for file in files], [EventState.PENDING],
        _EVENTS_PER_ROUND,
    )  # fmt: skip
    more = len(pending) >= _EVENTS_PER_ROUND  # the rest next round (memory stays bounded)
    if pending and rt.submitter is None:
        return  # no SP-API configured: stay translated until one is
    by_seller: dict[str, list[EventRecord]] = defaultdict(list)
    for event in pending:
        by_seller[event.seller].append(event)
    by_id = {file.id: file for file in files}
    for seller, events in by_seller.items():
        assert rt.submitter is not None
        hooks = _LedgerHooks(rt, by_id, events)
        # CPU-bound (a pydantic model per event): off the event loop, which meanwhile
        # answers other partners' uploads
        requests = await asyncio.to_thread(_requests, events)
        outcomes = await rt.submitter.submit(seller, requests, hooks)
        for outcome in outcomes:  # items refused before any call: record them too
            if outcome.call.url == "" and outcome.requests:
                ids = [events[i].id for i in outcome.requests]
                call_id = await asyncio.to_thread(rt.ledger.mark_sending, ids)
                await asyncio.to_thread(rt.ledger.record_call, call_id, outcome.call)
    with_events = {event.file_id for event in pending}
    for file in files:
        if file.state is not FileState.SUBMITTED or file.id in with_events:
            if more and (await asyncio.to_thread(event_counts, rt.ledger, file.id)).get(
                EventState.PENDING.value
            ):
                continue  # still translated: its other events go in the next round
            await asyncio.to_thread(rt.ledger.advance, file.id, FileState.SUBMITTED)


async def submit_file(rt: Runtime, file: FileRecord) -> None:
    """Submit one file's pending events (see submit_files)."""
    await submit_files(rt, [file])
