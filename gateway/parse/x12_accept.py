"""Fast acceptance of X12 segments: per tag, one regex over the segment's elements joined
by NUL (`fast_checks`) that matches only segments the element checks of `x12_elements`
plainly pass (ASCII digits, no control character, no delimiter; anything else takes the
full checks, which say what is wrong), and the segment texts found faultless before
(`clean_texts`, per tables, delimiters and syntax notes). `x12_common.validate_set` uses
both; `faultless` tells whether a whole set would pass them (the one-go way's check), and
gives the set's texts when it would.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from gateway.parse.relations import SATISFIED, Note, check_syntax_notes, syntax_notes
from gateway.parse.x12_elements import El
from gateway.parse.x12_tables import ELEMENTS, MAX_ELEMENTS
from gateway.text import plain_class

__all__ = ["CLEAN_LENGTH", "CLEAN_SIZE", "JOIN", "clean_texts", "fast_checks", "faultless"]

JOIN = "\x00".join  # a segment's text: its elements joined by NUL

_Match = Callable[[str], object]
_FAST: dict[tuple[int, int, str, str], tuple[object, object, dict[str, _Match]]] = {}
# (tables, delimiters, notes) -> the texts found faultless (`clean_texts`), and the fast
# checks (`fast_checks`) of the same tables and delimiters, for `faultless`'s one lookup
_CLEAN: dict[tuple[int, int, str, str, int],
             tuple[object, object, object, set[str], dict[str, _Match]]] = {}  # fmt: skip
CLEAN_SIZE = 4096  # faultless segment texts remembered, per tables, delimiters and notes
# the longest text remembered: the ones a file repeats are short, and elements past a
# table's own are not bounded in length (4,096 texts of a megabyte would be 4 GB)
CLEAN_LENGTH = 256

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


def fast_checks(
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


def faultless(
    segments: Sequence[Sequence[str]],
    component: str = ">",
    repetition: str | None = None,
    notes: Mapping[str, tuple[Note, ...]] | None = None,
    elements: Mapping[str, Sequence[El]] = ELEMENTS,
    limits: Mapping[str, int] = MAX_ELEMENTS,
    nul_free: bool = False,
) -> list[str] | None:
    """The texts of the body of a set (ST..SE inclusive; positions 2..SE-1, each segment's
    elements joined by NUL) when `validate_set` surely finds no element or syntax-note fault
    in it (its structure is `check_structure`'s): every segment's text was found faultless
    before or its tag's fast pattern accepts it and its syntax notes are met, and no
    element holds a NUL. None means only "not surely": `validate_set` says what is wrong,
    if anything. Texts it accepts are remembered as `validate_set` does. `nul_free`: the
    caller knows no element holds a NUL (the file read so far holds none), so the texts
    need not be counted for one."""
    relations = syntax_notes(None) if notes is None else notes
    clean, fast = _acceptance(elements, limits, component, repetition, relations)
    body = segments[1:-1]  # positions 2..SE-1
    texts = list(map(JOIN, body))
    if not nul_free and JOIN(texts).count("\x00") != sum(map(len, body)) - 1:
        return None  # an element holds a NUL: a text may read as another segment's
    # the texts not found faultless before, in a list: most of a set's texts were (party
    # loops, locations), and a set of its 20 texts took longer to make than the few left
    fresh = [text for text in texts if text not in clean]
    if not fresh:
        return texts
    unknown = set(fresh)
    # a place of each text (the checks depend on the text alone), found in one pass: a set
    # of 100,000 distinct segments must not be searched once per segment
    where = dict(zip(texts, range(len(texts)), strict=True)) if len(unknown) > 8 else None
    for text in unknown:
        i = where[text] if where is not None else texts.index(text)
        seg = body[i]
        tag = seg[0]
        related = relations.get(tag)
        # relations.presence_key inlined: one lookup per segment
        if (
            related is not None
            and SATISFIED.get((id(related), tuple(map(bool, seg)) if "" in seg else len(seg)))
            is not related
            and check_syntax_notes(seg, i + 2, related)
        ):
            return None
        if fast[tag](text) is None:
            return None
    if len(clean) + len(unknown) > CLEAN_SIZE:
        clean.clear()
    if len(unknown) <= CLEAN_SIZE:  # a giant set's texts are not all remembered
        if max(map(len, unknown)) > CLEAN_LENGTH:  # (nor long ones)
            unknown = {text for text in unknown if len(text) <= CLEAN_LENGTH}
        clean.update(unknown)
    return texts


def _acceptance(
    elements: Mapping[str, Sequence[El]],
    limits: Mapping[str, int],
    component: str,
    repetition: str | None,
    relations: Mapping[str, tuple[Note, ...]],
) -> tuple[set[str], dict[str, _Match]]:
    """`clean_texts` and `fast_checks` of the same tables, delimiters and notes (`faultless`
    runs once a set: one lookup finds both)."""
    key = (id(elements), id(limits), component, repetition or "", id(relations))
    entry = _CLEAN.get(key)
    if entry is None or entry[0] is not elements or entry[1] is not limits \
            or entry[2] is not relations:  # fmt: skip
        fast = fast_checks(elements, limits, component, repetition)
        entry = _CLEAN[key] = (elements, limits, relations, set(), fast)
    return entry[3], entry[4]


def clean_texts(
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
    return _acceptance(elements, limits, component, repetition, relations)[0]
