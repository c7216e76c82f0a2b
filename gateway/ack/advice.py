"""Application advices: what Amazon said about what the gateway submitted, told back to the
partner in its own syntax — an X12 824 Application Advice or an EDIFACT APERAK.

Input is one `AdviceItem` per submission (a call or one transaction of it) with the origin
of the records it carried. Items are grouped by original interchange (syntax, sender,
interchange control): one advice interchange answers one original interchange, and says
something about each original transaction set / message that had a submission in it.
Rejected items (Amazon Failure, or a call Amazon refused) are always reported; accepted
ones only with positive advice (partner profile `ack.positive_advice`). An interchange
with nothing to report gets no advice.

Status of an original set (X12 OTI01 / APERAK BGM 1225 + 4343) looks at every item of the
set, reported or not: all accepted without errors -> accepted; all rejected -> rejected;
anything else (some rejected, or accepted with errors) -> partial.

Events the gateway itself refused (an unmapped status/reason pair, a business rule, a missing
required value: mapping problems) are advised the same way as Amazon's refusals, as
`AdviceItem.problems`: the advice error then carries the segment, position, element and
value (X12 TED03..TED08). Every error names the event it is about (purchase order /
tracking number, or the segment and the refused value), so two refused events of
one set read differently (X12: "<PO>/<tracking>: " before the text; APERAK: the RFF after
each ERC).

Amazon's error codes are free text ("InvalidInput", "DuplicateRequest", ...); each one is
mapped to an X12 DE 647 application error condition code (values present since 003050),
used as TED01 and, since APERAK's ERC 9321 has no UN code list, as ERC 9321 too:
  006 Duplicate            code contains "duplicate"
  007 Missing Data         code contains "missing" or "required"
  011 Not Matching         code names something not found / not confirmed / unknown
  024 Other Unlisted Reason  everything else (incl. InvalidInput / InvalidRequest)
The partner always also gets Amazon's own code and message as text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from gateway.ack.advice_parts import AdvicePart, AdviceParts, advice_kind
from gateway.ack.context import AckContext
from gateway.ack.model import Acknowledgement
from gateway.origin import Origin
from gateway.problems import Problem
from gateway.spapi import ApiError

__all__ = [
    "AdviceError",
    "AdviceItem",
    "AdviceSet",
    "AdviceStatus",
    "advice_sets",
    "application_advices",
    "error_condition",
]

AdviceStatus = Literal["accepted", "rejected", "partial"]
NO_DETAILS = ApiError("NotAccepted", "not accepted by Amazon, no error details")


@dataclass(frozen=True, slots=True)
class AdviceItem:
    """One thing the gateway submitted, and Amazon's verdict on it."""

    origin: Origin
    purchase_orders: tuple[str, ...]
    tracking_numbers: tuple[str, ...]
    accepted: bool  # Amazon Success (True) / Failure or a rejected call (False)
    errors: tuple[ApiError, ...] = ()
    transaction_id: str | None = None
    problems: tuple[Problem, ...] = ()  # the gateway's own refusals (never sent to Amazon)


@dataclass(frozen=True, slots=True)
class AdviceError:
    """One Amazon error (or gateway refusal) as the advice reports it."""

    condition: str  # X12 DE 647 code (TED01, ERC 9321)
    text: str  # "<event>: <code>: <message>[ (<details>)]", cleaned of control characters
    purchase_order: str | None  # the first PO / tracking number of the item it belongs to
    tracking_number: str | None
    segment: str | None = None  # where a gateway refusal points (TED03..TED08)
    position: int | None = None
    element: int | None = None
    element_ref: str | None = None
    value: str | None = None


@dataclass(frozen=True, slots=True)
class AdviceSet:
    """What the advice says about one original transaction set / message."""

    origin: Origin
    status: AdviceStatus
    purchase_orders: tuple[str, ...]  # of the reported items, first-seen order, no repeats
    tracking_numbers: tuple[str, ...]
    errors: tuple[AdviceError, ...]


def error_condition(code: str) -> str:
    """The X12 DE 647 application error condition for an Amazon error code."""
    key = code.lower().replace("_", "")
    if "duplicate" in key:
        return "006"
    if "missing" in key or "required" in key:
        return "007"
    if any(w in key for w in ("notfound", "notconfirmed", "unconfirmed", "unknown", "nomatch")):
        return "011"
    return "024"


def _text(value: str) -> str:
    return " ".join(value.split())


def _error(e: ApiError, item: AdviceItem) -> AdviceError:
    text = f"{_text(e.code)}: {_text(e.message)}"
    if e.details and _text(e.details):
        text += f" ({_text(e.details)})"
    said = f"{e.message} {e.details or ''}"
    return AdviceError(
        condition=error_condition(e.code),
        text=text,
        purchase_order=_named(item.purchase_orders, said),
        tracking_number=_named(item.tracking_numbers, said),
    )


def _refusal(p: Problem, item: AdviceItem) -> AdviceError:
    """A gateway refusal: named by its event (purchase order / tracking number, status/reason
    pair, item), its segment, position and the refused value."""
    what = " ".join(x for x in (f"status {p.status}" if p.status else "",
                                f"item {p.item}" if p.item else "",
                                p.segment or "", f"#{p.position}" if p.position else "",
                                f"value {p.value}" if p.value else "") if x)  # fmt: skip
    text = f"{p.code.value}: {_text(p.message)}"
    return AdviceError(condition=error_condition(p.code.value),
                       text=f"{what}: {text}" if what else text,
                       purchase_order=p.purchase_order or _only(item.purchase_orders),
                       tracking_number=p.tracking_number or _only(item.tracking_numbers),
                       segment=p.segment, position=p.position, element=p.element,
                       element_ref=p.element_ref, value=p.value)  # fmt: skip


def _only(values: Sequence[str]) -> str | None:
    return values[0] if len(values) == 1 else None


def _named(values: Sequence[str], text: str) -> str | None:
    """The value an error is about: the one its text names, else the only one there is
    (Amazon's errors of a batch name no item; never guess among several)."""
    named = [v for v in values if v and v in text]
    if len(named) == 1:
        return named[0]
    return values[0] if len(values) == 1 else None


def _unique(values: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


def _status(items: Sequence[AdviceItem]) -> AdviceStatus:
    if all(i.accepted and not i.errors for i in items):
        return "accepted"
    if not any(i.accepted for i in items):
        return "rejected"
    return "partial"


def _set_key(o: Origin) -> tuple[str | None, str, str]:
    return (o.group_control, o.transaction_control, o.transaction_type)


def advice_sets(items: Sequence[AdviceItem], positive: bool) -> list[AdviceSet]:
    """The sets of one original interchange that the advice reports, in first-seen order."""
    by_set: dict[tuple[str | None, str, str], list[AdviceItem]] = {}
    for item in items:
        by_set.setdefault(_set_key(item.origin), []).append(item)
    sets: list[AdviceSet] = []
    for members in by_set.values():
        reported = [i for i in members if positive or not i.accepted]
        if not reported:
            continue
        errors = [
            _error(e, i)
            for i in reported
            for e in (i.errors or (() if i.accepted or i.problems else (NO_DETAILS,)))
        ] + [_refusal(p, i) for i in reported for p in i.problems]
        sets.append(
            AdviceSet(
                origin=members[0].origin,
                status=_status(members),
                purchase_orders=_unique([p for i in reported for p in i.purchase_orders]),
                tracking_numbers=_unique([t for i in reported for t in i.tracking_numbers]),
                errors=tuple(errors),
            )
        )
    return sets


def application_advices(
    items: Sequence[AdviceItem], positive: bool, ctx: AckContext
) -> list[Acknowledgement]:
    """One 824 / APERAK interchange per original interchange that has something to report
    (several, in order, for one over gateway.ack.advice_parts' bounds), in the order the
    interchanges first appear in `items`."""
    by_interchange: dict[tuple[str, str, str], list[AdviceItem]] = {}
    for item in items:
        o = item.origin
        by_interchange.setdefault((o.syntax, o.sender, o.interchange_control), []).append(item)
    acks: list[Acknowledgement] = []
    for members in by_interchange.values():
        origin = members[0].origin
        kind = advice_kind(origin.syntax)

        def record(part: AdvicePart, kind: Literal["824", "APERAK"] = kind,
                   control: str = origin.interchange_control) -> None:  # fmt: skip
            acks.append(Acknowledgement(kind, part.interchange(ctx), control))

        parts = AdviceParts(origin.syntax, record)
        for s in advice_sets(members, positive):
            parts.add(s)
        parts.close()
    return acks
