"""X12 214 (carrier shipment status) -> StatusEvents.

Default field sources (a partner profile may change the qualifiers):
- purchase order: L11 qualifier PO in the LX loop, else in the header, else B10-02;
- tracking number: L11 qualifier 2I in the LX loop, else B10-01;
- status/reason: AT7-01/02; time: AT7-05/06/07; location: MS1-01/02/03.
One event per AT7 (an LX loop may report several).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from gateway.parse.records import StatusDocument, StatusEvent, Val
from gateway.parse.relations import syntax_notes
from gateway.parse.x12_common import event_time, val, validate_set
from gateway.parse.x12_tables import SET_214
from gateway.problems import Level, Problem, ProblemCode
from gateway.profile import FieldSources

__all__ = ["parse_214"]


@dataclass
class _Lx:
    position: int
    purchase_order: Val | None = None
    tracking_number: Val | None = None
    at7s: list[tuple[int, Sequence[str], int | None, Sequence[str] | None]] = field(
        default_factory=list
    )


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
    problems = validate_set(SET_214, segments, component=component, repetition=repetition,
                            notes=notes, tolerant=tolerant)  # fmt: skip
    po_quals, track_quals = sources.po_reference_qualifiers, sources.tracking_reference_qualifiers
    header_po: Val | None = None
    b10_po: Val | None = None
    b10_tracking: Val | None = None
    events: list[StatusEvent] = []
    lx: _Lx | None = None
    in_party = False

    def flush(loop: _Lx) -> None:
        po = loop.purchase_order or header_po or (b10_po if sources.po_from_b10 else None)
        tracking = loop.tracking_number or (b10_tracking if sources.tracking_from_b10 else None)
        for at7_pos, at7, ms1_pos, ms1 in loop.at7s:
            located = ms1 and ms1_pos
            events.append(
                StatusEvent(  # by position (one per event): position, purchase_order,
                    # tracking_number, status_code, reason_code, time, city, state,
                    # postal_code, country
                    at7_pos, po, tracking, val(at7, at7_pos, 1), val(at7, at7_pos, 2),
                    event_time(at7, at7_pos, 5, 6, 7),
                    val(ms1, ms1_pos, 1) if located else None,  # type: ignore[arg-type]
                    val(ms1, ms1_pos, 2) if located else None,  # type: ignore[arg-type]
                    None,
                    val(ms1, ms1_pos, 3) if located else None,  # type: ignore[arg-type]
                )
            )  # fmt: skip

    for position in range(2, len(segments)):
        seg = segments[position - 1]
        tag = seg[0]
        if tag == "LX":
            if lx is not None:
                flush(lx)
            lx, in_party = _Lx(position), False
        elif tag == "AT7" and lx is not None:
            lx.at7s.append((position, seg, None, None))
        elif tag == "MS1" and lx is not None and lx.at7s:
            at7_pos, at7, _, _ = lx.at7s[-1]
            lx.at7s[-1] = (at7_pos, at7, position, seg)
        elif tag == "MS1" and lx is not None:
            # a tolerant partner's MS1 before any AT7 of its LX loop: which status it
            # locates is ambiguous (the next AT7? every one?), so it stays an error
            problems.append(
                Problem(
                    code=ProblemCode.SEGMENT_OUT_OF_ORDER,
                    message=f"MS1 at segment {position} comes before any AT7 of its LX loop: "
                    "the status it locates is ambiguous",
                    level=Level.SEGMENT,
                    segment="MS1",
                    position=position,
                )
            )
        elif tag == "L11":
            qualifier = seg[2] if len(seg) > 2 else ""
            if lx is not None:
                if qualifier in po_quals and lx.purchase_order is None:
                    lx.purchase_order = val(seg, position, 1)
                elif qualifier in track_quals and lx.tracking_number is None:
                    lx.tracking_number = val(seg, position, 1)
            elif not in_party and qualifier in po_quals and header_po is None:
                header_po = val(seg, position, 1)
        elif tag == "B10":
            b10_tracking, b10_po = val(seg, position, 1), val(seg, position, 2)
        elif tag == "N1":
            in_party = lx is None
    if lx is not None:
        flush(lx)
    return StatusDocument(tuple(events)), problems
