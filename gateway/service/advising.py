"""One original interchange's application advice (824 / APERAK), built while the file's events
stream past and recorded a bounded part at a time (gateway.ack.advice_parts): no list of the
interchange's sets and no whole advice text is ever held.

Order (as the advice always had it): first the sets the gateway refused itself (mapping
errors), each merged with Amazon's verdict on the rest of the same set, in the order of the
sets; then the other sets in the order their events come. The refused sets are read with
the transaction sets (`transactions_of`, a page at a time), their events from a second
cursor over the file's events from the interchange's first one: both go in id order, and a
set's events follow each other, so the two are walked side by side (a merge join), never
collected. The main stream then leaves the refused sets' events out the same way.

Each part is numbered with the partner's next control number and recorded in its own
transaction as soon as it is full. A builder interrupted between two parts (a crash, an
event that turned out not final) starts again from the interchange's beginning and skips
the sets its recorded parts already report (`skip`): every set is advised exactly once.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from gateway.ack.advice import AdviceItem, AdviceSet, advice_sets
from gateway.ack.advice_parts import AdvicePart, AdviceParts, advice_kind, sets_in
from gateway.ack.context import AckContext
from gateway.ledger.advising import (
    AdviceRow,
    advice_pages,
    advices_of_controls,
    call_items,
    calls_by_id,
    group_version,
    transactions_of,
)
from gateway.ledger.controls import ControlConflict, next_control
from gateway.ledger.records import CallRecord, FileRecord, InterchangeRecord, TransactionRecord
from gateway.ledger.states import EventState
from gateway.ledger.translation import NewAck, add_acks
from gateway.origin import Origin, Syntax
from gateway.problems import Level, Problem, Severity
from gateway.service.runtime import Runtime
from gateway.spapi import ApiError
from gateway.submit.attribution import CallErrors

__all__ = ["FINAL", "InterchangeAdvice", "NotFinal", "advised_sets", "page_calls"]

_CONTROL_RETRIES = 5
FINAL = {EventState.SUCCESS, EventState.FAILURE, EventState.REJECTED, EventState.UNKNOWN,
         EventState.ASSUMED_SUCCESS, EventState.SANDBOX}  # fmt: skip
_ACCEPTED = {EventState.SUCCESS, EventState.ASSUMED_SUCCESS}
_DEFAULT_VERSION = {"x12": "004010", "edifact": "D:96A"}
_NO_ORIGIN = Origin("x12", "", "", "", None, "", "", "", False)
Calls = tuple[dict[int, CallRecord], dict[int, CallErrors]]  # a page's calls and their errors


class NotFinal(Exception):
    """An event of the file is not final (any more): the file is not finished now."""


def origin_of(row: AdviceRow) -> Origin:
    return Origin(**row.origin) if row.origin else _NO_ORIGIN


def interchange_key(origin: Origin) -> tuple[str, str, str]:
    return (origin.syntax, origin.sender, origin.interchange_control)


def page_calls(rt: Runtime, rows: Iterable[AdviceRow]) -> Calls:
    """The calls of a page's events, and each failed call's errors with the items (of all
    its events) that each one names."""
    calls = calls_by_id(rt.ledger, (r.batch_id for r in rows if r.batch_id is not None))
    failed = [i for i, call in calls.items() if call.errors]
    items = call_items(rt.ledger, failed)
    errors = {i: CallErrors([ApiError(str(e.get("code")), str(e.get("message")), e.get("details"))
                             for e in calls[i].errors], *items[i]) for i in failed}  # fmt: skip
    return calls, errors


def advised_sets(rt: Runtime, file_id: str, controls: Iterable[str]) -> dict[str, int]:
    """Interchange control -> sets its recorded advice parts report (each part's text read
    on its own), for the control numbers `controls` (a page's worth)."""
    counts: dict[str, int] = {}
    for ack_id, kind, control in advices_of_controls(rt.ledger, file_id, controls):
        counts[control] = counts.get(control, 0) + sets_in(kind, rt.ledger.ack_content(ack_id))
    return counts


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


class _SetItems:
    """The items of one set's events, one per call, in first-seen order."""

    def __init__(self) -> None:
        self.origin: Origin | None = None
        self._parts: dict[int | None, _CallPart] = {}

    def add(self, origin: Origin, row: AdviceRow, calls: Calls) -> None:
        self.origin = self.origin or origin
        part = self._parts.get(row.batch_id)
        if part is None:
            found, errors = calls
            call = found.get(row.batch_id) if row.batch_id is not None else None
            error = errors.get(row.batch_id) if row.batch_id is not None else None
            part = self._parts[row.batch_id] = _CallPart(call, error)
        part.add(row)

    def items(self) -> list[AdviceItem]:
        origin = self.origin
        return [p.item(origin) for p in self._parts.values()] if origin is not None else []


Refused = tuple[InterchangeRecord, TransactionRecord, tuple[Problem, ...]]


def _refused(rt: Runtime, rows: list[InterchangeRecord]) -> Iterator[Refused]:
    """The accepted sets of the interchange that the gateway refused events of (mapping
    errors), in set order, a page of sets at a time."""
    for ic in rows:
        if not ic.accepted or ic.duplicate_of is not None:
            continue
        for st in transactions_of(rt.ledger, ic.id):
            if not st.accepted or not st.errors:
                continue
            problems = tuple(p for p in map(Problem.model_validate, st.errors)
                             if p.level is Level.MAPPING
                             and p.severity is Severity.ERROR)  # fmt: skip
            if problems:
                yield ic, st, problems


class _Events:
    """A cursor over the file's events from one id on, with their page's calls; it ends
    at the first event of another interchange. Raises NotFinal at an event not final."""

    def __init__(self, rt: Runtime, file_id: str, first: int,
                 key: tuple[str, str, str]) -> None:  # fmt: skip
        self._rows = self._walk(rt, file_id, first, key)
        self._next: tuple[AdviceRow, Origin, Calls] | None = None
        self._done = False

    @staticmethod
    def _walk(rt: Runtime, file_id: str, first: int,
              key: tuple[str, str, str]) -> Iterator[tuple[AdviceRow, Origin, Calls]]:  # fmt: skip
        for page in advice_pages(rt.ledger, file_id, after=first - 1):
            calls = page_calls(rt, page)
            for row in page:
                origin = origin_of(row)
                if interchange_key(origin) != key:
                    return
                yield row, origin, calls

    def peek(self) -> tuple[AdviceRow, Origin, Calls] | None:
        if self._next is None and not self._done:
            self._next = next(self._rows, None)
            self._done = self._next is None
        return self._next

    def pop(self) -> None:
        self._next = None


class _RefusedIds:
    """Whether an event's set is one of the refused ones: walks the refused sets along with
    the stream of events (both in id order)."""

    def __init__(self, rt: Runtime, rows: list[InterchangeRecord]) -> None:
        self._ids = (st.id for _, st, _ in _refused(rt, rows))
        self._current: int | None = next(self._ids, None)

    def __contains__(self, transaction: int | None) -> bool:
        if transaction is None:
            return False
        while self._current is not None and self._current < transaction:
            self._current = next(self._ids, None)
        return self._current == transaction


class InterchangeAdvice:
    """One original interchange's advice, built set by set while its events stream past
    (see the module docstring); `start` first, then `add` each of its events, then `finish`.
    `recorded`: the parts recorded."""

    def __init__(self, rt: Runtime, file: FileRecord, syntax: Syntax, control: str,
                 rows: list[InterchangeRecord], positive: bool, skip: int = 0) -> None:  # fmt: skip
        self.rt, self.file, self.syntax, self.control = rt, file, syntax, control
        self.rows, self.positive, self.skip = rows, positive, skip
        self.versions: dict[str | None, str] = {}  # group control -> version (from events)
        self.parts = AdviceParts(syntax, self._record)
        self._refused_ids = _RefusedIds(rt, rows)
        self._set = _SetItems()
        self._set_key: tuple[str | None, str, str] | None = None

    @property
    def recorded(self) -> int:
        return self.parts.recorded

    def _emit(self, sets: Iterable[AdviceSet]) -> None:
        for s in sets:
            if self.skip:  # reported by a part recorded before
                self.skip -= 1
            else:
                self.parts.add(s)

    def start(self, first_event: AdviceRow | None) -> None:
        """Advise the sets the gateway refused, merged with their events (from the cursor
        starting at `first_event`, the interchange's first event, if it has any)."""
        events = None
        if first_event is not None:
            key = interchange_key(origin_of(first_event))
            events = _Events(self.rt, self.file.id, first_event.id, key)
        for ic, st, problems in _refused(self.rt, self.rows):
            found = _SetItems()
            while events is not None and (head := events.peek()) is not None:
                row, origin, calls = head
                if row.transaction is not None and row.transaction > st.id:
                    break
                events.pop()
                if row.state not in FINAL:
                    raise NotFinal
                self.versions.setdefault(origin.group_control, origin.version)
                if row.transaction == st.id and row.state is not EventState.UNKNOWN:
                    found.add(origin, row, calls)
            group = st.group_control
            version = (self.versions.get(group)
                       or group_version(self.rt.ledger, ic.id, group)
                       or st.version  # a group without events: as recorded (0006)
                       or _DEFAULT_VERSION[self.syntax])  # fmt: skip
            self.versions.setdefault(group, version)
            origin = Origin(self.syntax, ic.sender, ic.receiver, ic.control, group, st.control,
                            st.type_code, version, ic.test)  # fmt: skip
            refusal = AdviceItem(origin=origin, purchase_orders=(), tracking_numbers=(),
                                 accepted=False, problems=problems)  # fmt: skip
            self._emit(advice_sets([refusal, *found.items()], self.positive))

    def add(self, origin: Origin, row: AdviceRow, calls: Calls) -> None:
        """One (final, not unknown) event of the interchange, in id order."""
        if row.transaction in self._refused_ids:  # advised with its refusal
            return
        key = (origin.group_control, origin.transaction_control, origin.transaction_type)
        if key != self._set_key:
            self._close_set()
            self._set_key = key
        self._set.add(origin, row, calls)

    def _close_set(self) -> None:
        items = self._set.items()
        if items:
            self._emit(advice_sets(items, self.positive))
        self._set, self._set_key = _SetItems(), None

    def finish(self) -> None:
        """The last set and the last part."""
        self._close_set()
        self.parts.close()

    def _record(self, part: AdvicePart) -> None:
        """Number and record one part (its own transaction, with the control number it
        used); numbered again if another ack of the partner took that number meanwhile."""
        kind = advice_kind(self.syntax)
        for attempt in range(_CONTROL_RETRIES):
            first = next_control(self.rt.ledger, self.file.partner_id)
            context = AckContext(next_control=first, references_per_interchange=True)
            ack = NewAck(kind, part.interchange(context), self.control)
            try:
                add_acks(self.rt.ledger, self.file.id, [ack],
                         controls=(first, context.next_control - first))  # fmt: skip
                return
            except ControlConflict:
                if attempt == _CONTROL_RETRIES - 1:
                    raise
