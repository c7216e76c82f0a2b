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
from collections.abc import Callable

from gateway.parse.edifact_common import EdiSegment
from gateway.parse.edifact_tables import COMPOSITES, SEGMENT_CHECKS, SIMPLE_ELEMENTS, Chk

__all__ = ["plainly_clean"]

_COMPONENT, _ELEMENT = "\x1f", "\x1d"  # the joiners (US, GS)
# a character of a value (the element checks read no character but digits: control
# characters are the envelope's), and one that str.strip() keeps (re's \s is str.isspace)
_ANY, _SOLID = "[^\x1d\x1f]", "[^\\s\x1d\x1f]"
_NEVER = "(?!)"
_MOST_ELEMENTS = 20  # a table without a real limit gets no fast acceptance


def _value(chk: Chk | None) -> str:
    """A regex of the component values `chk` plainly passes (its value stripped: present
    when mandatory, at most its length, digits when numeric); an unchecked one: any."""
    if chk is None:
        return f"{_ANY}*"
    if chk.kind == "n":
        present = f"[0-9]{{1,{chk.max}}}"
    elif chk.kind == "an" and chk.max > 0:
        if chk.req == "C":  # blank fits too: stripped, it is absent
            return f"{_ANY}{{0,{chk.max}}}"
        present = f"{_SOLID}{_ANY}{{0,{chk.max - 1}}}"
    else:  # alphabetic values (no digit): the full check
        present = _NEVER
    return present if chk.req != "C" else f"(?:{present})?"


def _element(checks: dict[tuple[int, int], Chk], n: int, limit: int | None) -> tuple[str, bool]:
    """(regex of data element `n`'s components, whether it must be present): at most
    `limit` components (None: any number)."""
    checked = max([k for (e, k) in checks if e == n], default=1)
    most = limit if limit is not None else checked
    if any(e == n and k > most and chk.req != "C" for (e, k), chk in checks.items()):
        return _NEVER, True  # a mandatory component past the limit: the full check
    pattern = "" if limit is not None else f"(?:{_COMPONENT}{_ANY}*)*"
    required = False
    for k in range(most, 0, -1):  # inside out: component k+1 may be absent unless required
        chk = checks.get((n, k))
        required = required or (chk is not None and chk.req != "C")
        if k == 1:
            pattern = _value(chk) + pattern
        else:
            pattern = f"{_COMPONENT}{_value(chk)}{pattern}"
            pattern = pattern if required else f"(?:{pattern})?"
    return pattern, required


def _segment(tag: str) -> Callable[[str], object] | None:
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
        element, needed = _element(checks, n, 1 if n in simple else composites.get(n))
        required = required or needed
        if n == 1:
            pattern = element + pattern
        else:
            pattern = f"{_ELEMENT}{element}{pattern}"
            pattern = pattern if required else f"(?:{pattern})?"
    return re.compile(pattern).fullmatch


class _Patterns(dict[str, Callable[[str], object] | None]):
    """Tag -> fast acceptance, compiled when the tag is first looked up (a file reads a few
    of the tables' tags; compiling them all would cost every start)."""

    def __missing__(self, tag: str) -> Callable[[str], object] | None:
        if tag not in SEGMENT_CHECKS:
            return None  # not kept: a junk tag must not grow the table
        found = self[tag] = _segment(tag)
        return found


_PATTERNS = _Patterns()
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
