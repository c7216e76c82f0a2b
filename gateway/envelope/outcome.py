"""What the envelope readers report per interchange / group / transaction set.

Both syntaxes fill the same shapes; the ack builders (gateway/ack/) read them. `header` is
the syntax's own header record (X12 `IsaHeader`, EDIFACT `UnbHeader`), None when the file
had no readable interchange header at all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar

from gateway.parse.records import Document, Origin
from gateway.problems import Problem, Severity

__all__ = ["DocumentSink", "GroupOutcome", "InterchangeOutcome", "SetOutcome", "has_error"]

H = TypeVar("H")


class DocumentSink(Protocol):
    """What an envelope reader hands its documents to (the pipeline's mapping stage).

    `document` is called for every transaction set / message that passed its syntax checks,
    in file order, and returns the mapping problems (application level: they do not change
    the ack). `end_interchange` is called once per interchange after its trailer (or the
    end of the file), with the finished outcome: the sink releases what it translated only
    for groups and interchanges that were accepted, so an envelope fault found at IEA/UNZ
    still stops every request of that interchange.
    """

    def document(self, origin: Origin, document: Document) -> list[Problem]: ...

    def end_interchange(self, outcome: InterchangeOutcome[Any]) -> None: ...


def has_error(problems: list[Problem]) -> bool:
    return any(p.severity is Severity.ERROR for p in problems)


@dataclass(slots=True)
class SetOutcome:
    """One transaction set (ST..SE) or message (UNH..UNT). Slotted: an interchange keeps
    one per set until its trailer (tens of thousands in a big mailbag)."""

    control: str  # ST02 / UNH 0062
    type_code: str  # ST01 / UNH S009 0065
    version: str | None = None  # ST03 / UNH S009 version:release:agency[:association]
    problems: list[Problem] = field(default_factory=list)  # syntax: decide the ack
    mapping_problems: list[Problem] = field(default_factory=list)  # application level
    supported: bool = True
    segment_count: int = 0

    @property
    def accepted(self) -> bool:
        return self.supported and not has_error(self.problems)


@dataclass
class GroupOutcome:
    """One functional group (GS..GE, UNG..UNE); EDIFACT messages outside a group sit in a
    group with `control=None`."""

    functional_id: str | None  # GS01 / UNG 0038
    control: str | None  # GS06 / UNG 0048
    version: str | None = None  # GS08
    sender: str | None = None
    receiver: str | None = None
    sets: list[SetOutcome] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class InterchangeOutcome(Generic[H]):
    header: H | None
    control: str | None
    problems: list[Problem] = field(default_factory=list)
    groups: list[GroupOutcome] = field(default_factory=list)
    is_acknowledgment: bool = False  # inbound 997/999/TA1/CONTRL: never acknowledged back

    @property
    def accepted(self) -> bool:
        return not has_error(self.problems)
