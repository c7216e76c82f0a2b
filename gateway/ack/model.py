"""What the ack builders return (one acknowledgement document as EDI text), and what they
share in reading the envelope outcomes."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal, TypeVar

from gateway.envelope.outcome import InterchangeOutcome
from gateway.problems import Problem, Severity

__all__ = [
    "SEGMENT_ERRORS",
    "AckText",
    "AckType",
    "Acknowledgement",
    "Room",
    "answerable",
    "errors_first",
]

H = TypeVar("H")

AckType = Literal["997", "999", "TA1", "CONTRL", "824", "APERAK"]


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    type: AckType
    content: str  # the whole interchange (ISA..IEA / UNA..UNZ) as text
    acknowledges: str | None = None  # inbound interchange control number it answers

    def to_report(self) -> dict[str, str]:
        return {"type": self.type, "content": self.content}


def answerable(
    interchanges: Iterable[InterchangeOutcome[H]],
) -> Iterator[tuple[InterchangeOutcome[H], H]]:
    """The inbound interchanges an ack may answer, with their header: those whose header was
    read and that are no acknowledgement themselves."""
    for outcome in interchanges:
        if outcome.header is not None and not outcome.is_acknowledgment:
            yield outcome, outcome.header


def errors_first(problems: list[Problem]) -> list[Problem]:
    """The errors among `problems`, or all of them when none is an error."""
    return [p for p in problems if p.severity is Severity.ERROR] or problems


# segment reports one ack writes (997 / 999 AK3 / AK4, IK3 / IK4; CONTRL UCS / UCD), over
# all its sets / messages: past it a set / message is answered by its AK2 .. AK5 / UCM
# alone (the standards make those segments optional; AK5 / UCM still reject it). A 997
# naming every faulty segment of 3 MB of sets was 27.6 MB, built in memory
SEGMENT_ERRORS = 20_000


class Room:
    """The segment reports an ack may still write (`SEGMENT_ERRORS` to begin with)."""

    __slots__ = ("left",)

    def __init__(self, left: int = SEGMENT_ERRORS) -> None:
        self.left = left


class AckText:
    """An ack's text written piece by piece (a segment at a time) and joined in blocks of a
    few hundred pieces: building a 997 / CONTRL that lists 100,000 sets takes about twice
    its text in memory (io.StringIO would hold four bytes per character for its value)."""

    __slots__ = ("_blocks", "_pieces")
    _BLOCK = 256  # pieces joined into one block

    def __init__(self) -> None:
        self._blocks: list[str] = []
        self._pieces: list[str] = []

    def write(self, text: str) -> None:
        pieces = self._pieces
        pieces.append(text)
        if len(pieces) >= self._BLOCK:
            self._blocks.append("".join(pieces))
            pieces.clear()

    def getvalue(self) -> str:
        """The whole text written so far."""
        return "".join([*self._blocks, *self._pieces])
