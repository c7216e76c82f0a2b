"""EDIFACT envelope reader: corpus outcomes, delimiters, charsets, broken files."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.envelope.edifact import EdifactResult, read_edifact
from gateway.envelope.edifact_lexer import split_segments, tokenize
from gateway.origin import Origin
from gateway.problems import ProblemCode, Severity
from gateway.profile import PartnerProfile
from tests.outcomes import all_problems
from tests.sinks import RecordingSink

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
FILES = sorted(p for p in CORPUS.glob("edifact-*/*") if p.is_file())


FakeSink = RecordingSink


def read(data: bytes) -> tuple[EdifactResult, FakeSink]:
    sink = FakeSink()
    return read_edifact(io.BytesIO(data), sink, PartnerProfile()), sink


def errors(result: EdifactResult) -> set[ProblemCode]:
    return {p.code for p in all_problems(result) if p.severity is Severity.ERROR}


# file name fragment -> (documents handed to the sink, error codes expected)
EXPECTED: dict[str, tuple[int, set[ProblemCode]]] = {
    "dutchic_aperak1": (0, set()),
    "Apperak_edi_out_issue235": (
        0,
        {
            ProblemCode.INTERCHANGE_FIELD_INVALID,
            ProblemCode.INTERCHANGE_TRAILER_MISSING,
            ProblemCode.INTERCHANGE_CONTROL_MISMATCH,
        },
    ),
    "pydifact__v3_aperak.edi": (0, {ProblemCode.SET_COUNT_MISMATCH}),
    "pydifact__v4_aperak_rejected": (0, {ProblemCode.SET_COUNT_MISMATCH}),
    "plugins__desadv1.edi": (3, set()),
    "desadv5.edi": (1, set()),
    "dutchic_desadv1": (8, set()),
    "D96ADESADV": (0, {ProblemCode.ELEMENT_TOO_LONG}),  # BGM03 1225 an..3
    "d00b_iftsta": (1, {ProblemCode.INTERCHANGE_CONTROL_MISMATCH}),
    "edifunct__IFTSTA_example": (0, {ProblemCode.SET_COUNT_MISMATCH, ProblemCode.INVALID_DATE}),
    "IFTSTAParser_sample": (0, {ProblemCode.INTERCHANGE_HEADER_MISSING}),
    "example_release_character": (0, {ProblemCode.SET_COUNT_MISMATCH}),
}


def test_corpus_is_there() -> None:
    assert len(FILES) >= 10


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_corpus_file(path: Path) -> None:
    result, sink = read(path.read_bytes())
    assert len(sink.ended) == len(result.interchanges)
    for name, (documents, codes) in EXPECTED.items():
        if name in path.name:
            assert len(sink.documents) == documents
            assert errors(result) == codes
            return


def test_stephanstapel_bare_message_is_rejected_at_file_level() -> None:
    path = CORPUS / "edifact-iftsta" / "stephanstapel__IFTSTAParser__IFTSTAParser_sample.txt"
    result, sink = read(path.read_bytes())
    assert result.interchanges == [] and sink.documents == []
    assert [p.code for p in result.problems] == [ProblemCode.INTERCHANGE_HEADER_MISSING]


def test_empty_unb_before_real_unb_gives_two_interchanges() -> None:
    path = CORPUS / "edifact-aperak" / "indice-co__EDI.Net__Apperak_edi_out_issue235.edi"
    result, _ = read(path.read_bytes())
    first, second = result.interchanges
    assert ProblemCode.INTERCHANGE_TRAILER_MISSING in {p.code for p in first.problems}
    assert second.groups[0].sets[0].supported is False  # APERAK is not translated
    assert second.header is not None and second.header.syntax_id == "UNOA"


def test_unt_count_mismatch_position_and_references() -> None:
    path = CORPUS / "edifact-aperak" / "nerdocs__pydifact__v3_aperak.edi"
    result, _ = read(path.read_bytes())
    (problem,) = result.interchanges[0].groups[0].sets[0].problems
    assert problem.code is ProblemCode.SET_COUNT_MISMATCH
    assert (problem.segment, problem.position, problem.element) == ("UNT", 7, 1)
    assert (problem.interchange, problem.transaction) == ("000000002", "1")


def test_desadv1_outcome_and_origin() -> None:
    path = CORPUS / "edifact-desadv" / "bots-edi__bots-plugins__desadv1.edi"
    result, sink = read(path.read_bytes())
    ic = result.interchanges[0]
    assert ic.accepted and ic.header is not None and ic.header.charset == "latin-1"
    assert ic.header.una and ic.header.delimiters.suffix == "\r\n"
    assert [s.control for s in ic.groups[0].sets] == ["7", "8", "10"]
    origin = sink.documents[0][0]
    assert origin == Origin(
        syntax="edifact",
        sender="5555555555555",
        receiver="1111111111111",
        interchange_control="1",
        group_control=None,
        transaction_control="7",
        transaction_type="DESADV",
        version="D:96A",
        test=False,
    )


UNA = "UNA|*,! ~"


def interchange(body: list[str], syntax: str = "UNOC:3", una: str = UNA, count: int = 1) -> str:
    term = una[-1] if una else "'"
    sep = una[4] if una else "+"
    comp = una[3] if una else ":"
    unb = f"UNB{sep}{syntax.replace(':', comp)}{sep}SND{sep}RCV{sep}200101{comp}1200{sep}42"
    segs = [unb, *body, f"UNZ{sep}{count}{sep}42"]
    return una + "".join(s + term + "\n" for s in segs)


def iftsta(sep: str = "*", comp: str = "|") -> list[str]:
    body = [
        "UNH*1*IFTSTA|D|01B|UN",
        "BGM*23*DOC!*1*9",
        "CNI*1*TRACK!~1",
        "STS*1*21",
        "DTM*334|202001021530|203",
        "UNT*6*1",
    ]
    return [s.replace("*", sep).replace("|", comp) for s in body]


def test_una_odd_delimiters_and_release_characters() -> None:
    result, sink = read(interchange(iftsta()).encode())
    assert errors(result) == set()
    (_, document) = sink.documents[0]
    event = document.events[0]  # type: ignore[union-attr]
    assert event.tracking_number is not None and event.tracking_number.value == "TRACK~1"
    header = result.interchanges[0].header
    assert header is not None and header.delimiters.element == "*"
    assert header.delimiters.release == "!" and header.delimiters.segment == "~"


def test_lexer_chunk_size_does_not_change_segments() -> None:
    data = interchange(iftsta()).encode()
    whole = [s.data for s in split_segments(io.BytesIO(data))]
    for size in (1, 2, 5, 9):
        assert [s.data for s in split_segments(io.BytesIO(data), chunk_size=size)] == whole
    assert len(whole) == 9  # UNA, UNB, 6 message segments, UNZ


def test_tokenize_release_and_empty_elements() -> None:
    seg = tokenize("IFT+3+FIELD 1??:A?:B++X?'")
    assert not isinstance(seg, str)
    assert seg.elements == (("3",), ("FIELD 1?", "A:B"), ("",), ("X'",))


def test_unoc_latin1_byte_is_data() -> None:
    text = interchange(iftsta()).replace("TRACK!~1", "TR\u00d8CK")
    result, sink = read(text.encode("latin-1"))
    assert errors(result) == set()
    event = sink.documents[0][1].events[0]  # type: ignore[union-attr]
    assert event.tracking_number is not None and event.tracking_number.value == "TR\u00d8CK"


def test_unoa_rejects_non_ascii_byte_with_position() -> None:
    text = interchange(iftsta(), syntax="UNOA:3").replace("TRACK!~1", "TR\u00d8CK")
    result, sink = read(text.encode("latin-1"))
    assert sink.documents == []
    problem = next(p for p in all_problems(result) if p.code is ProblemCode.INVALID_CHARACTER)
    assert (problem.segment, problem.position, problem.element, problem.component) == (
        "CNI",
        3,
        2,
        1,
    )


def test_unoy_utf8_and_invalid_utf8() -> None:
    text = interchange(iftsta(), syntax="UNOY:4").replace("TRACK!~1", "\u00c5RHUS")
    result, sink = read(text.encode("utf-8"))
    assert errors(result) == set()
    assert result.interchanges[0].header is not None
    assert result.interchanges[0].header.charset == "utf-8"
    event = sink.documents[0][1].events[0]  # type: ignore[union-attr]
    assert event.tracking_number is not None and event.tracking_number.value == "\u00c5RHUS"
    bad = text.encode("utf-8").replace("\u00c5".encode(), b"\xc3\x28")
    result, sink = read(bad)
    assert ProblemCode.INVALID_ENCODING in errors(result) and sink.documents == []


def test_bom_is_skipped() -> None:
    result, sink = read(b"\xef\xbb\xbf" + interchange(iftsta()).encode())
    assert errors(result) == set() and len(sink.documents) == 1


def test_truncated_file() -> None:
    data = interchange(iftsta()).encode()
    result, sink = read(data[: data.index(b"STS")] + b"STS*1*2")
    assert sink.documents == []
    assert {ProblemCode.TRUNCATED, ProblemCode.INTERCHANGE_TRAILER_MISSING} <= errors(result)
    assert ProblemCode.SET_TRAILER_MISSING in errors(result)
    assert len(sink.ended) == 1


def test_trailing_junk_and_unz_count() -> None:
    text = interchange(iftsta(), count=2) + "garbage here~"
    result, sink = read(text.encode())
    assert len(sink.documents) == 1  # the message itself is fine; UNZ rejects the interchange
    assert ProblemCode.INTERCHANGE_COUNT_MISMATCH in {
        p.code for p in result.interchanges[0].problems
    }
    assert [p.code for p in result.problems] == [ProblemCode.INVALID_CONTROL_STRUCTURE]


def test_groups_and_two_interchanges_with_different_delimiters() -> None:
    body = ["UNG*IFTSTA*SND*RCV*200101|1200*G1*UN*D|01B", *iftsta(), "UNE*2*G9"]
    second = interchange(iftsta("+", ":"), una="")
    result, sink = read((interchange(body) + second).encode())
    first, other = result.interchanges
    group = first.groups[0]
    assert group.control == "G1" and group.functional_id == "IFTSTA"
    assert {p.code for p in group.problems} == {
        ProblemCode.GROUP_COUNT_MISMATCH,
        ProblemCode.GROUP_CONTROL_MISMATCH,
    }
    assert other.accepted and other.header is not None and not other.header.una
    assert len(sink.documents) == 2 and len(sink.ended) == 2


def test_contrl_marks_acknowledgment_and_other_types_unsupported() -> None:
    body = ["UNH+1+CONTRL:D:3:UN", "UCI+7+SND+RCV+7", "UNT+3+1"]
    body += ["UNH+2+ORDERS:D:96A:UN", "BGM+220+1", "UNT+3+2"]
    result, sink = read(interchange(body, una="", count=2).encode())
    ic = result.interchanges[0]
    assert ic.is_acknowledgment and ic.accepted
    contrl, orders = ic.groups[0].sets
    assert contrl.supported and not orders.supported
    assert sink.documents == []


def test_empty_and_random_bytes() -> None:
    result, _ = read(b"")
    assert [p.code for p in result.problems] == [ProblemCode.EMPTY_FILE]
    rng = random.Random(7)
    for _ in range(20):
        result, sink = read(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 500))))
        assert sink.documents == [] and result.problems


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=300), st.integers(min_value=0, max_value=400))
def test_no_input_makes_the_reader_raise(noise: bytes, cut: int) -> None:
    data = interchange(iftsta()).encode()
    read(data[:cut] + noise)
    read(noise + data)


_SPECIAL = st.sampled_from(list("!\"#$%&()*+,-./:;<=>?@[]^_`{|}~'"))


@settings(max_examples=60, deadline=None)
@given(
    st.lists(_SPECIAL, min_size=4, max_size=4, unique=True), st.text("AB12 :+?'!*~", max_size=12)
)
def test_random_delimiters_round_trip(chars: list[str], value: str) -> None:
    comp, sep, release, term = chars
    escaped = "".join(release + c if c in (comp, sep, release, term) else c for c in value)
    una = f"UNA{comp}{sep}.{release} {term}"
    body = [
        f"UNH{sep}1{sep}IFTSTA{comp}D{comp}01B{comp}UN",
        f"BGM{sep}23",
        f"CNI{sep}1{sep}X{escaped}",
        f"STS{sep}1{sep}21",
        f"UNT{sep}5{sep}1",
    ]
    result, sink = read(interchange(body, una=una).encode())
    assert errors(result) == set()
    event = sink.documents[0][1].events[0]  # type: ignore[union-attr]
    assert event.tracking_number is not None
    assert event.tracking_number.value == ("X" + value).strip()
