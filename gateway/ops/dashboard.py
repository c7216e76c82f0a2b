"""Dashboard figures over the last days: files and events per partner and day, rejection
rate, Amazon's failures by error code, time from scan to submission (p50 / p95), unmapped
status pairs seen (so code tables get extended), the last ack control number per partner."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, String, cast, func, select

from gateway.ledger.ops_queries import error_codes
from gateway.ledger.store import Ledger
from gateway.ledger.tables import (
    ApiCall,
    ControlCounter,
    Event,
    Interchange,
    ReceivedFile,
    Transaction,
)
from gateway.ops.models import Dashboard

__all__ = ["build_dashboard", "percentile"]

_SAMPLE = 5000  # latest submitted status events measured for scan -> submission


def percentile(values: list[float], share: float) -> float | None:
    """The `share` (0..1) percentile by nearest rank; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


def _day(ledger: Ledger, column: Any) -> ColumnElement[str]:
    if ledger.engine.dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    return func.substr(cast(column, String), 1, 10)  # SQLite keeps UTC text


def _scan_time(payload: dict[str, Any]) -> datetime | None:
    details = payload.get("statusUpdateDetails")
    text = details.get("statusDateTime") if isinstance(details, dict) else None
    try:
        found = datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
    except ValueError:
        return None
    return found if found is not None and found.tzinfo is not None else None


def build_dashboard(ledger: Ledger, days: int = 14, now: datetime | None = None) -> Dashboard:
    """The figures of the last `days` days (UTC days, oldest first)."""
    now = now or datetime.now(UTC)
    start = (now - timedelta(days=days - 1)).replace(hour=0, minute=0, second=0, microsecond=0)
    day_names = [(start + timedelta(days=n)).strftime("%Y-%m-%d") for n in range(days)]
    index = {name: n for n, name in enumerate(day_names)}
    files: dict[str, list[int]] = defaultdict(lambda: [0] * days)
    events: dict[str, list[int]] = defaultdict(lambda: [0] * days)
    rejected: Counter[str] = Counter()
    totals: Counter[str] = Counter()
    recent = ReceivedFile.received_at >= start
    file_day = _day(ledger, ReceivedFile.received_at)
    with ledger._read() as session:
        q1 = (
            select(ReceivedFile.partner_id, file_day, ReceivedFile.accepted, func.count())
            .where(recent)
            .group_by(ReceivedFile.partner_id, file_day, ReceivedFile.accepted)
        )
        for partner, day, accepted, n in session.execute(q1):
            if day in index:
                files[partner][index[day]] += n
            totals[partner] += n
            if accepted is False:
                rejected[partner] += n
        q2 = (
            select(ReceivedFile.partner_id, file_day, func.count())
            .select_from(Event)
            .join(ReceivedFile)
            .where(recent)
            .group_by(ReceivedFile.partner_id, file_day)
        )
        for partner, day, n in session.execute(q2):
            if day in index:
                events[partner][index[day]] += n
        failures: Counter[str] = Counter()
        q3 = (
            select(ApiCall.errors, func.count())
            .select_from(Event)
            .join(ApiCall, Event.batch_id == ApiCall.id)
            .where(Event.state.in_(("rejected", "failure")), ApiCall.started_at >= start)
            .group_by(ApiCall.id, ApiCall.errors)
        )
        for errors, n in session.execute(q3):
            for code in error_codes(errors) or ["(no error code)"]:
                failures[code] += n
        q4 = (
            select(Event.payload, ApiCall.started_at)
            .join(ApiCall, Event.batch_id == ApiCall.id)
            .where(
                ApiCall.started_at >= start,
                Event.operation == "submitShipmentStatusUpdates",
            )
            .order_by(ApiCall.id.desc())
            .limit(_SAMPLE)
        )
        delays = []
        for payload, started in session.execute(q4):
            scanned = _scan_time(payload)
            if scanned is not None:
                delays.append((started - scanned).total_seconds())
        unmapped: Counter[str] = Counter()
        q5 = (
            select(Interchange.syntax, Transaction.errors)
            .join(Interchange)
            .join(ReceivedFile, Interchange.file_id == ReceivedFile.id)
            .where(recent, cast(Transaction.errors, String).like('%"unmapped_status"%'))
        )
        for syntax, errors in session.execute(q5):
            for error in errors:
                if error.get("code") == "unmapped_status":
                    unmapped[f"{syntax} {error.get('value')}"] += 1
        controls = {
            partner: next_control - 1
            for partner, next_control in session.execute(
                select(ControlCounter.partner_id, ControlCounter.next_control)
            )
        }
    return Dashboard(
        since=start,
        days=day_names,
        files_per_partner=dict(sorted(files.items())),
        events_per_partner=dict(sorted(events.items())),
        rejection_rate={p: rejected[p] / totals[p] for p in sorted(totals) if totals[p]},
        amazon_failures=dict(failures.most_common()),
        scan_to_submit_seconds={"p50": percentile(delays, 0.5), "p95": percentile(delays, 0.95)},
        unmapped_pairs=unmapped.most_common(),
        ack_controls=dict(sorted(controls.items())),
    )
