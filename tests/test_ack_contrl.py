"""CONTRL built from hand-made EDIFACT envelope outcomes: exact text per case."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from gateway.ack.codes import edifact_code
from gateway.ack.context import AckContext
from gateway.ack.contrl import contrl_acks, message_identifier
from gateway.envelope.outcome import GroupOutcome, InterchangeOutcome, SetOutcome
from gateway.envelope.unb import EdifactDelimiters, UnbHeader
from gateway.problems import Level, Problem, ProblemCode
from gateway.profile import AckPreferences

NOW = datetime(2024, 3, 4, 5, 6, tzinfo=UTC)
HEADER = UnbHeader(
    syntax_id="UNOC",
    syntax_version="3",
    sender="CARRIER",
    sender_qualifier="ZZ",
    recipient="5450534000000",
    recipient_qualifier="14",
    date="240102",
    time="1530",
    control="IC42",
    application="",
    ack_requested=False,
    test=False,
    delimiters=EdifactDelimiters(repetition=" ", suffix="\n"),
    una=True,
    charset="latin-1",
)


def _message(control: str, *problems: Problem, supported: bool = True) -> SetOutcome:
    return SetOutcome(control, "IFTSTA", "D:01B:UN", list(problems), supported=supported)


def _interchange(
    *messages: SetOutcome, header: UnbHeader = HEADER, problems: tuple[Problem, ...] = ()
) -> InterchangeOutcome[UnbHeader]:
    group = GroupOutcome(None, None, sets=list(messages))
    return InterchangeOutcome(header, header.control, list(problems), [group])


def _contrl(outcome: InterchangeOutcome[UnbHeader], **prefs: bool) -> list[str]:
    acks = contrl_acks([outcome], AckPreferences.model_validate(prefs), AckContext(NOW, 7))
    assert all(a.type == "CONTRL" and a.acknowledges == "IC42" for a in acks)
    return [a.content for a in acks]


def _text(*segments: str, una: str = "UNA:+.? '\n", suffix: str = "\n") -> str:
    return una + "".join(s + "'" + suffix for s in segments)


def _problem(code: ProblemCode, level: Level, **kw: object) -> Problem:
    return Problem.model_validate({"code": code, "message": "bad", "level": level, **kw})


UNB_3 = "UNB+UNOC:3+5450534000000:14+CARRIER:ZZ+240304:0506+7"


def test_clean_interchange_is_uci_7() -> None:
    assert _contrl(_interchange(_message("M1"), _message("M2"))) == [
        _text(
            UNB_3,
            "UNH+1+CONTRL:D:3:UN",
            "UCI+IC42+CARRIER:ZZ+5450534000000:14+7",
            "UNT+3+1",
            "UNZ+1+7",
        )
    ]


def test_unt_count_rejects_the_message_with_29() -> None:
    count = _problem(ProblemCode.SET_COUNT_MISMATCH, Level.TRANSACTION, segment="UNT", element=1)
    assert _contrl(_interchange(_message("M1"), _message("M2", count))) == [
        _text(
            UNB_3,
            "UNH+1+CONTRL:D:3:UN",
            "UCI+IC42+CARRIER:ZZ+5450534000000:14+7",
            "UCM+M2+IFTSTA:D:01B:UN+4+29+UNT+1",  # 0013 and S011: where
            "UNT+4+1",
            "UNZ+1+7",
        )
    ]


def test_unz_reference_mismatch_rejects_the_interchange_with_28() -> None:
    mismatch = _problem(
        ProblemCode.INTERCHANGE_CONTROL_MISMATCH, Level.INTERCHANGE, segment="UNZ", element=2
    )
    assert _contrl(_interchange(_message("M1"), problems=(mismatch,))) == [
        _text(
            UNB_3,
            "UNH+1+CONTRL:D:3:UN",
            "UCI+IC42+CARRIER:ZZ+5450534000000:14+4+28+UNZ+2",
            "UNT+3+1",
            "UNZ+1+7",
        )
    ]


def test_segment_and_element_errors_are_ucs_and_ucd() -> None:
    problems = (
        _problem(ProblemCode.ELEMENT_TOO_LONG, Level.ELEMENT, segment="DTM", position=5,
                 element=1, component=2),
        _problem(ProblemCode.MANDATORY_SEGMENT_MISSING, Level.SEGMENT, segment="BGM", position=2),
        _problem(ProblemCode.INVALID_CODE_VALUE, Level.ELEMENT, segment="DTM", position=5,
                 element=1, component=3),
    )  # fmt: skip
    assert _contrl(_interchange(_message("M1", *problems))) == [
        _text(
            UNB_3,
            "UNH+1+CONTRL:D:3:UN",
            "UCI+IC42+CARRIER:ZZ+5450534000000:14+7",
            "UCM+M1+IFTSTA:D:01B:UN+4",
            "UCS+2+13",
            "UCS+5",
            "UCD+39+1:2",
            "UCD+12+1:3",
            "UNT+8+1",
            "UNZ+1+7",
        )
    ]


def test_syntax_4_identifiers_date_and_una() -> None:
    header = replace(HEADER, syntax_version="4", una=False, delimiters=EdifactDelimiters(suffix=""))
    assert _contrl(_interchange(_message("M1"), header=header)) == [
        _text(
            "UNB+UNOC:4+5450534000000:14+CARRIER:ZZ+20240304:0506+7",
            "UNH+1+CONTRL:4:1:UN",
            "UCI+IC42+CARRIER:ZZ+5450534000000:14+7",
            "UNT+3+1",
            "UNZ+1+7",
            una="",
            suffix="",
        )
    ]
    odd = replace(header, delimiters=EdifactDelimiters(element="|", suffix=""))
    assert _contrl(_interchange(header=odd))[0].startswith("UNA:|.?*'UNB|UNOC:4|")
    assert message_identifier("3") == ("CONTRL", "D", "3", "UN")
    assert message_identifier("2") == ("CONTRL", "2", "2", "UN")


def test_ack_request_lists_every_message_even_without_contrl_preference() -> None:
    header = replace(HEADER, ack_requested=True, test=True)
    outcome = _interchange(_message("M1"), _message("M2", supported=False), header=header)
    assert _contrl(outcome, contrl=False) == [
        _text(
            UNB_3 + "++++++1",
            "UNH+1+CONTRL:D:3:UN",
            "UCI+IC42+CARRIER:ZZ+5450534000000:14+7",
            "UCM+M1+IFTSTA:D:01B:UN+7",
            "UCM+M2+IFTSTA:D:01B:UN+4+14",
            "UNT+5+1",
            "UNZ+1+7",
        )
    ]
    assert _contrl(_interchange(_message("M1")), contrl=False) == []


def test_functional_group_is_ucf() -> None:
    count = _problem(ProblemCode.GROUP_COUNT_MISMATCH, Level.GROUP, segment="UNE", element=1)
    bad_group = GroupOutcome("IFTSTA", "G1", None, "CARRIER", "AMAZON", [_message("M1")], [count])
    good_group = GroupOutcome(
        "IFTSTA", "G2", None, "CARRIER", "AMAZON", [_message("M2", _problem(
            ProblemCode.SET_TRAILER_MISSING, Level.TRANSACTION, segment="UNT"))]
    )  # fmt: skip
    outcome = InterchangeOutcome(HEADER, "IC42", [], [bad_group, good_group])
    assert _contrl(outcome) == [
        _text(
            UNB_3,
            "UNH+1+CONTRL:D:3:UN",
            "UCI+IC42+CARRIER:ZZ+5450534000000:14+7",
            "UCF+G1+CARRIER+AMAZON+4+29+UNE+1",
            "UCF+G2+CARRIER+AMAZON+7",
            "UCM+M2+IFTSTA:D:01B:UN+4+13+UNT",  # 0013: the UNT is missing
            "UNT+6+1",
            "UNZ+1+7",
        )
    ]


def test_release_character_escapes_delimiters_in_copied_values() -> None:
    header = replace(HEADER, sender="A+B?C", control="IC'42")
    text = contrl_acks([_interchange(header=header)], AckPreferences(), AckContext(NOW, 7))
    assert "UCI+IC?'42+A?+B??C:ZZ+5450534000000:14+7'" in text[0].content
    assert "UNB+UNOC:3+5450534000000:14+A?+B??C:ZZ+" in text[0].content


def test_skips_acks_and_headerless_interchanges() -> None:
    inbound_ack = _interchange(_message("M1"))
    inbound_ack.is_acknowledgment = True
    headless: InterchangeOutcome[UnbHeader] = InterchangeOutcome(None, None)
    assert contrl_acks([inbound_ack, headless], AckPreferences(), AckContext(NOW)) == []
    inbound_ack.is_acknowledgment = False  # the same interchange, not an ack itself, is answered
    answered = contrl_acks([inbound_ack, headless], AckPreferences(), AckContext(NOW))
    assert [a.type for a in answered] == ["CONTRL"]


def test_unknown_codes_are_unspecified_error() -> None:
    internal = _problem(ProblemCode.INTERNAL_ERROR, Level.FILE)
    assert edifact_code(internal) == "18"
    assert edifact_code(_problem(ProblemCode.SET_COUNT_MISMATCH, Level.TRANSACTION)) == "29"
