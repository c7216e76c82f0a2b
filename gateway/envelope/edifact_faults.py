"""What the EDIFACT reader says about a faulty segment: a control character left in its
data (UCD 21), a syntax-4 repetition separator no data element may hold (UCD 35), a UNB
run on into the next segment, and the line break a partner writes after its segments.
Positions are 1-based data elements and components. Nothing here raises on bad data.
"""

from __future__ import annotations

import re

from gateway.envelope.edifact_lexer import unreleased_at
from gateway.envelope.unb import EdifactDelimiters
from gateway.parse.edifact_common import EdiSegment
from gateway.parse.edifact_tables import SIMPLE_ELEMENTS
from gateway.problems import Level, Problem, ProblemCode
from gateway.text import describe_invalid, invalid_character

__all__ = [
    "control_character",
    "line_break",
    "repetition_too_many",
    "una_cut_short",
    "unb_own_delimiters",
    "unb_run_on",
]

_At = tuple[int | None, int | None]  # (data element, component)


def unb_run_on(data: bytes, d: EdifactDelimiters) -> int | None:
    """Where a UNG / UNH tag starts inside a UNB that lost its terminator (a one-line file):
    after the UNB's fifth element separator (0020 onward), a 'UNG' or 'UNH' followed by the
    element separator; None when there is none."""
    sep = d.element.encode("latin-1", "replace")
    start = 0
    for _ in range(5):
        start = data.find(sep, start + 1)
        if start < 0:
            return None
    found = re.search(rb"UN[GH]" + re.escape(sep), data[start + 1 :])
    return None if found is None else start + 1 + found.start()


def line_break(lead: bytes) -> str:
    """The line break a partner writes after its segments (from the whitespace before the
    next one): CR LF, LF or CR; blanks are never repeated in an ack."""
    text = lead.decode("latin-1")
    for candidate in ("\r\n", "\n", "\r"):
        if candidate in text:
            return candidate
    return ""


def _control_at(seg: EdiSegment) -> tuple[int | None, int | None, str | None]:
    """(element, component, character) of the first invalid character (gateway.text: not
    printable data) in a segment's data."""
    for e, parts in enumerate(seg.elements, start=1):
        for c, part in enumerate(parts, start=1):
            if (char := invalid_character(part)) is not None:
                return e, c, char
    return None, None, None


def control_character(seg: EdiSegment) -> tuple[str, _At] | None:
    """(why, where) of the first control character (gateway.text: not printable data) in
    a segment's data or tag; None when there is none (the control characters were
    delimiters)."""
    element, component, char = _control_at(seg)
    if char is None:
        char = invalid_character(seg.tag)
    if char is None:
        return None
    why = f"{seg.tag[:3]} holds {describe_invalid(char)}"
    if element is not None:
        why += f" in data element {element}, component {component}"
    return why, (element, component)


def repetition_too_many(
    seg: EdiSegment, text: str, repetition: str, d: EdifactDelimiters
) -> tuple[str, _At] | None:
    """(why, where) of a syntax-4 repetition separator that no release character escapes in
    the segment `text`: none of the data elements read repeats (the directories' segments
    have no repeating data element), so it is a repetition too many (ISO 9735 list 0085);
    no component position for a simple data element. None when every one is released."""
    at = unreleased_at(text, repetition, d)
    if at is None:
        return None
    element, component = at
    simple = element in SIMPLE_ELEMENTS.get(seg.tag, ())
    why = (
        f"{seg.tag[:3]} data element {element} does not repeat but holds the repetition "
        f"separator {repetition!r}"
    )
    return why, (element, None if simple else component)


def una_cut_short(una: bytes, control: str | None) -> Problem:
    """The fault of a UNA with fewer than its six service characters before the UNB after
    it (ISO 9735: UNA and six characters, the sixth the segment terminator): its delimiters
    are not known, so the interchange is read with the defaults to be named and answered,
    and rejected (CONTRL UCI action 4)."""
    shown = una.decode("latin-1").rstrip("\r\n")
    count = len(shown) - 3
    return Problem(
        code=ProblemCode.SEGMENT_TERMINATOR_INVALID,
        message=f"the UNA is cut short: {shown!r} holds {count} of its 6 service characters "
        "before the UNB; its delimiters are unknown and the interchange is rejected",
        level=Level.INTERCHANGE,
        interchange=control or None,
        segment="UNA",
    )


def unb_own_delimiters(
    declared: str | None, shown: EdifactDelimiters, control: str | None
) -> Problem:
    """The fault of a UNB whose element separator or segment terminator is not the one in
    force: the UNA's (`declared`: its element separator and terminator), or the defaults
    "+" and "'" when no whole UNA came right before it (None). ISO 9735 section 7:
    delimiters other than the defaults are declared by a UNA. The interchange was read with
    the delimiters the UNB shows (`shown`, `edifact_shown.unb_own`), which are a guess: it
    is named and answered with them, and rejected (CONTRL UCI action 4, code 20) rather
    than translated from a guess."""
    element, terminator = (declared[0], declared[1]) if declared else ("+", "'")
    source = "the UNA declares" if declared else "no UNA declares them (the defaults are"
    d = shown
    if d.element != element:
        code, what = ProblemCode.ELEMENT_SEPARATOR_INVALID, "separates its elements with"
        used, expected, at = d.element, element, 1
    else:
        code, what = ProblemCode.SEGMENT_TERMINATOR_INVALID, "ends with"
        used, expected, at = d.segment, terminator, None
    closing = "" if declared else ")"
    return Problem(
        code=code,
        message=f"the UNB {what} {used!r} but {source} {expected!r}{closing}; the "
        f"interchange was read with the delimiters the UNB shows (component {d.component!r}, "
        f"element {d.element!r}, segment terminator {d.segment!r}) and is rejected",
        level=Level.INTERCHANGE,
        interchange=control or None,
        segment="UNB",
        element=at,
    )
