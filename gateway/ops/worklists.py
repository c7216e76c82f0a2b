"""The landing page: what needs a person now, across partners, newest first.

- rejected: files of the last days translated with errors (sets or interchanges refused);
- quarantined: files that are not EDI at all;
- refused events: refused when sent (`rejected`: by Amazon's answer, or by the gateway / the
  network when there was none) or later (`failure`: Amazon's transaction failed);
- stuck events: `unknown` (the gateway stopped mid-call), `blocked`, scans not sent within
  the files-waiting limit, confirmations not accepted 4 h after the ship date (Amazon's DF
  rule: a confirmation is due within 4 hours of shipment);
- open alerts: the scheduler's alerts as they stand now.
Files an operator marked resolved leave every list."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from gateway.ledger.ops_queries import OpsQueries, error_codes
from gateway.ledger.tables import ApiCall, Event, ReceivedFile
from gateway.ops.models import WorkItem, WorkLists
from gateway.service.jobs import find_alerts
from gateway.service.runtime import Runtime

__all__ = ["REFUSED", "STUCK", "build_work_lists", "where"]

REFUSED = ("rejected", "failure")
STUCK = ("unknown", "blocked", "unconfirmed")
_WAITING = ("pending", "rejected", "unknown")


def where(error: dict[str, Any]) -> str:
    """`SE#8 el 1` style place of an error dict (empty when it has none)."""
    parts = []
    if error.get("segment"):
        parts.append(
            str(error["segment"]) + (f"#{error['position']}" if error.get("position") else "")
        )
    if error.get("element"):
        parts.append(f"el {error['element']}")
    return " ".join(parts)


def _file_item(kind: str, row: ReceivedFile) -> WorkItem:
    first = [
        f"{e.get('code')} at {where(e)}" if where(e) else str(e.get("code")) for e in row.errors[:3]
    ]
    return WorkItem(
        kind=kind,
        file_id=row.id,
        partner_id=row.partner_id,
        at=row.received_at,
        state=row.state,
        summary=f"{row.name}: " + ("; ".join(first) or (row.state_reason or "")),
        codes=error_codes(row.errors),
    )


def _event_item(
    kind: str, event: Event, file: ReceivedFile, call: ApiCall | None, why: str
) -> WorkItem:
    codes = error_codes(call.errors) if call is not None else []
    return WorkItem(
        kind=kind,
        file_id=file.id,
        partner_id=file.partner_id,
        at=event.updated_at,
        state=event.state,
        summary=why,
        codes=codes,
        event_id=event.id,
        tracking_number=event.tracking_number,
        purchase_order=event.purchase_order,
    )


def _who_refused(event: Event, call: ApiCall | None) -> str:
    if event.state == "failure":
        return "failed at Amazon (transaction Failure)"
    if call is None or call.status_code is None:
        return "refused by the gateway or not delivered (no answer from Amazon)"
    return f"refused by Amazon (HTTP {call.status_code})"


def _shipped(payload: dict[str, Any]) -> datetime | None:
    details = payload.get("shipmentDetails")
    text = details.get("shippedDate") if isinstance(details, dict) else None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
    except ValueError:
        return None


def build_work_lists(
    rt: Runtime, queries: OpsQueries, days: int = 7, now: datetime | None = None
) -> WorkLists:
    """The work lists as of `now` (files of the last `days` days)."""
    now = now or datetime.now(UTC)
    since = now - timedelta(days=days)
    rejected, quarantined = queries.problem_files(since)
    refused = []
    for event, file, call in queries.events_needing_work(REFUSED):
        message = "; ".join(
            f"{e.get('code')}: {e.get('message')}" for e in (call.errors if call else [])[:2]
        )
        refused.append(
            _event_item(
                "refused",
                event,
                file,
                call,
                _who_refused(event, call) + (f" — {message}" if message else ""),
            )
        )
    stuck = [
        _event_item("stuck", e, f, c, f"{e.state}: sent or not? Amazon was not heard")
        for e, f, c in queries.events_needing_work(STUCK)
    ]
    waiting_limit = timedelta(seconds=rt.settings.files_waiting_alert)
    deadline = timedelta(hours=rt.settings.confirmation_deadline_hours)
    for event, file, call in queries.events_needing_work(_WAITING, limit=500):
        if event.state in STUCK:
            continue
        shipped = _shipped(event.payload)
        if (
            event.operation == "submitShipmentConfirmations"
            and shipped is not None
            and now - shipped > deadline
        ):
            stuck.append(
                _event_item(
                    "late",
                    event,
                    file,
                    call,
                    f"confirmation not accepted {deadline.total_seconds() / 3600:g} h"
                    f" after shipping ({shipped:%Y-%m-%d %H:%M})",
                )
            )
        elif event.state == "pending" and now - event.updated_at > waiting_limit:
            stuck.append(
                _event_item(
                    "waiting",
                    event,
                    file,
                    call,
                    f"not sent for {(now - event.updated_at).total_seconds() / 60:.0f} min",
                )
            )
    alerts = {kind: lines for kind, lines in find_alerts(rt, now).items() if lines}
    return WorkLists(
        since=since,
        rejected=[_file_item("rejected", r) for r in rejected],
        quarantined=[_file_item("quarantined", r) for r in quarantined],
        refused_events=refused,
        stuck_events=stuck[:200],
        alerts=alerts,
    )
