"""Element checks of the EDIFACT segments the IFTSTA/DESADV parsers read (their tables:
`edifact_tables`), and message validation (structure tables, element checks and the
directory's dependency notes).

Structure is checked with the generic loop walker of `x12_structure` (segment groups are
loops: the first child triggers the group). Element checks cover the segments the parsers
read: mandatory data elements and components, lengths, numeric values, DTM formats
102/203/204/303 (and 101/201). Positions count from UNH = 1; elements and components are
1-based. Nothing here raises on bad data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import cast

from gateway.parse.dates import parse_local
from gateway.parse.edifact_accept import plainly_clean
from gateway.parse.edifact_common import DTM_FORMATS, EdiSegment
from gateway.parse.edifact_tables import (
    COMPOSITES,
    RELEASE_LENGTHS,
    SEGMENT_CHECKS,
    SIMPLE_ELEMENTS,
    Chk,
)
from gateway.parse.relations import Note, check_dependencies, dependency_notes
from gateway.parse.x12_structure import Loop, check_structure
from gateway.problems import Level, Problem, ProblemCode
from gateway.text import is_digits

__all__ = ["check_segment", "validate_message"]


_NUMERIC = re.compile(r"^-?([0-9]+([.,][0-9]*)?|[.,][0-9]+)$")


def _problem(
    code: ProblemCode, message: str, seg: EdiSegment, position: int, chk: Chk | None, value: str
) -> Problem:
    return Problem(
        code=code,
        message=message,
        level=Level.ELEMENT,
        segment=seg.tag,
        position=position,
        element=chk.element if chk else None,
        component=chk.component if chk else None,
        element_ref=chk.ref if chk else None,
        value=value or None,
    )


def _value_problem(seg: EdiSegment, position: int, chk: Chk, value: str) -> Problem | None:
    present = chk.element <= len(seg.elements) and any(seg.elements[chk.element - 1])
    name = f"{seg.tag}{chk.element:02d}" + (f"-{chk.component}" if chk.component else "")
    if not value:
        if chk.req == "M" or (chk.req == "m" and present):
            why = f"mandatory {name} ({chk.ref}) is missing"
            return _problem(ProblemCode.MANDATORY_ELEMENT_MISSING, why, seg, position, chk, "")
        return None
    size = len(value)
    if chk.kind == "n":
        if not _NUMERIC.match(value):
            why = f"{name} {value!r} is not numeric"
            return _problem(ProblemCode.INVALID_CHARACTER, why, seg, position, chk, value)
        size = len(value.lstrip("-").replace(".", "").replace(",", ""))
    elif chk.kind == "a" and any(is_digits(c) for c in value):
        why = f"{name} {value!r} must not contain digits"
        return _problem(ProblemCode.INVALID_CHARACTER, why, seg, position, chk, value)
    if size > chk.max:
        why = f"{name} {value!r} is longer than {chk.max}"
        return _problem(ProblemCode.ELEMENT_TOO_LONG, why, seg, position, chk, value)
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
        return _problem(ProblemCode.INVALID_DATE, why, seg, position, _DTM_TEXT, text)
    if parse_local(digits[:date_len], None) is None:
        why = f"DTM01-2 {text!r} is not a valid date"
        return _problem(ProblemCode.INVALID_DATE, why, seg, position, _DTM_TEXT, text)
    if time_len and parse_local(digits[:date_len], digits[date_len:]) is None:
        why = f"DTM01-2 {text!r} is not a valid time"
        return _problem(ProblemCode.INVALID_TIME, why, seg, position, _DTM_TEXT, text)
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
        problems.append(_problem(ProblemCode.TOO_MANY_COMPONENTS, why, seg, position, chk, value))
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
_CLEAN_MAX = 1 << 14


def check_segment(seg: EdiSegment, position: int) -> list[Problem]:
    """Element problems of one segment the parsers read (none for other segments)."""
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
        problems.append(_problem(ProblemCode.TOO_MANY_ELEMENTS, why, seg, position, extra, ""))
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


def validate_message(
    table: Loop, segments: Sequence[EdiSegment], tolerant: bool = False
) -> list[Problem]:
    """Structure and element problems of one message, `segments` UNH..UNT inclusive, and
    the dependency notes of its segments for the directory release in UNH S009 0054;
    `tolerant` reads a segment misplaced within its group with a warning."""
    # the walker reads each segment's [0]: an EdiSegment's tag
    problems = check_structure(table, cast("Sequence[Sequence[str]]", segments), tolerant)
    release = segments[0].get(2, 3) if segments else ""
    # lengths that grew after this release (1004, 1154): not cached per segment
    narrowed = _narrowed_checks(release)
    rules, clean, objects = _RULES, _CLEAN, _CLEAN_OBJECTS
    # each distinct segment object is looked at once (carrier messages repeat theirs): when
    # all are clean and none is narrowed, there is nothing to report at any position
    faulty = narrowing = False
    body = segments[1:-1]
    for seg in dict(zip(map(id, body), body, strict=True)).values():
        tag = seg[0]
        if tag in narrowed and _narrowed_problems(seg, 0, narrowed[tag], release):
            narrowing = True
        if tag not in rules or objects.get(id(seg)) is seg:
            continue  # no checks, or this very segment was found clean before
        if plainly_clean(seg) or seg in clean:  # a fast acceptance, or an equal segment
            _remember(seg)
        else:
            faulty = True
    if faulty or narrowing:  # the problems at each position, then the narrowed lengths
        late: list[Problem] = []
        for position in range(2, len(segments)):
            seg = segments[position - 1]
            tag = seg[0]
            if narrowing and tag in narrowed:
                late.extend(_narrowed_problems(seg, position, narrowed[tag], release))
            if faulty and tag in rules and objects.get(id(seg)) is not seg:
                problems.extend(check_segment(seg, position))
        problems.extend(late)
    dependencies = _dependencies(release) if segments else {}
    if dependencies:  # most directories carry none for the segments read
        for position in range(2, len(segments)):
            seg = segments[position - 1]
            related = dependencies.get(seg.tag)
            if related:
                problems.extend(check_dependencies(seg.tag, seg.elements, position, related))
    return problems


def _narrowed_problems(
    seg: EdiSegment, position: int, narrowed: tuple[tuple[Chk, int], ...], release: str
) -> list[Problem]:
    """Values of `seg` longer than `release` allowed (`_narrowed_checks`)."""
    problems = []
    for chk, size in narrowed:
        value = seg.get(chk.element, chk.component or 1)
        if size < len(value) <= chk.max:
            why = (
                f"{seg.tag}{chk.element:02d}-{chk.component} {value!r} is longer than "
                f"{size} (data element {chk.ref} in release {release})"
            )
            code = ProblemCode.ELEMENT_TOO_LONG
            problems.append(_problem(code, why, seg, position, chk, value))
    return problems


_DEPENDENCIES: dict[str, Mapping[str, tuple[Note, ...]]] = {}


def _dependencies(release: str) -> Mapping[str, tuple[Note, ...]]:
    """`relations.dependency_notes(release)`, remembered per release."""
    found = _DEPENDENCIES.get(release)
    if found is None:
        found = dependency_notes(release)
        if len(_DEPENDENCIES) < 256:
            _DEPENDENCIES[release] = found
    return found


def _release_key(release: str) -> tuple[int, str] | None:
    """'01B' -> (2001, 'B'); None for a release that is no directory year and letter."""
    if len(release) != 3 or not release[:2].isdigit():
        return None
    year = int(release[:2])
    return (1900 + year if year >= 90 else 2000 + year), release[2:].upper()


_NARROWED: dict[str, dict[str, tuple[tuple[Chk, int], ...]]] = {}


def _narrowed_checks(release: str) -> dict[str, tuple[tuple[Chk, int], ...]]:
    """tag -> (check, the release's smaller length) for the data elements whose length grew
    after `release` (`RELEASE_LENGTHS`); empty for later or unknown releases."""
    if release in _NARROWED:
        return _NARROWED[release]
    key = _release_key(release)
    found: dict[str, tuple[tuple[Chk, int], ...]] = {}
    if key is not None:
        for tag, (checks, _) in SEGMENT_CHECKS.items():
            narrow = []
            for chk in checks:
                grown = RELEASE_LENGTHS.get(chk.ref)
                if grown is not None and key < (_release_key(grown[0]) or key):
                    narrow.append((chk, grown[1]))
            if narrow:
                found[tag] = tuple(narrow)
    if len(_NARROWED) < 256:
        _NARROWED[release] = found
    return found
