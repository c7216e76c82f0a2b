"""Shared helpers for X12 document parsers: validation pass and value access."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from gateway.parse.dates import parse_local
from gateway.parse.records import EventTime, Src, Val
from gateway.parse.relations import (
    SATISFIED,
    Note,
    check_syntax_notes,
    syntax_notes,
)
from gateway.parse.x12_elements import El, check_elements
from gateway.parse.x12_structure import Loop, check_structure
from gateway.parse.x12_tables import COMPOSITES, ELEMENTS, MAX_ELEMENTS, REPEATS
from gateway.problems import Problem
from gateway.text import plain_class

__all__ = [
    "ROW", "ROWS", "event_time", "faultless", "src_of", "src_row", "val", "validate_set",
    "value_of",
]  # fmt: skip

_Match = Callable[[str], object]
_FAST: dict[tuple[int, int, str, str], tuple[object, object, dict[str, _Match]]] = {}
_CLEAN: dict[tuple[int, int, str, str, int], tuple[object, object, object, set[str]]] = {}
_CLEAN_SIZE = 4096  # faultless segment texts remembered, per tables, delimiters and notes

# per-tag fast acceptance: one regex over the segment's elements joined by NUL. It accepts
# only values `check_elements` plainly accepts (ASCII digits, no control character, no
# delimiter); anything else takes the full check, which says what is wrong.
_DATE_DAYS = (
    r"(?:(?:0[13578]|1[02])(?:0[1-9]|[12][0-9]|3[01])"
    r"|(?:0[469]|11)(?:0[1-9]|[12][0-9]|30)|02(?:0[1-9]|1[0-9]|2[0-8]))"
)


def _value_pattern(el: El, any_char: str) -> str:
    """A regex of the non-empty values of `el` that `check_elements` accepts (a subset)."""
    if el.codes is None:
        return _type_pattern(el, any_char)
    plain = re.compile(_type_pattern(el, any_char))
    codes = sorted(c for c in el.codes if plain.fullmatch(c))
    return "(?:" + "|".join(re.escape(c) for c in codes) + ")" if codes else "(?!)"


def _type_pattern(el: El, any_char: str) -> str:
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
    return f"{any_char}{{{low},{high}}}"


def _any_char(component: str, repetition: str | None) -> str:
    """A character class of what any simple element surely may hold (gateway.text's plain
    printable characters; others take the full check): no component or repetition
    separator."""
    return plain_class(component + (repetition or ""))


def _segment_pattern(
    tag: str, table: Sequence[El], max_elements: int, any_char: str
) -> re.Pattern[str]:
    """Elements 1..n of `table` (optional ones may be empty), then up to the limit of any."""
    tail = f"(?:\\x00{any_char}*){{0,{max(max_elements - len(table), 0)}}}"
    pattern, required = tail, False
    for el in reversed(table):  # built inside out: element n+1 is optional unless required
        value = _value_pattern(el, any_char)
        required = required or el.req == "M"
        value = value if el.req == "M" else f"(?:{value})?"
        pattern = f"\\x00{value}{pattern}"
        pattern = pattern if required else f"(?:{pattern})?"
    return re.compile(re.escape(tag) + pattern)


def _never(text: str) -> None:
    """The fast acceptance of a tag that has none: every segment takes the full check."""
    return None


class _Checks(dict[str, _Match]):
    """Tag -> fast acceptance of a segment (NUL-joined); a tag's pattern is compiled when the
    tag is first looked up (`checks[tag]`): a file uses a few of the tables' tags, and
    compiling them all took a tenth of a second at every start. A tag with no fast
    acceptance (unknown, or a table longer than its limit) gets `_never`; `tag in checks`
    says whether it has one."""

    def __init__(
        self, elements: Mapping[str, Sequence[El]], limits: Mapping[str, int], any_char: str
    ) -> None:
        super().__init__()
        self.elements, self.limits, self.any_char = elements, limits, any_char

    def __missing__(self, tag: str) -> _Match:
        if tag not in self.elements and tag not in self.limits:
            return _never  # not kept: a junk tag must not grow the table
        table, most = self.elements.get(tag, ()), self.limits.get(tag, 99)
        check: _Match = _never
        if len(table) <= most:
            check = _segment_pattern(tag, table, most, self.any_char).fullmatch
        self[tag] = check
        return check

    def __contains__(self, tag: object) -> bool:
        return isinstance(tag, str) and self[tag] is not _never


def _fast_checks(
    elements: Mapping[str, Sequence[El]],
    limits: Mapping[str, int],
    component: str = ">",
    repetition: str | None = None,
) -> dict[str, _Match]:
    """Tag -> fast acceptance of a segment (NUL-joined), per pair of tables and delimiters
    (made once; each tag's pattern compiled on first use, `_Checks`)."""
    key = (id(elements), id(limits), component, repetition or "")
    entry = _FAST.get(key)
    if entry is None or entry[0] is not elements or entry[1] is not limits:
        checks = _Checks(elements, limits, _any_char(component, repetition))
        entry = _FAST[key] = (elements, limits, checks)
    return entry[2]


_NONE: frozenset[int] = frozenset()
_JOIN = "\x00".join

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
    problems = check_structure(table, segments, tolerant)
    fast = _fast_checks(elements, limits, component, repetition)
    relations = syntax_notes(None) if notes is None else notes
    clean = _clean_texts(elements, limits, component, repetition, relations)
    body = segments[1:-1]  # positions 2..SE-1
    texts = list(map(_JOIN, body))
    # no element of the set holds a NUL (each text is its segment's, unambiguously) when
    # the texts joined hold just the NULs that join them and their elements
    every_joined = _JOIN(texts).count("\x00") == sum(map(len, body)) - 1
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
        elif ok and joined:
            if len(clean) >= _CLEAN_SIZE:
                clean.clear()
            clean.add(text)
    return problems


def faultless(
    segments: Sequence[Sequence[str]],
    component: str = ">",
    repetition: str | None = None,
    notes: Mapping[str, tuple[Note, ...]] | None = None,
    elements: Mapping[str, Sequence[El]] = ELEMENTS,
    limits: Mapping[str, int] = MAX_ELEMENTS,
) -> bool:
    """True when `validate_set` surely finds no element or syntax-note fault in the body of
    a set (ST..SE inclusive; its structure is `check_structure`'s): every segment's text was
    found faultless before or its tag's fast pattern accepts it and its syntax notes are
    met, and no element holds a NUL. False means only "not surely": `validate_set` says
    what is wrong, if anything. Texts it accepts are remembered as `validate_set` does."""
    relations = syntax_notes(None) if notes is None else notes
    clean = _clean_texts(elements, limits, component, repetition, relations)
    body = segments[1:-1]  # positions 2..SE-1
    texts = list(map(_JOIN, body))
    if _JOIN(texts).count("\x00") != sum(map(len, body)) - 1:
        return False  # an element holds a NUL: a text may read as another segment's
    unknown = set(texts).difference(clean)
    if not unknown:
        return True
    fast = _fast_checks(elements, limits, component, repetition)
    # a place of each text (the checks depend on the text alone), found in one pass: a set
    # of 100,000 distinct segments must not be searched once per segment
    where = dict(zip(texts, range(len(texts)), strict=True)) if len(unknown) > 8 else None
    for text in unknown:
        i = where[text] if where is not None else texts.index(text)
        seg, position, tag = body[i], i + 2, body[i][0]
        related = relations.get(tag)
        # relations.presence_key inlined: one lookup per segment
        if (
            related is not None
            and SATISFIED.get((id(related), tuple(map(bool, seg)) if "" in seg else len(seg)))
            is not related
            and check_syntax_notes(seg, position, related)
        ):
            return False
        if fast[tag](text) is None:
            return False
    if len(clean) + len(unknown) > _CLEAN_SIZE:
        clean.clear()
    if len(unknown) <= _CLEAN_SIZE:  # a giant set's texts are not all remembered
        clean.update(unknown)
    return True


def _clean_texts(
    elements: Mapping[str, Sequence[El]],
    limits: Mapping[str, int],
    component: str,
    repetition: str | None,
    relations: Mapping[str, tuple[Note, ...]],
) -> set[str]:
    """The segment texts (elements joined by NUL) that neither the element checks nor the
    syntax notes found a fault in, per tables, delimiters and notes: a file repeats many
    segments (party loops, locations), each is checked once. The checks depend on the
    text alone (positions only name where a fault is)."""
    key = (id(elements), id(limits), component, repetition or "", id(relations))
    entry = _CLEAN.get(key)
    if entry is None or entry[0] is not elements or entry[1] is not limits \
            or entry[2] is not relations:  # fmt: skip
        entry = _CLEAN[key] = (elements, limits, relations, set())
    return entry[3]


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
