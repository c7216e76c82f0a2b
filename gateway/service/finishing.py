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
from gateway.ledger.advising import (
    advice_pages,
    has_advices,
    interchanges_by_control,
    met_before,
    unmet_interchanges,
)
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


class _Advising:
    """The advices of one file, interchange by interchange (`_advise`); `sent` counts the
    parts recorded by kind. Holds the interchange being advised and what the current page
    of events (or of interchanges no event names) needs, never a list of the file's
    interchanges: a mailbag's tens of thousands are read a page of control numbers at a
    time (gateway.ledger.advising)."""

    def __init__(self, rt: Runtime, file: FileRecord) -> None:
        self.rt, self.file = rt, file
        self.positive = rt.partner(file.partner_id).ack.positive_advice
        self.resumed = has_advices(rt.ledger, file.id)  # parts recorded by an earlier try
        self.sent: Counter[str] = Counter()
        self._rows: dict[str, list[InterchangeRecord]] = {}  # the page's, by control
        self._advised: dict[str, int] = {}  # the page's controls: sets advised before

    def look_up(self, controls: set[str]) -> None:
        """The interchange rows and earlier advices of a page's control numbers."""
        self._rows = interchanges_by_control(self.rt.ledger, self.file.id, controls)
        self._advised = advised_sets(self.rt, self.file.id, controls) if self.resumed else {}

    def rows(self, syntax: str, control: str) -> list[InterchangeRecord]:
        """The file's interchange rows of a syntax and control number (of the page's)."""
        return [r for r in self._rows.get(control, ()) if r.syntax == syntax]

    def met_before(self, control: str, first_event: int) -> bool:
        """Whether an earlier event named `control` (its interchange was advised then): only
        asked when the file has not exactly one interchange with that number, else its
        events come one after the other (recorded right after their interchange)."""
        if len(self._rows.get(control, ())) == 1:
            return False
        return met_before(self.rt.ledger, self.file.id, control, first_event)

    def advice(self, syntax: str, control: str) -> InterchangeAdvice:
        """The advice of the interchange(s) of a syntax and control number (of the page's)."""
        return InterchangeAdvice(self.rt, self.file, _syntax(syntax), control,
                                 self.rows(syntax, control), self.positive,
                                 self._advised.get(control, 0))  # fmt: skip

    def finish(self, advice: InterchangeAdvice | None) -> None:
        if advice is not None:
            advice.finish()
            self.sent[advice_kind(advice.syntax)] += advice.recorded


def _advise(rt: Runtime, file: FileRecord) -> Counter[str] | None:
    """Advise every interchange of the file, one at a time while the events stream by
    (interchange by interchange: the writers record each interchange's events together, in
    set order), each in parts recorded as they fill (gateway.service.advising); the sets
    recorded parts already report are skipped. Then the interchanges no event names (sets
    refused, none sent), a page at a time. None if an event turned out not final
    meanwhile."""
    advising = _Advising(rt, file)
    current: InterchangeAdvice | None = None
    current_key: tuple[str, str, str] | None = None
    try:
        for page in advice_pages(rt.ledger, file.id):  # a page of rows (and their calls)
            if any(row.state not in FINAL for row in page):
                return None
            calls = page_calls(rt, page)
            advising.look_up({origin_of(r).interchange_control for r in page
                              if r.state is not EventState.UNKNOWN})  # fmt: skip
            for row in page:
                if row.state is EventState.UNKNOWN:  # ops decide those; nothing to tell yet
                    continue
                origin = origin_of(row)
                key = interchange_key(origin)
                if key != current_key:
                    advising.finish(current)
                    current, current_key = None, key
                    control = origin.interchange_control
                    if not advising.met_before(control, row.id):
                        current = advising.advice(_syntax(origin.syntax), control)
                        current.start(row)
                if current is not None:
                    current.add(origin, row, calls)
        advising.finish(current)
        for rows in unmet_interchanges(rt.ledger, file.id):  # sets refused, none sent
            advising.look_up({r.control for r in rows})
            for ic in rows:  # each (syntax, control) once, with its first row
                if advising.rows(ic.syntax, ic.control)[0].id == ic.id:
                    advice = advising.advice(ic.syntax, ic.control)
                    advice.start(None)
                    advising.finish(advice)
    except NotFinal:
        return None
    return advising.sent


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
