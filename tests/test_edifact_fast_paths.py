"""The EDIFACT fast paths answer exactly as the full ones.

- `edifact_accept.plainly_clean` accepts only segments the full element checks pass;
- `validate_message` (one pass, fast acceptance, remembered segments) gives the problems
  of the full checks in their order: element problems by position, then the lengths a
  release narrowed, then the dependency notes;
- `parse_iftsta` (one pass, values read once per segment and position) gives the events
  of the plain reading kept below as the reference, for any segments, repeated or not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.parse.edifact_accept import plainly_clean
from gateway.parse.edifact_checks import (
    _narrowed_checks,
    _narrowed_problems,
    _segment_problems,
    check_segment,
)
from gateway.parse.edifact_common import EdiSegment, dtm_time, val
from gateway.parse.edifact_iftsta import IFTSTA, parse_iftsta
from gateway.parse.edifact_tables import COMPOSITES, SEGMENT_CHECKS, SIMPLE_ELEMENTS
from gateway.parse.records import EventTime, StatusEvent, Val
from gateway.parse.relations import check_dependencies, dependency_notes
from gateway.parse.x12_structure import check_structure
from gateway.problems import Problem, ProblemCode
from gateway.profile import FieldSources

# characters that matter to the checks: digits, letters, blanks str.strip() removes, the
# joiners of the fast acceptance, control characters, a decimal mark, a sign, non-ASCII
_CHARS = "0123456789AZaz .,-\xa0\t\n\x00\x1d\x1f\u00e9\u2003"
_VALUES = st.one_of(
    st.text(_CHARS, max_size=6),
    st.sampled_from(["", " ", "334", "ON", "175", "US", "USSEA", "20261124100" + "5UTC"]),
    st.text("0123456789", min_size=1, max_size=20),  # around every numeric length
    st.text("A1 ", min_size=30, max_size=80),  # around the lengths 35 and 70
)
_ELEMENT = st.lists(_VALUES, min_size=1, max_size=6).map(tuple)
_TAGS = st.sampled_from(sorted(SEGMENT_CHECKS))


@st.composite
def segments(draw: st.DrawFn, tags: st.SearchStrategy[str] = _TAGS) -> EdiSegment:
    """A segment of a checked tag: random data elements and components."""
    elements = draw(st.lists(_ELEMENT, max_size=11))
    return EdiSegment(draw(tags), tuple(elements))


@st.composite
def near_valid(draw: st.DrawFn) -> EdiSegment:
    """A segment of a checked tag that passes its checks (values of their kind, up to their
    length, every element and component of its table), then maybe one fault: a value one
    too long, of another kind, blank, or a component or data element too many."""
    tag = draw(_TAGS)
    checks, most = SEGMENT_CHECKS[tag]
    table = {(chk.element, chk.component or 1): chk for chk in checks}
    simple, composites = SIMPLE_ELEMENTS.get(tag, frozenset()), COMPOSITES.get(tag, {})
    elements: list[list[str]] = []
    for n in range(1, min(most, 12) + 1):
        limit = 1 if n in simple else composites.get(n, max([k for e, k in table if e == n] or [1]))
        parts = []
        for k in range(1, limit + 1):
            chk = table.get((n, k))
            if chk is None:
                parts.append(draw(st.sampled_from(["", "X", "A B", "\u00e9"])))
            elif chk.req == "C" and draw(st.booleans()):
                parts.append("")
            else:
                fill = "7" if chk.kind == "n" else "Z" if chk.kind == "a" else "A"
                parts.append(fill * draw(st.sampled_from([1, chk.max])))
        elements.append(parts)
    n = draw(st.integers(0, len(elements) - 1))
    k = draw(st.integers(0, len(elements[n]) - 1))
    fault = draw(st.sampled_from(["none", "long", "kind", "blank", "component", "element"]))
    chk = table.get((n + 1, k + 1))
    if fault == "long" and chk is not None:
        elements[n][k] = ("7" if chk.kind == "n" else "A") * (chk.max + 1)
    elif fault == "kind":
        elements[n][k] = draw(st.sampled_from(["7A", "1.5", "-3", "A1"]))
    elif fault == "blank":
        elements[n][k] = draw(st.sampled_from(["", " ", "\xa0"]))
    elif fault == "component":
        elements[n].append("X")
    elif fault == "element":
        elements.extend([["X"]] * (most + 1 - len(elements)))
    cut = draw(st.integers(1, len(elements)))  # trailing data elements left out
    return EdiSegment(tag, tuple(tuple(parts) for parts in elements[:cut]))


# segments every fast path must accept (or the test above proves nothing)
PLAIN = [
    EdiSegment("CNI", (("1",), ("TRK0000000100001",))),
    EdiSegment("STS", (("1",), ("301", "", "", "Status text"), ("000",))),
    EdiSegment("RFF", (("ON", "PO00000001"),)),
    EdiSegment("LOC", (("175",), ("USSEA", "", "6", "Seattle"))),
    EdiSegment("NAD", (("CA",), ("SCAC", "", "ZZ"), ("",), ("",), ("",), ("SEATTLE",), ("WA",))),
    EdiSegment("BGM", (("23",), ("ST1",), ("9",))),
    EdiSegment("QTY", (("12", "40", "PCE"),)),
]


def test_plain_segments_take_the_fast_acceptance() -> None:
    for seg in PLAIN:
        assert plainly_clean(seg), seg
        assert _segment_problems(seg, 2) == []


def test_faulty_segments_never_take_the_fast_acceptance() -> None:
    faulty = [
        EdiSegment("CNI", (("1x",), ("TRK",))),  # 1490 not numeric
        EdiSegment("CNI", (("1",), (" ",))),  # 1004 blank
        EdiSegment("CNI", (("1",), ("T" * 71,))),  # 1004 too long
        EdiSegment("CNI", (("1", "2"), ("TRK",))),  # a simple element with a component
        EdiSegment("CNI", (("1",), ("TRK",), ("1",), ("1",))),  # an element too many
        EdiSegment("RFF", (("ON", "PO1\x1dX"),)),  # a joiner in a value: read in full
        EdiSegment("RFF", (("ON\x1fX", "PO1"),)),  # 1153 "ON\x1fX" is longer than 3
        EdiSegment("DTM", (("334", "2026113", "102"),)),  # DTM: always the full check
    ]
    for seg in faulty:
        assert not plainly_clean(seg), seg
    assert _segment_problems(faulty[-2], 2)[0].code is ProblemCode.ELEMENT_TOO_LONG


@settings(max_examples=1000, deadline=None)
@given(st.one_of(segments(), near_valid()))
def test_the_fast_acceptance_accepts_only_what_the_full_checks_pass(seg: EdiSegment) -> None:
    full = _segment_problems(seg, 4)
    if plainly_clean(seg):
        assert full == []
    assert check_segment(seg, 4) == full  # remembered or not, the same answer


def _reference_validate(segs: Sequence[EdiSegment]) -> list[Problem]:
    """validate_message as three plain passes over the full checks (nothing remembered)."""
    problems = check_structure(IFTSTA, cast("Sequence[Sequence[str]]", segs))
    for position in range(2, len(segs)):
        problems.extend(_segment_problems(segs[position - 1], position))
    release = segs[0].get(2, 3)
    for position in range(2, len(segs)):
        seg = segs[position - 1]
        narrowed = tuple(_narrowed_checks(release).get(seg.tag, ()))
        problems.extend(_narrowed_problems(seg, position, narrowed, release))
    dependencies = dependency_notes(release)
    for position in range(2, len(segs)):
        seg = segs[position - 1]
        if dependencies.get(seg.tag):
            related = dependencies[seg.tag]
            problems.extend(check_dependencies(seg.tag, seg.elements, position, related))
    return problems


# --- the plain IFTSTA reading, as before the one-pass parser -----------------------------
@dataclass
class _Status:
    position: int
    sts: EdiSegment
    time: EventTime | None = None
    loc: tuple[int, EdiSegment] | None = None
    nad: tuple[int, EdiSegment] | None = None
    depth: int = 0


@dataclass
class _Consignment:
    position: int
    tracking: Val | None
    purchase_order: Val | None = None
    statuses: list[_Status] = field(default_factory=list)


def _reference_event(cni: _Consignment, st: _Status, message_po: Val | None) -> StatusEvent:
    city = state = postal = country = None
    if st.loc is not None:
        position, loc = st.loc
        city = val(loc, position, 2, 4)
        code = loc.get(3)
        if len(code) == 2 and code.isalpha():
            country = val(loc, position, 3, 1)
    if st.nad is not None:
        position, nad = st.nad
        city = city or val(nad, position, 6)
        state, postal = val(nad, position, 7), val(nad, position, 8)
        country = country or val(nad, position, 9)
    return StatusEvent(
        st.position, cni.purchase_order or message_po, cni.tracking,
        val(st.sts, st.position, 2, 1), val(st.sts, st.position, 3, 1), st.time,
        city, state, postal, country,
    )  # fmt: skip


def _reference_events(segs: Sequence[EdiSegment], sources: FieldSources) -> list[StatusEvent]:
    message_po: Val | None = None
    consignments: list[_Consignment] = []
    current: _Consignment | None = None
    status: _Status | None = None
    for position in range(2, len(segs)):
        seg = segs[position - 1]
        tag = seg.tag
        if tag == "CNI":
            current = _Consignment(position, val(seg, position, 2, 1))
            consignments.append(current)
            status = None
        elif tag == "STS" and current is not None:
            status = _Status(position, seg)
            current.statuses.append(status)
        elif tag == "RFF" and seg.get(1) in sources.edifact_po_qualifiers:
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
    return [_reference_event(c, st, message_po) for c in consignments for st in c.statuses]


# a small stock of segments, drawn again and again: the same objects and equal ones recur
_BODY = [
    EdiSegment("BGM", (("23",), ("ST1",), ("9",))),
    EdiSegment("CNI", (("1",), ("TRK1",))),
    EdiSegment("CNI", (("2",), ("",))),
    EdiSegment("CNI", ()),
    EdiSegment("STS", (("1",), ("301", "", "", "Text"), ("000",))),
    EdiSegment("STS", (("1",), ("",), ("",))),
    EdiSegment("STS", (("1",), (" 21 ",))),
    EdiSegment("RFF", (("ON", "PO1"),)),
    EdiSegment("RFF", (("ON", ""),)),
    EdiSegment("RFF", (("CU", "PO2"),)),
    EdiSegment("RFF", (("AAA", "PO3"),)),
    EdiSegment("DTM", (("334", "202611241005UTC", "303"),)),
    EdiSegment("DTM", (("334", "20261124", "102"),)),
    EdiSegment("DTM", (("334", "20261131", "102"),)),
    EdiSegment("DTM", (("334", "202611241005"),)),
    EdiSegment("DTM", (("137", "20261124", "102"),)),
    EdiSegment("LOC", (("175",), ("USSEA", "", "6", "Seattle"), ("US",))),
    EdiSegment("LOC", (("175",), ("USSEA",), ("U1",))),
    EdiSegment("LOC", (("5",),)),
    EdiSegment(
        "NAD", (("CA",), ("X",), ("",), ("",), ("",), ("SEATTLE",), ("WA",), ("98109",), ("US",))
    ),
    EdiSegment("NAD", (("CA",), ("X",))),
    EdiSegment("TDT", (("20",),)),
    EdiSegment("EQD", (("CN",),)),
    EdiSegment("GID", (("1",),)),
    EdiSegment("FTX", (("AAA",),)),
]


@st.composite
def messages(draw: st.DrawFn) -> list[EdiSegment]:
    """UNH, random body segments (the stock above, fresh copies of it and random ones),
    UNT; a directory release with narrowed lengths, one without, one with notes."""
    release = draw(st.sampled_from(["96A", "01B", "10B"]))
    body = []
    for _ in range(draw(st.integers(0, 40))):
        kind = draw(st.integers(0, 5))
        if kind == 0:
            body.append(draw(segments(st.sampled_from(["CNI", "STS", "RFF", "DTM", "LOC"]))))
        else:
            seg = draw(st.sampled_from(_BODY))
            body.append(EdiSegment(seg.tag, tuple(seg.elements)) if kind == 1 else seg)
    unh = EdiSegment("UNH", (("1",), ("IFTSTA", "D", release, "UN")))
    return [unh, *body, EdiSegment("UNT", ((str(len(body) + 2),), ("1",)))]


@settings(max_examples=200, deadline=None)
@given(messages(), st.sampled_from([("ON",), ("ON", "CU"), ()]))
def test_iftsta_reads_as_the_plain_reading(segs: list[EdiSegment], quals: tuple[str, ...]) -> None:
    sources = FieldSources(edifact_po_qualifiers=quals)
    for _ in range(2):  # the second time from what was remembered
        document, problems = parse_iftsta(segs, sources)
        assert list(document.events) == _reference_events(segs, sources)
        assert problems == _reference_validate(segs)
