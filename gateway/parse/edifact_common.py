"""Shared pieces of the EDIFACT document parsers: the segment record, sourced values,
DTM date/times, and message validation (structure tables + element checks).

Structure is checked with the generic loop walker of `x12_structure` (segment groups are
loops: the first child triggers the group). Element checks cover the segments the parsers
read: mandatory data elements and components, lengths, numeric values, DTM formats
102/203/204/303 (and 101/201). Positions count from UNH = 1; elements and components are
1-based. Nothing here raises on bad data.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple, cast

from gateway.parse.dates import parse_local
from gateway.parse.edifact_elements import DIRECTORY, Element
from gateway.parse.records import EventTime, Src, Val
from gateway.parse.relations import check_dependencies, dependency_notes
from gateway.parse.x12_structure import Loop, check_structure
from gateway.problems import Level, Problem, ProblemCode
from gateway.text import is_digits

__all__ = [
    "COMPOSITES",
    "RELEASE_LENGTHS",
    "SEGMENT_CHECKS",
    "SIMPLE_ELEMENTS",
    "Chk",
    "EdiSegment",
    "check_segment",
    "dtm_time",
    "val",
    "validate_message",
]


class EdiSegment(NamedTuple):
    """One segment: its tag and data elements, each a tuple of components (releases undone).
    A named tuple: cheap to build, hashable (repeated segments are checked once)."""

    tag: str
    elements: tuple[tuple[str, ...], ...]

    def get(self, element: int, component: int = 1) -> str:
        """Component `component` of data element `element` (1-based), '' when absent."""
        if element > 0 and component > 0:
            try:
                return self[1][element - 1][component - 1].strip()
            except IndexError:
                pass
        return ""


def val(seg: EdiSegment, position: int, element: int, component: int | None = None) -> Val | None:
    """A sourced value; `component` None reads a simple data element (first component)."""
    index = (component or 1) - 1
    if element > 0 and index >= 0:
        try:
            value = seg[1][element - 1][index].strip()
        except IndexError:
            return None
        if value:
            return Val(value, Src(seg[0], position, element, component))
    return None


@dataclass(frozen=True, slots=True)
class Chk:
    """One data element / component check: req M (always), m (when its composite is
    present) or C (conditional); kind an, a or n (numeric, decimal mark allowed)."""

    element: int
    component: int | None
    ref: str
    req: str
    kind: str
    max: int


_c = Chk  # short name for the table below


# Segments the IFTSTA/DESADV parsers read: (checks, max data elements). Every data element
# and component the parsers (or a partner's field sources) read is checked for presence,
# type and length. Lengths follow the D96A..D10B directories (the larger where they differ;
# `RELEASE_LENGTHS` narrows the ones that grew for the releases before they grew).
SEGMENT_CHECKS: dict[str, tuple[tuple[Chk, ...], int]] = {
    "BGM": ((_c(1, 1, "1001", "C", "an", 3), _c(2, 1, "1004", "C", "an", 70)), 4),
    "DTM": ((_c(1, 1, "2005", "M", "an", 3), _c(1, 2, "2380", "C", "an", 35),
             _c(1, 3, "2379", "C", "an", 3)), 1),
    "RFF": ((_c(1, 1, "1153", "M", "an", 3), _c(1, 2, "1154", "C", "an", 70)), 1),
    "NAD": ((_c(1, None, "3035", "M", "an", 3), _c(2, 1, "3039", "m", "an", 35),
             _c(6, None, "3164", "C", "an", 35), _c(7, None, "3229", "C", "an", 9),
             _c(8, None, "3251", "C", "an", 17), _c(9, None, "3207", "C", "an", 3)), 9),
    "LOC": ((_c(1, None, "3227", "M", "an", 3), _c(2, 1, "3225", "C", "an", 35),
             _c(2, 4, "3224", "C", "an", 256), _c(3, 1, "3223", "C", "an", 25)), 5),
    "CNI": ((_c(1, None, "1490", "C", "n", 4), _c(2, 1, "1004", "m", "an", 70)), 3),
    "STS": ((_c(1, 1, "9015", "m", "an", 3), _c(2, 1, "4405", "m", "an", 3),
             _c(3, 1, "9013", "m", "an", 3)), 7),
    "LIN": ((_c(1, None, "1082", "C", "an", 6), _c(3, 1, "7140", "m", "an", 35),
             _c(3, 2, "7143", "C", "an", 3)), 6),
    "PIA": ((_c(1, None, "4347", "M", "an", 3), _c(2, 1, "7140", "M", "an", 35),
             _c(2, 2, "7143", "C", "an", 3),
             *(_c(n, k, ref, "m" if k == 1 else "C", "an", size)
               for n in range(3, 7) for k, ref, size in ((1, "7140", 35), (2, "7143", 3)))), 6),
    "QTY": ((_c(1, 1, "6063", "M", "an", 3), _c(1, 2, "6060", "M", "n", 15),
             _c(1, 3, "6411", "C", "an", 3)), 1),
    "CPS": ((_c(1, None, "7164", "M", "an", 35), _c(2, None, "7166", "C", "an", 35)), 3),
    "GIN": ((_c(1, None, "7405", "M", "an", 3), _c(2, 1, "7402", "M", "an", 35),
             _c(2, 2, "7402", "C", "an", 35)), 6),
    "MEA": ((_c(1, None, "6311", "M", "an", 3), _c(2, 1, "6313", "C", "an", 3),
             _c(3, 1, "6411", "C", "an", 3), _c(3, 2, "6314", "C", "n", 18)), 4),
    "TDT": ((_c(1, None, "8051", "M", "an", 3), _c(2, None, "8028", "C", "an", 17),
             _c(3, 1, "8067", "C", "an", 3), _c(3, 2, "8066", "C", "an", 17),
             _c(4, 1, "8179", "C", "an", 8),
             _c(4, 4, "8178", "C", "an", 17), _c(5, 1, "3127", "C", "an", 17),
             _c(5, 4, "3128", "C", "an", 35), _c(6, None, "8101", "C", "an", 3),
             _c(8, 1, "8213", "C", "an", 35), _c(8, 4, "8212", "C", "an", 70)), 10),
    "PAC": ((), 5),
    "CNT": ((_c(1, 1, "6069", "M", "an", 3), _c(1, 2, "6066", "M", "n", 18)), 1),
}  # fmt: skip


def _directory_checks(checks: tuple[Chk, ...], elements: tuple[Element, ...]) -> tuple[Chk, ...]:
    """`checks` and a conditional length/type check for every other data element and
    component of the segment's directory definition (`edifact_elements.DIRECTORY`)."""
    covered = {(chk.element, chk.component or 1) for chk in checks}
    more: list[Chk] = []
    for n, element in enumerate(elements, start=1):
        if isinstance(element[0], str):  # a simple data element
            ref, kind, size = element
            if (n, 1) not in covered:
                more.append(Chk(n, None, ref, "C", kind, size))
            continue
        for k, (ref, kind, size) in enumerate(element, 1):
            if (n, k) not in covered:
                more.append(Chk(n, k, ref, "C", kind, size))
    return (*checks, *more)


# every element and component of each segment read: the parsers' checks first (presence)
SEGMENT_CHECKS = {
    tag: (_directory_checks(checks, DIRECTORY.get(tag, ())), most)
    for tag, (checks, most) in SEGMENT_CHECKS.items()
}

# Lengths that grew in a later directory: data element -> (first release with the larger
# length, the length before it). 1004 is an..35 up to D06A (read as an..70 from D06B on:
# an..70 by D17A), 1154 an..35 up to D00A (an..70 from D00B).
RELEASE_LENGTHS: dict[str, tuple[str, int]] = {"1004": ("06B", 35), "1154": ("00B", 35)}

# Simple data elements (by position) of the segments the parsers read, D96A..D10B; every
# other position is a composite or unknown. A simple element holding an unreleased component
# separator has too many constituents (CONTRL UCD 16).
SIMPLE_ELEMENTS: dict[str, frozenset[int]] = {
    "BGM": frozenset({3, 4}),  # 1225, 4343
    "NAD": frozenset({1, 6, 8, 9}),  # 3035, 3164, 3251, 3207
    "LOC": frozenset({1, 5}),  # 3227, 5479
    "CNI": frozenset({1, 3}),  # 1490, 1312
    "LIN": frozenset({1, 2, 5, 6}),  # 1082, 1229, 1222, 7083
    "PIA": frozenset({1}),  # 4347
    "CPS": frozenset({1, 2, 3}),  # 7164, 7166, 7075
    "GIN": frozenset({1}),  # 7405
    "MEA": frozenset({1, 4}),  # 6311, 7383
    "TDT": frozenset({1, 2, 6, 9}),  # 8051, 8028, 8101, 8281
    "PAC": frozenset({1}),  # 7224
    "CNT": frozenset(),
}

# Composite data elements (by position) of the segments the parsers read and the most
# components each has in D96A..D10B: more is too many constituents (CONTRL UCD 16).
COMPOSITES: dict[str, dict[int, int]] = {
    "BGM": {1: 4, 2: 3},  # C002 1001:1131:3055:1000; C106 1004:1056:1060 (D01B on)
    "DTM": {1: 3},  # C507 2005:2380:2379
    "RFF": {1: 5},  # C506 1153:1154:1156:4000:1060
    "NAD": {2: 3, 3: 5, 4: 6, 5: 4, 7: 4},  # C082, C058, C080, C059, C819 (3229 before)
    "LOC": {2: 4, 3: 4, 4: 4},  # C517 3225:1131:3055:3224, C519, C553
    "CNI": {2: 6},  # C503 1004:1373:1366:3453:1056:1060
    "STS": {1: 3, 2: 4, **dict.fromkeys(range(3, 8), 4)},  # C601, C555, C556 (x5)
    "LIN": {3: 4, 4: 2},  # C212 7140:7143:1131:3055, C829 5495:1082
    "PIA": dict.fromkeys(range(2, 7), 4),  # C212 (x5)
    "QTY": {1: 3},  # C186 6063:6060:6411
    "GIN": dict.fromkeys(range(2, 7), 2),  # C208 7402:7402 (x5)
    "MEA": {2: 4, 3: 5},  # C502 6313:6321:6155:6154, C174 6411:6314:6162:6152:6432
    "TDT": {3: 2, 4: 4, 5: 4, 7: 3, 8: 5},  # C220, C228 8179:1131:3055:8178, C040, C401, C222
    "PAC": {2: 3, 3: 4, 4: 5, 5: 2},  # C531, C202, C402, C532
    "CNT": {1: 3},  # C270 6069:6066:6411
}

_NUMERIC = re.compile(r"^-?([0-9]+([.,][0-9]*)?|[.,][0-9]+)$")
# DTM 2379 format -> (digits of date, digits of time, zone suffix allowed)
_DATE_FORMATS = {
    "101": (6, 0, False),
    "102": (8, 0, False),
    "201": (6, 4, False),
    "203": (8, 4, False),
    "204": (8, 6, False),
    "303": (8, 4, True),
}


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
    layout = _DATE_FORMATS.get(fmt)
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
    problems = _segment_problems(seg, position)
    if not problems:
        if len(_CLEAN) >= _CLEAN_MAX:
            _CLEAN.clear()
            _CLEAN_OBJECTS.clear()
        _CLEAN[seg] = None
        _CLEAN_OBJECTS[id(seg)] = seg
    return problems


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
    clean, objects = _CLEAN, _CLEAN_OBJECTS
    for position in range(2, len(segments)):
        seg = segments[position - 1]
        if objects.get(id(seg)) is not seg and seg not in clean:
            problems.extend(check_segment(seg, position))
    release = segments[0].get(2, 3) if segments else ""
    narrowed = _narrowed_checks(release)
    if narrowed:  # lengths that grew after this release (1004, 1154): not cached per segment
        for position in range(2, len(segments)):
            seg = segments[position - 1]
            for chk, size in narrowed.get(seg.tag, ()):
                value = seg.get(chk.element, chk.component or 1)
                if size < len(value) <= chk.max:
                    why = (
                        f"{seg.tag}{chk.element:02d}-{chk.component} {value!r} is longer than "
                        f"{size} (data element {chk.ref} in release {release})"
                    )
                    code = ProblemCode.ELEMENT_TOO_LONG
                    problems.append(_problem(code, why, seg, position, chk, value))
    dependencies = dependency_notes(release) if segments else {}
    if dependencies:  # most directories carry none for the segments read
        for position in range(2, len(segments)):
            seg = segments[position - 1]
            related = dependencies.get(seg.tag)
            if related:
                problems.extend(check_dependencies(seg.tag, seg.elements, position, related))
    return problems


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


def dtm_time(seg: EdiSegment, position: int) -> EventTime | None:
    """DTM C507 as an EventTime (formats 101/102/201/203/204/303; 303's suffix is the zone).
    Without 2379 the format follows from the length (8: 102, 12: 203, 14: 204)."""
    text, fmt = seg.get(1, 2), seg.get(1, 3)
    key = (text, fmt)
    if key in _DTM_READ:
        read = _DTM_READ[key]
    else:
        if len(_DTM_READ) >= _CLEAN_MAX:
            _DTM_READ.clear()
        read = _DTM_READ[key] = _read_dtm(text, fmt)
    if read is None:
        return None
    local, zone = read
    src = Src(seg.tag, position, 1, 2)
    return EventTime(local, Val(zone, src) if zone else None, (src,))


_DTM_READ: dict[tuple[str, str], tuple[datetime, str] | None] = {}  # (2380, 2379) -> read


def _read_dtm(text: str, fmt: str) -> tuple[datetime, str] | None:
    """(local date/time, zone suffix or '') of DTM 2380 in format 2379; None: unreadable."""
    if not fmt:
        fmt = {8: "102", 12: "203", 14: "204"}.get(len(text), "")
    layout = _DATE_FORMATS.get(fmt)
    if not text or layout is None:
        return None
    date_len, time_len, zoned = layout
    digits = text[: date_len + time_len]
    local = parse_local(digits[:date_len], digits[date_len:] or None)
    if local is None or not is_digits(digits):
        return None
    suffix = text[date_len + time_len :].strip()
    return local, suffix if zoned else ""
