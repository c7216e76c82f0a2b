"""The ISA interchange header: its fields, and the checks that decide a TA1."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from gateway.envelope.x12_syntax import ISA_LENGTH, Delimiters, IsaText, usable_delimiter
from gateway.problems import Level, Problem, ProblemCode
from gateway.text import is_digits

__all__ = ["IsaHeader", "check_isa", "isa_header"]

_NAMES = (
    "authorization qualifier", "authorization information", "security qualifier",
    "security information", "sender ID qualifier", "sender ID", "receiver ID qualifier",
    "receiver ID", "date", "time", "standards ID / repetition separator", "version",
    "control number", "acknowledgment requested", "usage indicator", "component separator",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class IsaHeader:
    elements: tuple[str, ...]  # ISA01..ISA16 at index 1..16 (index 0 is "ISA")
    delimiters: Delimiters

    def get(self, n: int) -> str:
        return self.elements[n] if n < len(self.elements) else ""

    @property
    def sender_qualifier(self) -> str:
        return self.get(5).strip()

    @property
    def sender(self) -> str:
        return self.get(6).strip()

    @property
    def receiver_qualifier(self) -> str:
        return self.get(7).strip()

    @property
    def receiver(self) -> str:
        return self.get(8).strip()

    @property
    def version(self) -> str:
        return self.get(12).strip()

    @property
    def control(self) -> str:
        return self.get(13)

    @property
    def ack_requested(self) -> bool:
        return self.get(14).strip() == "1"

    @property
    def test(self) -> bool:
        return self.get(15).strip() == "T"


def isa_header(isa: IsaText) -> IsaHeader:
    return IsaHeader(tuple(isa.elements), isa.delimiters)


def _bad(element: int, message: str, value: str | None = None) -> Problem:
    return Problem(
        code=ProblemCode.INTERCHANGE_FIELD_INVALID,
        message=message,
        level=Level.INTERCHANGE,
        segment="ISA",
        position=1,
        element=element,
        value=value,
    )


def _delimiter_problems(d: Delimiters) -> list[Problem]:
    """Delimiters nothing can be written with: a segment terminator that is a space, letter
    or digit (TA1 004), such an element (026) or component (027) separator."""
    found = []
    for ok, code, name, char in (
        (usable_delimiter(d.segment, terminator=True), ProblemCode.SEGMENT_TERMINATOR_INVALID,
         "segment terminator", d.segment),
        (usable_delimiter(d.element), ProblemCode.ELEMENT_SEPARATOR_INVALID,
         "element separator", d.element),
        (usable_delimiter(d.component), ProblemCode.COMPONENT_SEPARATOR_INVALID,
         "component separator (ISA16)", d.component),
    ):  # fmt: skip
        if not ok:
            why = f"the ISA's {name} {char!r} is a space, letter, digit or line break"
            element = 16 if "component" in name else None
            found.append(
                Problem(
                    code=code,
                    message=why,
                    level=Level.INTERCHANGE,
                    segment="ISA",
                    position=1,
                    element=element,
                )
            )
    return found


# the ISAs found faultless, but for ISA13, with their delimiters (a mailbag repeats one ISA
# thousands of times, its control number aside): (ISA01..ISA12, ISA14..ISA16, delimiters,
# length, width faults)
_CLEAN: set[tuple[object, ...]] = set()
_CLEAN_MAX = 1024


def check_isa(isa: IsaText) -> list[Problem]:
    """Problems with the ISA; any of them rejects the interchange (TA1 R)."""
    elements = isa.elements
    control = elements[13] if len(elements) > 13 else None
    # a faultless ISA13 (9 digits) takes no part in the other checks: one ISA checked before
    # with another control number has the same faults (none)
    plain = control is not None and len(control) == 9 and is_digits(control)
    # (an ISA of its fixed width and at most a line break after it: nothing long is kept)
    plain = plain and isa.length == ISA_LENGTH and len(isa.delimiters.suffix) <= 2
    key = (*elements[:13], *elements[14:], isa.delimiters, isa.length, isa.width_faults)
    if plain and key in _CLEAN:
        return []
    problems = _check_isa(isa, control)
    if plain and not problems:
        if len(_CLEAN) >= _CLEAN_MAX:
            _CLEAN.clear()
        _CLEAN.add(key)
    return problems


def _check_isa(isa: IsaText, control: str | None) -> list[Problem]:
    elements = isa.elements
    problems: list[Problem] = _delimiter_problems(isa.delimiters)
    d = isa.delimiters
    used = [d.element, d.component, d.segment] + ([d.repetition] if d.repetition else [])
    if len(set(used)) != len(used):  # first: a missing ISA16 reads as ISA16 = terminator
        problems.append(_bad(16, "ISA delimiters are not distinct characters"))
    if isa.length != ISA_LENGTH:
        where = "".join(f"; ISA{n:02d} is {len(elements[n])} characters" for n in isa.width_faults)
        breaks = [n for n in range(1, len(elements)) if "\n" in elements[n] or "\r" in elements[n]]
        if breaks:
            where += f"; ISA{breaks[0]:02d} contains a line break"
        problems.append(
            Problem(
                code=ProblemCode.INTERCHANGE_HEADER_INVALID,
                message=f"ISA is {isa.length} characters, not the fixed {ISA_LENGTH}{where}",
                level=Level.INTERCHANGE,
                interchange=control,
                segment="ISA",
                position=1,
                element=isa.width_faults[0] if isa.width_faults else None,
            )
        )
    for n in isa.width_faults:
        problems.append(
            _bad(n, f"ISA{n:02d} ({_NAMES[n - 1]}) has the wrong fixed width", elements[n])
        )
    checks: tuple[tuple[int, Callable[[str], bool], str], ...] = (
        (9, lambda v: is_digits(v) and len(v) == 6 and 1 <= int(v[2:4]) <= 12, "date"),
        (10, lambda v: is_digits(v) and len(v) == 4 and int(v[:2]) < 24 and int(v[2:]) < 60,
         "time"),
        (12, lambda v: is_digits(v) and len(v) == 5, "version"),
        (13, lambda v: is_digits(v) and len(v) == 9, "control number"),
        (14, lambda v: v in ("0", "1"), "acknowledgment requested"),
        (15, lambda v: v in ("P", "T", "I"), "usage indicator"),
    )  # fmt: skip
    for n, ok, name in checks:
        value = elements[n] if n < len(elements) else ""
        if n not in isa.width_faults and not ok(value):
            problems.append(_bad(n, f"ISA{n:02d} {value!r} is not a valid {name}", value))
    # (a delimiter that is itself unusable, e.g. a blank terminator, is reported above)
    others = "".join(
        c for c, ok in ((d.component, usable_delimiter(d.component)),
                        (d.segment, usable_delimiter(d.segment, terminator=True)),
                        (d.repetition or "", usable_delimiter(d.repetition or "*"))) if ok
    )  # fmt: skip
    for n in range(1, min(len(elements), 16)):
        value = elements[n]
        if n in isa.width_faults or (n == 11 and value == d.repetition):
            continue
        held = [c for c in value if c in others]
        if held or not value.isprintable():
            why = f"the delimiter {held[0]!r}" if held else "a control character"
            problems.append(_bad(n, f"ISA{n:02d} ({_NAMES[n - 1]}) holds {why}", value))
    return [p.model_copy(update={"interchange": control}) for p in problems]
