"""EDIFACT IFTSTA (international multimodal status report) -> StatusEvents.

One StatusEvent per STS (segment group 5) of each consignment (CNI, segment group 4).
Default field sources (the partner profile's FieldSources may change the qualifiers):
- tracking number: CNI C503 1004 (CNI-02);
- purchase order: RFF C506 with 1153 in `edifact_po_qualifiers` (ON) in the CNI group,
  else at message level;
- status: STS C555 4405; reason: STS C556 9013 (the first reason);
- time: DTM 2005 = 334 (status change) in the STS group, formats 102/203/204/303;
- location: LOC of the STS group, C517 3224 as city and C519 3223 (2 letters) as country;
  a NAD of the STS group supplies city 3164, state 3229, postal code 3251, country 3207
  where the LOC does not.
The segment table is a pragmatic union of D96A..D10B, read for every release.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import TypeVar

from gateway.parse.edifact_checks import elements_clean, validate_message
from gateway.parse.edifact_common import EdiSegment, dtm_time, val
from gateway.parse.edifact_iftsta_plan import Plan, StatusPlan, plan_of
from gateway.parse.records import EventTime, StatusDocument, StatusEvent, Val
from gateway.parse.x12_structure import Loop, Seg
from gateway.problems import Problem
from gateway.profile import FieldSources

__all__ = ["IFTSTA", "parse_iftsta"]

_CTA = Loop("CTA", (Seg("CTA", True), Seg("COM", max_use=9)), max_use=9)
_NAD = Loop("NAD", (Seg("NAD", True), Seg("LOC", max_use=9), _CTA), max_use=99)

# IFTSTA segment table: segment groups are loops whose first child triggers them.
IFTSTA = Loop(
    "IFTSTA",
    (
        Seg("UNH", True), Seg("BGM", True), Seg("DTM", max_use=9), Seg("TSR"),
        Loop("SG1", (Seg("NAD", True), _CTA), max_use=9),
        Loop("SG3", (Seg("RFF", True), Seg("DTM")), max_use=99),
        Seg("LOC", max_use=9), Seg("FTX", max_use=9), Seg("CNT", max_use=9),
        Loop(
            "SG4",
            (
                Seg("CNI", True), Seg("LOC", max_use=9), Seg("CNT", max_use=9),
                Loop(
                    "SG5",
                    (
                        Seg("STS", True), Seg("RFF", max_use=999), Seg("DTM", max_use=9),
                        Seg("DOC", max_use=9), Seg("FTX", max_use=9), _NAD,
                        Seg("LOC", max_use=9), Seg("PCI", max_use=99),
                        Loop("SG6", (Seg("TDT", True), Seg("DTM", max_use=9),
                                     Seg("RFF", max_use=9),
                                     Loop("SG7", (Seg("LOC", True), Seg("DTM", max_use=9)),
                                          max_use=99)), max_use=99),
                        Loop("SG8", (Seg("EQD", True), Seg("MEA", max_use=9),
                                     Seg("DIM", max_use=9), Seg("SEL", max_use=9),
                                     Seg("RFF", max_use=9), Seg("TPL", max_use=9), Seg("TMD"),
                                     Loop("SG9", (Seg("EQA", True), Seg("SEL", max_use=9)),
                                          max_use=99)), max_use=99),
                        Loop("SG10", (Seg("GID", True), Seg("HAN", max_use=9),
                                      Seg("SGP", max_use=999), Seg("DGS", max_use=9),
                                      Seg("FTX", max_use=9), Seg("LOC", max_use=9),
                                      Loop("SG11", (Seg("MEA", True), Seg("EQN")), max_use=99),
                                      Loop("SG12", (Seg("DIM", True), Seg("EQN")), max_use=99),
                                      Loop("SG13", (Seg("PCI", True), Seg("GIN", max_use=99)),
                                           max_use=99)), max_use=999),
                    ),
                    required=True,
                    max_use=999,
                ),
            ),
            required=True,
            max_use=99999,
        ),
    ),
    required=True,
)  # fmt: skip

_Seg = tuple[int, EdiSegment]
_tag = itemgetter(0)  # an EdiSegment's tag


@dataclass(slots=True)
class _Status:
    position: int
    sts: EdiSegment
    time: EventTime | None = None
    loc: _Seg | None = None
    nad: _Seg | None = None
    depth: int = 0  # 0: STS level, 1: inside a TDT/EQD/GID subgroup (not read)


_new = tuple.__new__  # StatusEvent is a named tuple: made without its __new__

_Codes = tuple[Val | None, Val | None]
_Location = tuple[Val | None, Val | None, Val | None, Val | None]
_NOWHERE: _Location = (None, None, None, None)

# What the parser read at a place, by (segment, position): the STS codes, the DTM time,
# the location of a LOC / NAD pair. Carrier files repeat their status, date and location
# segments at the same places of every message: each is read once (up to _READS_MAX).
_CODES: dict[tuple[EdiSegment, int], _Codes] = {}
_TIMES: dict[tuple[EdiSegment, int], EventTime | None] = {}
_PLACES: dict[tuple[_Seg | None, _Seg | None], _Location] = {}
# a status's values (all but its consignment's), by its plan and the very segments it read
_Tail = tuple[Val | None, Val | None, EventTime | None, Val | None, Val | None, Val | None,
              Val | None]  # fmt: skip
_TAILS: dict[tuple[object, ...], tuple[tuple[EdiSegment, ...], _Tail]] = {}
_READS_MAX = 1 << 13

_K = TypeVar("_K")
_V = TypeVar("_V")


def _remember(table: dict[_K, _V], key: _K, found: _V) -> _V:
    """`found`, kept in `table` (emptied when full)."""
    if len(table) >= _READS_MAX:
        table.clear()
    table[key] = found
    return found


def _codes(sts: EdiSegment, position: int) -> _Codes:
    """(status code C555 4405, reason code C556 9013) of one STS."""
    key = (sts, position)
    found = _CODES.get(key)
    if found is None:
        found = _remember(_CODES, key, (val(sts, position, 2, 1), val(sts, position, 3, 1)))
    return found


def _time(dtm: EdiSegment, position: int) -> EventTime | None:
    """DTM C507 as an EventTime (`dtm_time`), None when unreadable."""
    key = (dtm, position)
    if key in _TIMES:
        return _TIMES[key]
    return _remember(_TIMES, key, dtm_time(dtm, position))


def _location(loc: _Seg | None, nad: _Seg | None) -> _Location:
    """(city, state, postal code, country) of one status: its LOC C517 3224 and C519 3223
    (2 letters), then its NAD 3164, 3229, 3251 and 3207 where the LOC gives none."""
    key = (loc, nad)
    found = _PLACES.get(key)
    if found is not None:
        return found
    city = state = postal = country = None
    if loc is not None:
        position, seg = loc
        city = val(seg, position, 2, 4)
        code = seg.get(3)
        if len(code) == 2 and code.isalpha():
            country = val(seg, position, 3, 1)
    if nad is not None:
        position, seg = nad
        city = city or val(seg, position, 6)
        state, postal = val(seg, position, 7), val(seg, position, 8)
        country = country or val(seg, position, 9)
    return _remember(_PLACES, key, (city, state, postal, country))


def parse_iftsta(
    segments: Sequence[EdiSegment],
    sources: FieldSources,
    tolerant: bool = False,
    checked: bool = False,
    skip: Collection[tuple[int | None, int | None]] = (),
) -> tuple[StatusDocument, list[Problem]]:
    """The status events of one IFTSTA (UNH..UNT inclusive) and its validation problems;
    `checked`: every body segment is known to be `edifact_checks.segment_clean`; `skip`:
    (position, element) places the reader has reported (`validate_message`).

    A message of a known shape (`edifact_iftsta_plan`) free of element problems is read at
    the places its plan gives; any other in one pass over all its segments, which reports
    what is wrong: a consignment's events are made when it ends (its purchase order may
    follow its statuses); the message's purchase order is the one read before the first
    CNI."""
    tags = tuple(map(_tag, segments[1:-1]))
    plan = plan_of(IFTSTA, segments, tags, tolerant)
    if plan is not None and elements_clean(segments, checked):
        return StatusDocument(_planned(plan, segments, sources.edifact_po_qualifiers)), []
    problems = validate_message(IFTSTA, segments, tolerant, skip)
    po_quals = sources.edifact_po_qualifiers
    message_po: Val | None = None
    events: list[StatusEvent] = []
    # the open consignment (CNI, segment group 4): its statuses, tracking number, order
    statuses: list[_Status] = []
    consignment = False
    tracking: Val | None = None
    po: Val | None = None
    status: _Status | None = None  # the open status (STS, segment group 5)
    for position, seg in enumerate(segments[1:-1], 2):
        tag = seg[0]
        if tag == "CNI":
            if statuses:
                _events(events, statuses, po or message_po, tracking)
                statuses = []
            consignment, po, status = True, None, None
            tracking = val(seg, position, 2, 1)
        elif tag == "STS":
            if consignment:
                status = _Status(position, seg)
                statuses.append(status)
        elif tag == "RFF":
            if seg.get(1) in po_quals:
                if not consignment:
                    message_po = message_po or val(seg, position, 1, 2)
                elif po is None:
                    po = val(seg, position, 1, 2)
        elif status is None or status.depth:
            continue  # before the first status, or inside a TDT/EQD/GID subgroup
        elif tag == "DTM":
            if status.time is None and seg.get(1) == "334":
                status.time = _time(seg, position)
        elif tag == "LOC":
            if status.loc is None:
                status.loc = (position, seg)
        elif tag == "NAD":
            if status.nad is None:
                status.nad = (position, seg)
        elif tag in ("TDT", "EQD", "GID"):
            status.depth = 1
    if statuses:
        _events(events, statuses, po or message_po, tracking)
    return StatusDocument(tuple(events)), problems


def _first(seg: EdiSegment) -> str:
    """`seg.get(1)`: its first element's first component, stripped ('' when absent)."""
    elements = seg[1]
    return elements[0][0].strip() if elements and elements[0] else ""


def _planned(
    plan: Plan, segments: Sequence[EdiSegment], po_quals: tuple[str, ...]
) -> tuple[StatusEvent, ...]:
    """The status events of a message read at the places its plan gives."""
    message_po: Val | None = None
    for position in plan.before:
        seg = segments[position - 1]
        if _first(seg) in po_quals:
            message_po = val(seg, position, 1, 2)
            if message_po is not None:
                break
    events: list[StatusEvent] = []
    add, tails = events.append, _TAILS
    for cni, rffs, statuses in plan.consignments:
        po = None
        for position in rffs:
            seg = segments[position - 1]
            first = seg[1]  # (`_first`, inline: it runs per consignment)
            if (first[0][0].strip() if first and first[0] else "") in po_quals:
                po = val(seg, position, 1, 2)
                if po is not None:
                    break
        po = po or message_po
        tracking = val(segments[cni - 1], cni, 2, 1)
        for status in statuses:
            read = status.places(segments)
            key = (status, *map(id, read))
            hit = tails.get(key)
            if hit is not None and hit[0] == read:  # the same segments at the same places
                tail = hit[1]
            else:
                tail = _remember(tails, key, (read, _tail(status, segments)))[1]
            add(_new(StatusEvent, (status.sts, po, tracking, *tail)))
    return tuple(events)


def _tail(status: StatusPlan, segments: Sequence[EdiSegment]) -> _Tail:
    """(status code, reason code, time, city, state, postal code, country) of a status
    read at the places its plan gives: the first DTM 2005 = 334 that reads as a time."""
    time = None
    for at in status.dtms:
        seg = segments[at - 1]
        if seg.get(1) == "334":
            time = _time(seg, at)
            if time is not None:
                break
    position, loc, nad = status.sts, status.loc, status.nad
    status_code, reason_code = _codes(segments[position - 1], position)
    where = _NOWHERE
    if loc or nad:
        where = _location(
            (loc, segments[loc - 1]) if loc else None,
            (nad, segments[nad - 1]) if nad else None,
        )
    return (status_code, reason_code, time, *where)


def _events(
    events: list[StatusEvent], statuses: list[_Status], po: Val | None, tracking: Val | None
) -> None:
    """The StatusEvents of one consignment's statuses, appended to `events`."""
    for st in statuses:
        status_code, reason_code = _codes(st.sts, st.position)
        where = _NOWHERE if st.loc is None and st.nad is None else _location(st.loc, st.nad)
        fields = (st.position, po, tracking, status_code, reason_code, st.time, *where)
        events.append(_new(StatusEvent, fields))
