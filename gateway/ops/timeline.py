"""A file's timeline, assembled from the times the ledger records (the ledger keeps each
row's latest state and the moments of calls, acks and actions, not a history table).

A file may have hundreds of thousands of events and thousands of calls: the timeline shows
each event state once (one event by its id, several as a count with the latest move) and the
first `CALLS` calls, then how many more there were, so its length does not grow with the
file."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from gateway.ledger.tables import ApiCall, Event, OpsAction, ReceivedFile
from gateway.ops.file_models import TimelineEntry

__all__ = ["CALLS", "file_timeline"]

CALLS = 100  # calls on a timeline at the most


def _calls(session: Session, file_id: str) -> tuple[list[ApiCall], int]:
    """The file's first `CALLS` calls by when they were sent, and how many in all."""
    ids = select(Event.batch_id).where(Event.file_id == file_id, Event.batch_id.is_not(None))
    of_file = ApiCall.id.in_(ids.distinct())
    calls = list(
        session.scalars(
            select(ApiCall).where(of_file).order_by(ApiCall.started_at, ApiCall.id).limit(CALLS)
        )
    )
    total = session.scalar(select(func.count()).select_from(ApiCall).where(of_file)) or 0
    return calls, int(total)


def _event_moves(session: Session, file_id: str) -> list[tuple[datetime, str]]:
    """Each event state of the file once: one event by id and key, several counted."""
    out: list[tuple[datetime, str]] = []
    for state, n, latest, first in session.execute(
        select(Event.state, func.count(), func.max(Event.updated_at), func.min(Event.id))
        .where(Event.file_id == file_id)
        .group_by(Event.state)
    ):
        if n == 1:
            event = session.get(Event, first)
            key = (event.tracking_number or event.purchase_order) if event else None
            out.append((latest, f"event {first} ({key}) {state}"))
        else:
            out.append((latest, f"{n} events {state} (the latest move)"))
    return out


def file_timeline(
    session: Session,
    file: ReceivedFile,
    acks: Sequence[Any],  # Ack rows (or rows of its columns): type, created_at, delivered_*
    actions: list[OpsAction],
    replays: list[ReceivedFile],
) -> list[TimelineEntry]:
    """The recorded moments of a file, oldest first: received, its state now, calls sent /
    answered / polled (the first `CALLS`), events' last moves by state, acks created /
    delivered, operators' actions, replays, archiving. Reads calls and events in `session`."""
    out: list[tuple[datetime, str]] = [
        (file.received_at, f"received over {file.transport} as {file.name}")
    ]
    out.append(
        (
            file.updated_at,
            f"file {file.state}" + (f": {file.state_reason}" if file.state_reason else ""),
        )
    )
    calls, call_total = _calls(session, file.id)
    if call_total > len(calls):
        last = calls[-1].started_at if calls else file.received_at
        out.append((last, f"{call_total - len(calls)} more calls after these {len(calls)}"))
    for call in calls:
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
    out.extend(_event_moves(session, file.id))
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
