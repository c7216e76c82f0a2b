"""Issue 8, kind 3: every acknowledgement is well formed, whatever came in. Values copied
into an ack are checked against their element's type and length; unusable delimiters give
way to the conventional ones; no white space but a line break is copied between segments.
Each ack is read back with its own delimiters by `tests.ack_checks`."""

from __future__ import annotations

import pytest

from tests.ack_checks import check_contrl, check_x12_ack
from tests.malformed import (
    STATUS_214,
    STATUS_IFTSTA,
    X12_ISA,
    edifact_iftsta,
    translate,
    x12_214,
)

ISA_ASKING = X12_ISA.replace("*000000101*0*", "*000000101*1*")


def _ta1(text: str) -> list[str]:
    segments = check_x12_ack(text)
    return next(s for s in segments if s[0] == "TA1")


@pytest.mark.parametrize("term", [" ", "G", "7", "a"])
def test_a_segment_terminator_that_is_a_space_letter_or_digit_is_ta1_004(term: str) -> None:
    isa = X12_ISA[:-1] + term
    result = translate(x12_214(*STATUS_214, isa=isa, term=term))
    assert result.bodies == []
    ta1 = result.ack("TA1")
    assert ta1[3] == "*" and ta1[104:106] == ">~"  # the conventional delimiters
    assert _ta1(ta1)[4:6] == ["R", "004"]


def test_an_isa_without_isa16_gets_a_ta1_with_conventional_delimiters() -> None:
    isa = X12_ISA[:-2]  # ISA16 and the terminator gone: the line break and `G` take them
    result = translate(x12_214(*STATUS_214, isa=isa))
    assert result.bodies == [] and result.outcome.accepted is False
    ta1 = result.ack("TA1")
    assert ta1[103:106] == "*>~"
    assert _ta1(ta1)[1:5] == ["000000101", "261124", "1830", "R"]


@pytest.mark.parametrize(
    ("old", "new", "ta1"),
    [
        ("*000000101*", "*00000\x0101*", ["000000000"]),  # control number with a control char
        ("*000000101*", "*0000001A1*", ["000000000"]),  # not N0
        ("*261124*1830*", "*261324*1830*", ["000000101", "261125", "1830"]),  # month 13
        ("*261124*1830*", "*261124*2561*", ["000000101", "261124", "1200"]),  # hour 25
    ],
)
def test_ta1_copies_only_values_that_fit_their_element(old: str, new: str, ta1: list[str]) -> None:
    result = translate(x12_214(*STATUS_214, isa=ISA_ASKING.replace(old, new)))
    got = _ta1(result.ack("TA1"))
    assert got[1 : 1 + len(ta1)] == ta1


def test_control_character_delimiters_are_usable_and_kept() -> None:
    text = x12_214(*STATUS_214).replace("*", "\x1d").replace(">~", "\x1f~")
    result = translate(text.replace("~", "\x1c"))
    assert result.error_codes == [] and len(result.bodies) == 1
    ack = result.ack("997")
    assert ack[3] == "\x1d" and ack[104:106] == "\x1f\x1c"
    check_x12_ack(ack)


@pytest.mark.parametrize("suffix", ["  \r\n", "\t\n", " \n ", "\r\n"])
def test_x12_white_space_between_segments_is_not_copied(suffix: str) -> None:
    result = translate(x12_214(*STATUS_214, suffix=suffix))
    assert result.error_codes == []
    ack = result.ack("997")
    check_x12_ack(ack)
    assert " \n" not in ack and "\t" not in ack and "~ " not in ack


@pytest.mark.parametrize(
    ("st02", "ak2"),
    [("00\x0201", "0000"), ("1234567890", "0000"), ("12", "0000"), ("00>1", "0000"),
     ("0001", "0001")],
)  # fmt: skip
def test_997_copies_only_set_controls_that_fit(st02: str, ak2: str) -> None:
    """AK202 (AN 4/9, mandatory) holds ST02 when it fits, else the placeholder 0000: the
    set still gets its AK2 .. AK5 R loop with AK502 7 (invalid control number)."""
    text = x12_214(*STATUS_214).replace("*0001~", f"*{st02}~")
    result = translate(text)
    segments = check_x12_ack(result.ack("997"))
    assert [s[1:3] for s in segments if s[0] == "AK2"] == [["214", ak2]]
    ak5 = next(s for s in segments if s[0] == "AK5")
    ak9 = next(s for s in segments if s[0] == "AK9")
    if ak2 == st02:
        assert ak5[1:] == ["A"] and ak9[1:5] == ["A", "1", "1", "1"]
    else:
        assert ak5[1:] == ["R", "7"] and ak9[1:5] == ["R", "1", "1", "0"]
        assert result.bodies == [] and "set_header_invalid" in result.error_codes


def test_997_names_a_garbled_segment_tag_with_a_placeholder() -> None:
    body = (*STATUS_214[:3], "A\x01T*X", *STATUS_214[3:])
    result = translate(x12_214(*body))
    segments = check_x12_ack(result.ack("997"))
    assert any(s[0] == "AK3" and s[1] == "ZZZ" for s in segments)


def test_a_unb_without_terminator_is_reported_and_the_uci_swallows_nothing() -> None:
    text = edifact_iftsta(*STATUS_IFTSTA).replace("IC1001'\nUNH", "IC1001\nUNH", 1)
    result = translate(text)
    assert "segment_terminator_missing" in result.error_codes and result.bodies == []
    contrl = result.ack("CONTRL")
    uci = next(s for s in check_contrl(contrl) if s[0][0] == "UCI")
    assert uci[1] == ["IC1001"] and uci[4] == ["4"] and uci[5] == ["20"]


@pytest.mark.parametrize("after", ["  \r\n", " \n", "\t\r\n   ", "\n\n"])
def test_edifact_blanks_after_segments_are_not_repeated(after: str) -> None:
    result = translate(edifact_iftsta(*STATUS_IFTSTA, suffix=after))
    assert result.error_codes == [] and len(result.bodies) == 1
    contrl = result.ack("CONTRL")
    check_contrl(contrl)
    assert " " not in contrl.replace("UNA:+.? '", "") and "\t" not in contrl


@pytest.mark.parametrize("una", ["UNA:+.?  '", "UNAA+.? '", "UNA::.? '", "UNA:+.?1 '"])
def test_unusable_una_characters_give_a_contrl_with_the_defaults(una: str) -> None:
    result = translate(edifact_iftsta(*STATUS_IFTSTA, head=una + "\n"))
    assert result.outcome.accepted is False and result.bodies == []
    for ack in result.outcome.acknowledgements:  # none when not even the UNB can be read
        check_contrl(ack.content)
        assert ack.content.startswith("UNA:+.? '") or ack.content.startswith("UNB+")


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("+IC1001'", "+IC1001IC1001IC1001'"),  # 0020 longer than 14
        ("DEMOCARRIER:ZZ", "DEMO\x01CARRIER:ZZ"),  # a control character in the sender
        ("UNOC:3", "UNO\x02:3"),  # a syntax identifier that is not one
        ("UNOC:3", "UNOC:9"),  # a syntax version that is not one
    ],
)
def test_contrl_copies_only_values_that_fit(old: str, new: str) -> None:
    text = edifact_iftsta(*STATUS_IFTSTA).replace(old, new).replace("UNZ+1+IC1001", "UNZ+1+X")
    result = translate(text)
    assert result.outcome.accepted is False
    check_contrl(result.ack("CONTRL"))
