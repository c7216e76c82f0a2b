"""Generic X12 transaction-set validation driven by loop tables (data in x12_tables.py).

`check_structure` walks the segments of one set with a stack of loop frames, the way the
standard's table reads: a segment is looked for at or after the current place in the
current loop, then in enclosing loops; leaving a loop checks its mandatory segments.
`check_elements` validates one segment's elements against its element table.
Both return Problems (positions: ST = 1); neither raises on any input.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from operator import itemgetter

from gateway.problems import Level, Problem, ProblemCode, Severity
from gateway.text import SUSPECT_CHARACTERS, describe_invalid, invalid_character, is_digits

__all__ = [
    "CONTROL_CHARACTERS",
    "El",
    "Loop",
    "Seg",
    "check_elements",
    "check_structure",
    "segment_tags",
]

# every character that may not be printable data (a regex class body; gateway.text): never
# data in X12 or EDIFACT. A value without any is plainly clean; a hit is decided precisely
# by `invalid_character` (characters beyond the BMP by their Unicode category).
CONTROL_CHARACTERS = SUSPECT_CHARACTERS


@dataclass(frozen=True, slots=True)
class Seg:
    tag: str
    required: bool = False
    max_use: int = 1


@dataclass(frozen=True, slots=True)
class Loop:
    """A loop: its first child is the trigger segment."""

    name: str
    children: tuple[Seg | Loop, ...]
    required: bool = False
    max_use: int = 1

    @property
    def trigger(self) -> str:
        first = self.children[0]
        return first.tag if isinstance(first, Seg) else first.trigger


@dataclass(frozen=True, slots=True)
class El:
    """One element: data element number, requirement (M, O, X), type, min/max length."""

    ref: str
    req: str
    type: str  # AN, ID, N0..N9, R, DT, TM
    min: int
    max: int
    codes: frozenset[str] | None = None


def segment_tags(loop: Loop) -> set[str]:
    tags: set[str] = set()
    for child in loop.children:
        tags |= {child.tag} if isinstance(child, Seg) else segment_tags(child)
    return tags


class _Frame:
    __slots__ = ("counts", "index", "loop")

    def __init__(self, loop: Loop) -> None:
        self.loop = loop
        self.index = 0
        self.counts = [0] * len(loop.children)
        self.counts[0] = 1


def _missing(frame: _Frame, upto: int, position: int, tag: str) -> list[Problem]:
    problems = []
    for i in range(frame.index, upto):
        child = frame.loop.children[i]
        if child.required and frame.counts[i] == 0:
            name = child.tag if isinstance(child, Seg) else child.trigger
            problems.append(
                Problem(
                    code=ProblemCode.MANDATORY_SEGMENT_MISSING,
                    message=f"mandatory segment {name} missing before {tag}",
                    level=Level.SEGMENT,
                    segment=name,
                    position=position,
                )
            )
    return problems


_first = itemgetter(0)  # a segment's tag
_SEGMENT_ID = re.compile(r"^[A-Z0-9]{2,3}$")


def _starts(loop: Loop) -> dict[str, tuple[int, ...]]:
    """For each tag, the indices of the children of `loop` it starts (computed once)."""
    entry = _STARTS.get(id(loop))
    if entry is None or entry[0] is not loop:
        starts: dict[str, list[int]] = {}
        for i, child in enumerate(loop.children):
            starts.setdefault(child.tag if isinstance(child, Seg) else child.trigger, []).append(i)
        entry = _STARTS[id(loop)] = (loop, {tag: tuple(ix) for tag, ix in starts.items()})
    return entry[1]


_STARTS: dict[int, tuple[Loop, dict[str, tuple[int, ...]]]] = {}


def _find(frame: _Frame, tag: str, is_root: bool) -> int:
    """Index of the child that `tag` starts, at or after the current place; -1 if none.
    Inside a loop the trigger is skipped: a repeated trigger starts the next iteration."""
    start = frame.index if is_root or frame.index else 1
    for i in _starts(frame.loop).get(tag, ()):
        if i >= start:
            return i
    return -1


# table identity + the set's tag sequence -> its problems: carrier files repeat a handful
# of set shapes, and the walk depends on nothing else
_WALKS: dict[tuple[int, int, tuple[str, ...], bool], tuple[Loop, list[Problem]]] = {}
_WALKS_MAX = 4096
_KNOWN: dict[int, tuple[Loop, set[str]]] = {}  # table identity -> every tag it names


def check_structure(
    table: Loop, segments: Sequence[Sequence[str]], tolerant: bool = False
) -> list[Problem]:
    """Structure problems of the body of one set: `segments` are ST..SE inclusive.

    Strict (the default): a segment out of its place in the segment table is an error.
    `tolerant` (a partner profile's `structure: tolerant`): every segment that the table
    places elsewhere in the same group, at exactly one place (earlier in the group itself,
    else in one of its sub-groups), is read where it is and reported as a warning, in any
    order and however many; a segment that fits nowhere or at several places is still an
    error."""
    tags = tuple(map(_first, segments[1:-1]))
    key = (id(table), len(segments), tags, tolerant)
    entry = _WALKS.get(key)
    if entry is None or entry[0] is not table:
        if len(_WALKS) >= _WALKS_MAX:
            _WALKS.clear()
        known = _KNOWN.get(id(table))
        if known is None or known[0] is not table:
            known = _KNOWN[id(table)] = (table, segment_tags(table))
        walk = _walk(table, tags, known[1], len(segments), tolerant)
        entry = _WALKS[key] = (table, walk)
    return list(entry[1])


def _walk(
    table: Loop, tags: Sequence[str], known: set[str], last: int, tolerant: bool = False
) -> list[Problem]:
    """The walk itself: `tags` are those of positions 2..last-1 (the SE is at `last`)."""
    problems: list[Problem] = []
    stack = [_Frame(table)]
    for position, tag in enumerate(tags, start=2):
        depth, index = len(stack) - 1, -1
        while depth >= 0:
            index = _find(stack[depth], tag, depth == 0)
            if index >= 0:
                break
            depth -= 1
        if index < 0:
            if not (tolerant and _tolerate(stack, tag, position, problems)):
                problems.append(_stray(tag, position, known))
            continue
        while len(stack) - 1 > depth:
            frame = stack.pop()
            problems.extend(_missing(frame, len(frame.loop.children), position, tag))
        frame = stack[-1]
        child = frame.loop.children[index]
        if index == frame.index and frame.counts[index] >= child.max_use:
            code = (
                ProblemCode.SEGMENT_OVER_MAX
                if isinstance(child, Seg)
                else ProblemCode.LOOP_OVER_MAX
            )
            problems.append(_over(code, tag, position))
        problems.extend(_missing(frame, index, position, tag))
        frame.index = index
        frame.counts[index] += 1
        if isinstance(child, Loop):
            stack.append(_Frame(child))
    for frame in reversed(stack):
        problems.extend(_missing(frame, len(frame.loop.children), last, "SE"))
    return problems


def _tolerate(stack: list[_Frame], tag: str, position: int, problems: list[Problem]) -> bool:
    """Tolerant structure: read `tag` where it is when the innermost group that places it at
    all places it exactly once (sub-groups of that group opened since are closed first, so
    a TD5 after an 856 HL's N1 loop is the HL's). A warning is added; False (nothing added)
    when no group places it or the first that does places it more than once."""
    for depth in range(len(stack) - 1, -1, -1):
        places, own = _places_in_group(stack[depth], tag)
        if places == 0:
            continue
        if places > 1:
            return False
        while len(stack) - 1 > depth:
            frame = stack.pop()
            problems.extend(_missing(frame, len(frame.loop.children), position, tag))
        problems.append(_tolerated(tag, position, stack[-1].loop.name))
        if own is not None:
            stack[-1].counts[own] += 1  # a second displaced one beyond max_use: an error
            child = stack[-1].loop.children[own]
            if isinstance(child, Loop):  # a sub-group's trigger opens it where it is
                stack.append(_Frame(child))
        return True
    return False


def _places_in_group(frame: _Frame, tag: str) -> tuple[int, int | None]:
    """Where else the group holds `tag`, and the index of its own place when that is the
    one: its own segments, and the triggers of its sub-groups (an AT7 after the L11 of the
    same 214 LX opens its 0205 loop there), before the current place with uses left (the
    group's own place wins: a segment of a sub-group cannot be read without that
    sub-group's trigger); else
    the non-trigger segments of its sub-groups from the current place on. 1 place is
    unambiguous; 0 none; more is ambiguous."""
    children = frame.loop.children
    own = [
        i
        for i, child in enumerate(children[: frame.index])
        if i and (child.tag if isinstance(child, Seg) else child.trigger) == tag
    ]
    if own:
        left = [i for i in own if frame.counts[i] < children[i].max_use]
        return (len(left), left[0]) if len(left) == 1 else (max(len(left), 2), None)
    places = 0
    for child in children[frame.index :]:
        if isinstance(child, Loop):
            places += sum(1 for c in child.children[1:] if isinstance(c, Seg) and c.tag == tag)
    return places, None


def _tag_of(child: Seg | Loop) -> str | None:
    return child.tag if isinstance(child, Seg) else None


def _tolerated(tag: str, position: int, group: str) -> Problem:
    return Problem(
        code=ProblemCode.SEGMENT_OUT_OF_ORDER,
        message=f"segment {tag!r} is out of its place in group {group}: read where it is"
        " (partner profile: structure tolerant)",
        level=Level.SEGMENT,
        severity=Severity.WARNING,
        segment=tag,
        position=position,
    )


def _over(code: ProblemCode, tag: str, position: int) -> Problem:
    what = "loop" if code is ProblemCode.LOOP_OVER_MAX else "segment"
    return Problem(
        code=code,
        message=f"{tag} {what} repeats more often than the standard allows",
        level=Level.SEGMENT,
        segment=tag,
        position=position,
    )


def _stray(tag: str, position: int, known: set[str]) -> Problem:
    if tag in known:
        code, why = ProblemCode.UNEXPECTED_SEGMENT, "is not allowed at this place"
    elif _SEGMENT_ID.match(tag):
        code, why = ProblemCode.SEGMENT_NOT_IN_SET, "is not defined in this transaction set"
    else:
        code, why = ProblemCode.UNRECOGNIZED_SEGMENT, "is not a segment ID"
    return Problem(
        code=code,
        message=f"segment {tag!r} {why}",
        level=Level.SEGMENT,
        segment=tag[:3],
        position=position,
    )


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
