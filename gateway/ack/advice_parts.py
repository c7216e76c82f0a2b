"""A big application advice in parts: at most `MAX_SETS` original sets / about `MAX_CHARS`
characters per advice interchange.

An 824 / APERAK answers one original interchange. For a carrier's file of tens of thousands of
sets that Amazon refused one by one, one advice interchange would be tens of MB of text, held
(as pieces, as one str, encoded for the database driver) by whoever builds, stores or delivers
it. So the advice of one original interchange goes out as several complete interchanges (each
its own ISA..IEA / UNB..UNZ, numbered with the partner's next control number when it is
recorded), each answering the next run of original sets: a part is closed and handed to
`record` as soon as it holds `MAX_SETS` sets or its sets' text reached `MAX_CHARS` (the set
that crosses it is its last; one set is never split). Only one part is in memory at a time.
An advice under both bounds is one interchange, exactly as before.

Every part answers the same original interchange (`acknowledges`), and every reported set is
in exactly one part, in order. `sets_in` counts the sets an advice (part) reports, so a
builder interrupted between two parts can skip the sets already advised.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, Protocol

from gateway.ack.advice_edifact import AperakText
from gateway.ack.advice_x12 import X12AdviceText
from gateway.ack.context import AckContext
from gateway.origin import Syntax

if TYPE_CHECKING:
    from gateway.ack.advice import AdviceSet

__all__ = ["MAX_CHARS", "MAX_SETS", "AdvicePart", "AdviceParts", "advice_kind", "sets_in"]

MAX_SETS = 5_000  # original sets / messages answered by one advice interchange
MAX_CHARS = 2_000_000  # about: characters of one advice interchange's OTI loops / messages


class AdvicePart(Protocol):
    """One advice interchange's sets, as text or as sets, numbered when it is rendered."""

    @property
    def sets(self) -> int:
        """Original sets reported."""

    @property
    def chars(self) -> int:
        """Characters of their text (APERAK: an estimate)."""

    def add(self, s: AdviceSet) -> None: ...

    def interchange(self, ctx: AckContext) -> str: ...


def advice_kind(syntax: Syntax) -> Literal["824", "APERAK"]:
    """The ack type of an advice in `syntax`: 824 (X12) or APERAK (EDIFACT)."""
    return "824" if syntax == "x12" else "APERAK"


def sets_in(kind: str, content: str) -> int:
    """How many original sets an 824 (OTI loops) / APERAK (messages) reports; the advices'
    own writers put one segment on each line."""
    return content.count("~\nOTI*") if kind == "824" else content.count("'\nUNH+")


class AdviceParts:
    """The sets of one original interchange, added in order, go to `record` as complete
    parts (see the module docstring); `close` hands over the last one. `record` renders the
    part (`AdvicePart.interchange`, as often as it needs to number it again)."""

    def __init__(self, syntax: Syntax, record: Callable[[AdvicePart], None], *,
                 max_sets: int | None = None, max_chars: int | None = None) -> None:  # fmt: skip
        self.syntax = syntax
        self.max_sets = MAX_SETS if max_sets is None else max_sets  # read now (tests set them)
        self.max_chars = MAX_CHARS if max_chars is None else max_chars
        if self.max_sets < 1:
            raise ValueError("an advice part holds at least one set")
        self._record = record
        self._part: AdvicePart | None = None
        self.recorded = 0  # parts handed to `record`

    def _new(self) -> AdvicePart:
        return X12AdviceText() if self.syntax == "x12" else AperakText()

    def add(self, s: AdviceSet) -> None:
        part = self._part = self._part or self._new()
        part.add(s)
        if part.sets >= self.max_sets or part.chars >= self.max_chars:
            self.close()

    def close(self) -> None:
        """Hand the part being filled (if it holds a set) to `record`."""
        part, self._part = self._part, None
        if part is not None and part.sets:
            self._record(part)
            self.recorded += 1
