"""Scheduler jobs besides polling: alerts for stuck work, retry of failed work, archive
retention. Alerts are warnings in the log and the `edigw_alerts` gauge."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gateway.ledger.settling import REAUTHORIZATION_NEEDED
from gateway.ledger.states import EventState, FileState
from gateway.ledger.streaming import iter_events
from gateway.service.runtime import Runtime
from gateway.service.worker import Gateway

__all__ = [
    "check_alerts",
    "find_alerts",
    "purge_archive",
    "purge_parts",
    "remove_stale_parts",
    "retry_failed",
]

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
    alerts: dict[str, list[str]] = {"confirmation_late": [], "transaction_unpollable": [],
                                    "transaction_unconfirmed": [], "seller_blocked": [],
                                    "files_waiting": [], "events_unknown": []}  # fmt: skip
    deadline = timedelta(hours=settings.confirmation_deadline_hours)
    not_sent = (EventState.PENDING, EventState.REJECTED, EventState.UNKNOWN, EventState.BLOCKED)
    for event in iter_events(ledger, *not_sent):  # page by page: a big file has 100,000s
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
        if call.poll_errors >= settings.submit.poll_alert_errors:
            alerts["transaction_unpollable"].append(
                f"transaction {call.transaction_id} of seller {call.seller}: "
                f"{call.poll_errors} polls failed in a row"
            )
    for call in ledger.unconfirmed_calls():  # the operators' work list
        alerts["transaction_unconfirmed"].append(
            f"call {call.id}: transaction {call.transaction_id} of seller {call.seller} still "
            "Processing at its deadline: check Vendor Central, then mark it succeeded or failed"
        )
    for seller, (state, reason) in ledger.seller_states().items():
        if state == REAUTHORIZATION_NEEDED:  # names the seller, never a secret
            alerts["seller_blocked"].append(
                f"seller {seller}: reauthorization needed ({reason}); its events are blocked "
                f"until the credentials are fixed (edigw sellers check {seller})"
            )
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
    retry = await asyncio.to_thread(rt.ledger.retryable_rejected_events)  # ids only
    if retry:
        await asyncio.to_thread(rt.ledger.requeue_events, retry)
        gateway.notify()


def _is_final(rt: Runtime, file_id: str) -> bool:
    record = rt.ledger.get_file(file_id)
    final = (FileState.DONE, FileState.QUARANTINED, FileState.DUPLICATE)
    return record is not None and record.state in final


async def purge_archive(rt: Runtime) -> None:
    """Archive retention: archive day folders, and the stored copies of final files (done,
    quarantined junk, duplicates) older than `retention_days`."""
    days = rt.settings.retention_days
    removed = await asyncio.to_thread(rt.store.purge_archive, days)
    stored = await asyncio.to_thread(rt.store.purge_files, days, lambda i: _is_final(rt, i))
    if removed or stored:
        log.info("archive retention", extra={"removed": removed, "stored_removed": stored})


def remove_stale_parts(rt: Runtime) -> list[Path]:
    """`*.part` uploads in the SFTP inboxes not written to for `part_retention_hours`
    (an upload that was never resumed); the paths removed."""
    cutoff = time.time() - rt.settings.part_retention_hours * 3600
    removed = []
    for partner_id in rt.partners:
        inbox = rt.sftp_root / partner_id / "inbox"
        for path in inbox.glob("*.part") if inbox.is_dir() else ():
            try:
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed.append(path)
            except FileNotFoundError:
                continue
    return removed


async def purge_parts(rt: Runtime) -> None:
    for path in await asyncio.to_thread(remove_stale_parts, rt):
        partner = path.parent.parent.name
        log.info("stale partial upload removed", extra={"file_name": path.name, "partner": partner})
