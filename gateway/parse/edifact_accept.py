"""Fast acceptance of the EDIFACT segments the parsers read: one regex per segment tag over
the segment's components, joined (components by US, data elements by GS), that matches
only segments the element checks of `edifact_checks` plainly pass: no constituent too many,
no data element too many, every mandatory value present, no value too long, digits where a
value is numeric. A segment it does not accept takes the full checks, which say what is
wrong if anything; so a segment it wrongly refused costs time, never a different answer.
DTM is never accepted here (its dates are checked against their format in full).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import NamedTuple

from gateway.parse.edifact_common import EdiSegment
from gateway.parse.edifact_tables import (
    COMPOSITES,
    RELEASE_LENGTHS,
    SEGMENT_CHECKS,
    SIMPLE_ELEMENTS,
    Chk,
)

__all__ = ["plainly_clean", "text_acceptance"]

_COMPONENT, _ELEMENT = "\x1f", "\x1d"  # the joiners (US, GS)
_NEVER = "(?!)"
_MOST_ELEMENTS = 20  # a table without a real limit gets no fast acceptance


class _Syntax(NamedTuple):
    """The regex pieces of one pair of separators: the component and element separators,
    a character of a value (the element checks read no character but digits: control
    characters are the envelope's), and one that str.strip() keeps (re's \\s is
    str.isspace); `narrow`: no value longer than any directory release allowed."""

    component: str
    element: str
    any: str
    solid: str
    narrow: bool


def _syntax(component: str, element: str, narrow: bool) -> _Syntax:
    both = re.escape(element) + re.escape(component)
    return _Syntax(re.escape(component), re.escape(element), f"[^{both}]", f"[^\\s{both}]", narrow)


_JOINED = _syntax(_COMPONENT, _ELEMENT, False)


def _value(chk: Chk | None, syn: _Syntax) -> str:
    """A regex of the component values `chk` plainly passes (its value stripped: present
    when mandatory, at most its length, digits when numeric); an unchecked one: any."""
    if chk is None:
        return f"{syn.any}*"
    most = chk.max
    if syn.narrow and chk.ref in RELEASE_LENGTHS:
        most = min(most, RELEASE_LENGTHS[chk.ref][1])
    if chk.kind == "n":
        present = f"[0-9]{{1,{most}}}"
    elif chk.kind == "an" and most > 0:
        if chk.req == "C":  # blank fits too: stripped, it is absent
            return f"{syn.any}{{0,{most}}}"
        present = f"{syn.solid}{syn.any}{{0,{most - 1}}}"
    else:  # alphabetic values (no digit): the full check
        present = _NEVER
    return present if chk.req != "C" else f"(?:{present})?"


def _element(
    checks: dict[tuple[int, int], Chk], n: int, limit: int | None, syn: _Syntax
) -> tuple[str, bool]:
    """(regex of data element `n`'s components, whether it must be present): at most
    `limit` components (None: any number)."""
    checked = max([k for (e, k) in checks if e == n], default=1)
    most = limit if limit is not None else checked
    if any(e == n and k > most and chk.req != "C" for (e, k), chk in checks.items()):
        return _NEVER, True  # a mandatory component past the limit: the full check
    pattern = "" if limit is not None else f"(?:{syn.component}{syn.any}*)*"
    required = False
    for k in range(most, 0, -1):  # inside out: component k+1 may be absent unless required
        chk = checks.get((n, k))
        required = required or (chk is not None and chk.req != "C")
        if k == 1:
            pattern = _value(chk, syn) + pattern
        else:
            pattern = f"{syn.component}{_value(chk, syn)}{pattern}"
            pattern = pattern if required else f"(?:{pattern})?"
    return pattern, required


def _segment(tag: str, syn: _Syntax) -> Callable[..., object] | None:
    """The fast acceptance of `tag`'s joined components, None for a tag that has none."""
    if tag == "DTM" or tag not in SEGMENT_CHECKS:
        return None
    table, most = SEGMENT_CHECKS[tag]
    if most > _MOST_ELEMENTS:
        return None
    checks = {(chk.element, chk.component or 1): chk for chk in table}
    if len(checks) < len(table) or any(e > most and c.req != "C" for (e, _), c in checks.items()):
        return None  # two checks of one value, or a mandatory one past the limit
    simple, composites = SIMPLE_ELEMENTS.get(tag, frozenset()), COMPOSITES.get(tag, {})
    pattern, required = "", False
    for n in range(most, 0, -1):
        element, needed = _element(checks, n, 1 if n in simple else composites.get(n), syn)
        required = required or needed
        if n == 1:
            pattern = element + pattern
        else:
            pattern = f"{syn.element}{element}{pattern}"
            pattern = pattern if required else f"(?:{pattern})?"
    return re.compile(pattern).fullmatch


class _Patterns(dict[str, Callable[..., object] | None]):
    """Tag -> fast acceptance, compiled when the tag is first looked up (a file reads a few
    of the tables' tags; compiling them all would cost every start)."""

    def __init__(self, syntax: _Syntax | None) -> None:
        super().__init__()
        self.syntax = syntax  # None: no fast acceptance at all

    def __missing__(self, tag: str) -> Callable[..., object] | None:
        if tag not in SEGMENT_CHECKS or self.syntax is None:
            return None  # not kept: a junk tag must not grow the table
        found = self[tag] = _segment(tag, self.syntax)
        return found


_TEXT_PATTERNS: dict[tuple[str, str], _Patterns] = {}


def text_acceptance(component: str, element: str) -> Mapping[str, Callable[..., object] | None]:
    """Tag -> the fast acceptance of a segment's text as an interchange writes it, with
    `component` and `element` as its separators (UNA1, UNA2), or None for a tag that has
    none. `accept(text, 4)` on a segment text (its tag, the element separator, its data
    elements; at least one data element; no release character, repetition separator,
    control character or terminator in it) matches only when `plainly_clean` accepts the
    segment it splits into and no value of it is longer than any directory release
    allowed (`RELEASE_LENGTHS`): no `edifact_checks` check of any release reports it."""
    key = (component, element)
    found = _TEXT_PATTERNS.get(key)
    if found is None:
        if len(_TEXT_PATTERNS) >= 64:
            _TEXT_PATTERNS.clear()
        # a digit separator could be read as a numeric value's digit: no fast acceptance
        digit = any(c in "0123456789" for c in component + element)
        syntax = None if digit else _syntax(component, element, True)
        found = _TEXT_PATTERNS[key] = _Patterns(syntax)
    return found


_PATTERNS = _Patterns(_JOINED)
_JOIN, _JOIN_COMPONENTS = _ELEMENT.join, _COMPONENT.join


def plainly_clean(seg: EdiSegment) -> bool:
    """True when `seg` surely passes every element check of `edifact_checks.check_segment`
    (no problem to report); False says nothing: run the checks."""
    accept = _PATTERNS[seg[0]]
    elements = seg[1]
    if accept is None or not elements:
        return False
    text = _JOIN(map(_JOIN_COMPONENTS, elements))
    if accept(text) is None:
        return False
    # the joiners in the text are exactly those joining (no value holds one)
    joiners = text.count(_COMPONENT) + text.count(_ELEMENT)
    return joiners == sum(map(len, elements)) - 1
