"""Events the gateway refused itself, as application-advice items (824 / APERAK).

The 997 / CONTRL stays a syntax acknowledgement; an event the gateway would not submit
(an unmapped status/reason pair, a business rule, a missing or invalid required value: the
mapping problems of a set that passed its syntax checks) is told to the partner the same
way Amazon's refusals are, one `AdviceItem` per original set with its problems.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from gateway.ack.advice import AdviceItem
from gateway.envelope.outcome import InterchangeOutcome
from gateway.origin import Origin, Syntax
from gateway.problems import Severity

__all__ = ["refusal_items"]


def _origin(ic: InterchangeOutcome[Any], group_control: str | None, group_version: str | None,
            control: str, type_code: str, set_version: str | None,
            syntax: str) -> Origin | None:  # fmt: skip
    header = ic.header
    if header is None:
        return None
    receiver = str(getattr(header, "receiver", None) or getattr(header, "recipient", ""))
    version = group_version or set_version or getattr(header, "version", "") or ""
    return Origin(syntax="x12" if syntax == "x12" else "edifact", sender=header.sender,
                  receiver=receiver, interchange_control=header.control,
                  group_control=group_control, transaction_control=control,
                  transaction_type=type_code, version=version,
                  test=bool(header.test))  # fmt: skip


def _unique(values: Iterable[str | None]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


def refusal_items(
    interchanges: Iterable[InterchangeOutcome[Any]], syntax: Syntax | None
) -> list[AdviceItem]:
    """One rejected AdviceItem per accepted set / message that had mapping errors, from a
    translation's interchanges (`TranslationOutcome.interchanges` and `.syntax`)."""
    items: list[AdviceItem] = []
    for ic in interchanges:
        if not ic.accepted:  # a rejected interchange was refused by its TA1 / CONTRL
            continue
        for group in ic.groups:
            for s in group.sets.faulty():  # (a set with mapping problems is one)
                errors = tuple(p for p in s.mapping_problems if p.severity is Severity.ERROR)
                if not errors or not s.accepted:
                    continue
                origin = _origin(ic, group.control, group.version, s.control, s.type_code,
                                 s.version, syntax or "x12")  # fmt: skip
                if origin is not None:
                    items.append(AdviceItem(  # the events refused, named as Amazon's are
                        origin=origin, purchase_orders=_unique(p.purchase_order for p in errors),
                        tracking_numbers=_unique(p.tracking_number for p in errors),
                        accepted=False, problems=errors))  # fmt: skip
    return items
