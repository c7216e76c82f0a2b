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
from collections import Counter

from gateway.ack.advice_parts import advice_kind
from gateway.ledger.advising import advice_pages
from gateway.ledger.records import FileRecord, InterchangeRecord
from gateway.ledger.states import EventState, FileState
from gateway.ledger.streaming import event_counts
from gateway.origin import Syntax
from gateway.service.advising import (
    FINAL,
    InterchangeAdvice,
    NotFinal,
    advised_sets,
    interchange_key,
    origin_of,
    page_calls,
)
from gateway.service.crash import crash_point
from gateway.service.delivering import deliver_acks
from gateway.service.runtime import Runtime

__all__ = ["archive_file", "finish_file"]

log = logging.getLogger("edigw.service")


def _syntax(value: str) -> Syntax:
    return "x12" if value == "x12" else "edifact"


def _advise(rt: Runtime, file: FileRecord) -> Counter[str] | None:
    """Advise every interchange of the file, one at a time while the events stream by
    (interchange by interchange: the writers record each interchange's events together, in
    set order), each in parts recorded as they fill (gateway.service.advising); the sets
    recorded parts already report are skipped. None if an event turned out not final
    meanwhile."""
    positive = rt.partner(file.partner_id).ack.positive_advice
    advised = advised_sets(rt, file.id)
    interchanges: dict[tuple[str, str], list[InterchangeRecord]] = {}
    for ic in rt.ledger.interchanges_for_file(file.id):
        interchanges.setdefault((ic.syntax, ic.control), []).append(ic)
    sent: Counter[str] = Counter()
    current: InterchangeAdvice | None = None
    current_key: tuple[str, str, str] | None = None
    seen: set[str] = set()  # interchange controls met in the stream (a handful per file)

    def advise(advice: InterchangeAdvice | None) -> None:
        if advice is not None:
            advice.finish()
            sent[advice_kind(advice.syntax)] += advice.recorded

    try:
        for page in advice_pages(rt.ledger, file.id):  # a page of rows (and their calls)
            if any(row.state not in FINAL for row in page):
                return None
            calls = page_calls(rt, page)
            for row in page:
                if row.state is EventState.UNKNOWN:  # ops decide those; nothing to tell yet
                    continue
                origin = origin_of(row)
                key = interchange_key(origin)
                if key != current_key:
                    advise(current)
                    current, current_key = None, key
                    control = origin.interchange_control
                    if control not in seen:
                        seen.add(control)
                        syntax = _syntax(origin.syntax)
                        rows_of = interchanges.pop((syntax, control), [])
                        current = InterchangeAdvice(rt, file, syntax, control, rows_of,
                                                    positive, advised.get(control, 0))  # fmt: skip
                        current.start(row)
                if current is not None:
                    current.add(origin, row, calls)
        advise(current)
        for (syntax_name, control), rows in interchanges.items():  # sets refused, none sent
            if control not in seen:
                advice = InterchangeAdvice(rt, file, _syntax(syntax_name), control, rows,
                                           positive, advised.get(control, 0))  # fmt: skip
                advice.start(None)
                advise(advice)
    except NotFinal:
        return None
    return sent


def archive_file(rt: Runtime, file: FileRecord) -> None:
    """Move the SFTP inbox copy to archive/ (the ledger's stored copy stays)."""
    if file.archived_at is not None:
        return
    if file.transport == "sftp":
        rt.store.archive_inbox_file(file.partner_id, rt.inbox_file(file.partner_id, file.name))
    rt.ledger.mark_archived(file.id)


def finish_file_sync(rt: Runtime, file: FileRecord) -> bool:
    """Advise, mark done and archive a submitted file whose events are all final. Each
    interchange's advice is recorded in its own transaction as soon as its events were read;
    after a crash only the interchanges not advised yet are advised (never twice, none lost)."""
    counts = event_counts(rt.ledger, file.id)  # counted first: no rows loaded while waiting
    if any(EventState(state) not in FINAL for state in counts):
        return False
    sent = _advise(rt, file)
    if sent is None:
        return False
    crash_point("done:advised")
    deliver_acks(rt, file)
    unknown = counts.get(EventState.UNKNOWN.value, 0)
    reason = (
        f"{unknown} event(s) in unknown state after a crash: ops to decide" if unknown else None
    )
    rt.ledger.advance(file.id, FileState.DONE, reason)
    crash_point("done:archived")
    archive_file(rt, file)
    log.info("file done", extra={"file_id": file.id, "events": sum(counts.values()),
                                 "advices": dict(sent)})  # fmt: skip
    return True


async def finish_file(rt: Runtime, file: FileRecord) -> bool:
    return await asyncio.to_thread(finish_file_sync, rt, file)
