"""The alerts job on a ledger that holds a big file's events: true counts for the gauges, but
detail lines, memory, the statements run and what is kept between runs do not grow with the
events (a 100 MB X12 214 makes ~460,000 of them)."""

from __future__ import annotations

import asyncio
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, update

from gateway.ledger import EventState, FileState, NewEvent
from gateway.ledger.tables import Event
from gateway.service.jobs import LINES, Seen, check_alerts, find_alerts, open_alerts
from gateway.service.runtime import Runtime
from tests.test_service_jobs import a_file, runtime

STATUS = "submitShipmentStatusUpdates"
CONFIRM = "submitShipmentConfirmations"
NOTE = "x" * 1500  # bodies the size of a real status update with its lineage and notes


def _status(n: int) -> NewEvent:
    payload = {"purchaseOrderNumber": f"PO{n}", "note": NOTE,
               "statusUpdateDetails": {"trackingNumber": f"1Z{n:08d}"}}  # fmt: skip
    return NewEvent(STATUS, "demo", payload, f"PO{n}", f"1Z{n:08d}")


def _confirmation(n: int, shipped: str) -> NewEvent:
    payload = {
        "purchaseOrderNumber": f"C{n}",
        "note": NOTE,
        "shipmentDetails": {"shippedDate": shipped, "shipmentStatus": "SHIPPED"},
    }
    return NewEvent(CONFIRM, "demo", payload, f"C{n}")  # fmt: skip


def _add(rt: Runtime, events: list[NewEvent], state: EventState) -> None:
    file_id = a_file(rt, f"{state}-{len(events)}.edi")
    rt.ledger.advance(file_id, FileState.TRANSLATED)
    for start in range(0, len(events), 5000):
        ids = rt.ledger.add_events(file_id, events[start : start + 5000])
        with rt.ledger._tx() as session:  # the states a submission would have left
            session.execute(update(Event).where(Event.id.in_(ids)).values(state=state.value))


@contextmanager
def _statements(rt: Runtime) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(*args: Any) -> None:
        seen.append(args[2])

    event.listen(rt.ledger.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(rt.ledger.engine, "before_cursor_execute", count)


def test_true_counts_capped_lines_bounded_memory(tmp_path: Path) -> None:
    rt = runtime(tmp_path)
    _add(rt, [_status(n) for n in range(20_000)], EventState.UNKNOWN)
    _add(rt, [_status(n) for n in range(3_000)], EventState.PENDING)
    late = "2026-11-20T08:00:00Z"
    _add(rt, [_confirmation(n, late) for n in range(3_000)], EventState.PENDING)
    _add(rt, [_confirmation(n, late) for n in range(500)], EventState.REJECTED)
    _add(rt, [_confirmation(n, late) for n in range(200)], EventState.SUCCESS)  # sent
    _add(rt, [_confirmation(n, "2026-11-21T11:00:00Z") for n in range(100)], EventState.PENDING)
    _add(rt, [_confirmation(n, "not a date") for n in range(10)], EventState.PENDING)
    now = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)  # 28 h after `late`, 1 h after the others

    find_alerts(rt, now)  # warm the statement caches
    tracemalloc.start()
    try:
        alerts = open_alerts(rt, now)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # loading each body (1,000 per page) and a line per event took far more
    assert peak < 3_000_000, peak
    assert alerts["events_unknown"].count == 20_000
    assert alerts["confirmation_late"].count == 3_500
    for kind in ("events_unknown", "confirmation_late"):
        assert len(alerts[kind].lines) == LINES
    first_unknown = alerts["events_unknown"].lines[0]
    assert first_unknown.startswith("event ") and "(1Z00000000)" in first_unknown
    assert alerts["confirmation_late"].lines[0].startswith("PO C0: shipped 2026-11-20 08:00")
    assert find_alerts(rt, now)["events_unknown"] == alerts["events_unknown"].lines

    seen: Seen = {}
    asyncio.run(check_alerts(rt, seen))
    assert rt.metrics.alerts.labels("events_unknown")._value.get() == 20_000
    assert rt.metrics.alerts.labels("confirmation_late")._value.get() >= 3_500
    assert all(len(lines) <= LINES for _, lines in seen.values())  # kept between runs


def test_statements_do_not_grow_with_status_events(tmp_path: Path) -> None:
    """Status updates can never be late: the job reads none of them, only counts."""
    rt = runtime(tmp_path)
    now = datetime.now(UTC) + timedelta(days=3)
    _add(rt, [_status(n) for n in range(1_000)], EventState.UNKNOWN)
    _add(rt, [_status(n) for n in range(1_000)], EventState.PENDING)
    with _statements(rt) as few:
        small = open_alerts(rt, now)
    _add(rt, [_status(n) for n in range(12_000)], EventState.UNKNOWN)
    _add(rt, [_status(n) for n in range(12_000)], EventState.BLOCKED)
    with _statements(rt) as many:
        big = open_alerts(rt, now)
    assert len(many) == len(few)
    assert not any("payload" in s and "json_extract" not in s.lower() for s in many)
    assert (small["events_unknown"].count, big["events_unknown"].count) == (1_000, 13_000)
    assert big["confirmation_late"].count == 0


def test_change_logged_when_count_changes_beyond_the_lines(tmp_path: Path) -> None:
    """More unknown events after the first `LINES`: the lines are the same, the count is
    not: the alert is logged as changed once, then quiet."""
    rt = runtime(tmp_path)
    _add(rt, [_status(n) for n in range(LINES + 5)], EventState.UNKNOWN)
    seen: Seen = {}
    asyncio.run(check_alerts(rt, seen))
    assert seen["events_unknown"][0] == LINES + 5
    _add(rt, [_status(n) for n in range(7)], EventState.UNKNOWN)
    before = seen["events_unknown"]
    asyncio.run(check_alerts(rt, seen))
    assert seen["events_unknown"][0] == LINES + 12
    assert seen["events_unknown"][1] == before[1]
    assert rt.metrics.alerts.labels("events_unknown")._value.get() == LINES + 12
