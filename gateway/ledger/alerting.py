"""Queries for the alerts job and the readiness probe, bounded however many events the
ledger holds (a 100 MB X12 214 makes ~460,000): counts are the database's, detail rows are
the first `limit` by id, and late confirmations are found from one JSON value per row read a
page at a time (never the events' whole bodies)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text

from gateway.ledger.states import EventState
from gateway.ledger.store import Ledger
from gateway.ledger.tables import Event

__all__ = ["LateConfirmations", "late_confirmations", "ledger_answers", "unknown_events"]

CONFIRMATIONS = "submitShipmentConfirmations"  # the only operation with a deadline
PAGE = 2000  # rows of (id, purchase order, ship date) per read transaction
# shipmentDetails.shippedDate (Vendor Direct Fulfillment Shipping v1 ShipmentConfirmation)
_SHIPPED = Event.payload[("shipmentDetails", "shippedDate")].as_string()


@dataclass(frozen=True)
class LateConfirmations:
    """`count`: every late confirmation; `first`: (event id, purchase order, ship date) of
    the first `limit` of them by event id."""

    count: int
    first: list[tuple[int, str | None, datetime]]


def _parse(value: object) -> datetime | None:
    """An RFC 3339 date-time (the model's `shippedDate` format; no offset = UTC). PostgreSQL
    gives a JSON number as text: the dashes tell a date from a number on both databases."""
    if not isinstance(value, str) or value[4:5] != "-":
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def late_confirmations(
    ledger: Ledger, states: tuple[EventState, ...], now: datetime, deadline: timedelta,
    limit: int,
) -> LateConfirmations:  # fmt: skip
    """Shipment confirmations in `states` whose ship date is more than `deadline` before
    `now` (aware). Only confirmations in those states are read, `PAGE` rows at a time and
    only their id, purchase order and ship date (memory does not grow with their number);
    a ship date that is missing or not an RFC 3339 date-time is never late."""
    query = select(Event.id, Event.purchase_order, _SHIPPED).where(
        Event.operation == CONFIRMATIONS, Event.state.in_([EventState(s).value for s in states])
    )
    first: list[tuple[int, str | None, datetime]] = []
    count, after = 0, 0
    while True:
        with ledger._read() as session:
            rows = session.execute(query.where(Event.id > after).order_by(Event.id)
                                   .limit(PAGE)).all()  # fmt: skip
        for event_id, purchase_order, value in rows:
            shipped = _parse(value)
            if shipped is not None and now - shipped > deadline:
                count += 1
                if len(first) < limit:
                    first.append((event_id, purchase_order, shipped))
        if len(rows) < PAGE:
            return LateConfirmations(count, first)
        after = rows[-1][0]


def unknown_events(ledger: Ledger, limit: int) -> tuple[int, list[tuple[int, str | None]]]:
    """How many events are `unknown` (counted by the database) and (id, tracking number) of
    the first `limit` by id."""
    unknown = Event.state == EventState.UNKNOWN.value
    with ledger._read() as session:
        count = session.execute(select(func.count()).select_from(Event).where(unknown)).scalar()
        rows = session.execute(select(Event.id, Event.tracking_number).where(unknown)
                               .order_by(Event.id).limit(limit)).all()  # fmt: skip
    return int(count or 0), [(r[0], r[1]) for r in rows]


def ledger_answers(ledger: Ledger) -> None:
    """A constant-cost round trip to the ledger's database (`SELECT 1`) for readiness
    probes, in a read-only transaction (SQLite: a plain BEGIN, never waiting for the write
    lock); raises the driver's error when the database does not answer."""
    with ledger._read() as session:
        session.execute(text("SELECT 1")).scalar()
