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
from dataclasses import dataclass, field

from gateway.ack.advice import AdviceItem, AdviceSet, advice_sets
from gateway.ack.advice_edifact import aperak_interchange
from gateway.ack.advice_x12 import X12AdviceText, x12_advice_interchange
from gateway.ack.context import AckContext
from gateway.ledger.advising import (
    AdviceRow,
    advice_pages,
    advised_interchanges,
    call_items,
    calls_by_id,
    transactions_of,
)
from gateway.ledger.controls import ControlConflict, next_control
from gateway.ledger.records import CallRecord, FileRecord, InterchangeRecord
from gateway.ledger.states import EventState, FileState
from gateway.ledger.streaming import event_counts
from gateway.ledger.translation import NewAck, add_acks
from gateway.parse.records import Origin, Syntax
from gateway.problems import Level, Problem, Severity
from gateway.service.crash import crash_point
from gateway.service.delivering import deliver_acks
from gateway.service.runtime import Runtime
from gateway.submit.attribution import CallErrors
from gateway.submit.model import ApiError

__all__ = ["archive_file", "finish_file"]

log = logging.getLogger("edigw.service")
_CONTROL_RETRIES = 5
_FINAL = {EventState.SUCCESS, EventState.FAILURE, EventState.REJECTED, EventState.UNKNOWN,
          EventState.ASSUMED_SUCCESS, EventState.SANDBOX}  # fmt: skip
_ACCEPTED = {EventState.SUCCESS, EventState.ASSUMED_SUCCESS}
_DEFAULT_VERSION = {"x12": "004010", "edifact": "D:96A"}
_NO_ORIGIN = Origin("x12", "", "", "", None, "", "", "", False)
SetKey = tuple[str | None, str, str]  # group control, set control, set type (advice_sets)


def _origin(row: AdviceRow) -> Origin:
    return Origin(**row.origin) if row.origin else _NO_ORIGIN


def _set_key(o: Origin) -> SetKey:
    return (o.group_control, o.transaction_control, o.transaction_type)


@dataclass
class _CallPart:
    """The events of one original set that went out in one call (one AdviceItem)."""

    call: CallRecord | None
    errors: CallErrors | None  # the call's errors, by the items they name
    purchase_orders: dict[str, None] = field(default_factory=dict)  # first-seen order
    tracking_numbers: dict[str, None] = field(default_factory=dict)
    accepted: bool = True

    def add(self, row: AdviceRow) -> None:
        if row.purchase_order:
            self.purchase_orders[row.purchase_order] = None
        if row.tracking_number:
            self.tracking_numbers[row.tracking_number] = None
        self.accepted = self.accepted and (row.state in _ACCEPTED or (
            row.state is EventState.SANDBOX and self.call is not None
            and bool(self.call.transaction_id)))  # fmt: skip

    def item(self, origin: Origin) -> AdviceItem:
        """Only the call's errors about these events (or about none of its events in
        particular): not each of a batch's errors for each of its sets."""
        call = self.call
        errors = (self.errors.about(self.purchase_orders, self.tracking_numbers)
                  if self.errors is not None else ())  # fmt: skip
        return AdviceItem(origin=origin, purchase_orders=tuple(self.purchase_orders),
                          tracking_numbers=tuple(self.tracking_numbers),
                          accepted=self.accepted, errors=errors,
                          transaction_id=call.transaction_id if call else None)  # fmt: skip


class _InterchangeAdvice:
    """One original interchange's advice, built set by set while its events stream past:
    the sets the gateway refused itself (mapping errors) first, merged with Amazon's verdict
    on the rest of the same set, then the other sets in the order their events come."""

    def __init__(self, syntax: Syntax, control: str, rows: list[InterchangeRecord],
                 positive: bool, rt: Runtime) -> None:  # fmt: skip
        self.syntax, self.control, self.positive = syntax, control, positive
        self.versions: dict[str | None, str] = {}  # group control -> version (from events)
        self.refused: dict[SetKey, tuple[InterchangeRecord, str | None, tuple[Problem, ...],
                                         list[AdviceItem]]] = {}  # fmt: skip
        for ic in rows:
            if not ic.accepted or ic.duplicate_of is not None:
                continue
            for st in transactions_of(rt.ledger, ic.id):
                problems = tuple(p for p in map(Problem.model_validate, st.errors)
                                 if p.level is Level.MAPPING
                                 and p.severity is Severity.ERROR)  # fmt: skip
                if st.accepted and problems:
                    key = (st.group_control, st.control, st.type_code)
                    self.refused[key] = (ic, st.group_control, problems, [])
        self.sets: list[AdviceSet] = []  # of the sets with events only, reported ones
        # an X12 interchange without refusals (the order of its sets is the order they come
        # in) is written set by set: its advice keeps text, not every set until the end
        self.text = X12AdviceText() if syntax == "x12" and not self.refused else None
        self._origin: Origin | None = None  # the set whose events are coming
        self._parts: dict[int | None, _CallPart] = {}

    def add(self, origin: Origin, row: AdviceRow, calls: dict[int, CallRecord],
            errors: dict[int, CallErrors]) -> None:  # fmt: skip
        if origin != self._origin:
            self.close_set()
            self._origin = origin
            self.versions.setdefault(origin.group_control, origin.version)
        part = self._parts.get(row.batch_id)
        if part is None:
            call = calls.get(row.batch_id) if row.batch_id is not None else None
            found = errors.get(row.batch_id) if row.batch_id is not None else None
            part = self._parts[row.batch_id] = _CallPart(call, found)
        part.add(row)

    def close_set(self) -> None:
        if self._origin is None:
            return
        items = [p.item(self._origin) for p in self._parts.values()]
        refused = self.refused.get(_set_key(self._origin))
        if refused is not None:  # advised with the refusal, in the refusals' order
            refused[3].extend(items)
        elif self.text is not None:
            for advice_set in advice_sets(items, self.positive):
                self.text.add(advice_set)
        else:
            self.sets.extend(advice_sets(items, self.positive))
        self._origin, self._parts = None, {}

    def all_sets(self) -> list[AdviceSet]:
        self.close_set()
        sets: list[AdviceSet] = []
        for (group, control, type_code), (ic, _, problems, items) in self.refused.items():
            version = self.versions.get(group) or _DEFAULT_VERSION[self.syntax]
            origin = Origin(self.syntax, ic.sender, ic.receiver, ic.control, group, control,
                            type_code, version, ic.test)  # fmt: skip
            refusal = AdviceItem(origin=origin, purchase_orders=(), tracking_numbers=(),
                                 accepted=False, problems=problems)  # fmt: skip
            sets.extend(advice_sets([refusal, *items], self.positive))
        return sets + self.sets


def _record_advice(rt: Runtime, file: FileRecord, advice: _InterchangeAdvice) -> str | None:
    """Number and record one interchange's 824 / APERAK (its own transaction, with the
    control numbers it used); its type, None when it has nothing to report."""
    sets = advice.all_sets()
    text = advice.text
    if not sets and not text:
        return None
    kind = "824" if advice.syntax == "x12" else "APERAK"
    for attempt in range(_CONTROL_RETRIES):  # numbered again if another ack took the numbers
        first = next_control(rt.ledger, file.partner_id)
        context = AckContext(next_control=first, references_per_interchange=True)
        if text is not None:
            content = text.interchange(context)
        elif advice.syntax == "x12":
            content = x12_advice_interchange(sets, context)
        else:
            content = aperak_interchange(sets, context)
        try:
            add_acks(rt.ledger, file.id, [NewAck(kind, content, advice.control)],
                     controls=(first, context.next_control - first))  # fmt: skip
            return kind
        except ControlConflict:
            if attempt == _CONTROL_RETRIES - 1:
                raise
    return None  # pragma: no cover - the loop returns or raises


def _call_errors(rt: Runtime, calls: dict[int, CallRecord]) -> dict[int, CallErrors]:
    """Each call's errors with the items (of all its events) that each one names."""
    failed = [i for i, call in calls.items() if call.errors]
    items = call_items(rt.ledger, failed)
    return {i: CallErrors([ApiError(str(e.get("code")), str(e.get("message")), e.get("details"))
                           for e in calls[i].errors], *items[i]) for i in failed}  # fmt: skip


def _advise(rt: Runtime, file: FileRecord) -> Counter[str] | None:
    """Advise every interchange of the file not advised yet, one at a time while the events
    stream by (interchange by interchange: the writers record each interchange's events
    together, in set order); None if an event turned out not final meanwhile."""
    positive = rt.partner(file.partner_id).ack.positive_advice
    advised = advised_interchanges(rt.ledger, file.id)
    interchanges: dict[tuple[str, str], list[InterchangeRecord]] = {}
    for ic in rt.ledger.interchanges_for_file(file.id):
        interchanges.setdefault((ic.syntax, ic.control), []).append(ic)
    sent: Counter[str] = Counter()
    current: _InterchangeAdvice | None = None
    current_key: tuple[str, str, str] | None = None

    def advise(advice: _InterchangeAdvice | None) -> None:
        if advice is not None and (kind := _record_advice(rt, file, advice)):
            sent[kind] += 1
        if advice is not None:
            advised.add(advice.control)

    def take(rows: list[AdviceRow]) -> bool:
        nonlocal current, current_key
        calls = calls_by_id(rt.ledger, (r.batch_id for r in rows if r.batch_id is not None))
        errors = _call_errors(rt, calls)
        for row in rows:
            if row.state not in _FINAL:
                return False
            if row.state is EventState.UNKNOWN:  # ops decide those; nothing to tell yet
                continue
            origin = _origin(row)
            key = (origin.syntax, origin.sender, origin.interchange_control)
            if key != current_key:
                advise(current)
                current, current_key = None, key
                if origin.interchange_control not in advised:
                    syntax: Syntax = "x12" if origin.syntax == "x12" else "edifact"
                    rows_of = interchanges.pop((syntax, origin.interchange_control), [])
                    current = _InterchangeAdvice(syntax, origin.interchange_control, rows_of,
                                                 positive, rt)  # fmt: skip
            if current is not None:
                current.add(origin, row, calls, errors)
        return True

    for page in advice_pages(rt.ledger, file.id):  # a page of rows (and their calls) at a time
        if not take(page):
            return None
    advise(current)
    for (syntax, control), rows in interchanges.items():  # sets refused, none submitted
        if control not in advised:
            kind_syntax: Syntax = "x12" if syntax == "x12" else "edifact"
            advise(_InterchangeAdvice(kind_syntax, control, rows, positive, rt))
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
    if any(EventState(state) not in _FINAL for state in counts):
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
