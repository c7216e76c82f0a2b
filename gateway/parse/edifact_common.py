"""Shared pieces of the EDIFACT document parsers: the segment record, sourced values and
DTM date/times (element checks and message validation: `edifact_checks`). Positions count
from UNH = 1; elements and components are 1-based. Nothing here raises on bad data.
"""

from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from gateway.parse.dates import parse_local
from gateway.parse.edifact_tables import Chk
from gateway.parse.records import EventTime, Src, Val
from gateway.problems import Level, Problem, ProblemCode
from gateway.text import is_digits

__all__ = ["DTM_FORMATS", "EdiSegment", "dtm_time", "element_problem", "shared_src", "val"]


class EdiSegment(NamedTuple):
    """One segment: its tag and data elements, each a tuple of components (releases undone).
    A named tuple: cheap to build, hashable (repeated segments are checked once)."""

    tag: str
    elements: tuple[tuple[str, ...], ...]

    def get(self, element: int, component: int = 1) -> str:
        """Component `component` of data element `element` (1-based), '' when absent."""
        if element > 0 and component > 0:
            try:
                return self[1][element - 1][component - 1].strip()
            except IndexError:
                pass
        return ""


_new = tuple.__new__


def element_problem(
    code: ProblemCode, message: str, seg: EdiSegment, position: int, chk: Chk | None, value: str
) -> Problem:
    """An element-level problem of `seg` at `position` (UNH = 1): at the data element and
    component of `chk` (its directory reference too), with the value found ('' : none)."""
    return Problem(
        code=code,
        message=message,
        level=Level.ELEMENT,
        segment=seg.tag,
        position=position,
        element=chk.element if chk else None,
        component=chk.component if chk else None,
        element_ref=chk.ref if chk else None,
        value=value or None,
    )


# (tag, position, element, component) -> its `Src`, shared: the messages of a file repeat a
# few shapes, so their values share a handful of sources, and a spooled trail pickles each
# once (by reference) instead of once per value
_SRCS: dict[tuple[str, int, int, int | None], Src] = {}
_SRCS_KEPT = 1 << 14


def shared_src(tag: str, position: int, element: int, component: int | None) -> Src:
    """The `Src` of a place in a message, the same object for every message (`_SRCS`)."""
    key = (tag, position, element, component)
    found = _SRCS.get(key)
    if found is None:
        if len(_SRCS) >= _SRCS_KEPT:
            _SRCS.clear()
        found = _SRCS[key] = _new(Src, key)
    return found


def val(seg: EdiSegment, position: int, element: int, component: int | None = None) -> Val | None:
    """A sourced value; `component` None reads a simple data element (first component)."""
    index = (component or 1) - 1
    if element > 0 and index >= 0:
        try:
            value = seg[1][element - 1][index].strip()
        except IndexError:
            return None
        if value:  # the named tuple made directly (tuple.__new__): this runs per value read
            src = _SRCS.get((seg[0], position, element, component))  # (shared_src, inline)
            if src is None:
                src = shared_src(seg[0], position, element, component)
            return _new(Val, (value, src))
    return None


# DTM 2379 format -> (digits of date, digits of time, zone suffix allowed)
DTM_FORMATS = {
    "101": (6, 0, False),
    "102": (8, 0, False),
    "201": (6, 4, False),
    "203": (8, 4, False),
    "204": (8, 6, False),
    "303": (8, 4, True),
}

_DTM_CACHE_MAX = 1 << 14


def dtm_time(seg: EdiSegment, position: int) -> EventTime | None:
    """DTM C507 as an EventTime (formats 101/102/201/203/204/303; 303's suffix is the zone).
    Without 2379 the format follows from the length (8: 102, 12: 203, 14: 204)."""
    text, fmt = seg.get(1, 2), seg.get(1, 3)
    key = (text, fmt)
    if key in _DTM_READ:
        read = _DTM_READ[key]
    else:
        if len(_DTM_READ) >= _DTM_CACHE_MAX:
            _DTM_READ.clear()
        read = _DTM_READ[key] = _read_dtm(text, fmt)
    if read is None:
        return None
    local, zone = read
    src = shared_src(seg.tag, position, 1, 2)
    return EventTime(local, Val(zone, src) if zone else None, (src,))


_DTM_READ: dict[tuple[str, str], tuple[datetime, str] | None] = {}  # (2380, 2379) -> read


def _read_dtm(text: str, fmt: str) -> tuple[datetime, str] | None:
    """(local date/time, zone suffix or '') of DTM 2380 in format 2379; None: unreadable."""
    if not fmt:
        fmt = {8: "102", 12: "203", 14: "204"}.get(len(text), "")
    layout = DTM_FORMATS.get(fmt)
    if not text or layout is None:
        return None
    date_len, time_len, zoned = layout
    digits = text[: date_len + time_len]
    local = parse_local(digits[:date_len], digits[date_len:] or None)
    if local is None or not is_digits(digits):
        return None
    suffix = text[date_len + time_len :].strip()
    return local, suffix if zoned else ""
