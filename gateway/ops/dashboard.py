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
    Ack,
    ApiCall,
    ControlCounter,
    Event,
    Interchange,
    ReceivedFile,
    Transaction,
)
from gateway.ops.models import AckControls, Dashboard
from gateway.ops.raw import split_segments

__all__ = ["ack_control", "build_dashboard", "percentile"]

_SAMPLE = 5000  # latest submitted status events measured for scan -> submission


def percentile(values: list[float], share: float) -> float | None:
    """The `share` (0..1) percentile by nearest rank; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return ordered[rank - 1]


def ack_control(content: str) -> str | None:
    """The interchange control number of an ack's text: ISA13 or UNB 0020."""
    segments = split_segments(content.encode("utf-8"))
    first = segments[0] if segments else None
    if first is not None and first.tag == "ISA" and len(first.elements) >= 13:
        return first.elements[12].strip()
    unb = next((s for s in segments[:2] if s.tag == "UNB"), None)
    return unb.elements[4].strip() if unb is not None and len(unb.elements) >= 5 else None


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
        reserved = {
            partner: next_control - 1
            for partner, next_control in session.execute(
                select(ControlCounter.partner_id, ControlCounter.next_control)
            )
        }
        acks: dict[str, Counter[str]] = defaultdict(Counter)
        latest: dict[str, tuple[str, str, datetime]] = {}
        q7 = (
            select(
                ReceivedFile.partner_id, Ack.type, func.substr(Ack.content, 1, 1024), Ack.created_at
            )  # only the envelope's start: ISA13 / UNB 0020
            .join(ReceivedFile, Ack.file_id == ReceivedFile.id)
            .where(Ack.created_at >= start)
            .order_by(Ack.id)
        )
        for partner, kind, content, created in session.execute(q7):
            acks[partner][kind] += 1
            latest[partner] = (kind, content, created)
    return Dashboard(
        since=start,
        days=day_names,
        files_per_partner=dict(sorted(files.items())),
        events_per_partner=dict(sorted(events.items())),
        rejection_rate={p: rejected[p] / totals[p] for p in sorted(totals) if totals[p]},
        amazon_failures=dict(failures.most_common()),
        scan_to_submit_seconds={"p50": percentile(delays, 0.5), "p95": percentile(delays, 0.95)},
        unmapped_pairs=unmapped.most_common(),
        ack_controls=[
            AckControls(
                partner_id=partner,
                acks=dict(acks[partner]),
                last_type=latest[partner][0] if partner in latest else None,
                last_control=ack_control(latest[partner][1]) if partner in latest else None,
                last_at=latest[partner][2] if partner in latest else None,
                reserved_up_to=reserved.get(partner),
            )
            for partner in sorted(set(reserved) | set(acks))
        ],
    )
