"""A file's timeline, assembled from the times the ledger records (the ledger keeps each
row's latest state and the moments of calls, acks and actions, not a history table)."""

from __future__ import annotations

from datetime import datetime

from gateway.ledger.tables import Ack, ApiCall, Event, OpsAction, ReceivedFile
from gateway.ops.models import TimelineEntry

__all__ = ["file_timeline"]


def file_timeline(
    file: ReceivedFile,
    events: list[Event],
    calls: dict[int, ApiCall],
    acks: list[Ack],
    actions: list[OpsAction],
    replays: list[ReceivedFile],
) -> list[TimelineEntry]:
    """Every recorded moment of a file, oldest first: received, its state now, calls sent /
    answered / polled, events' last moves, acks created / delivered, operators' actions,
    replays, archiving."""
    out: list[tuple[datetime, str]] = [
        (file.received_at, f"received over {file.transport} as {file.name}")
    ]
    out.append(
        (
            file.updated_at,
            f"file {file.state}" + (f": {file.state_reason}" if file.state_reason else ""),
        )
    )
    for call in calls.values():
        out.append((call.started_at, f"call {call.id} {call.operation} sent"))
        if call.finished_at:
            out.append(
                (
                    call.finished_at,
                    f"call {call.id} answered HTTP {call.status_code}"
                    + (f", transaction {call.transaction_id}" if call.transaction_id else ""),
                )
            )
        if call.polled_at:
            out.append(
                (call.polled_at, f"transaction {call.transaction_id} is {call.transaction_status}")
            )
    for event in events:
        key = event.tracking_number or event.purchase_order
        out.append((event.updated_at, f"event {event.id} ({key}) {event.state}"))
    for ack in acks:
        out.append((ack.created_at, f"{ack.type} created"))
        if ack.delivered_at:
            out.append((ack.delivered_at, f"{ack.type} delivered to {ack.delivered_to}"))
    for action in actions:
        out.append(
            (
                action.at,
                f"{action.operator}: {action.action}"
                + (f" — {action.note}" if action.note else ""),
            )
        )
    for replay in replays:
        out.append((replay.received_at, f"replayed as file {replay.id}"))
    if file.archived_at:
        out.append((file.archived_at, "inbox file archived"))
    return [TimelineEntry(at=at, what=what) for at, what in sorted(out, key=lambda x: x[0])]
