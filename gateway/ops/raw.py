"""A stored EDI file as numbered segments, and which segment each recorded problem points at.

X12: the element separator is ISA's 4th character, the component separator ISA16 and the
segment terminator the character after ISA16 (X12.5 interchange control structure).
EDIFACT: the UNA service string advice, or ISO 9735's defaults `:+.? '` without one; a
release character (`?`) keeps the next character literal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["RawSegment", "locate_errors", "split_segments"]

_SET_HEADERS = {"ST", "UNH"}
_INTERCHANGE_HEADERS = {"ISA", "UNB"}


@dataclass
class RawSegment:
    number: int  # 1 = first segment of the file
    tag: str
    elements: list[str]  # elements after the tag, as written (components not split)
    interchange: str | None = None  # ISA13 / UNB 0020 of the interchange it is in
    transaction: str | None = None  # ST02 / UNH 0062 of the set it is in
    position: int | None = None  # position in the set (ST/UNH = 1)
    errors: list[int] = field(default_factory=list)
    bad_elements: list[int] = field(default_factory=list)


def _x12(text: str) -> list[list[str]]:
    element, terminator = text[3], text[105] if len(text) > 105 else "~"
    out = []
    for chunk in text.split(terminator):
        chunk = chunk.strip("\r\n")
        if chunk.strip():
            out.append(chunk.split(element))
    return out


def _edifact(text: str) -> list[list[str]]:
    component, element, release, terminator = ":", "+", "?", "'"
    if text.startswith("UNA") and len(text) >= 9:
        component, element, release, terminator = text[3], text[4], text[6], text[8]
        text = text[9:]
    del component
    out: list[list[str]] = []
    current: list[str] = []
    buffer: list[str] = []
    escaped = False
    for char in text:
        if escaped:
            buffer.append(char)
            escaped = False
        elif char == release:
            buffer.append(char)
            escaped = True
        elif char == element:
            current.append("".join(buffer))
            buffer = []
        elif char == terminator:
            current.append("".join(buffer))
            if "".join(current).strip():
                current[0] = current[0].strip("\r\n ")
                out.append(current)
            current, buffer = [], []
        else:
            buffer.append(char)
    if "".join(buffer).strip() or current:
        current.append("".join(buffer))
        current[0] = current[0].strip("\r\n ")
        out.append(current)
    return out


def split_segments(data: bytes) -> list[RawSegment]:
    """The file's segments, numbered, each knowing its interchange, set and position in the
    set. Anything that is not X12 or EDIFACT comes back as one line per text line."""
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff\r\n\t ")
    if text.startswith("ISA") and len(text) > 105:
        parts = _x12(text)
        control_of = {"ISA": 13, "ST": 2}
    elif text.startswith(("UNA", "UNB")):
        parts = _edifact(text)
        control_of = {"UNB": 5, "UNH": 1}
    else:
        return [RawSegment(n, "", [line]) for n, line in enumerate(text.splitlines()[:5000], 1)]
    segments: list[RawSegment] = []
    interchange: str | None = None
    transaction: str | None = None
    position: int | None = None
    for number, (tag, *elements) in enumerate(parts, 1):
        tag = tag.strip()
        if tag in _INTERCHANGE_HEADERS:
            index = control_of[tag] - 1
            interchange = elements[index].strip() if len(elements) > index else None
            transaction, position = None, None
        if tag in _SET_HEADERS:
            index = control_of[tag] - 1
            transaction = elements[index].strip() if len(elements) > index else None
            position = 0
        if position is not None:
            position += 1
        segments.append(RawSegment(number, tag, elements, interchange, transaction, position))
        if tag in ("SE", "UNT"):
            transaction, position = None, None
    return segments


def _same_control(a: str | None, b: str | None) -> bool:
    if a is None or b is None:
        return False
    a, b = a.strip(), b.strip()
    return a == b or (a.isdigit() and b.isdigit() and int(a) == int(b))


def _find(segments: list[RawSegment], error: dict[str, Any]) -> RawSegment | None:
    interchange, transaction = error.get("interchange"), error.get("transaction")
    tag, position = error.get("segment"), error.get("position")
    scope = [
        s for s in segments if interchange is None or _same_control(s.interchange, interchange)
    ]
    if transaction is not None:
        in_set = [s for s in scope if _same_control(s.transaction, transaction)]
        if position is not None:
            hit = next((s for s in in_set if s.position == position), None)
            if hit is not None:
                return hit
        if tag:
            hit = next((s for s in in_set if s.tag == tag), None)
            if hit is not None:
                return hit
        if in_set:
            return in_set[0]
    if tag:
        return next((s for s in scope if s.tag == tag), None)
    return scope[0] if scope and interchange is not None else None


def locate_errors(segments: list[RawSegment], errors: list[dict[str, Any]]) -> list[int | None]:
    """For each error (a Problem.to_report() dict) the number of the segment it points at
    (None: the file as a whole); the segments' `errors` / `bad_elements` are filled in."""
    out: list[int | None] = []
    for index, error in enumerate(errors):
        hit = _find(segments, error)
        out.append(None if hit is None else hit.number)
        if hit is not None:
            hit.errors.append(index)
            element = error.get("element")
            if isinstance(element, int) and element not in hit.bad_elements:
                hit.bad_elements.append(element)
    return out
