"""Property tests: EDIFACT IFTSTA write -> read round trips with random UNA delimiters.

Random consignments and statuses are written with random distinct service characters
(component, element, decimal mark, release, repetition in syntax 4, segment terminator),
data values that contain those characters (escaped with the release character, the release
character itself included), charsets UNOA (ASCII), UNOC (Latin-1 letters, latin-1 bytes) and
UNOY (UTF-8 multi-byte), optional UNG groups, several messages and interchanges per file.
`read_edifact` must report no problem and hand back exactly the generated StatusEvents.
"""

from __future__ import annotations

import io
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.envelope.edifact import read_edifact
from gateway.envelope.unb import EdifactDelimiters
from gateway.parse.records import EventTime, Src, StatusDocument, StatusEvent, Val
from gateway.profile import PartnerProfile
from tests.edi_writers import EdifactMessage, Element, edifact_interchange
from tests.outcomes import all_problems
from tests.sinks import RecordingSink
from tests.test_property_x12 import (
    MUTATIONS,
    _alnum,
    mutate,
    translate_checked,
)

MAPPINGS = Path(__file__).resolve().parents[1] / "mappings"
_STATUS = yaml.safe_load((MAPPINGS / "status_codes.yaml").read_text(encoding="utf-8"))
PAIRS = [(row["edifact"]["status"], row["edifact"]["reason"]) for row in _STATUS["events"]]

PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
LATIN1 = "\u00c0\u00c9\u00c8\u00dc\u00d6\u00c4\u00df\u00e9\u00e8\u00fc\u00f6\u00e4\u00e7\u00f1"
MULTIBYTE = "\u03a9\u03c0\u0416\u0436\u4e2d\u6587\u20ac\u2713"
ALNUM = string.ascii_letters + string.digits
# syntax identifier -> (Python codec, syntax versions)
SYNTAXES = {"UNOA": ("ascii", ("3", "4")), "UNOC": ("latin-1", ("3", "4")),
            "UNOY": ("utf-8", ("4",))}  # fmt: skip


# Stand-ins for the interchange's service characters (component, element, decimal mark,
# release, repetition, terminator): values are generated before the delimiters are known
# and a third of their characters are service characters.
STAND_INS = "\ue001\ue002\ue003\ue004\ue005\ue006"


def clean_for(syntax: str, d: EdifactDelimiters) -> Callable[[str], str]:
    """Puts the service characters in and maps the value onto the repertoire of `syntax`
    (UNOA: upper-case ASCII, UNOC: Latin-1)."""
    service = [d.component, d.element, d.decimal, d.release or "?", d.repetition, d.segment]
    table = str.maketrans(
        dict(zip(STAND_INS, [c if c != " " else "R" for c in service], strict=True))
    )
    if syntax == "UNOA":
        return lambda v: "".join("X" if ord(c) > 127 else c.upper() for c in v.translate(table))
    if syntax == "UNOC":
        return lambda v: "".join("Y" if ord(c) > 255 else c for c in v.translate(table))
    return lambda v: v.translate(table)


def _values(min_size: int, max_size: int) -> st.SearchStrategy[str]:
    plain = st.sampled_from(ALNUM + PUNCTUATION + LATIN1 + MULTIBYTE + " ")
    chars = st.sampled_from(STAND_INS) | plain | plain
    return st.text(chars, min_size=min_size, max_size=max_size).filter(lambda s: s == s.strip())


REFERENCE = _values(1, 35)
OPT_REFERENCE = st.none() | REFERENCE
CODE = st.text(string.digits + string.ascii_uppercase, min_size=1, max_size=3)
STATUS_REASON = st.tuples(st.sampled_from(PAIRS) | st.tuples(CODE, CODE), st.booleans())
CLOCK = st.tuples(
    st.dates(date(1990, 1, 1), date(2099, 12, 31)),
    st.integers(0, 23),
    st.integers(0, 59),
    st.integers(0, 59),
    st.sampled_from(["203", "204", "303", ""]),  # "": 2379 omitted, format from the length
    st.sampled_from(["UTC", "GMT", "Z", "+01", "-05", "+0530", "+01:00", "ET"]),
)
CITY = st.none() | st.tuples(st.sampled_from(["", "USSEA", "DEHAM"]), _values(1, 35))


@dataclass(frozen=True)
class Status:
    status: str
    reason: str | None
    local: datetime | None
    text: str  # DTM C507 2380
    fmt: str  # DTM C507 2379
    zone: str | None
    location: tuple[str, str] | None  # (C517 3225, 3224 name)


@dataclass(frozen=True)
class Consignment:
    tracking: str
    po: str | None
    statuses: list[Status]


@dataclass(frozen=True)
class Message:
    po: str | None  # message-level RFF+ON (SG3)
    release: str
    consignments: list[Consignment]


@st.composite
def statuses(draw: st.DrawFn) -> Status:
    (status, reason), with_reason = draw(STATUS_REASON)
    day, hour, minute, second, fmt, zone_text = draw(CLOCK)
    local: datetime | None = datetime(day.year, day.month, day.day, hour, minute, second)
    assert local is not None
    text = local.strftime("%Y%m%d%H%M%S" if fmt == "204" else "%Y%m%d%H%M")
    if fmt != "204":
        local = local.replace(second=0)
    zone = zone_text if fmt == "303" else None
    if zone is not None:
        text += zone
    if draw(st.booleans()):
        local = None  # no DTM+334
    return Status(status, reason if with_reason else None, local, text, fmt, zone, draw(CITY))


CONSIGNMENTS = st.lists(
    st.builds(Consignment, REFERENCE, OPT_REFERENCE, st.lists(statuses(), min_size=1, max_size=2)),
    min_size=1,
    max_size=3,
)
MESSAGES = st.lists(
    st.builds(Message, OPT_REFERENCE, st.sampled_from(["96A", "01B", "10B"]), CONSIGNMENTS),
    min_size=1,
    max_size=3,
)
SUFFIXES = st.sampled_from(["", "\n", "\r\n"])
SIX_CHARS = st.lists(st.sampled_from(PUNCTUATION), min_size=6, max_size=6, unique=True)
SYNTAX = st.sampled_from([(s, v) for s, (_, versions) in SYNTAXES.items() for v in versions])


@dataclass(frozen=True)
class Interchange:
    delimiters: EdifactDelimiters
    syntax: str
    version: str
    group: bool
    test: bool
    messages: list[Message]


@st.composite
def interchanges(draw: st.DrawFn) -> Interchange:
    syntax, version = draw(SYNTAX)
    component, element, decimal, release, repetition, segment = draw(SIX_CHARS)
    suffix = draw(SUFFIXES)
    delimiters = EdifactDelimiters(
        component, element, decimal, release, repetition if version == "4" else " ", segment,
        suffix,
    )  # fmt: skip
    group, test = draw(st.booleans()), draw(st.booleans())
    return Interchange(delimiters, syntax, version, group, test, draw(MESSAGES))


def body_iftsta(
    message: Message, clean: Callable[[str], str]
) -> tuple[list[tuple[str, Sequence[Element]]], list[StatusEvent]]:
    """The IFTSTA body (BGM..last status, no UNH/UNT) and the StatusEvents it must read as."""
    body: list[tuple[str, Sequence[Element]]] = []

    def add(tag: str, *elements: Element) -> int:
        body.append((tag, elements))
        return len(body) + 1  # UNH is segment 1

    add("BGM", "23", "DOC1", "9")
    add("DTM", ["137", "202611251200", "203"])
    message_po = None
    if message.po is not None:
        po = clean(message.po)
        message_po = Val(po, Src("RFF", add("RFF", ["ON", po]), 1, 2))
    expected: list[StatusEvent] = []
    for number, cni in enumerate(message.consignments, start=1):
        tracking = clean(cni.tracking)
        cni_at = add("CNI", str(number), [tracking])
        cni_po, events = None, []
        for index, status in enumerate(cni.statuses):
            sts_at = add("STS", "1", [status.status], [status.reason] if status.reason else "")
            if index == 0 and cni.po is not None:
                po = clean(cni.po)
                cni_po = Val(po, Src("RFF", add("RFF", ["ON", po]), 1, 2))
            time = None
            if status.local is not None:
                dtm_at = add("DTM", ["334", status.text, status.fmt])
                src = Src("DTM", dtm_at, 1, 2)
                zone = Val(status.zone, src) if status.zone else None
                time = EventTime(status.local, zone, (src,))
            city = None
            if status.location is not None:
                code, name = status.location[0], clean(status.location[1])
                city = Val(name, Src("LOC", add("LOC", "175", [code, "", "", name]), 2, 4))
            events.append((sts_at, status, time, city))
        for sts_at, status, time, city in events:
            reason = Val(status.reason, Src("STS", sts_at, 3, 1)) if status.reason else None
            expected.append(
                StatusEvent(
                    position=sts_at,
                    purchase_order=cni_po or message_po,
                    tracking_number=Val(tracking, Src("CNI", cni_at, 2, 1)),
                    status_code=Val(status.status, Src("STS", sts_at, 2, 1)),
                    reason_code=reason,
                    time=time,
                    city=city,
                )
            )
    return body, expected


def write_file(file: list[Interchange]) -> tuple[bytes, list[tuple[str, list[StatusEvent]]]]:
    """The file bytes and, per message in file order, (UNH 0062, expected events)."""
    data, expected = b"", []
    for number, ic in enumerate(file, start=1):
        clean = clean_for(ic.syntax, ic.delimiters)
        messages = []
        for count, message in enumerate(ic.messages, start=1):
            body, events = body_iftsta(message, clean)
            messages.append(EdifactMessage("IFTSTA", message.release, body))
            expected.append((f"M{count}", events))
        text = edifact_interchange(
            messages, ic.delimiters, syntax=ic.syntax, syntax_version=ic.version,
            control=number, group="G1" if ic.group else None, test=ic.test,
        )  # fmt: skip
        data += text.encode(SYNTAXES[ic.syntax][0])
    return data, expected


@settings(max_examples=150, deadline=None)
@given(st.lists(interchanges(), min_size=1, max_size=3))
def test_iftsta_round_trip_with_random_delimiters(file: list[Interchange]) -> None:
    data, expected = write_file(file)
    sink = RecordingSink()
    result = read_edifact(io.BytesIO(data), sink, PartnerProfile())
    assert all_problems(result) == []
    assert len(result.interchanges) == len(file) == len(sink.ended)
    assert len(sink.documents) == len(expected)
    for (origin, document), (control, events) in zip(sink.documents, expected, strict=True):
        assert (origin.transaction_type, origin.transaction_control) == ("IFTSTA", control)
        assert isinstance(document, StatusDocument)
        assert list(document.events) == events
    tests = [ic.test for ic in file for _ in ic.messages]
    assert [origin.test for origin, _ in sink.documents] == tests


def mappable(ic: Interchange) -> Interchange:
    """The interchange with values the mapping accepts (alphanumeric POs, supported status
    pairs), so the pipeline emits requests whose bodies the test can check."""
    d = ic.delimiters
    service = "".join(c for c in (d.component, d.element, d.release, d.segment, d.repetition) if c)

    def status(s: Status) -> Status:
        code, reason = PAIRS[len(s.status + s.text) % len(PAIRS)]
        s = replace(s, status=code, reason=reason)
        if s.local is None:  # statusDateTime is required
            s = replace(s, local=datetime(2026, 11, 24, 10, 15), text="202611241015", fmt="203")
        if s.location is not None:  # a released delimiter in a value is never sent
            code, name = s.location
            name = "".join(c for c in name if c not in STAND_INS + service)
            s = replace(s, location=(code, name))
        return s

    def consignment(c: Consignment) -> Consignment:
        statuses_ = [status(s) for s in c.statuses]
        return Consignment(_alnum(c.tracking, "1Z9"), _alnum(c.po, "PO1"), statuses_)

    return replace(
        ic,
        messages=[
            replace(m, po=None, consignments=[consignment(c) for c in m.consignments])
            for m in ic.messages
        ],
    )


@settings(max_examples=150, deadline=None)
@given(st.lists(interchanges().map(mappable), min_size=1, max_size=2), MUTATIONS)
def test_corrupted_edifact_never_raises(
    file: list[Interchange], ops: list[tuple[str, int, bytes]]
) -> None:
    data, _ = write_file(file)
    terminator = file[0].delimiters.segment.encode("ascii")
    outcome = translate_checked(mutate(data, terminator, ops))
    if not ops:
        assert outcome.syntax == "edifact" and outcome.accepted and outcome.requests > 0


# Minimal inputs of the known bug (see tests/test_property_x12.py): in a Latin-1 (UNOC)
# interchange byte 0xB9 reads as '¹', which str.isdigit() accepts and int() rejects.
_IFTSTA = (
    "UNA:+.? 'UNB+UNOC:3+A:ZZ+B:ZZ+261125:1200+IC1'UNH+M1+IFTSTA:D:96A:UN'BGM+23+1+9'"
    "CNI+1+1Z'STS+1+301+000'DTM+334:202601011200:203'UNT+6+M1'UNZ+1+IC1'"
)
UNICODE_DIGIT_CASES = {
    "UNT count": _IFTSTA.replace("UNT+6", "UNT+\u00b9"),
    "UNZ count": _IFTSTA.replace("UNZ+1", "UNZ+\u00b9"),
    "DTM 334": _IFTSTA.replace("202601011200", "20260101120\u00b9"),
}


@pytest.mark.parametrize("text", UNICODE_DIGIT_CASES.values(), ids=UNICODE_DIGIT_CASES.keys())
def test_unicode_digit_in_a_number_never_raises(text: str) -> None:
    translate_checked(text.encode("latin-1"))
