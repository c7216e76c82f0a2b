"""Step 3: once every event of a file is final, Amazon's verdict goes back as an application
advice (824 / APERAK: failures always, successes when the partner asks), the file is done
and its inbox copy moves to archive/ (only now that its outcome is recorded).

Final here: success, failure, rejected, unknown, assumed_success (the seller's policy:
advised as accepted), sandbox (the static sandbox: a canned 202 is accepted, a 500 is
advised with its clear message). Not final: blocked (waits for new credentials) and
unconfirmed (waits for an operator's decision). Events the gateway refused itself (mapping
problems of a set: unmapped status pair, business rule, missing value) are advised in the
same 824 / APERAK as Amazon's verdict on the rest of the interchange."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict

from gateway.ack.advice import AdviceItem, application_advices
from gateway.ack.context import AckContext
from gateway.ledger.controls import ControlConflict, next_control
from gateway.ledger.records import CallRecord, EventRecord, FileRecord
from gateway.ledger.states import EventState, FileState
from gateway.ledger.streaming import event_counts, event_outlines
from gateway.ledger.translation import NewAck, add_acks
from gateway.parse.records import Origin, Syntax
from gateway.problems import Level, Problem, Severity
from gateway.service.crash import crash_point
from gateway.service.delivering import deliver_acks
from gateway.service.runtime import Runtime
from gateway.service.submitting import event_origin
from gateway.submit.model import ApiError

__all__ = ["archive_file", "finish_file"]

log = logging.getLogger("edigw.service")
_CONTROL_RETRIES = 5
_FINAL = {EventState.SUCCESS, EventState.FAILURE, EventState.REJECTED, EventState.UNKNOWN,
          EventState.ASSUMED_SUCCESS, EventState.SANDBOX}  # fmt: skip
_ACCEPTED = {EventState.SUCCESS, EventState.ASSUMED_SUCCESS}
_DEFAULT_VERSION = {"x12": "004010", "edifact": "D:96A"}


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
                accepted=all(e.state in _ACCEPTED or (e.state is EventState.SANDBOX and call
                                                      is not None and call.transaction_id)
                             for e in group),
                errors=errors, transaction_id=call.transaction_id if call else None,
            ))  # fmt: skip
    return items


def _refusal_items(rt: Runtime, file: FileRecord, events: list[EventRecord]) -> list[AdviceItem]:
    """The sets of the file whose events the gateway refused itself (mapping errors)."""
    versions = {(o.interchange_control, o.group_control): o.version
                for o in map(event_origin, events)}  # fmt: skip
    interchanges = {i.id: i for i in rt.ledger.interchanges_for_file(file.id)}
    items: list[AdviceItem] = []
    for st in rt.ledger.transactions_for_file(file.id):
        ic = interchanges.get(st.interchange_id)
        if ic is None or not st.accepted or not ic.accepted or ic.duplicate_of is not None:
            continue
        problems = tuple(p for p in (Problem.model_validate(r) for r in st.errors)
                         if p.level is Level.MAPPING and p.severity is Severity.ERROR)  # fmt: skip
        if not problems:
            continue
        syntax: Syntax = "x12" if ic.syntax == "x12" else "edifact"
        version = versions.get((ic.control, st.group_control)) or _DEFAULT_VERSION[syntax]
        origin = Origin(syntax, ic.sender, ic.receiver, ic.control, st.group_control,
                        st.control, st.type_code, version, ic.test)  # fmt: skip
        items.append(AdviceItem(origin=origin, purchase_orders=(), tracking_numbers=(),
                                accepted=False, problems=problems))  # fmt: skip
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
    items = [i for i in _refusal_items(rt, file, events) + _advice_items(events, calls)
             if i.origin.interchange_control not in advised]  # fmt: skip
    for attempt in range(_CONTROL_RETRIES):  # numbered again if another ack took the numbers
        first = next_control(rt.ledger, file.partner_id)
        context = AckContext(next_control=first, references_per_interchange=True)
        advices = application_advices(items, profile.ack.positive_advice, context)
        new = [NewAck(a.type, a.content, a.acknowledges) for a in advices]
        try:
            add_acks(rt.ledger, file.id, new, controls=(first, context.next_control - first))
            break
        except ControlConflict:
            if attempt == _CONTROL_RETRIES - 1:
                raise
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
