"""Scheduler jobs besides polling: alerts for stuck work, retry of failed work, archive
retention. Alerts are warnings in the log and the `edigw_alerts` gauge."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from gateway.ledger.states import EventState, FileState
from gateway.service.runtime import Runtime
from gateway.service.worker import Gateway
from gateway.submit.model import TransactionStatus

__all__ = ["check_alerts", "find_alerts", "purge_archive", "retry_failed"]

log = logging.getLogger("edigw.alerts")


def _shipped(payload: dict[str, object]) -> datetime | None:
    details = payload.get("shipmentDetails")
    text = details.get("shippedDate") if isinstance(details, dict) else None
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


def find_alerts(rt: Runtime, now: datetime | None = None) -> dict[str, list[str]]:
    """Open alerts by kind, each a list of human-readable lines."""
    now = now or datetime.now(UTC)
    ledger, settings = rt.ledger, rt.settings
    alerts: dict[str, list[str]] = {"confirmation_late": [], "transaction_stuck": [],
                                    "files_waiting": [], "events_unknown": []}  # fmt: skip
    deadline = timedelta(hours=settings.confirmation_deadline_hours)
    not_sent = (EventState.PENDING, EventState.REJECTED, EventState.UNKNOWN)
    for event in ledger.events_in_state(*not_sent):
        if event.operation == "submitShipmentConfirmations":
            shipped = _shipped(event.payload)
            if shipped is not None and now - shipped > deadline:
                alerts["confirmation_late"].append(
                    f"PO {event.purchase_order}: shipped {shipped:%Y-%m-%d %H:%M}, confirmation "
                    f"not accepted after {settings.confirmation_deadline_hours:g} h"
                )
        if event.state is EventState.UNKNOWN:
            alerts["events_unknown"].append(f"event {event.id} ({event.tracking_number})")
    for call in ledger.unresolved_calls():
        if call.transaction_status == TransactionStatus.STUCK.value:
            alerts["transaction_stuck"].append(f"transaction {call.transaction_id}")
    waiting = timedelta(seconds=settings.files_waiting_alert)
    for file in ledger.files_in_state(FileState.RECEIVED, FileState.FAILED):
        if now - file.received_at > waiting:
            alerts["files_waiting"].append(f"partner {file.partner_id}: file {file.id}")
    return alerts


async def check_alerts(rt: Runtime, seen: dict[str, frozenset[str]] | None = None) -> None:
    """Set the alert gauges; log an alert when it opens or what it covers changes, and once
    when it closes, not at every run. `seen`: what was logged last time, per kind (the
    scheduler passes one dict for the life of the process)."""
    alerts = await asyncio.to_thread(find_alerts, rt)
    seen = {} if seen is None else seen
    for kind, lines in alerts.items():
        rt.metrics.alerts.labels(kind).set(len(lines))
        now, before = frozenset(lines), seen.get(kind, frozenset())
        if now == before:
            continue
        seen[kind] = now
        if not now:
            log.info("alert closed", extra={"alert": kind})
            continue
        state = "opened" if not before else "changed"
        log.warning("alert", extra={"alert": kind, "state": state, "count": len(lines),
                                    "detail": sorted(now - before)[:20]})  # fmt: skip


async def retry_failed(gateway: Gateway) -> None:
    """Files that failed on an internal error are translated again; calls that ended on a
    transport error or 5xx/429 after all retries are requeued (never refused ones)."""
    rt = gateway.rt
    for file in await asyncio.to_thread(rt.ledger.files_in_state, FileState.FAILED):
        await gateway.translate(file.id)
    retry: list[int] = []
    for event in await asyncio.to_thread(rt.ledger.events_in_state, EventState.REJECTED):
        call = rt.ledger.get_call(event.batch_id) if event.batch_id else None
        if call is not None and (call.status_code is None or call.status_code >= 500
                                 or call.status_code == 429):  # fmt: skip
            retry.append(event.id)
    if retry:
        await asyncio.to_thread(rt.ledger.requeue_events, retry)
        gateway.notify()


async def purge_archive(rt: Runtime) -> None:
    removed = await asyncio.to_thread(rt.store.purge_archive, rt.settings.retention_days)
    if removed:
        log.info("archive retention", extra={"removed": removed})
