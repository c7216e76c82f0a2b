"""Shared helpers for X12 document parsers: validation pass and value access."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gateway.parse.dates import parse_local
from gateway.parse.records import EventTime, Src, Val
from gateway.parse.relations import (
    SATISFIED,
    Note,
    check_syntax_notes,
    syntax_notes,
)
from gateway.parse.x12_accept import CLEAN_LENGTH, CLEAN_SIZE, JOIN, clean_texts, fast_checks
from gateway.parse.x12_elements import El, check_elements
from gateway.parse.x12_structure import Loop, check_structure
from gateway.parse.x12_tables import COMPOSITES, ELEMENTS, MAX_ELEMENTS, REPEATS
from gateway.problems import Problem
from gateway.set_problems import SetProblems

__all__ = ["ROW", "ROWS", "event_time", "src_of", "src_row", "val", "validate_set", "value_of"]

_NONE: frozenset[int] = frozenset()

# The most components of each composite (`COMPOSITES`), 004010 / 005010 composite
# directory: C001 composite unit of measure (355 + 7 x 1018/649) 15, C040 reference
# identifier (128:127 x 3) 6, C030 position in segment (722:1528:1686) 3, C998 context
# identification (9999:9998) 2. More is too many components (997 AK4 code 13).
COMPONENT_COUNTS: dict[str, dict[int, int]] = {
    "MEA": {4: 15}, "REF": {4: 6}, "SLN": {5: 15}, "AK4": {1: 3}, "IK4": {1: 3},
    "CTX": {1: 2, 5: 3},
}  # fmt: skip


def validate_set(
    table: Loop,
    segments: Sequence[Sequence[str]],
    elements: Mapping[str, Sequence[El]] = ELEMENTS,
    limits: Mapping[str, int] = MAX_ELEMENTS,
    component: str = ">",
    repetition: str | None = None,
    notes: Mapping[str, tuple[Note, ...]] | None = None,
    tolerant: bool = False,
) -> list[Problem]:
    """Structure and element problems of one set (ST..SE inclusive), and the relational
    conditions of its segments (`notes`, the 004010 syntax notes when None); `tolerant`
    reads a misplaced segment of the same group with a warning. Every segment's
    elements are checked for control characters and for the interchange's component
    (`component`, ISA16) and repetition (`repetition`, ISA11) separators, which X12 data may
    not hold outside composites (`COMPOSITES`) and repeating elements (`REPEATS`)."""
    problems = SetProblems()
    problems.extend(check_structure(table, segments, tolerant))
    fast = fast_checks(elements, limits, component, repetition)
    relations = syntax_notes(None) if notes is None else notes
    clean = clean_texts(elements, limits, component, repetition, relations)
    body = segments[1:-1]  # positions 2..SE-1
    texts = list(map(JOIN, body))
    # no element of the set holds a NUL (each text is its segment's, unambiguously) when
    # the texts joined hold just the NULs that join them and their elements
    every_joined = JOIN(texts).count("\x00") == sum(map(len, body)) - 1
    # the same segment texts found faultless before are skipped (all at once when no
    # element holds a NUL)
    todo = [i for i, text in enumerate(texts) if text not in clean] if every_joined else \
        range(len(texts))  # fmt: skip
    for i in todo:
        seg, text, position = body[i], texts[i], i + 2
        joined = every_joined or text.count("\x00") == len(seg) - 1
        if joined and text in clean:
            continue
        tag = seg[0]
        related = relations.get(tag)
        ok = True
        # relations.presence_key inlined: one lookup per segment on the hot path
        if (
            related is not None
            and SATISFIED.get((id(related), tuple(map(bool, seg)) if "" in seg else len(seg)))
            is not related
        ):
            faults = check_syntax_notes(seg, position, related)
            if faults:
                ok = False
                spec = elements.get(tag, ())
                problems.extend(
                    f.model_copy(update={"element_ref": spec[f.element - 1].ref})
                    if f.element and f.element <= len(spec)
                    else f
                    for f in faults
                )
        if joined and fast[tag](text) is not None:
            found: list[Problem] = []
        else:
            spec = elements.get(tag, ())
            found = check_elements(
                seg, position, spec, limits.get(tag, 99), component, repetition,
                COMPOSITES.get(tag, _NONE), REPEATS.get(tag, _NONE), COMPONENT_COUNTS.get(tag),
            )  # fmt: skip
        if found:
            problems.extend(found)
        elif ok and joined and len(text) <= CLEAN_LENGTH:
            if len(clean) >= CLEAN_SIZE:
                clean.clear()
            clean.add(text)
    return problems.listed()


_new = tuple.__new__  # Val / Src / EventTime are named tuples: made without their __new__


# (tag, position) -> the row of that segment place: its elements' `Src`s at 0..ROW-1, then
# per element the `Val`s read there ({value: Val}); a file repeats a handful of set shapes
# and, at each place, its codes, dates and locations
ROWS: dict[tuple[str, int], list[Any]] = {}
_ROWS_MAX = 8192  # rows kept
ROW = 12  # elements 0..11 of a row
_VALS_MAX = 50_000  # Vals kept in all rows: past it every row is dropped
_VALS_PER_ELEMENT = 64
_kept = [0]  # Vals kept now


def src_row(tag: str, position: int) -> list[Any]:
    """The row of the segment at `position` with `tag`: its shared `Src`s by element
    (`row[n] or src_of(row, tag, position, n)`, n < ROW) and the shared `Val`s read there
    (`row[ROW + n]`, None or a dict value -> Val, filled by `value_of`), made when first
    asked for: every set of the same shape reads its values from the same places."""
    key = (tag, position)
    row = ROWS.get(key)
    if row is None:
        if len(ROWS) >= _ROWS_MAX:
            ROWS.clear()
            _kept[0] = 0
        row = ROWS[key] = [None] * (2 * ROW)
    return row


def src_of(row: list[Any], tag: str, position: int, n: int) -> Src:
    """Element `n`'s `Src` in `row` (`src_row`), made and kept there on first use."""
    made: Src = _new(Src, (tag, position, n, None))
    if n < ROW:
        row[n] = made
    return made


def value_of(row: list[Any], tag: str, position: int, n: int, value: str) -> Val:
    """`Val(value, Src(tag, position, n))` (n < ROW), kept in `row` for the next set that
    holds the same value there (up to _VALS_PER_ELEMENT values per element)."""
    made: Val = _new(Val, (value, row[n] or src_of(row, tag, position, n)))
    vals = row[ROW + n]
    if vals is None:
        vals = row[ROW + n] = {}
    if len(vals) < _VALS_PER_ELEMENT:
        if _kept[0] >= _VALS_MAX:
            ROWS.clear()  # `row` stays usable by the caller; it is no longer shared
            _kept[0] = 0
        vals[value] = made
        _kept[0] += 1
    return made


def val(seg: Sequence[str], position: int, n: int) -> Val | None:
    """Element n of a segment as a sourced value; None when absent or blank."""
    if n < len(seg):
        value = seg[n].strip()
        if value:
            return _new(Val, (value, _new(Src, (seg[0], position, n, None))))
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
    if time is not None and zone is not None:
        return _new(EventTime, (local, zone, (date.src, time.src, zone.src)))
    srcs = tuple([v.src for v in (date, time, zone) if v is not None])
    return _new(EventTime, (local, zone, srcs))
