"""X12 214 (carrier shipment status) -> StatusEvents.

Default field sources (a partner profile may change the qualifiers):
- purchase order: L11 qualifier PO in the LX loop, else in the header, else B10-02;
- tracking number: L11 qualifier 2I in the LX loop, else B10-01;
- status/reason: AT7-01/02; time: AT7-05/06/07; location: MS1-01/02/03.
One event per AT7 (an LX loop may report several).

A set that nothing is to be said of is read the same way, in one go with its mapping, by
`gateway.mapping.status_set_one_go` (tests/test_one_go_sets.py holds the two equal): a
change to what is read from where here is made there too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gateway.parse.dates import parse_local
from gateway.parse.records import EventTime, Src, StatusDocument, StatusEvent, Val
from gateway.parse.relations import syntax_notes
from gateway.parse.x12_common import ROW, src_row, validate_set, value_of
from gateway.parse.x12_common import ROWS as _ROWS
from gateway.parse.x12_tables import SET_214
from gateway.problems import Level, Problem, ProblemCode
from gateway.profile import FieldSources
from gateway.set_problems import SetProblems

__all__ = ["parse_214"]

_new = tuple.__new__  # Val / Src / EventTime / StatusEvent are named tuples: no Python __new__


def _values(seg: Sequence[str], position: int, numbers: Sequence[int]) -> list[Val | None]:
    """Elements `numbers` (each under `ROW`) of a segment as sourced values, shared with the
    sets that held the same value at the same place (`src_row`, `value_of`); None for each
    absent or blank one (`x12_common.val`'s reading)."""
    tag, count = seg[0], len(seg)
    row = _ROWS.get((tag, position)) or src_row(tag, position)
    out: list[Val | None] = []
    for n in numbers:
        value = seg[n].strip() if n < count else ""
        if value:
            vals = row[ROW + n]
            out.append((vals.get(value) if vals is not None else None)
                       or value_of(row, tag, position, n, value))  # fmt: skip
        else:
            out.append(None)
    return out


_AT7 = (1, 2, 5, 6, 7)  # status, reason, date, time, time code
_MS1 = (1, 2, 3)  # city, state, country
_B10 = (1, 2)  # tracking number (reference), purchase order (shipment identification)
_L11 = (1,)  # reference identification
_READ = frozenset({"AT7", "MS1", "L11", "LX", "B10", "N1"})  # the tags parse_214 reads


def _at7_event(read: list[Any], po: Val | None, tracking: Val | None) -> StatusEvent:
    """The event of one AT7 (status AT7-01/02, time AT7-05/06/07) and its MS1 (city, state,
    country MS1-01/02/03), `read` as [AT7 position, AT7, MS1 position, MS1 or None]; values
    read as `x12_common.val` / `event_time` read them."""
    at7_pos, at7, ms1_pos, ms1 = read
    status, reason, date, time, zone = _values(at7, at7_pos, _AT7)
    when = None
    if date is not None:
        local = parse_local(date[0], time[0] if time is not None else None)
        if local is not None:
            if time is not None and zone is not None:
                srcs: tuple[Src, ...] = (date[1], time[1], zone[1])
            else:
                srcs = tuple([v[1] for v in (date, time, zone) if v is not None])
            when = _new(EventTime, (local, zone, srcs))
    city = state = country = None
    if ms1 is not None:
        city, state, country = _values(ms1, ms1_pos, _MS1)
    # position, purchase_order, tracking_number, status_code, reason_code, time, city,
    # state, postal_code, country
    return _new(StatusEvent, (at7_pos, po, tracking, status, reason, when, city, state, None,
                              country))  # fmt: skip


def parse_214(
    segments: Sequence[Sequence[str]],
    sources: FieldSources,
    component: str = ">",
    repetition: str | None = None,
    version: str | None = None,
    tolerant: bool = False,
) -> tuple[StatusDocument, list[Problem]]:
    """The status events of one 214 set (ST..SE inclusive) and its validation problems;
    `component` / `repetition` are the interchange's ISA16 / ISA11 separators."""
    notes = syntax_notes(version)
    problems = SetProblems()  # each misplaced MS1 adds one
    problems.extend(validate_set(SET_214, segments, component=component, repetition=repetition,
                                 notes=notes, tolerant=tolerant))  # fmt: skip
    po_quals, track_quals = sources.po_reference_qualifiers, sources.tracking_reference_qualifiers
    po_from_b10, tracking_from_b10 = sources.po_from_b10, sources.tracking_from_b10
    header_po: Val | None = None
    b10_po: Val | None = None
    b10_tracking: Val | None = None
    events: list[StatusEvent] = []
    # the LX loop being read: its AT7s as [position, AT7, MS1 position, MS1], None before
    # the first LX; its own purchase order and tracking number
    at7s: list[list[Any]] | None = None
    lx_po: Val | None = None
    lx_tracking: Val | None = None
    in_party = False
    for position, seg in enumerate(segments[1:-1], start=2):  # positions 2..SE-1
        tag = seg[0]
        if tag not in _READ:
            continue
        if tag == "AT7":
            if at7s is not None:
                at7s.append([position, seg, 0, None])
        elif tag == "MS1":
            if at7s:
                at7s[-1][2:] = position, seg
            elif at7s is not None:
                # a tolerant partner's MS1 before any AT7 of its LX loop: which status it
                # locates is ambiguous (the next AT7? every one?), so it stays an error
                problems.append(
                    Problem(
                        code=ProblemCode.SEGMENT_OUT_OF_ORDER,
                        message=f"MS1 at segment {position} comes before any AT7 of its LX "
                        "loop: the status it locates is ambiguous",
                        level=Level.SEGMENT,
                        segment="MS1",
                        position=position,
                    )
                )
        elif tag == "L11":
            qualifier = seg[2] if len(seg) > 2 else ""
            if at7s is not None:
                if qualifier in po_quals and lx_po is None:
                    lx_po = _values(seg, position, _L11)[0]
                elif qualifier in track_quals and lx_tracking is None:
                    lx_tracking = _values(seg, position, _L11)[0]
            elif not in_party and qualifier in po_quals and header_po is None:
                header_po = _values(seg, position, _L11)[0]
        elif tag == "LX":
            if at7s is not None:
                po = lx_po or header_po or (b10_po if po_from_b10 else None)
                tracking = lx_tracking or (b10_tracking if tracking_from_b10 else None)
                events += [_at7_event(at7, po, tracking) for at7 in at7s]
            at7s, lx_po, lx_tracking, in_party = [], None, None, False
        elif tag == "B10":
            b10_tracking, b10_po = _values(seg, position, _B10)
        elif tag == "N1":
            in_party = at7s is None
    if at7s is not None:
        po = lx_po or header_po or (b10_po if po_from_b10 else None)
        tracking = lx_tracking or (b10_tracking if tracking_from_b10 else None)
        events += [_at7_event(at7, po, tracking) for at7 in at7s]
    return StatusDocument(tuple(events)), problems.listed()
