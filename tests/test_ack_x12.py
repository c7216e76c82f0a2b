"""997 / 999 / TA1 built from hand-made envelope outcomes: exact text, and every ack parsed
back with the X12 tokenizer to check its counts and the fixed-width ISA."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gateway.ack.codes import CODES, ta1_note, x12_code
from gateway.ack.context import AckContext
from gateway.ack.model import Acknowledgement
from gateway.ack.x12 import x12_acks
from gateway.envelope.outcome import GroupOutcome, InterchangeOutcome, SetOutcome
from gateway.envelope.x12 import read_x12
from gateway.envelope.x12_header import IsaHeader, check_isa, isa_header
from gateway.envelope.x12_syntax import ISA_LENGTH, IsaText, X12Tokenizer
from gateway.origin import Origin
from gateway.parse.records import Document
from gateway.problems import Level, Problem, ProblemCode, Severity
from gateway.profile import AckPreferences, PartnerProfile

NOW = datetime(2024, 3, 4, 5, 6, tzinfo=UTC)
ISA_4010 = (
    "ISA*00*          *00*          *02*SCAC           *ZZ*AMAZONDF       "
    "*240102*1530*U*00401*000000042*0*P*>~"
)
ISA_5010 = (
    "ISA*00*          *00*          *02*SCAC           *ZZ*AMAZONDF       "
    "*240102*1530*^*00501*000000042*0*T*:~\n"
)
ACK_ISA_4010 = (
    "ISA*00*          *00*          *ZZ*AMAZONDF       *02*SCAC           "
    "*240304*0506*U*00401*{:09d}*0*P*>~"
)
ACK_ISA_5010 = (
    "ISA*00*          *00*          *ZZ*AMAZONDF       *02*SCAC           "
    "*240304*0506*^*00501*{:09d}*0*T*:~\n"
)


def _isa(text: str) -> IsaText:
    token = next(iter(X12Tokenizer(iter([text]))))
    assert token.isa is not None
    return token.isa


def _header(text: str = ISA_4010) -> IsaHeader:
    return isa_header(_isa(text))


def _interchange(
    *sets: SetOutcome,
    isa: str = ISA_4010,
    version: str = "004010",
    group_problems: tuple[Problem, ...] = (),
    problems: tuple[Problem, ...] = (),
) -> InterchangeOutcome[IsaHeader]:
    group = GroupOutcome(
        "QM", "7", version, "SCACAPP", "AMZAPP", list(sets), problems=list(group_problems)
    )
    return InterchangeOutcome(_header(isa), "000000042", list(problems), [group])


def _check_counts(text: str) -> None:
    """Parse an ack back: ISA is 106 characters, SE01 / GE01 / IEA01 match what is there."""
    tokens = list(X12Tokenizer(iter([text])))
    assert tokens[0].isa is not None and tokens[0].isa.length == ISA_LENGTH
    assert not tokens[0].isa.width_faults
    segments = [t.segment for t in tokens[1:] if t.segment is not None]
    assert len(segments) == len(tokens) - 1
    groups = sets = in_set = 0
    for s in segments:
        if s[0] == "GS":
            groups, sets = groups + 1, 0
        elif s[0] == "ST":
            in_set, sets = 1, sets + 1
        elif s[0] == "SE":
            assert int(s[1]) == in_set + 1
            in_set = 0
        elif s[0] == "GE":
            assert int(s[1]) == sets
        elif s[0] == "IEA":
            assert int(s[1]) == groups
            assert s[2] == tokens[0].isa.elements[13]
        elif in_set:
            in_set += 1


def _acks(outcome: InterchangeOutcome[IsaHeader], **prefs: str) -> list[Acknowledgement]:
    acks = x12_acks([outcome], AckPreferences.model_validate(prefs), AckContext(NOW, 1))
    for ack in acks:
        _check_counts(ack.content)
        assert ack.acknowledges == "000000042"
    return acks


def _fa_4010(control: int, *body: str) -> str:
    """A whole 997 interchange for ISA_4010 (ISA13 = control, GS06 = control + 1)."""
    segments = [
        f"GS*FA*AMZAPP*SCACAPP*20240304*0506*{control + 1}*X*004010",
        "ST*997*0001",
        "AK1*QM*7",
        *body,
        f"SE*{len(body) + 3}*0001",
        f"GE*1*{control + 1}",
        f"IEA*1*{control:09d}",
    ]
    return ACK_ISA_4010.format(control) + "".join(s + "~" for s in segments)


def _element(code: ProblemCode, segment: str, position: int, element: int, **kw: object) -> Problem:
    return Problem.model_validate(
        {"code": code, "message": "bad", "level": Level.ELEMENT, "segment": segment,
         "position": position, "element": element, **kw}
    )  # fmt: skip


def _problem(code: ProblemCode, level: Level, **kw: object) -> Problem:
    return Problem.model_validate({"code": code, "message": "bad", "level": level, **kw})


def test_all_accepted_gives_997_without_ta1() -> None:
    acks = _acks(_interchange(SetOutcome("0001", "214"), SetOutcome("0002", "214")))
    assert [a.type for a in acks] == ["997"]
    assert acks[0].content == _fa_4010(
        1, "AK2*214*0001", "AK5*A", "AK2*214*0002", "AK5*A", "AK9*A*2*2*2"
    )


def test_missing_mandatory_element_rejects_one_set_of_two() -> None:
    bad = SetOutcome(
        "0002", "214", problems=[_element(ProblemCode.MANDATORY_ELEMENT_MISSING, "B10", 2, 2,
                                          element_ref="145", value="")]
    )  # fmt: skip
    acks = _acks(_interchange(SetOutcome("0001", "214"), bad))
    assert acks[0].content == _fa_4010(
        1,
        "AK2*214*0001",
        "AK5*A",
        "AK2*214*0002",
        "AK3*B10*2**8",
        "AK4*2*145*1",
        "AK5*R*5",
        "AK9*P*2*2*1",
    )


def test_segment_and_element_errors_in_segment_order() -> None:
    problems = [
        _element(ProblemCode.INVALID_DATE, "AT7", 6, 5, component=1, element_ref="373",
                 value="2024*13~01"),
        _problem(ProblemCode.MANDATORY_SEGMENT_MISSING, Level.SEGMENT, segment="B10", position=2),
        _element(ProblemCode.ELEMENT_TOO_LONG, "AT7", 6, 6, element_ref="337", value="12345"),
    ]  # fmt: skip
    acks = _acks(_interchange(SetOutcome("0001", "214", problems=problems)))
    assert acks[0].content == _fa_4010(
        1,
        "AK2*214*0001",
        "AK3*B10*2**3",
        "AK3*AT7*6**8",
        "AK4*5>1*373*8*20241301",  # the copy loses the delimiters it cannot carry
        "AK4*6*337*5*12345",
        "AK5*R*5",
        "AK9*R*1*1*0",
    )


def test_se_count_mismatch_is_ak5_code_4() -> None:
    count = _problem(ProblemCode.SET_COUNT_MISMATCH, Level.TRANSACTION, segment="SE", value="9")
    acks = _acks(_interchange(SetOutcome("0001", "214", problems=[count])))
    assert acks[0].content == _fa_4010(1, "AK2*214*0001", "AK5*R*4", "AK9*R*1*1*0")


def test_unsupported_set_and_warning() -> None:
    warning = _element(
        ProblemCode.ELEMENT_TOO_LONG, "B10", 2, 1, severity=Severity.WARNING, element_ref="127"
    )
    acks = _acks(
        _interchange(
            SetOutcome("0001", "204", supported=False),
            SetOutcome("0002", "214", problems=[warning]),
        )
    )
    assert acks[0].content == _fa_4010(
        1,
        "AK2*204*0001",
        "AK5*R*1",
        "AK2*214*0002",
        "AK3*B10*2**8",
        "AK4*1*127*5",
        "AK5*E*5",
        "AK9*P*2*2*1",
    )


def test_ge_count_mismatch_rejects_group() -> None:
    mismatch = _problem(ProblemCode.GROUP_COUNT_MISMATCH, Level.GROUP, segment="GE", value="2")
    acks = _acks(_interchange(SetOutcome("0001", "214"), group_problems=(mismatch,)))
    # the group is rejected (nothing of it is sent): no AK5 A, AK904 0, AK905 5
    assert acks[0].content == _fa_4010(1, "AK9*R*2*1*0*5")


def test_iea_control_mismatch_gives_ta1_r_001_and_no_997() -> None:
    mismatch = _problem(
        ProblemCode.INTERCHANGE_CONTROL_MISMATCH, Level.INTERCHANGE, segment="IEA", element=2
    )
    acks = _acks(_interchange(SetOutcome("0001", "214"), problems=(mismatch,)))
    assert [a.type for a in acks] == ["TA1"]
    assert acks[0].content == (
        ACK_ISA_4010.format(1) + "TA1*000000042*240102*1530*R*001~IEA*0*000000001~"
    )
    assert _acks(_interchange(problems=(mismatch,)), ta1="never") == []


def test_ack_requested_clean_gives_ta1_a_000_then_997() -> None:
    isa = ISA_4010.replace("*0*P*", "*1*P*")
    acks = _acks(_interchange(SetOutcome("0001", "214"), isa=isa))
    assert [a.type for a in acks] == ["TA1", "997"]
    assert acks[0].content == (
        ACK_ISA_4010.format(1) + "TA1*000000042*240102*1530*A*000~IEA*0*000000001~"
    )
    assert acks[1].content == _fa_4010(2, "AK2*214*0001", "AK5*A", "AK9*A*1*1*1")
    assert [a.type for a in _acks(_interchange(SetOutcome("0001", "214")), ta1="always")] == [
        "TA1",
        "997",
    ]
    assert [a.type for a in _acks(_interchange(isa=isa), ta1="never")] == ["997"]


def test_bad_isa_date_is_ta1_014() -> None:
    isa = ISA_4010.replace("*240102*", "*241302*")
    problems = check_isa(_isa(isa))
    assert [ta1_note(p) for p in problems] == ["014"]
    acks = _acks(_interchange(SetOutcome("0001", "214"), isa=isa, problems=tuple(problems)))
    # TA102 is a DT: the invalid date is not copied, the ack's own date stands in (issue 8)
    assert acks[0].content.endswith("TA1*000000042*240304*1530*R*014~IEA*0*000000001~")


def test_999_variant_in_5010() -> None:
    problems = [
        _element(ProblemCode.INVALID_CODE_VALUE, "AT7", 4, 1, repetition=2, element_ref="1650",
                 value="ZZ"),
    ]  # fmt: skip
    outcome = _interchange(
        SetOutcome("0001", "214", "005010X214"),
        SetOutcome("0002", "214", "005010X214", problems=problems),
        isa=ISA_5010,
        version="005010X214",
    )
    [ack] = _acks(outcome, x12="999")
    assert ack.type == "999"
    segments = [
        "GS*FA*AMZAPP*SCACAPP*20240304*0506*2*X*005010X231A1",
        "ST*999*0001*005010X231A1",
        "AK1*QM*7*005010X214",
        "AK2*214*0001*005010X214",
        "IK5*A",
        "AK2*214*0002*005010X214",
        "IK3*AT7*4**8",
        "IK4*1::2*1650*7*ZZ",
        "IK5*R*5",
        "AK9*P*2*2*1",
        "SE*10*0001",
        "GE*1*2",
        "IEA*1*000000001",
    ]
    assert ack.content == ACK_ISA_5010.format(1) + "".join(s + "~\n" for s in segments)
    [ack997] = _acks(outcome)
    assert "ST*997*0001*005010X230~\nAK1*QM*7*005010X214~\n" in ack997.content
    assert "GS*FA*AMZAPP*SCACAPP*20240304*0506*2*X*005010X214~\n" in ack997.content


def test_skips_acks_and_headerless_interchanges() -> None:
    ack_in = _interchange(SetOutcome("0001", "997"))
    ack_in.is_acknowledgment = True
    headless: InterchangeOutcome[IsaHeader] = InterchangeOutcome(None, None)
    assert x12_acks([ack_in, headless], AckPreferences(ta1="always"), AckContext(NOW)) == []
    ack_in.is_acknowledgment = False  # the same interchange, not an ack itself, is answered
    answered = x12_acks([ack_in, headless], AckPreferences(ta1="always"), AckContext(NOW))
    assert {a.type for a in answered} == {"997", "TA1"}
    assert all(a.acknowledges == "000000042" for a in answered)


@pytest.mark.parametrize("code", list(ProblemCode))
def test_every_syntax_problem_code_has_an_ack_code(code: ProblemCode) -> None:
    mapping = code in {
        ProblemCode.UNMAPPED_STATUS, ProblemCode.MISSING_FIELD, ProblemCode.INVALID_FIELD,
        ProblemCode.BUSINESS_RULE, ProblemCode.CONTRACT_VIOLATION,
        ProblemCode.CONTAINER_INCOMPLETE,
    }  # fmt: skip
    assert (code.value in CODES) != mapping  # rows may say "no code" (None) explicitly


def test_header_element_codes() -> None:
    gs08 = _problem(ProblemCode.GROUP_HEADER_INVALID, Level.GROUP, segment="GS", element=8)
    st02 = _problem(ProblemCode.SET_HEADER_INVALID, Level.TRANSACTION, segment="ST", element=2)
    isa05 = _problem(ProblemCode.INTERCHANGE_FIELD_INVALID, Level.INTERCHANGE, element=5)
    trailer = _problem(ProblemCode.INTERCHANGE_TRAILER_MISSING, Level.INTERCHANGE)
    assert [x12_code(gs08), x12_code(st02), x12_code(isa05), ta1_note(trailer)] == [
        "2",
        "7",
        "005",
        "023",
    ]


class _NullSink:
    def document(self, origin: Origin, document: Document) -> list[Problem]:
        return []

    def end_interchange(self, outcome: InterchangeOutcome[Any]) -> None:
        return None


CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


@pytest.mark.skipif(not CORPUS.is_dir(), reason="shared corpus not available")
@pytest.mark.parametrize("kind", ["997", "999"])
def test_corpus_files_give_well_formed_acks(kind: str) -> None:
    """Every X12 file of the corpus (well-formed and broken): the reader's outcomes give
    acks whose ISA, SE01, GE01 and IEA01 are right."""
    prefs = AckPreferences.model_validate({"x12": kind, "ta1": "always"})
    produced = 0
    types: set[str] = set()
    for path in sorted(CORPUS.glob("x12-*/*")):
        with path.open("rb") as stream:
            result = read_x12(stream, _NullSink(), PartnerProfile())
        for ack in x12_acks(result.interchanges, prefs, AckContext(NOW)):
            _check_counts(ack.content)
            produced += 1
            types.add(ack.type)
    assert produced > 10
    assert types == {kind, "TA1"}
