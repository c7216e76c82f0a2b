"""Step 3: once every event of a file is final, Amazon's verdict goes back as an application
advice (824 / APERAK: failures always, successes when the partner asks), the file is done
and its inbox copy moves to archive/ (only now that its outcome is recorded)."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict

from gateway.ack.advice import AdviceItem, application_advices
from gateway.ack.context import AckContext
from gateway.ledger.records import CallRecord, EventRecord, FileRecord
from gateway.ledger.states import EventState, FileState
from gateway.ledger.streaming import event_counts, event_outlines
from gateway.ledger.translation import NewAck, add_acks
from gateway.parse.records import Origin
from gateway.service.crash import crash_point
from gateway.service.delivering import deliver_acks
from gateway.service.runtime import Runtime
from gateway.service.submitting import event_origin
from gateway.submit.model import ApiError

__all__ = ["archive_file", "finish_file"]

log = logging.getLogger("edigw.service")
_FINAL = {EventState.SUCCESS, EventState.FAILURE, EventState.REJECTED, EventState.UNKNOWN}


def _advice_items(events: list[EventRecord], calls: dict[int, CallRecord]) -> list[AdviceItem]:
    """One advice item per (call, origin interchange) of the file's settled events."""
    by_call: dict[int | None, list[EventRecord]] = defaultdict(list)
    for event in events:
        if event.state is not EventState.UNKNOWN:  # ops decide those; nothing to tell yet
            by_call[event.batch_id].append(event)
    items: list[AdviceItem] = []
    for call_id, members in by_call.items():
        call = calls.get(call_id) if call_id is not None else None
        errors = tuple(ApiError(str(e.get("code")), str(e.get("message")), e.get("details"))
                       for e in (call.errors if call else []))  # fmt: skip
        by_origin: dict[Origin, list[EventRecord]] = defaultdict(list)
        for event in members:
            by_origin[event_origin(event)].append(event)
        for origin, group in by_origin.items():
            items.append(AdviceItem(
                origin=origin,
                purchase_orders=tuple(dict.fromkeys(e.purchase_order for e in group
                                                    if e.purchase_order)),
                tracking_numbers=tuple(dict.fromkeys(e.tracking_number for e in group
                                                     if e.tracking_number)),
                accepted=all(e.state is EventState.SUCCESS for e in group),
                errors=errors, transaction_id=call.transaction_id if call else None,
            ))  # fmt: skip
    return items


def archive_file(rt: Runtime, file: FileRecord) -> None:
    """Move the SFTP inbox copy to archive/ (the ledger's stored copy stays)."""
    if file.archived_at is not None:
        return
    if file.transport == "sftp":
        rt.store.archive_inbox_file(file.partner_id, rt.inbox_file(file.partner_id, file.name))
    rt.ledger.mark_archived(file.id)


def finish_file_sync(rt: Runtime, file: FileRecord) -> bool:
    """Advise, mark done and archive a submitted file whose events are all final."""
    counts = event_counts(rt.ledger, file.id)  # counted first: no rows loaded while waiting
    if any(EventState(state) not in _FINAL for state in counts):
        return False
    events = event_outlines(rt.ledger, file.id)  # without bodies: a file may have 100,000s
    if any(e.state not in _FINAL for e in events):
        return False
    profile = rt.partner(file.partner_id)
    # all of a file's advices are recorded in one transaction; after a crash only the
    # interchanges not advised yet are advised (never twice, none lost)
    advised = {a.acknowledges for a in rt.ledger.acks_for_file(file.id)
               if a.type in ("824", "APERAK")}  # fmt: skip
    calls = {call.id: call for call in rt.ledger.calls_for_file(file.id)}
    items = [i for i in _advice_items(events, calls) if i.origin.interchange_control not in advised]
    first = rt.ledger.reserve_controls(file.partner_id, 16)
    context = AckContext(next_control=first)
    advices = application_advices(items, profile.ack.positive_advice, context)
    add_acks(rt.ledger, file.id, [NewAck(a.type, a.content, a.acknowledges) for a in advices])
    crash_point("done:advised")
    deliver_acks(rt, file)
    unknown = sum(1 for e in events if e.state is EventState.UNKNOWN)
    reason = (
        f"{unknown} event(s) in unknown state after a crash: ops to decide" if unknown else None
    )
    rt.ledger.advance(file.id, FileState.DONE, reason)
    crash_point("done:archived")
    archive_file(rt, file)
    log.info("file done", extra={"file_id": file.id, "events": len(events),
                                 "advices": [a.type for a in advices]})  # fmt: skip
    return True


async def finish_file(rt: Runtime, file: FileRecord) -> bool:
    return await asyncio.to_thread(finish_file_sync, rt, file)
