"""Shared helpers for X12 document parsers: validation pass and value access."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from gateway.mapping.times import parse_local
from gateway.parse.records import EventTime, Src, Val
from gateway.parse.x12_structure import El, Loop, check_elements, check_structure
from gateway.parse.x12_tables import ELEMENTS, MAX_ELEMENTS
from gateway.problems import Problem

__all__ = ["event_time", "val", "validate_set"]

_Match = Callable[[str], object]
_FAST: dict[tuple[int, int], tuple[object, object, dict[str, _Match]]] = {}

# per-tag fast acceptance: one regex over the segment's elements joined by NUL. It accepts
# only values `check_elements` plainly accepts (ASCII digits, no NUL); anything else takes
# the full check, which says what is wrong.
_ANY = r"[^\x00]"
_DATE_DAYS = (
    r"(?:(?:0[13578]|1[02])(?:0[1-9]|[12][0-9]|3[01])"
    r"|(?:0[469]|11)(?:0[1-9]|[12][0-9]|30)|02(?:0[1-9]|1[0-9]|2[0-8]))"
)


def _value_pattern(el: El) -> str:
    """A regex of the non-empty values of `el` that `check_elements` accepts (a subset)."""
    if el.codes is None:
        return _type_pattern(el)
    plain = re.compile(_type_pattern(el))
    codes = sorted(c for c in el.codes if plain.fullmatch(c))
    return "(?:" + "|".join(re.escape(c) for c in codes) + ")" if codes else "(?!)"


def _type_pattern(el: El) -> str:
    low, high = max(el.min, 1), max(el.max, 1)
    kind = el.type
    if kind == "DT":  # any length-6/8 date valid on every year (29 February: full check)
        return f"(?:[0-9]{{2}}|[0-9]{{4}}){_DATE_DAYS}"
    if kind == "TM":  # HHMM, then seconds and decimals
        return "(?:[01][0-9]|2[0-3])[0-5][0-9](?:[0-9]|[0-5][0-9][0-9]*)?"
    if kind.startswith("N"):
        return f"-?[0-9]{{{low},{high}}}"
    if kind == "R":
        dotted = f"(?=[0-9.]{{{low + 1},{high + 1}}}(?![^\\x00]))[0-9]+\\.[0-9]+"
        return f"-?(?:[0-9]{{{low},{high}}}|{dotted})"
    return f"{_ANY}{{{low},{high}}}"


def _segment_pattern(tag: str, table: Sequence[El], max_elements: int) -> re.Pattern[str]:
    """Elements 1..n of `table` (optional ones may be empty), then up to the limit of any."""
    tail = f"(?:\\x00{_ANY}*){{0,{max(max_elements - len(table), 0)}}}"
    pattern, required = tail, False
    for el in reversed(table):  # built inside out: element n+1 is optional unless required
        value = _value_pattern(el)
        required = required or el.req == "M"
        value = value if el.req == "M" else f"(?:{value})?"
        pattern = f"\\x00{value}{pattern}"
        pattern = pattern if required else f"(?:{pattern})?"
    return re.compile(re.escape(tag) + pattern)


def _fast_checks(
    elements: Mapping[str, Sequence[El]], limits: Mapping[str, int]
) -> dict[str, _Match]:
    """Tag -> fast acceptance of a segment (NUL-joined), per pair of tables (built once)."""
    entry = _FAST.get((id(elements), id(limits)))
    if entry is None or entry[0] is not elements or entry[1] is not limits:
        checks: dict[str, _Match] = {}
        for tag in {*elements, *limits}:
            table, most = elements.get(tag, ()), limits.get(tag, 99)
            if len(table) <= most:
                checks[tag] = _segment_pattern(tag, table, most).fullmatch
        entry = _FAST[(id(elements), id(limits))] = (elements, limits, checks)
    return entry[2]


def validate_set(
    table: Loop,
    segments: Sequence[Sequence[str]],
    elements: Mapping[str, Sequence[El]] = ELEMENTS,
    limits: Mapping[str, int] = MAX_ELEMENTS,
) -> list[Problem]:
    """Structure and element problems of one set (ST..SE inclusive)."""
    problems = check_structure(table, segments)
    fast = _fast_checks(elements, limits)
    for position in range(2, len(segments)):
        seg = segments[position - 1]
        accept = fast.get(seg[0])
        if accept is not None:
            text = "\x00".join(seg)
            if text.count("\x00") == len(seg) - 1 and accept(text):
                continue
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
