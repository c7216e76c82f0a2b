"""Scheduler jobs besides polling: alerts for stuck work, retry of failed work, archive
retention. Alerts are warnings in the log and the `edigw_alerts` gauge."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gateway.ledger.alerting import late_confirmations, unknown_events
from gateway.ledger.settling import REAUTHORIZATION_NEEDED
from gateway.ledger.states import EventState, FileState
from gateway.service.runtime import Runtime
from gateway.service.worker import Gateway

__all__ = [
    "LINES",
    "Alert",
    "check_alerts",
    "find_alerts",
    "open_alerts",
    "purge_archive",
    "purge_parts",
    "remove_stale_parts",
    "retry_failed",
]

log = logging.getLogger("edigw.alerts")


LINES = 50  # detail lines kept per alert kind (the count is always the true one)


@dataclass(frozen=True)
class Alert:
    """An alert kind's state: `count` of what it covers (the `edigw_alerts` gauge) and the
    first `LINES` of them as human-readable lines."""

    count: int
    lines: list[str]


def _capped(lines: list[str]) -> Alert:
    return Alert(len(lines), lines[:LINES])


def open_alerts(rt: Runtime, now: datetime | None = None) -> dict[str, Alert]:
    """Every alert kind with its true count and at most `LINES` detail lines. Its cost does
    not grow with the events in the ledger: counts and filters are the database's, and only
    not-sent confirmations are read (their ship date only, page by page)."""
    now = now or datetime.now(UTC)
    ledger, settings = rt.ledger, rt.settings
    hours = settings.confirmation_deadline_hours
    not_sent = (EventState.PENDING, EventState.REJECTED, EventState.UNKNOWN, EventState.BLOCKED)
    late = late_confirmations(ledger, not_sent, now, timedelta(hours=hours), LINES)
    unknown, first_unknown = unknown_events(ledger, LINES)
    unpollable = [f"transaction {call.transaction_id} of seller {call.seller}: "
                  f"{call.poll_errors} polls failed in a row"
                  for call in ledger.unresolved_calls()
                  if call.poll_errors >= settings.submit.poll_alert_errors]  # fmt: skip
    unconfirmed = [  # the operators' work list
        f"call {call.id}: transaction {call.transaction_id} of seller {call.seller} still "
        "Processing at its deadline: check Vendor Central, then mark it succeeded or failed"
        for call in ledger.unconfirmed_calls()
    ]
    blocked = [  # names the seller, never a secret
        f"seller {seller}: reauthorization needed ({reason}); its events are blocked "
        f"until the credentials are fixed (edigw sellers check {seller})"
        for seller, (state, reason) in ledger.seller_states().items()
        if state == REAUTHORIZATION_NEEDED
    ]
    waiting = timedelta(seconds=settings.files_waiting_alert)
    files = [f"partner {file.partner_id}: file {file.id}"
             for file in ledger.files_in_state(FileState.RECEIVED, FileState.FAILED)
             if now - file.received_at > waiting]  # fmt: skip
    return {
        "confirmation_late": Alert(late.count, [
            f"PO {po}: shipped {shipped:%Y-%m-%d %H:%M}, confirmation not accepted after "
            f"{hours:g} h" for _, po, shipped in late.first]),
        "transaction_unpollable": _capped(unpollable),
        "transaction_unconfirmed": _capped(unconfirmed),
        "seller_blocked": _capped(blocked),
        "files_waiting": _capped(files),
        "events_unknown": Alert(unknown, [f"event {event_id} ({tracking})"
                                          for event_id, tracking in first_unknown]),
    }  # fmt: skip


def find_alerts(rt: Runtime, now: datetime | None = None) -> dict[str, list[str]]:
    """Open alerts by kind, each at most `LINES` human-readable lines (`open_alerts` has
    the true counts)."""
    return {kind: alert.lines for kind, alert in open_alerts(rt, now).items()}


Seen = dict[str, tuple[int, tuple[str, ...]]]


async def check_alerts(rt: Runtime, seen: Seen | None = None) -> None:
    """Set the alert gauges (true counts); log an alert when it opens or what it covers
    changes (its count or its first lines), and once when it closes, not at every run.
    `seen`: (count, first lines) logged last time, per kind (the scheduler passes one dict
    for the life of the process; what it holds is bounded by `LINES` per kind)."""
    alerts = await asyncio.to_thread(open_alerts, rt)
    seen = {} if seen is None else seen
    for kind, alert in alerts.items():
        rt.metrics.alerts.labels(kind).set(alert.count)
        now, before = (alert.count, tuple(alert.lines)), seen.get(kind, (0, ()))
        if now == before:
            continue
        seen[kind] = now
        if not alert.count:
            log.info("alert closed", extra={"alert": kind})
            continue
        state = "opened" if not before[0] else "changed"
        new = [line for line in alert.lines if line not in set(before[1])]
        log.warning("alert", extra={"alert": kind, "state": state, "count": alert.count,
                                    "detail": sorted(new)[:20]})  # fmt: skip


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
