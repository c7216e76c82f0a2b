"""Issue 8 (leftover): text after the last trailer. The interchange before it is complete
and valid, so it is released and acknowledged positively; the file's verdict then follows
only what the trailing text could be: plain text is a warning (accepted), anything that
could be EDI (delimiters, a segment tag, a terminated segment) an error (not accepted, the
released interchange still listed). SUB / NUL padding is no problem at all."""

from __future__ import annotations

import pytest

from gateway.problems import Severity
from tests.malformed import (
    STATUS_214,
    STATUS_IFTSTA,
    Translated,
    edifact_iftsta,
    translate,
    x12_214,
)

_FILES = {"x12": x12_214(*STATUS_214), "edifact": edifact_iftsta(*STATUS_IFTSTA)}
_ACK = {"x12": ("997", "AK9*A*1*1*1~"), "edifact": ("CONTRL", "UCI+IC1001+")}


def _file_problems(result: Translated) -> list[tuple[str, Severity]]:
    return [(p.code.value, p.severity) for p in result.outcome.problems if p.level.value == "file"]


def _released_and_acked(result: Translated, syntax: str) -> None:
    plain = translate(_FILES[syntax])
    assert result.bodies == plain.bodies and result.bodies
    assert result.outcome.requests == plain.outcome.requests
    kind, positive = _ACK[syntax]
    assert positive in result.ack(kind)
    if syntax == "edifact":
        uci = next(s for s in result.ack(kind).split("'") if s.strip().startswith("UCI"))
        assert uci.strip().split("+")[4] in ("7", "8")  # 8: received, 7: accepted (no error)


@pytest.mark.parametrize("syntax", sorted(_FILES))
@pytest.mark.parametrize("junk", ["Sent from my phone\n", "-- \nEDI team, ext. 4711\r\n", "END"])
def test_plain_text_after_the_last_trailer_is_a_warning(syntax: str, junk: str) -> None:
    result = translate(_FILES[syntax] + junk)
    _released_and_acked(result, syntax)
    assert _file_problems(result) == [("invalid_control_structure", Severity.WARNING)]
    assert result.outcome.accepted and result.error_codes == []


@pytest.mark.parametrize(
    ("syntax", "junk"),
    [
        ("x12", "GS*QM*DEMO*AMAZONDF*20261124*1830*2*X*004010~"),  # a group after the IEA
        ("x12", "L11*1Z4711B*2I~"),
        ("x12", "IS A broken header * here"),  # holds the element separator
        ("edifact", "UNH+2+IFTSTA:D:01B:UN'"),
        ("edifact", "STS+1+21'"),
        ("edifact", "CNI+2+1Z4711B"),  # no terminator, but the element separator
    ],
)
def test_text_that_could_be_edi_after_the_last_trailer_is_an_error(syntax: str, junk: str) -> None:
    result = translate(_FILES[syntax] + junk)
    _released_and_acked(result, syntax)
    assert not result.outcome.accepted
    assert any(sev is Severity.ERROR for _, sev in _file_problems(result))


@pytest.mark.parametrize("syntax", sorted(_FILES))
@pytest.mark.parametrize("padding", ["\x1a", "\x00" * 64, "\r\n\x1a"])
def test_sub_and_nul_padding_is_no_problem(syntax: str, padding: str) -> None:
    result = translate(_FILES[syntax] + padding)
    _released_and_acked(result, syntax)
    assert result.outcome.problems == []


def test_junk_between_two_interchanges_leaves_both_released() -> None:
    two = _FILES["x12"] + "Sent from my phone\n" + _FILES["x12"].replace("000000101", "000000102")
    result = translate(two)
    assert len(result.bodies) == 2 and result.outcome.accepted
    assert _file_problems(result) == [("invalid_control_structure", Severity.WARNING)]


def test_text_between_interchanges_says_between_which() -> None:
    """Text followed by another interchange is not "after the last" one: the message names
    the interchanges around it (number in the file, control number), or the last one."""
    three = [_FILES["x12"].replace("000000101", f"00000010{n}") for n in (1, 2, 3)]
    result = translate(three[0] + "Sent from my phone\n" + three[1] + three[2] + "-- EDI team\n")
    assert len(result.bodies) == 3 and result.outcome.accepted
    between, after = (p.message for p in result.outcome.problems)
    assert between == ("text between ISA..IEA interchanges #1 (ISA13 000000101) and "
                       "#2 (ISA13 000000102) is ignored: 'Sent from my phone'")  # fmt: skip
    assert after == ("text after the last ISA..IEA interchange, #3 (ISA13 000000103), is "
                     "ignored: '-- EDI team'")  # fmt: skip


def test_edi_like_text_between_edifact_interchanges_says_where_in_bytes() -> None:
    first = _FILES["edifact"]
    second = first.split("\n", 1)[1].replace("IC1001", "IC1002")  # no second UNA
    junk = "STS+1+21'\n"
    data = first + junk + second + junk
    result = translate(data)
    assert len(result.bodies) == 2 and not result.outcome.accepted
    between, after = (p for p in result.outcome.problems if p.level.value == "file")
    start, end = data.find(junk), data.rfind(junk)
    assert between.message == ("text that could be EDI is outside any UNB..UNZ interchange, "
                               f"between #1 (UNB 0020 IC1001) and #2 (UNB 0020 IC1002), at byte "
                               f"{start}: 'STS+1+21'")  # fmt: skip
    assert after.message.startswith(
        f"text that could be EDI is outside any UNB..UNZ interchange, after the last one, "
        f"#2 (UNB 0020 IC1002), at byte {end}"
    )
    assert between.severity is after.severity is Severity.ERROR


def _second(syntax: str) -> str:
    """The first file's interchange again under another control number (EDIFACT: after its
    own UNA too, as a mailbag of files joined holds them)."""
    return _FILES[syntax].replace("000000101", "000000102").replace("IC1001", "IC1002")


@pytest.mark.parametrize("syntax", sorted(_FILES))
@pytest.mark.parametrize(
    "junk",
    ["Sent from my phone\n", "-- \r\nEDI team, ext. 4711\r\n", "Regards, the carrier\n", "END\r\n"],
)
def test_plain_text_between_interchanges_is_a_warning_in_both_syntaxes(
    syntax: str, junk: str
) -> None:
    """A footer between the interchanges of a mailbag runs into the next header without a
    terminator: in EDIFACT it was read as a segment cut short there (two errors, the file
    refused), in X12 as ignored text (a warning). Both now warn, and both interchanges go.
    (A footer glued to the next UNA, no line break between, still takes the UNA with it.)"""
    result = translate(_FILES[syntax] + junk + _second(syntax))
    assert len(result.bodies) == 2 and result.outcome.accepted
    assert _file_problems(result) == [("invalid_control_structure", Severity.WARNING)]
    (problem,) = result.outcome.problems
    assert "is ignored" in problem.message and "between" in problem.message


@pytest.mark.parametrize(
    ("syntax", "junk"),
    [("x12", "L11*1Z4711B*2I\n"), ("edifact", "CNI+2+1Z4711B\n"), ("edifact", "STS+1+21'\n")],
)
def test_edi_like_text_between_interchanges_stays_an_error(syntax: str, junk: str) -> None:
    result = translate(_FILES[syntax] + junk + _second(syntax))
    assert len(result.bodies) == 2 and not result.outcome.accepted
    (problem,) = result.outcome.problems
    assert problem.severity is Severity.ERROR and "could be EDI" in problem.message
