"""The IFTSTA short cuts answer exactly as the full path.

- `edifact_accept.text_acceptance` matches only segment texts whose segment every element
  check of every directory release passes;
- `edifact_checks.segment_clean` says whether the element checks or the narrowed lengths of
  any release report a segment;
- `parse_iftsta` reads a message of a known shape at the places its plan gives
  (`edifact_iftsta_plan`) and, when the reader says its segments were checked, skips the
  element checks: events and problems are those of the plain reading and the full
  validation, on structurally valid messages of recurring shapes, faulty values or not;
- the envelope calls a message checked only when each of its body segments is clean.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Sequence
from types import FrameType
from typing import Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.envelope import edifact as envelope
from gateway.envelope.edifact import read_edifact
from gateway.envelope.edifact_messages import parse_message
from gateway.envelope.unb import EdifactDelimiters
from gateway.parse.edifact_accept import text_acceptance
from gateway.parse.edifact_checks import (
    _segment_problems,
    segment_clean,
)
from gateway.parse.edifact_common import EdiSegment
from gateway.parse.edifact_iftsta import IFTSTA, parse_iftsta
from gateway.parse.edifact_iftsta_plan import plan_of
from gateway.parse.edifact_releases import narrowed_checks, narrowed_problems
from gateway.parse.records import Document
from gateway.parse.x12_structure import check_structure
from gateway.problems import Problem
from gateway.profile import FieldSources, PartnerProfile
from tests.edi_writers import EdifactMessage, Element, edifact_interchange
from tests.sinks import RecordingSink
from tests.test_edifact_fast_paths import (
    _BODY,
    PLAIN,
    _reference_events,
    _reference_validate,
    near_valid,
    segments,
)

_RELEASES = ("96A", "01B", "06B", "10B")


def _reference_clean(seg: EdiSegment) -> bool:
    """No element problem and no narrowed length in any release, by the full checks."""
    if _segment_problems(seg, 2):
        return False
    for release in _RELEASES:
        narrowed = narrowed_checks(release).get(seg.tag, ())
        if narrowed_problems(seg, 2, narrowed, release):
            return False
    return True


# separator pairs (component, element), regex specials among them
_SEPARATORS = [(":", "+"), (">", "*"), ("^", "|"), (".", "\\"), ("]", "["), ("-", "^"), (" ", "~")]
_CONTROL = {chr(c) for c in range(32)} | {"\x7f"}


def _text(seg: EdiSegment, component: str, element: str) -> str | None:
    """The segment as an interchange writes it (nothing released), None when a value holds
    a separator or a control character (the envelope would not take the short way)."""
    for parts in seg.elements:
        for part in parts:
            if component in part or element in part or _CONTROL & set(part):
                return None
    return element.join([seg.tag, *(component.join(parts) for parts in seg.elements)])


def _accepted(seg: EdiSegment, component: str, element: str) -> bool:
    text = _text(seg, component, element)
    check = text_acceptance(component, element)[seg.tag]
    return text is not None and check is not None and bool(seg.elements) and bool(check(text, 4))


@settings(max_examples=400, deadline=None)
@given(st.one_of(segments(), near_valid()), st.sampled_from(_SEPARATORS))
def test_text_acceptance_accepts_only_clean_segments(
    seg: EdiSegment, separators: tuple[str, str]
) -> None:
    if _accepted(seg, *separators):
        assert _reference_clean(seg)


def test_plain_segments_take_the_text_acceptance() -> None:
    for component, element in _SEPARATORS:
        for seg in PLAIN:
            if _text(seg, component, element) is not None:  # no value holds a separator
                assert _accepted(seg, component, element), (seg, component, element)
    # a value longer than an older release allowed (CNI 1004: 35 before 06B) is refused
    long_cni = EdiSegment("CNI", (("1",), ("T" * 36,)))
    assert not _accepted(long_cni, ":", "+")
    assert not segment_clean(long_cni)
    assert _accepted(EdiSegment("CNI", (("1",), ("T" * 35,))), ":", "+")


def test_a_digit_separator_takes_no_text_acceptance() -> None:
    assert text_acceptance("7", "+")["QTY"] is None


@settings(max_examples=400, deadline=None)
@given(st.one_of(segments(), near_valid(), st.sampled_from([*PLAIN, *_BODY])))
def test_segment_clean_is_the_full_checks(seg: EdiSegment) -> None:
    for _ in range(2):  # the second time from what was remembered
        assert segment_clean(seg) is _reference_clean(seg)


# --- structurally valid messages of a few shapes ------------------------------------------
# the shared stock, plus clean dates that read as no time (no format, an odd length; none)
_MORE = [EdiSegment("DTM", (("334", "2026112410"),)), EdiSegment("DTM", (("334",),))]
_STOCK = {tag: [s for s in [*_BODY, *_MORE] if s.tag == tag] for tag in {s.tag for s in _BODY}}
_PLACES = st.sampled_from(["LOC", "NAD", "FTX", "RFF", "DTM"])


_CLEAN_STOCK = {tag: [s for s in stock if _reference_clean(s)] for tag, stock in _STOCK.items()}


@st.composite
def _value_of(draw: st.DrawFn, tag: str, clean: bool) -> EdiSegment:
    """A segment of `tag`: from the stock (shared objects), a copy, or random values;
    `clean`: from the part of the stock that passes every check."""
    kind = draw(st.integers(0, 4))
    if kind == 0 and not clean and tag in ("CNI", "STS", "RFF", "DTM", "LOC", "NAD"):
        return draw(segments(st.just(tag)))
    stock = (_CLEAN_STOCK if clean else _STOCK).get(tag) or [EdiSegment(tag, (("1",),))]
    seg = draw(st.sampled_from(stock))
    return EdiSegment(seg.tag, tuple(seg.elements)) if kind == 1 else seg


@st.composite
def shapes(draw: st.DrawFn) -> list[str]:
    """The body tags of an IFTSTA the segment table places: message-level RFFs, then
    consignments of statuses with references, dates, places and a TDT subgroup."""
    tags = ["BGM"]
    if draw(st.booleans()):
        tags += ["RFF", "DTM"] if draw(st.booleans()) else ["RFF"]
    for _ in range(draw(st.integers(1, 4))):
        tags.append("CNI")
        if draw(st.booleans()):
            tags.append("LOC")
        for _ in range(draw(st.integers(1, 3))):
            tags.append("STS")
            tags += ["RFF"] * draw(st.integers(0, 2))
            tags += ["DTM"] * draw(st.integers(0, 3))
            tags += ["FTX"] * draw(st.integers(0, 1))
            if draw(st.booleans()):
                tags.append("NAD")
            tags += ["LOC"] * draw(st.integers(0, 2))
            if draw(st.booleans()):
                tags += ["TDT", "DTM"] + (["LOC", "DTM"] if draw(st.booleans()) else [])
    return tags


_SHAPES = st.shared(st.lists(shapes(), min_size=1, max_size=3), key="shapes")


@st.composite
def planned_messages(draw: st.DrawFn) -> list[EdiSegment]:
    """UNH, a body of one of a few shapes (drawn again and again), UNT."""
    tags = draw(st.sampled_from(draw(_SHAPES)))
    release = draw(st.sampled_from(["96A", "01B", "10B"]))
    clean = draw(st.booleans())  # half of them pass every element check
    body = [draw(_value_of(tag, clean)) for tag in tags]
    unh = EdiSegment("UNH", (("1",), ("IFTSTA", "D", release, "UN")))
    return [unh, *body, EdiSegment("UNT", ((str(len(body) + 2),), ("1",)))]


def _reference(
    segs: Sequence[EdiSegment], sources: FieldSources, tolerant: bool
) -> tuple[list[Any], list[Problem]]:
    problems = _reference_validate(segs)
    if tolerant:  # the structure walk is the only tolerant part
        strict = check_structure(IFTSTA, cast("Sequence[Sequence[str]]", segs))
        loose = check_structure(IFTSTA, cast("Sequence[Sequence[str]]", segs), True)
        problems = loose + problems[len(strict) :]
    return _reference_events(segs, sources), problems


@settings(max_examples=300, deadline=None)
@given(
    st.lists(planned_messages(), min_size=1, max_size=4),
    st.sampled_from([("ON",), ("ON", "CU"), ()]),
    st.booleans(),
)
def test_planned_reading_is_the_full_reading(
    messages: list[list[EdiSegment]], quals: tuple[str, ...], tolerant: bool
) -> None:
    sources = FieldSources(edifact_po_qualifiers=quals)
    planned = 0
    for segs in messages:
        events, problems = _reference(segs, sources, tolerant)
        tags = tuple(seg.tag for seg in segs[1:-1])
        planned += plan_of(IFTSTA, segs, tags, tolerant) is not None
        checked = all(map(segment_clean, segs[1:-1]))
        for claim in {False, checked}:  # `checked` only when true, as the reader says it
            document, found = parse_iftsta(segs, sources, tolerant, claim)
            assert list(document.events) == events
            assert found == problems
    assert planned  # the generator makes shapes the segment table places


def test_a_planned_shape_with_a_faulty_value_takes_the_full_path() -> None:
    """Same shape, a CNI whose tracking number is too long: the full path reports it."""
    good = [EdiSegment("UNH", (("1",), ("IFTSTA", "D", "01B", "UN"))), PLAIN[5], PLAIN[0],
            PLAIN[1], PLAIN[2], EdiSegment("UNT", (("6",), ("1",)))]  # fmt: skip
    sources = FieldSources()
    document, problems = parse_iftsta(good, sources, checked=True)
    assert problems == [] and len(document.events) == 1
    bad = [*good]
    bad[2] = EdiSegment("CNI", (("1",), ("T" * 71,)))
    assert not segment_clean(bad[2])
    document, problems = parse_iftsta(bad, sources)
    assert [p.position for p in problems] == [3]
    assert list(document.events) == _reference_events(bad, sources)


# --- the envelope's word: a message is checked only when every body segment is clean -------
_DELIMITERS = [
    EdifactDelimiters(),
    EdifactDelimiters(component=">", element="*", segment="~", release="\\", repetition="`"),
    EdifactDelimiters(
        component="^", element="|", segment="!", release="?", repetition=" ", suffix="\r\n"
    ),
]


def _elements(seg: EdiSegment) -> list[Element]:
    return [list(parts) for parts in seg.elements]


@settings(max_examples=150, deadline=None)
@given(
    st.lists(planned_messages(), min_size=1, max_size=4),
    st.sampled_from(_DELIMITERS),
    st.sampled_from(["UNOA", "UNOC", "UNOY"]),
)
def test_the_reader_says_checked_only_of_clean_messages(
    messages: list[list[EdiSegment]], d: EdifactDelimiters, syntax: str
) -> None:
    body = [
        EdifactMessage("IFTSTA", segs[0].get(2, 3), [(s.tag, _elements(s)) for s in segs[1:-1]])
        for segs in messages
    ]
    text = edifact_interchange(body, d, syntax=syntax, syntax_version="4")
    if not envelope.__file__.endswith(".py"):
        pytest.skip("a compiled module's calls are not seen by a profile hook")
    seen: list[tuple[bool, list[EdiSegment], tuple[Document | None, list[Problem]]]] = []
    calls: list[tuple[bool, list[EdiSegment]]] = []

    def hook(frame: FrameType, event: str, arg: Any) -> None:
        # the reader's calls of parse_message, seen without patching it: what it was told
        # (`checked`, the segments) and what it gave back
        if frame.f_code is not parse_message.__code__:
            return
        if event == "call":
            calls.append((frame.f_locals["checked"], list(frame.f_locals["segments"])))
        elif event == "return":
            checked, segs = calls.pop()
            seen.append((checked, segs, arg))

    profile = PartnerProfile(selling_party="999US", ship_from="ABCD")
    for _ in range(2):  # the second time from the reader's remembered segments
        seen.clear()
        sys.setprofile(hook)
        try:
            read_edifact(io.BytesIO(text.encode("utf-8")), RecordingSink(), profile)
        finally:
            sys.setprofile(None)
        assert len(seen) == len(messages)
        for checked, segs, (document, problems) in seen:
            if checked:
                assert all(map(segment_clean, segs[1:-1]))
            events, expected = _reference(segs, profile.field_sources, False)
            assert document is not None
            assert (list(document.events), problems) == (events, expected)


def test_remembered_segments_are_per_repetition_separator() -> None:
    """A segment met in a syntax-3 interchange holds the repetition separator of a later
    syntax-4 one (same delimiters, no UNA): there it is a repetition too many (UCD 35),
    as when that interchange is read alone."""

    def interchange(version: str, control: str) -> str:
        return (
            f"UNB+UNOC:{version}+S:ZZ+R:ZZ+261125:1200+{control}'UNH+1+IFTSTA:D:01B:UN'"
            "BGM+23+ST1+9'CNI+1+TRK1'STS+1+301:::A*B'RFF+ON:PO1'"
            f"DTM+334:202611241000UTC:303'UNT+7+1'UNZ+1+{control}'"
        )

    profile = PartnerProfile(selling_party="999US", ship_from="ABCD")

    def problems(text: str) -> list[list[str]]:
        sink = RecordingSink()
        read_edifact(io.BytesIO(text.encode()), sink, profile)
        return [
            [p.code.value for g in ic.groups for st in g.sets.faulty() for p in st.problems]
            for ic in sink.ended
        ]

    alone = problems(interchange("4", "2"))
    assert alone == [["too_many_repetitions"]]
    assert problems(interchange("3", "1") + interchange("4", "2")) == [[], *alone]
