"""The AK2 .. AK5 (IK5) loop of one transaction set in a 997 / 999: AK2 naming the set, an
AK3 / IK3 per segment in error followed by its AK4s / IK4s, AK5 / IK5 with the set's status
and codes (`gateway.ack.codes`); and, for a set accepted without any problem, the same loop
written from parts kept per (ST01, ST03) (`Accepted`), the loop most sets get."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

from gateway.ack.codes import is_implementation_code, x12_code
from gateway.ack.model import Room, errors_first
from gateway.ack.x12_envelope import Element, Segment, clean, fit, fit_unique, seg
from gateway.envelope.outcome import SetOutcome
from gateway.envelope.x12_syntax import Delimiters
from gateway.problems import Level, Problem, Severity
from gateway.text import is_digits

__all__ = ["SET_BY_GROUP", "Accepted", "Kind", "set_response"]

Kind = Literal["997", "999"]
_MAX_AK3 = 999
_MAX_AK4 = 99


@dataclass
class _SegmentError:
    tag: str
    position: int
    code: str | None
    elements: list[Problem] = field(default_factory=list)


def _segment_errors(problems: list[Problem], kind: Kind) -> list[_SegmentError]:
    """One AK3 / IK3 per segment in error, in segment order, followed by all its AK4s: its
    AK304 is the most significant code, a segment-level one (errors before warnings, then
    first found) over code 8 (segment has data element errors)."""
    by_segment: dict[tuple[int, str], _SegmentError] = {}
    ranked: dict[tuple[int, str], tuple[int, int]] = {}
    for order, p in enumerate(problems):
        if p.position is None or p.level not in (Level.SEGMENT, Level.ELEMENT):
            continue
        key = (p.position, p.segment or "")
        entry = by_segment.get(key)
        if entry is None:
            entry = by_segment[key] = _SegmentError(key[1], p.position, None)
        if p.level is Level.ELEMENT:
            entry.elements.append(p)
            continue
        code = x12_code(p, kind)
        rank = (0 if p.severity is Severity.ERROR else 1, order)
        if code is not None and (key not in ranked or rank < ranked[key]):
            entry.code, ranked[key] = code, rank
    entries = sorted(by_segment.values(), key=lambda e: e.position)
    for entry in entries:
        if entry.code is None and entry.elements:
            entry.code = "8"
    return entries[:_MAX_AK3]


def _element_position(p: Problem, five: bool) -> Element:
    """AK401 / IK401 (C030): element position[:component[:repetition (5010+)]]."""
    if five and p.repetition:
        return (str(p.element), str(p.component or ""), str(p.repetition))
    return (str(p.element), str(p.component)) if p.component else str(p.element)


# GS01 -> the one ST01 its group may hold (X12 functional identifier code list 479), for the
# sets the gateway reads and the acks
SET_BY_GROUP = {"QM": "214", "SH": "856", "AG": "824", "IN": "810"}
_NO_CONTROL = "0000"  # AK202 placeholder: AN 4/9, for an ST02 that cannot be copied


def set_response(
    s: SetOutcome,
    kind: Kind,
    five: bool,
    d: Delimiters,
    functional_id: str | None = None,
    room: Room | None = None,
) -> tuple[list[Segment], str]:
    """AK2, AK3 / AK4 (IK3 / IK4) per segment in error, AK5 (IK5); and AK501. With `room`,
    the ack's segment reports left to write (`model.SEGMENT_ERRORS`): at most that many
    AK3 and AK4 segments, taken from it."""
    k3, k4, k5 = ("IK3", "IK4", "IK5") if kind == "999" else ("AK3", "AK4", "AK5")
    # AK201 ID 3/3 (ST01, a code of list 143: digits), AK202 AN 4/9 (mandatory), AK203 AN
    # 1/35 (left out when it does not fit). An ST01 that cannot be copied is named by its
    # group's functional identifier (GS01 QM -> 214, ...) when that names one set type, an
    # ST02 that cannot be copied by the placeholder "0000": the set still gets its AK2 /
    # AK5 R with the code of the fault (AK502 6 / 7), never a number the partner did not
    # send. With neither, the (optional) AK2 loop is left out; AK9 still counts the set.
    type_code = fit(s.type_code, d, 3, 3)
    if type_code is None or not is_digits(type_code):
        type_code = SET_BY_GROUP.get(functional_id or "")
    ak202 = fit_unique(s.control, d, 4, 9) or _NO_CONTROL
    version = fit(s.version, d, 1, 35) if five else None
    status, codes = _set_status(s, kind)
    if type_code is None:
        return [], status
    segments = [seg("AK2", type_code, ak202, version)]
    left = room.left if room is not None else -1  # (-1: no budget)
    for entry in _segment_errors(s.problems, kind):
        if left == 0:
            break
        tag = fit(entry.tag, d, 2, 3)  # AK301 ID 2/3: a tag that is not one becomes "ZZZ"
        tag = tag if tag and tag.isalnum() and tag.isascii() else "ZZZ"
        segments.append(seg(k3, tag, entry.position, None, entry.code))
        left -= 1
        most = _MAX_AK4 if left < 0 else min(_MAX_AK4, left)
        elements = [p for p in entry.elements if p.element is not None][:most]
        left -= len(elements) if left >= 0 else 0
        for p in elements:
            value = clean(p.value or "", d)[:99].strip() or None  # AK404 AN 1/99
            code = x12_code(p, kind)
            ref = fit(p.element_ref, d, 1, 4, numeric=True)  # AK402 N0 1/4
            segments.append(seg(k4, _element_position(p, five), ref, code, value))
    if room is not None:
        room.left = left
    segments.append(seg(k5, status, *codes))
    return segments, status


_PLAIN_CONTROL = re.compile("[0-9A-Za-z]{4,9}").fullmatch  # an ST02 `fit` copies as it is


class Accepted:
    """The AK2 .. AK5 (IK5) loop of a set accepted without any problem, as text: what
    `set_response` makes of it (AK2 with ST01, ST02, (5010+) ST03; AK5 A), made from parts
    kept per (ST01, ST03), for the sets of one group."""

    def __init__(self, kind: Kind, five: bool, d: Delimiters, functional_id: str | None) -> None:
        self.kind, self.five, self.d, self.functional_id = kind, five, d, functional_id
        self.parts: dict[tuple[str, str | None], tuple[str, str] | None] = {}

    def text(self, control: str, type_code: str, version: str | None) -> str | None:
        """The loop's text; None when the set gets no AK2 loop (an ST01 that cannot be
        copied, nor named by the group: `set_response` decides)."""
        key = (type_code, version)
        if key in self.parts:
            parts = self.parts[key]
        else:
            parts = self.parts[key] = self._parts(type_code, version)
        if parts is None:
            return None
        if not _PLAIN_CONTROL(control):
            control = fit_unique(control, self.d, 4, 9) or _NO_CONTROL
        return parts[0] + control + parts[1]

    def _parts(self, type_code: str, version: str | None) -> tuple[str, str] | None:
        d = self.d
        code = fit(type_code, d, 3, 3)
        if code is None or not is_digits(code):
            code = SET_BY_GROUP.get(self.functional_id or "")
        if code is None:
            return None
        copied = fit(version, d, 1, 35) if self.five else None
        end = d.segment + d.suffix
        k5 = "IK5" if self.kind == "999" else "AK5"
        tail = (d.element + copied if copied else "") + end + k5 + d.element + "A" + end
        return f"AK2{d.element}{code}{d.element}", tail


def _set_status(s: SetOutcome, kind: Kind) -> tuple[str, list[str]]:
    """AK501 (A / E / R) and up to five AK502 codes."""
    codes: list[str] = [] if s.supported else ["1"]
    for p in errors_first(s.problems):
        code: str | None = None
        if p.level is Level.TRANSACTION:
            code = x12_code(p, kind)
        elif p.level in (Level.SEGMENT, Level.ELEMENT):
            detail = x12_code(p, kind) or ""
            code = "I5" if kind == "999" and is_implementation_code(detail) else "5"
        if code is not None and code not in codes:
            codes.append(code)
    status = "R" if not s.accepted else "E" if s.problems else "A"
    return status, codes[:5]
