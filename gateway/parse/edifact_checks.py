"""Element checks of the EDIFACT segments the IFTSTA/DESADV parsers read (their tables:
`edifact_tables`), and message validation (structure tables, element checks and the
directory's dependency notes; what depends on the message's release: `edifact_releases`).

Structure is checked with the generic loop walker of `x12_structure` (segment groups are
loops: the first child triggers the group). Element checks cover the segments the parsers
read: mandatory data elements and components, lengths, numeric values, DTM formats
102/203/204/303 (and 101/201). Positions count from UNH = 1; elements and components are
1-based. Nothing here raises on bad data.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from typing import cast

from gateway.parse.dates import parse_local
from gateway.parse.edifact_accept import plainly_clean
from gateway.parse.edifact_common import DTM_FORMATS, EdiSegment, element_problem
from gateway.parse.edifact_releases import (
    ANY_RELEASE,
    narrowed_checks,
    narrowed_problems,
    release_dependencies,
)
from gateway.parse.edifact_tables import COMPOSITES, SEGMENT_CHECKS, SIMPLE_ELEMENTS, Chk
from gateway.parse.relations import check_dependencies
from gateway.parse.x12_structure import Loop, check_structure
from gateway.problems import Problem, ProblemCode
from gateway.set_problems import SetProblems
from gateway.text import is_digits

__all__ = ["check_segment", "elements_clean", "segment_clean", "validate_message"]


_NUMERIC = re.compile(r"^-?([0-9]+([.,][0-9]*)?|[.,][0-9]+)$")


def _value_problem(seg: EdiSegment, position: int, chk: Chk, value: str) -> Problem | None:
    present = chk.element <= len(seg.elements) and any(seg.elements[chk.element - 1])
    name = f"{seg.tag}{chk.element:02d}" + (f"-{chk.component}" if chk.component else "")
    if not value:
        if chk.req == "M" or (chk.req == "m" and present):
            why = f"mandatory {name} ({chk.ref}) is missing"
            return element_problem(
                ProblemCode.MANDATORY_ELEMENT_MISSING, why, seg, position, chk, ""
            )
        return None
    size = len(value)
    if chk.kind == "n":
        if not _NUMERIC.match(value):
            why = f"{name} {value!r} is not numeric"
            return element_problem(ProblemCode.INVALID_CHARACTER, why, seg, position, chk, value)
        size = len(value.lstrip("-").replace(".", "").replace(",", ""))
    elif chk.kind == "a" and any(is_digits(c) for c in value):
        why = f"{name} {value!r} must not contain digits"
        return element_problem(ProblemCode.INVALID_CHARACTER, why, seg, position, chk, value)
    if size > chk.max:
        why = f"{name} {value!r} is longer than {chk.max}"
        return element_problem(ProblemCode.ELEMENT_TOO_LONG, why, seg, position, chk, value)
    return None


def _plainly_valid(seg: EdiSegment, checks: Sequence[Chk]) -> bool:
    """True when every check plainly passes (present, short enough, digits where numeric);
    False sends the segment through `_value_problem`, which says what is wrong if anything."""
    elements = seg.elements
    for chk in checks:
        value = ""
        if chk.element <= len(elements):
            parts = elements[chk.element - 1]
            index = (chk.component or 1) - 1
            value = parts[index].strip() if index < len(parts) else ""
        if not value:
            if chk.req != "C":
                return False
        elif len(value) > chk.max or (
            chk.kind != "an" and (chk.kind != "n" or not is_digits(value))
        ):
            return False
    return True


_DTM_TEXT = Chk(1, 2, "2380", "C", "an", 35)  # where a DTM format fault is reported


def _check_dtm(seg: EdiSegment, position: int) -> Problem | None:
    text, fmt = seg.get(1, 2), seg.get(1, 3)
    layout = DTM_FORMATS.get(fmt)
    if not text or layout is None:
        return None
    date_len, time_len, zoned = layout
    digits = text[: date_len + time_len]
    rest = text[date_len + time_len :]
    if len(digits) < date_len + time_len or not is_digits(digits) or (rest and not zoned):
        why = f"DTM01-2 {text!r} does not match date/time format {fmt}"
        return element_problem(ProblemCode.INVALID_DATE, why, seg, position, _DTM_TEXT, text)
    if parse_local(digits[:date_len], None) is None:
        why = f"DTM01-2 {text!r} is not a valid date"
        return element_problem(ProblemCode.INVALID_DATE, why, seg, position, _DTM_TEXT, text)
    if time_len and parse_local(digits[:date_len], digits[date_len:]) is None:
        why = f"DTM01-2 {text!r} is not a valid time"
        return element_problem(ProblemCode.INVALID_TIME, why, seg, position, _DTM_TEXT, text)
    return None


def _constituent_problems(
    seg: EdiSegment, position: int, simple: tuple[int, ...], composites: dict[int, int]
) -> list[Problem]:
    """Simple data elements (`simple`) that hold more than one component (an unreleased
    component separator in data), and composites with more components than their directory
    definition (`composites`: position -> most components; empty trailing components are
    not counted): too many constituents, reported at the first component too many."""
    problems: list[Problem] = []
    elements = seg.elements
    for n, parts in enumerate(elements, start=1):
        limit = 1 if n in simple else composites.get(n)
        if limit is None or len(parts) <= limit:
            continue
        used = len(parts)
        while used > limit > 1 and not parts[used - 1]:  # a simple element: any separator
            used -= 1
        if used <= limit:
            continue
        value = ":".join(parts)
        if limit == 1:
            why = f"{seg.tag}{n:02d} is a simple data element but holds a component separator"
        else:
            why = f"{seg.tag}{n:02d} has {used} components, at most {limit} allowed"
        chk = Chk(n, limit + 1, "", "C", "an", 0)
        problems.append(
            element_problem(ProblemCode.TOO_MANY_COMPONENTS, why, seg, position, chk, value)
        )
    return problems


# tag -> (checks, max data elements, simple element positions, composite sizes)
_RULES: dict[str, tuple[tuple[Chk, ...], int, tuple[int, ...], dict[int, int]]] = {
    tag: (
        *SEGMENT_CHECKS.get(tag, ((), 99)),
        tuple(sorted(SIMPLE_ELEMENTS.get(tag, ()))),
        COMPOSITES.get(tag, {}),
    )
    for tag in {*SEGMENT_CHECKS, *SIMPLE_ELEMENTS, *COMPOSITES}
}


# segments (tag and elements) found free of element problems: carrier files repeat most of
# theirs (status, location, reference, date), so each distinct one is checked once. The
# reader shares one object per distinct segment: that object is known by identity (its id
# is held with it, so it cannot be another's), which spares hashing its elements again.
_CLEAN: dict[EdiSegment, None] = {}
_CLEAN_OBJECTS: dict[int, EdiSegment] = {}
# at most 4,096 each: a clean segment's elements are bounded by its tag's table (an FTX
# about 2.6 KB), and segments of tags without checks are not kept (16,384 distinct clean
# NADs of 700 characters held 11 MB, of unknown tags any length)
_CLEAN_MAX = 1 << 12


def check_segment(seg: EdiSegment, position: int) -> list[Problem]:
    """Element problems of one segment the parsers read (none for other segments)."""
    if seg[0] not in _RULES:
        return []  # nothing to check (nor to remember)
    if _CLEAN_OBJECTS.get(id(seg)) is seg or seg in _CLEAN:
        return []
    if plainly_clean(seg):  # fast acceptance (edifact_accept); the full checks else
        _remember(seg)
        return []
    problems = _segment_problems(seg, position)
    if not problems:
        if len(_CLEAN) >= _CLEAN_MAX:
            _CLEAN.clear()
        _CLEAN[seg] = None
        _remember(seg)
    return problems


def _remember(seg: EdiSegment) -> None:
    """Know `seg` (this object) as clean."""
    if len(_CLEAN_OBJECTS) >= _CLEAN_MAX:
        _CLEAN_OBJECTS.clear()
    _CLEAN_OBJECTS[id(seg)] = seg


def _segment_problems(seg: EdiSegment, position: int) -> list[Problem]:
    rules = _RULES.get(seg.tag)
    if rules is None:
        return []
    checks, max_elements, simple, composites = rules
    problems = _constituent_problems(seg, position, simple, composites)
    if len(seg.elements) > max_elements:
        extra = Chk(max_elements + 1, None, "", "C", "an", 0)
        why = f"{seg.tag} has {len(seg.elements)} data elements, at most {max_elements} allowed"
        problems.append(
            element_problem(ProblemCode.TOO_MANY_ELEMENTS, why, seg, position, extra, "")
        )
    if problems or not _plainly_valid(seg, checks):  # the common case skips the full checks
        for chk in checks:
            value = seg.get(chk.element, chk.component or 1)
            found = _value_problem(seg, position, chk, value)
            if found is not None:
                problems.append(found)
    if seg.tag == "DTM":
        dtm = _check_dtm(seg, position)
        if dtm is not None:
            problems.append(dtm)
    return problems


def segment_clean(seg: EdiSegment) -> bool:
    """True when `seg` has no element problem (`check_segment`) and no value longer than
    any directory release allowed (`RELEASE_LENGTHS`): no check of `validate_message`
    but the structure and the dependency notes can report it, whatever its place."""
    if seg[0] not in _RULES:
        return True
    narrowed = ANY_RELEASE.get(seg[0])
    return not check_segment(seg, 0) and not (narrowed and narrowed_problems(seg, 0, narrowed, ""))


def _distinct_faults(
    body: Sequence[EdiSegment], narrowed: dict[str, tuple[tuple[Chk, int], ...]], release: str
) -> tuple[bool, bool]:
    """(whether a segment of `body` has element problems, whether one holds a value longer
    than `release` allowed). Each distinct segment object is looked at once (carrier
    messages repeat theirs); the clean ones are remembered."""
    rules, clean, objects = _RULES, _CLEAN, _CLEAN_OBJECTS
    faulty = narrowing = False
    for seg in dict(zip(map(id, body), body, strict=True)).values():
        tag = seg[0]
        if tag in narrowed and narrowed_problems(seg, 0, narrowed[tag], release):
            narrowing = True
        if tag not in rules or objects.get(id(seg)) is seg:
            continue  # no checks, or this very segment was found clean before
        if plainly_clean(seg) or seg in clean:  # a fast acceptance, or an equal segment
            _remember(seg)
        else:
            faulty = True
    return faulty, narrowing


def elements_clean(segments: Sequence[EdiSegment], checked: bool = False) -> bool:
    """True when `validate_message` finds no element problem, no value longer than the
    message's release allowed and no dependency note to check in `segments` (UNH..UNT
    inclusive): then only the structure is left to check. False says nothing. `checked`:
    every body segment is known to be `segment_clean` (the envelope checked each as it
    split it); only the dependency notes are left to look at."""
    release = segments[0].get(2, 3) if segments else ""
    body = segments[1:-1]
    notes = release_dependencies(release)
    if notes and any(seg[0] in notes for seg in body):
        return False
    return checked or _distinct_faults(body, narrowed_checks(release), release) == (False, False)


def validate_message(
    table: Loop,
    segments: Sequence[EdiSegment],
    tolerant: bool = False,
    skip: Collection[tuple[int | None, int | None]] = (),
) -> list[Problem]:
    """Structure and element problems of one message, `segments` UNH..UNT inclusive, and
    the dependency notes of its segments for the directory release in UNH S009 0054;
    `tolerant` reads a segment misplaced within its group with a warning; none at the
    (position, element) places in `skip` (faults the reader said already)."""
    # the walker reads each segment's [0]: an EdiSegment's tag
    structure = check_structure(table, cast("Sequence[Sequence[str]]", segments), tolerant)
    release = segments[0].get(2, 3) if segments else ""
    # lengths that grew after this release (1004, 1154): not cached per segment
    narrowed = narrowed_checks(release)
    rules, objects = _RULES, _CLEAN_OBJECTS
    faulty, narrowing = _distinct_faults(segments[1:-1], narrowed, release)
    dependencies = release_dependencies(release) if segments else {}
    if not (faulty or narrowing or dependencies):  # (the walk lists SET_PROBLEMS at most)
        return structure
    problems = SetProblems(skip=skip)  # a message of 100,000 faulty segments: SET_PROBLEMS
    problems.extend(structure)
    if faulty or narrowing:  # the problems at each position, then the narrowed lengths
        late = SetProblems(skip=skip)
        for position in range(2, len(segments)):
            seg = segments[position - 1]
            tag = seg[0]
            if narrowing and tag in narrowed:
                late.extend(narrowed_problems(seg, position, narrowed[tag], release))
            if faulty and tag in rules and objects.get(id(seg)) is not seg:
                problems.extend(check_segment(seg, position))
        problems.extend(late.listed())
    if dependencies:  # most directories carry none for the segments read
        for position in range(2, len(segments)):
            seg = segments[position - 1]
            related = dependencies.get(seg.tag)
            if related:
                problems.extend(check_dependencies(seg.tag, seg.elements, position, related))
    return problems.listed()
