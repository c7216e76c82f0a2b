"""Shared helpers for X12 document parsers: validation pass and value access."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from gateway.mapping.times import parse_local
from gateway.parse.records import EventTime, Src, Val
from gateway.parse.x12_structure import El, Loop, check_elements, check_structure, segment_tags
from gateway.parse.x12_tables import ELEMENTS, MAX_ELEMENTS
from gateway.problems import Problem

__all__ = ["event_time", "val", "validate_set"]

_KNOWN: dict[str, set[str]] = {}


def validate_set(
    table: Loop,
    segments: Sequence[Sequence[str]],
    elements: Mapping[str, Sequence[El]] = ELEMENTS,
    limits: Mapping[str, int] = MAX_ELEMENTS,
) -> list[Problem]:
    """Structure and element problems of one set (ST..SE inclusive)."""
    known = _KNOWN.get(table.name)
    if known is None:
        known = _KNOWN[table.name] = segment_tags(table)
    problems = check_structure(table, segments, known)
    for position in range(2, len(segments)):
        seg = segments[position - 1]
        spec = elements.get(seg[0])
        if spec is not None:
            found = check_elements(seg, position, spec, limits.get(seg[0], 99))
            if found:
                problems.extend(found)
        elif len(seg) - 1 > limits.get(seg[0], 99):
            problems.extend(check_elements(seg, position, (), limits[seg[0]]))
    return problems


def val(seg: Sequence[str], position: int, n: int) -> Val | None:
    """Element n of a segment as a sourced value; None when absent or blank."""
    if n < len(seg):
        value = seg[n].strip()
        if value:
            return Val(value, Src(seg[0], position, n))
    return None


def event_time(
    seg: Sequence[str], position: int, date_n: int, time_n: int | None, zone_n: int | None
) -> EventTime | None:
    """Date (+ time, + time code) elements of one segment as an EventTime."""
    date = val(seg, position, date_n)
    if date is None:
        return None
    time = val(seg, position, time_n) if time_n else None
    local = parse_local(date.value, time.value if time else None)
    if local is None:
        return None
    zone = val(seg, position, zone_n) if zone_n else None
    srcs = tuple(v.src for v in (date, time, zone) if v is not None)
    return EventTime(local, zone, srcs)
