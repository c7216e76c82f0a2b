"""Property tests: X12 214 write -> read round trips with random legal delimiters.

Random status events (supported and random status/reason pairs, PO and tracking numbers,
dates/times with optional time codes, MS1 locations) are written with random distinct
delimiters (element, component, repetition, segment terminator; ASCII punctuation, control
characters or multi-byte characters), optional line breaks after each terminator, several
sets, groups and interchanges per file. `read_x12` must report no problem at all and hand
back exactly the generated StatusEvents, with the segment positions they were written at.
"""

from __future__ import annotations

import io
import string
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.ack.context import AckContext
from gateway.contract import validate_body
from gateway.envelope.x12 import read_x12
from gateway.envelope.x12_syntax import Delimiters
from gateway.mapping.codes import load_code_tables
from gateway.mapping.result import TranslatedRequest
from gateway.parse.records import EventTime, Src, StatusDocument, StatusEvent, Val
from gateway.pipeline import TranslationOutcome, translate_stream
from gateway.profile import PartnerProfile
from tests.edi_writers import X12Group, x12_interchange
from tests.outcomes import all_problems
from tests.sinks import RecordingSink

MAPPINGS = Path(__file__).resolve().parents[1] / "mappings"
_STATUS = yaml.safe_load((MAPPINGS / "status_codes.yaml").read_text(encoding="utf-8"))
PAIRS = [(row["x12"]["status"], row["x12"]["reason"]) for row in _STATUS["events"]]
TIME_CODES = sorted(yaml.safe_load((MAPPINGS / "time_codes.yaml").read_text(encoding="utf-8")))

PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
CONTROL = "\x07\x1c\x1d\x1e\x1f"
MULTIBYTE = "\u2026\u00a7\u00a6\u2192\u2022\u00ac"
UPPER = string.ascii_uppercase
ALNUM = string.ascii_uppercase + string.digits

SETTINGS = settings(max_examples=150, deadline=None)
POOL = PUNCTUATION + CONTROL + MULTIBYTE

# Strategies are built once: constructing them per draw dominates the run time.
VERSIONS = st.sampled_from(["00401", "00403", "00501"])
ANY_TERMINATOR = st.sampled_from(POOL + "\n\r")
MULTIBYTE_TERMINATOR = st.sampled_from(MULTIBYTE)
FOUR_CHARS = st.lists(st.sampled_from(POOL), min_size=4, max_size=4, unique=True)
SUFFIXES = st.sampled_from(["", "\n", "\r\n"])


@st.composite
def x12_delimiters(
    draw: st.DrawFn, terminators: st.SearchStrategy[str] = ANY_TERMINATOR
) -> tuple[Delimiters, str]:
    """(delimiters, ISA12 version): 00401 has no repetition separator (ISA11 'U')."""
    version = draw(VERSIONS)
    segment = draw(terminators)
    chars = [c for c in draw(FOUR_CHARS) if c != segment]
    suffix = "" if segment in "\r\n" else draw(SUFFIXES)
    repetition = None if version == "00401" else chars[2]
    return Delimiters(chars[0], chars[1], repetition, segment, suffix), version


def _values(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    """Data values over every safe character; `cleaner` later replaces the ones an
    interchange uses as delimiters (generation stays independent of the delimiters)."""
    alphabet = ALNUM + PUNCTUATION + " "
    return st.text(alphabet, min_size=min_size, max_size=max_size).filter(lambda s: s == s.strip())


REFERENCE = _values(1, 30)
OPT_REFERENCE = st.none() | REFERENCE
CODE = st.text(ALNUM, min_size=2, max_size=2)
# AT7 syntax note P0102: a status always comes with its reason
STATUS_REASON = st.tuples(st.sampled_from(PAIRS) | st.tuples(CODE, CODE), st.just(True))
CLOCK = st.tuples(
    st.dates(date(1990, 1, 1), date(2099, 12, 31)),
    st.integers(0, 23),
    st.integers(0, 59),
    st.integers(0, 59),
    st.integers(0, 99),
    st.sampled_from(["HHMM", "HHMMSS", "HHMMSSd", "HHMMSSdd"]),  # AT7 P0506: date with time
)
ZONE = st.none() | st.sampled_from(TIME_CODES)
# MS1 syntax note L010203: a city comes with a state, a country or both
LOCATION = st.none() | st.tuples(
    _values(2, 30),
    st.none() | st.text(UPPER, min_size=2, max_size=2),
    st.text(UPPER, min_size=2, max_size=3),
)


@dataclass(frozen=True)
class Ev:
    status: str
    reason: str | None
    local: datetime
    time_text: str | None
    zone: str | None
    city: str | None  # MS1 written when set
    state: str | None
    country: str | None


@dataclass(frozen=True)
class Lx:
    events: list[Ev]
    po: str | None
    tracking: str | None


@dataclass(frozen=True)
class Set214:
    b10_tracking: str | None
    b10_po: str | None
    scac: str
    header_po: str | None
    loops: list[Lx]


@st.composite
def events(draw: st.DrawFn) -> Ev:
    (status, reason), with_reason = draw(STATUS_REASON)
    day, hour, minute, second, hundredths, layout = draw(CLOCK)
    digits = f"{hour:02d}{minute:02d}{second:02d}{hundredths:02d}"
    time_text = digits[: len(layout)] if layout else None
    if layout is None:
        hour, minute, second = 0, 0, 0
    elif len(layout) == 4:
        second = 0
    local = datetime(day.year, day.month, day.day, hour, minute, second)
    city, state, country = draw(LOCATION) or (None, None, None)
    return Ev(status, reason if with_reason else None, local, time_text, draw(ZONE), city,
              state, country)  # fmt: skip


SCAC = st.text(UPPER, min_size=2, max_size=4)
LOOPS = st.lists(
    st.builds(Lx, st.lists(events(), min_size=1, max_size=2), OPT_REFERENCE, OPT_REFERENCE),
    min_size=1,
    max_size=2,
)


@st.composite
def sets_214(draw: st.DrawFn) -> Set214:
    b10_tracking = draw(OPT_REFERENCE)
    b10_po = draw(REFERENCE if b10_tracking is None else OPT_REFERENCE)
    scac = draw(SCAC)
    return Set214(b10_tracking, b10_po, scac, draw(OPT_REFERENCE), draw(LOOPS))


def body_214(s: Set214, clean: Callable[[str], str]) -> tuple[list[list[str]], list[StatusEvent]]:
    """The 214 body (B10..last loop, no ST/SE) and the StatusEvents it must read as; data
    values pass through `clean` (which removes the interchange's delimiters)."""
    s = replace(
        s,
        b10_tracking=_opt(clean, s.b10_tracking),
        b10_po=_opt(clean, s.b10_po),
        header_po=_opt(clean, s.header_po),
        loops=[
            Lx([replace(e, city=_opt(clean, e.city)) for e in x.events],
               _opt(clean, x.po), _opt(clean, x.tracking))
            for x in s.loops
        ],
    )  # fmt: skip
    body: list[list[str]] = []

    def add(seg: list[str]) -> int:
        body.append(seg)
        return len(body) + 1  # ST is segment 1

    def ref(value: str | None, tag: str, position: int, n: int) -> Val | None:
        return Val(value, Src(tag, position, n)) if value is not None else None

    b10_refs = [] if s.b10_tracking else ["", "BM", "BOL1"]  # syntax note R0106: B1001 or 06
    b10 = add(["B10", s.b10_tracking or "", s.b10_po or "", s.scac, *b10_refs])
    b10_tracking, b10_po = ref(s.b10_tracking, "B10", b10, 1), ref(s.b10_po, "B10", b10, 2)
    header_po = None
    if s.header_po is not None:
        header_po = ref(s.header_po, "L11", add(["L11", s.header_po, "PO"]), 1)
    expected: list[StatusEvent] = []
    for number, loop in enumerate(s.loops, start=1):
        add(["LX", str(number)])
        pending: list[tuple[int, Ev, int | None]] = []
        for ev in loop.events:
            date_text = ev.local.strftime("%Y%m%d")
            at7 = add(["AT7", ev.status, ev.reason or "", "", "", date_text, ev.time_text or "",
                       ev.zone or ""])  # fmt: skip
            ms1 = None
            if ev.city is not None:
                ms1 = add(["MS1", ev.city, ev.state or "", ev.country or ""])
            pending.append((at7, ev, ms1))
        po = ref(loop.po, "L11", add(["L11", loop.po, "PO"]), 1) if loop.po else None
        tracking = None
        if loop.tracking is not None:
            tracking = ref(loop.tracking, "L11", add(["L11", loop.tracking, "2I"]), 1)
        for at7, ev, ms1 in pending:
            zone = ref(ev.zone, "AT7", at7, 7)
            srcs = [Src("AT7", at7, 5)] + [Src("AT7", at7, 6)] * (ev.time_text is not None)
            expected.append(
                StatusEvent(
                    position=at7,
                    purchase_order=po or header_po or b10_po,
                    tracking_number=tracking or b10_tracking,
                    status_code=ref(ev.status, "AT7", at7, 1),
                    reason_code=ref(ev.reason, "AT7", at7, 2),
                    time=EventTime(ev.local, zone, (*srcs, *([zone.src] if zone else []))),
                    city=ref(ev.city, "MS1", ms1, 1) if ms1 else None,
                    state=ref(ev.state, "MS1", ms1, 2) if ms1 else None,
                    country=ref(ev.country, "MS1", ms1, 3) if ms1 else None,
                )
            )
    return body, expected


@dataclass(frozen=True)
class Interchange:
    delimiters: Delimiters
    version: str
    groups: list[list[Set214]]
    test: bool


def _opt(clean: Callable[[str], str], value: str | None) -> str | None:
    return None if value is None else clean(value)


def cleaner(d: Delimiters) -> Callable[[str], str]:
    """Replaces each delimiter character in a data value by 'Q'."""
    table = str.maketrans({c: "Q" for c in (d.element, d.component, d.segment, d.repetition) if c})
    return lambda value: value.translate(table)


GROUPS = st.lists(st.lists(sets_214(), min_size=1, max_size=3), min_size=1, max_size=2)


@st.composite
def interchanges(
    draw: st.DrawFn, terminators: st.SearchStrategy[str] = ANY_TERMINATOR
) -> Interchange:
    delimiters, version = draw(x12_delimiters(terminators))
    return Interchange(delimiters, version, draw(GROUPS), draw(st.booleans()))


def write_file(file: list[Interchange]) -> tuple[str, list[tuple[str, list[StatusEvent]]]]:
    """The file text and, per transaction set in file order, (ST02, expected events)."""
    text: list[str] = []
    expected: list[tuple[str, list[StatusEvent]]] = []
    group_control = 1
    for number, ic in enumerate(file, start=1):
        gs08 = {"00401": "004010", "00403": "004030", "00501": "005010"}[ic.version]
        groups, set_number = [], 0
        for sets in ic.groups:
            bodies = []
            for s in sets:
                body, events_ = body_214(s, cleaner(ic.delimiters))
                bodies.append(("214", body))
                set_number += 1
                expected.append((f"{set_number:04d}", events_))
            groups.append(X12Group("QM", gs08, bodies))
        text.append(
            x12_interchange(
                groups,
                ic.delimiters,
                version=ic.version,
                control=number,
                group_control=group_control,
                test=ic.test,
            )
        )
        group_control += len(groups)
    return "".join(text), expected


def _round_trip(file: list[Interchange]) -> None:
    text, expected = write_file(file)
    sink = RecordingSink()
    result = read_x12(io.BytesIO(text.encode("utf-8")), sink, PartnerProfile())
    assert all_problems(result) == []
    assert len(result.interchanges) == len(file) == len(sink.ended)
    assert all(s.accepted for ic in result.interchanges for g in ic.groups for s in g.sets)
    assert len(sink.documents) == len(expected)
    for (origin, document), (control, events_) in zip(sink.documents, expected, strict=True):
        assert origin.transaction_type == "214" and origin.transaction_control == control
        assert isinstance(document, StatusDocument)
        assert list(document.events) == events_
    tests = [ic.test for ic in file for g in ic.groups for _ in g]
    assert [origin.test for origin, _ in sink.documents] == tests


@SETTINGS
@given(st.lists(interchanges(), min_size=1, max_size=3))
def test_214_round_trip_with_random_delimiters(file: list[Interchange]) -> None:
    _round_trip(file)


@settings(max_examples=40, deadline=None)
@given(st.lists(interchanges(MULTIBYTE_TERMINATOR), min_size=1, max_size=2))
def test_214_round_trip_with_multibyte_terminator(file: list[Interchange]) -> None:
    text, _ = write_file(file)
    assert len(text.encode("utf-8")) > len(text)  # really multi-byte on the wire
    _round_trip(file)


# -- the whole pipeline never raises, on any bytes --------------------------------------------
PROFILE = PartnerProfile(selling_party="999US", ship_from="ABCD")
TABLES = load_code_tables()
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
CORPUS_FILES = sorted(
    p for p in CORPUS.glob("*/*") if p.is_file() and p.parent.name.startswith(("x12", "edifact"))
)


# Regression: `str.isdigit()` accepts non-ASCII digits such as '¹' (which the Latin-1
# fallback makes of byte 0xB9) and `int()` then raised; readers use gateway.text.is_digits.
# UNICODE_DIGIT_CASES below pin it; random inputs keep such bytes.


def translate_checked(data: bytes) -> TranslationOutcome:
    """Runs the pipeline on `data`: it must return, and every body it emits must validate."""
    requests: list[TranslatedRequest] = []
    outcome = translate_stream(io.BytesIO(data), PROFILE, TABLES, AckContext(), requests.append)
    assert isinstance(outcome, TranslationOutcome)
    assert outcome.requests == len(requests)
    for request in requests:
        assert validate_body(request.operation, request.body_json()) == []
    return outcome


MUTATIONS = st.lists(
    st.tuples(
        st.sampled_from(["delete", "insert", "truncate", "double", "remove", "flip"]),
        st.integers(0, 1 << 16),
        st.binary(min_size=1, max_size=8),
    ),
    max_size=4,
)


def mutate(data: bytes, terminator: bytes, ops: list[tuple[str, int, bytes]]) -> bytes:
    """Applies byte deletions/insertions/truncation/bit flips and doubled or removed
    segment terminators to `data`."""
    for kind, at, junk in ops:
        i = at % (len(data) + 1)
        if kind == "delete":
            data = data[:i] + data[i + len(junk) :]
        elif kind == "insert":
            data = data[:i] + junk + data[i:]
        elif kind == "truncate":
            data = data[:i]
        elif kind == "flip" and i < len(data):
            data = data[:i] + bytes([data[i] ^ junk[0]]) + data[i + 1 :]
        elif kind in ("double", "remove") and terminator:
            hits = [n for n in range(len(data)) if data.startswith(terminator, n)]
            if hits:
                j = hits[at % len(hits)]
                twice = terminator * 2 if kind == "double" else b""
                data = data[:j] + twice + data[j + len(terminator) :]
    return data


def corpus_terminator(data: bytes) -> bytes:
    """The segment terminator a corpus file declares (ISA byte 106, UNA6, or "'")."""
    text = data.lstrip(b"\xef\xbb\xbf \r\n")
    if text.startswith(b"ISA") and len(text) > 105:
        return text[105:106]
    if text.startswith(b"UNA") and len(text) > 8:
        return text[8:9]
    return b"'"


# Valid starts of an X12 214 and an EDIFACT IFTSTA, for random tails to continue
X12_HEAD = (
    b"ISA*00*          *00*          *ZZ*CARRIERSCAC    *ZZ*AMAZONDF       *261125*1200*U*"
    b"00401*000000001*0*P*>~GS*QM*A*B*20261125*1200*1*X*004010~ST*214*0001~B10*1Z*PO1*SCAC~"
    b"LX*1~AT7*"
)
EDIFACT_HEAD = (
    b"UNA:+.? 'UNB+UNOC:3+A:ZZ+B:ZZ+261125:1200+1'UNH+1+IFTSTA:D:96A:UN'BGM+23+1+9'CNI+1+"
)
PREFIXES = [b"", b"ISA", b"ISA*00*", b"UNA", b"UNA:+.? '", b"UNB+", b"UNH+", b"\xef\xbb\xbf"]


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([*PREFIXES, X12_HEAD, EDIFACT_HEAD]), st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise(prefix: bytes, tail: bytes) -> None:
    translate_checked(prefix + tail)


def _alnum(value: str | None, default: str) -> str:
    return "".join(c for c in value or "" if c.isascii() and c.isalnum()) or default


def mappable(ic: Interchange) -> Interchange:
    """The interchange with values the mapping accepts (alphanumeric POs, a tracking number
    on every set, supported status pairs), so the pipeline emits requests to check."""

    def event(e: Ev) -> Ev:
        status, reason = PAIRS[len(e.status + (e.city or "")) % len(PAIRS)]
        return replace(e, status=status, reason=reason)

    def loop(x: Lx) -> Lx:
        return Lx([event(e) for e in x.events], x.po and _alnum(x.po, "PO2"), x.tracking)

    def set_(s: Set214) -> Set214:
        tracking, po = _alnum(s.b10_tracking, "1Z9"), _alnum(s.b10_po, "PO1")
        loops = [loop(x) for x in s.loops]
        return replace(s, b10_tracking=tracking, b10_po=po, header_po=None, loops=loops)

    return replace(ic, groups=[[set_(s) for s in g] for g in ic.groups])


@settings(max_examples=150, deadline=None)
@given(st.lists(interchanges().map(mappable), min_size=1, max_size=2), MUTATIONS)
def test_corrupted_x12_never_raises(
    file: list[Interchange], ops: list[tuple[str, int, bytes]]
) -> None:
    text, _ = write_file(file)
    terminator = file[0].delimiters.segment.encode("utf-8")
    data = mutate(text.encode("utf-8"), terminator, ops)
    outcome = translate_checked(data)
    if not ops:
        assert outcome.syntax == "x12" and outcome.acknowledgements is not None


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(CORPUS_FILES or [Path(__file__)]), MUTATIONS)
def test_corrupted_corpus_files_never_raise(path: Path, ops: list[tuple[str, int, bytes]]) -> None:
    data = path.read_bytes()
    translate_checked(mutate(data, corpus_terminator(data), ops))


# Minimal inputs of the known bug above: a non-ASCII digit (U+00B9 '¹') where a number is read.
_ISA = (
    "ISA*00*          *00*          *ZZ*CARRIERSCAC    *ZZ*AMAZONDF       *261125*1200*U*00401*"
    "000000001*0*P*>~"
)
_BODY = (
    "GS*QM*A*B*20261125*1200*1*X*004010~ST*214*0001~B10*1Z*PO1*SCAC~LX*1~"
    "AT7*D1*NS***20260101*1200~SE*5*0001~GE*1*1~IEA*1*000000001~"
)
UNICODE_DIGIT_CASES = {
    "ISA09 date": _ISA.replace("*261125*", "*26\u00b9125*") + _BODY,
    "ISA10 time": _ISA.replace("*1200*U", "*\u00b9200*U") + _BODY,
    "GS04 date": _ISA + _BODY.replace("20261125", "2026112\u00b9"),
    "GS05 time": _ISA + _BODY.replace("*1200*1*X", "*120\u00b9*1*X"),
    "GE01 count": _ISA + _BODY.replace("GE*1*1", "GE*\u00b9*1"),
    "GE02 control": _ISA + _BODY.replace("GE*1*1~", "GE*1*\u00b9~"),
    "IEA02 control": _ISA + _BODY.replace("IEA*1*000000001", "IEA*1*00000000\u00b9"),
    "AT7-05 date": _ISA + _BODY.replace("20260101", "2026010\u00b9"),
    "AT7-06 time": _ISA + _BODY.replace("*20260101*1200", "*20260101*120\u00b9"),
}


@pytest.mark.parametrize("text", UNICODE_DIGIT_CASES.values(), ids=UNICODE_DIGIT_CASES.keys())
def test_unicode_digit_in_a_number_never_raises(text: str) -> None:
    translate_checked(text.encode("latin-1"))
