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

from collections.abc import Sequence
from dataclasses import dataclass, field

from gateway.parse.edifact_checks import validate_message
from gateway.parse.edifact_common import EdiSegment, dtm_time, val
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


@dataclass(slots=True)
class _Status:
    position: int
    sts: EdiSegment
    time: EventTime | None = None
    loc: _Seg | None = None
    nad: _Seg | None = None
    depth: int = 0  # 0: STS level, 1: inside a TDT/EQD/GID subgroup (not read)


@dataclass(slots=True)
class _Consignment:
    position: int
    tracking: Val | None
    purchase_order: Val | None = None
    statuses: list[_Status] = field(default_factory=list)


def _location(status: _Status) -> tuple[Val | None, Val | None, Val | None, Val | None]:
    """(city, state, postal code, country) of one status."""
    city = state = postal = country = None
    if status.loc is not None:
        position, loc = status.loc
        city = val(loc, position, 2, 4)
        code = loc.get(3)
        if len(code) == 2 and code.isalpha():
            country = val(loc, position, 3, 1)
    if status.nad is not None:
        position, nad = status.nad
        city = city or val(nad, position, 6)
        state, postal = val(nad, position, 7), val(nad, position, 8)
        country = country or val(nad, position, 9)
    return city, state, postal, country


def _event(cni: _Consignment, st: _Status, message_po: Val | None) -> StatusEvent:
    city, state, postal, country = _location(st)
    return StatusEvent(
        position=st.position,
        purchase_order=cni.purchase_order or message_po,
        tracking_number=cni.tracking,
        status_code=val(st.sts, st.position, 2, 1),
        reason_code=val(st.sts, st.position, 3, 1),
        time=st.time,
        city=city,
        state=state,
        postal_code=postal,
        country=country,
    )


def parse_iftsta(
    segments: Sequence[EdiSegment], sources: FieldSources, tolerant: bool = False
) -> tuple[StatusDocument, list[Problem]]:
    """The status events of one IFTSTA (UNH..UNT inclusive) and its validation problems."""
    problems = validate_message(IFTSTA, segments, tolerant)
    po_quals = sources.edifact_po_qualifiers
    message_po: Val | None = None
    consignments: list[_Consignment] = []
    current: _Consignment | None = None
    status: _Status | None = None
    for position in range(2, len(segments)):
        seg = segments[position - 1]
        tag = seg[0]
        if tag == "CNI":
            current = _Consignment(position, val(seg, position, 2, 1))
            consignments.append(current)
            status = None
        elif tag == "STS" and current is not None:
            status = _Status(position, seg)
            current.statuses.append(status)
        elif tag == "RFF" and seg.get(1) in po_quals:
            if current is None:
                message_po = message_po or val(seg, position, 1, 2)
            elif current.purchase_order is None:
                current.purchase_order = val(seg, position, 1, 2)
        elif status is None:
            continue
        elif tag in ("TDT", "EQD", "GID"):
            status.depth = 1
        elif status.depth:
            continue
        elif tag == "DTM" and seg.get(1) == "334" and status.time is None:
            status.time = dtm_time(seg, position)
        elif tag == "LOC" and status.loc is None:
            status.loc = (position, seg)
        elif tag == "NAD" and status.nad is None:
            status.nad = (position, seg)
    events = tuple(_event(cni, st, message_po) for cni in consignments for st in cni.statuses)
    return StatusDocument(events), problems
