"""X12 element checks: one segment's elements against its element table (data in
x12_tables.py): requirement, type (AN, ID, N0..N9, R, DT, TM), length, code lists, the
characters allowed and components of composites. Returns Problems (positions: ST = 1);
never raises on any input. Sources: ASC X12 standards (X12.6 application control structure:
data element types and lengths; X12.22 / the 004010 and 005010 element dictionaries).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gateway.problems import Level, Problem, ProblemCode
from gateway.text import SUSPECT_CHARACTERS, describe_invalid, invalid_character, is_digits

__all__ = ["CONTROL_CHARACTERS", "El", "check_elements"]

# every character that may not be printable data (a regex class body; gateway.text): never
# data in X12 or EDIFACT. A value without any is plainly clean; a hit is decided precisely
# by `invalid_character` (characters beyond the BMP by their Unicode category).
CONTROL_CHARACTERS = SUSPECT_CHARACTERS


@dataclass(frozen=True, slots=True)
class El:
    """One element: data element number, requirement (M, O, X), type, min/max length."""

    ref: str
    req: str
    type: str  # AN, ID, N0..N9, R, DT, TM
    min: int
    max: int
    codes: frozenset[str] | None = None


_NUMERIC = re.compile(r"^-?[0-9]+$")
_DECIMAL = re.compile(r"^-?([0-9]+\.?[0-9]*|\.[0-9]+)([Ee]-?[0-9]+)?$")


def _element_problem(
    code: ProblemCode, message: str, seg: Sequence[str], position: int, n: int, el: El
) -> Problem:
    return Problem(
        code=code,
        message=message,
        level=Level.ELEMENT,
        segment=seg[0],
        position=position,
        element=n,
        element_ref=el.ref,
        value=seg[n] if n < len(seg) else None,
    )


def _character_fault(
    value: str, composite: bool, component: str, repetition: str | None
) -> tuple[ProblemCode, str] | None:
    """`repetition` is None for an element that may repeat (or before 00402)."""
    """A control character, or a delimiter the element cannot hold (X12 has no release
    character: a component separator in a simple element, a repetition separator in any)."""
    if (char := invalid_character(value)) is not None:
        return ProblemCode.INVALID_CHARACTER, "holds " + describe_invalid(char)
    if component in value and not composite:
        return ProblemCode.TOO_MANY_COMPONENTS, f"is a simple element but holds {component!r}"
    if repetition and repetition in value:
        return ProblemCode.TOO_MANY_REPETITIONS, f"does not repeat but holds {repetition!r}"
    return None


def _component_fault(value: str, component: str, most: int) -> tuple[ProblemCode, str] | None:
    """A composite with more components than its definition (`most`; empty trailing
    components are not counted): too many components (997 AK4 code 13)."""
    parts = value.split(component)
    while len(parts) > most and not parts[-1]:
        parts.pop()
    if len(parts) <= most:
        return None
    return ProblemCode.TOO_MANY_COMPONENTS, f"has {len(parts)} components, at most {most} allowed"


def check_elements(
    seg: Sequence[str],
    position: int,
    table: Sequence[El],
    max_elements: int,
    component: str = ">",
    repetition: str | None = None,
    composites: frozenset[int] = frozenset(),
    repeats: frozenset[int] = frozenset(),
    sizes: Mapping[int, int] | None = None,
) -> list[Problem]:
    """Element problems of one segment: characters (control characters, delimiters in data),
    too many components, mandatory, length, type, code values. `composites` are the element
    positions that are composites (they may hold the component separator), `sizes` the most
    components each has (position -> count), `repeats` the positions that may repeat."""
    problems: list[Problem] = []
    tag = seg[0]
    faulty: set[int] = set()
    for n in range(1, len(seg)):
        value = seg[n]
        rep = None if n in repeats else repetition
        fault = _character_fault(value, n in composites, component, rep) if value else None
        if fault is None and sizes and n in sizes and component in value:
            # each repetition of a repeating composite (ISA11 between them) on its own
            reps = value.split(repetition) if repetition and n in repeats else (value,)
            for one in reps:
                fault = fault or _component_fault(one, component, sizes[n])
        if fault is not None:
            faulty.add(n)
            el = table[n - 1] if n <= len(table) else El("", "O", "AN", 0, 0)
            why = f"{tag}{n:02d} {value!r} {fault[1]}"
            problems.append(_element_problem(fault[0], why, seg, position, n, el))
    if len(seg) - 1 > max_elements:
        extra = El("", "O", "AN", 0, 0)
        problems.append(
            _element_problem(
                ProblemCode.TOO_MANY_ELEMENTS,
                f"{tag} has {len(seg) - 1} elements, at most {max_elements} allowed",
                seg,
                position,
                max_elements + 1,
                extra,
            )
        )
    for n, el in enumerate(table, start=1):
        value = seg[n] if n < len(seg) else ""
        name = f"{tag}{n:02d}"
        if n in faulty:
            continue
        if not value:
            if el.req == "M":
                problems.append(
                    _element_problem(
                        ProblemCode.MANDATORY_ELEMENT_MISSING,
                        f"mandatory element {name} ({el.ref}) is missing",
                        seg,
                        position,
                        n,
                        el,
                    )
                )
            continue
        problem = _check_value(value, el, name)
        if problem is not None:
            problems.append(_element_problem(problem[0], problem[1], seg, position, n, el))
    return problems


def _check_value(value: str, el: El, name: str) -> tuple[ProblemCode, str] | None:
    kind = el.type
    size = len(value.lstrip("-").replace(".", "")) if kind[0] in "NR" else len(value)
    if kind == "DT":
        if not is_digits(value) or len(value) not in (6, 8) or not _valid_date(value):
            return ProblemCode.INVALID_DATE, f"{name} {value!r} is not a valid date"
        return None
    if kind == "TM":
        if not is_digits(value) or len(value) < 4 or not _valid_time(value):
            return ProblemCode.INVALID_TIME, f"{name} {value!r} is not a valid time"
        return None
    if kind.startswith("N") and not _NUMERIC.match(value):
        return ProblemCode.INVALID_CHARACTER, f"{name} {value!r} is not numeric"
    if kind == "R" and not _DECIMAL.match(value):
        return ProblemCode.INVALID_CHARACTER, f"{name} {value!r} is not a decimal number"
    if size < el.min:
        return ProblemCode.ELEMENT_TOO_SHORT, f"{name} {value!r} is shorter than {el.min}"
    if size > el.max:
        return ProblemCode.ELEMENT_TOO_LONG, f"{name} {value!r} is longer than {el.max}"
    if el.codes is not None and value not in el.codes:
        return ProblemCode.INVALID_CODE_VALUE, f"{name} {value!r} is not a valid code here"
    return None


def _valid_date(value: str) -> bool:
    year = int(value[:-4]) if len(value) == 8 else 2000 + int(value[:2])
    month, day = int(value[-4:-2]), int(value[-2:])
    if not 1 <= month <= 12 or day < 1:
        return False
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    days = (31, 29 if leap else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[month - 1]
    return day <= days


def _valid_time(value: str) -> bool:
    hours, minutes = int(value[:2]), int(value[2:4])
    seconds = int(value[4:6]) if len(value) >= 6 else 0
    return hours < 24 and minutes < 60 and seconds < 60
