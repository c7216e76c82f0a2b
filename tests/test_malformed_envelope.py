"""Issue 8 review: every envelope element is checked for its type, length, the interchange's
delimiters and control characters; the set / group / interchange is rejected with the
standard's code, and an ack never names a value that was not sent."""

from __future__ import annotations

import pytest

from tests.ack_checks import check_contrl, check_x12_ack
from tests.malformed import STATUS_214, STATUS_IFTSTA, X12_ISA, edifact_iftsta, translate, x12_214

X12 = x12_214(*STATUS_214)


@pytest.mark.parametrize("bad", ["00>1", "0\x1b01", "00\t1", "00^1"])
def test_x12_st02_with_a_delimiter_or_control_character_rejects_the_set(bad: str) -> None:
    isa = X12_ISA.replace("*U*00401*", "*^*00501*")
    text = x12_214(*STATUS_214, isa=isa).replace("*004010", "*005010")
    text = text.replace("ST*214*0001", f"ST*214*{bad}").replace("*0001~\nGE", f"*{bad}~\nGE")
    result = translate(text)
    assert "set_header_invalid" in result.error_codes and result.bodies == []
    segments = check_x12_ack(result.ack("997"))
    # AK202 is the placeholder 0000, never the invalid ST02; AK502 7: invalid control number
    assert [s[1:3] for s in segments if s[0] == "AK2"] == [["214", "0000"]]
    assert next(s for s in segments if s[0] == "AK5")[1:] == ["R", "7"]
    assert next(s for s in segments if s[0] == "AK9")[1:5] == ["R", "1", "1", "0"]


def test_x12_st01_that_is_no_identifier_rejects_the_set() -> None:
    result = translate(X12.replace("ST*214*", "ST*21>4*"))
    assert "set_header_invalid" in result.error_codes and result.bodies == []
    # AK201 from GS01 QM (a QM group holds 214s), AK502 6: invalid set identifier
    segments = check_x12_ack(result.ack("997"))
    assert [s[1:3] for s in segments if s[0] == "AK2"] == [["214", "0001"]]
    assert "6" in next(s for s in segments if s[0] == "AK5")[1:]


@pytest.mark.parametrize(
    ("old", "new"),
    [("GS*QM*DEMOCARRIER", "GS*QM*DEMO>CARRIER"), ("*AMAZONDF*2026", "*AMAZON\x07DF*2026"),
     ("*X*004010", "*X*0040>10"), ("GS*QM*DEMOCARRIER", "GS*QM*" + "D" * 16)],
)  # fmt: skip
def test_x12_gs_element_breaking_its_format_rejects_the_group(old: str, new: str) -> None:
    result = translate(X12.replace(old, new, 1))
    assert "group_header_invalid" in result.error_codes and result.bodies == []
    assert "AK9*R" in result.ack("997")


@pytest.mark.parametrize("gs06", ["1\x1b", "{1", "1>"])
def test_x12_group_no_997_can_name_is_answered_by_a_ta1(gs06: str) -> None:
    text = X12.replace("*1830*1*X", f"*1830*{gs06}*X").replace("GE*1*1", f"GE*1*{gs06}")
    result = translate(text)
    assert result.bodies == []
    ta1 = result.ack("TA1")
    check_x12_ack(ta1)
    assert "TA1*000000101*261124*1830*R*024~" in ta1


def test_x12_isa_padding_with_a_tab_rejects_the_interchange() -> None:
    isa = X12_ISA.replace("DEMOCARRIER    ", "DEMOCARRIER\t   ")
    result = translate(x12_214(*STATUS_214, isa=isa))
    assert "interchange_field_invalid" in result.error_codes and result.bodies == []
    ta1 = result.ack("TA1")
    check_x12_ack(ta1)
    assert "*R*006~" in ta1 and "\t" not in ta1


@pytest.mark.parametrize(("old", "new"), [("GE*1*1", "GE*1\t*1"), ("IEA*1*", "IEA*1>*")])
def test_x12_trailer_count_with_a_control_character_or_delimiter_is_a_mismatch(
    old: str, new: str
) -> None:
    result = translate(X12.replace(old, new))
    assert result.error_codes and result.bodies == []


EDI = edifact_iftsta(*STATUS_IFTSTA)


@pytest.mark.parametrize(
    ("old", "new", "code", "reference"),
    [
        ("+IC1001'", "+IC:1001'", "16", "IC?:1001"),  # 0020 with components: sent released
        ("+IC1001'", "+IC\x071001'", "21", "0"),  # control character: placeholder
        ("+IC1001'", "+IC100123456789012'", "39", "0"),  # an..14
        ("DEMOCARRIER:ZZ+AMAZONDF", "DEMO\x1bCARRIER:ZZ+AMAZONDF", "21", "IC1001"),
    ],
)
def test_edifact_unb_element_breaking_its_format_rejects_the_interchange(
    old: str, new: str, code: str, reference: str
) -> None:
    text = EDI.replace(old, new, 1)
    if old == "+IC1001'":
        text = text.replace("UNZ+1+IC1001", "UNZ+1+" + new[1:-1])
    result = translate(text)
    assert result.bodies == []
    contrl = result.ack("CONTRL")
    check_contrl(contrl)
    assert f"UCI+{reference}+" in contrl and f"+4+{code}+UNB+" in contrl


@pytest.mark.parametrize(
    ("control", "expected"),
    [
        ("123456789012345678", "UCM+0+IFTSTA:D:01B:UN+4+39+UNH+1'"),  # an..14: placeholder
        ("1:2", "UCM+0+IFTSTA:D:01B:UN+4+16+UNH+1'"),  # components: placeholder, UNH 0062
        ("1\x0b2", "+4+21+UNH+1:1'"),  # control character: invalid character, rejected
    ],
)
def test_edifact_unh_0062_breaking_its_format_is_rejected(control: str, expected: str) -> None:
    text = EDI.replace("UNH+1+", f"UNH+{control}+").replace("UNT+8+1'", f"UNT+8+{control}'")
    result = translate(text)
    assert result.bodies == []
    contrl = result.ack("CONTRL")
    check_contrl(contrl)
    assert expected in contrl and "\x0b" not in contrl


@pytest.mark.parametrize(("old", "new"), [("UNT+8+1'", "UNT+8:1+1'"), ("UNZ+1+", "UNZ+1:1+")])
def test_edifact_trailer_count_with_components_is_a_mismatch(old: str, new: str) -> None:
    result = translate(EDI.replace(old, new))
    assert result.error_codes and result.bodies == []


@pytest.mark.parametrize("where", ["ST*214*0001", "1Z4711A", "CHICAGO"])
def test_x12_nul_inside_an_interchange_is_answered_not_called_binary(where: str) -> None:
    result = translate(X12.replace(where, where[:3] + "\x00" + where[3:], 1))
    assert "not_edi" not in result.error_codes and result.bodies == []
    assert result.outcome.acknowledgements and "\x00" not in result.ack("997")


def test_edifact_nul_inside_an_interchange_is_answered_not_called_binary() -> None:
    result = translate(EDI.replace("Chicago", "Chi\x00cago"))
    assert "not_edi" not in result.error_codes and result.bodies == []
    assert "UCD+21+" in result.ack("CONTRL")


@pytest.mark.parametrize("padding", ["\x1a", "\x00\x00\x00", "\n\x1a", "\x1a\x00"])
@pytest.mark.parametrize("syntax", ["x12", "edifact"])
def test_trailing_sub_and_nul_padding_is_ignored_by_both_syntaxes(
    padding: str, syntax: str
) -> None:
    result = translate((X12 if syntax == "x12" else EDI) + padding)
    assert result.error_codes == [] and result.outcome.accepted and len(result.bodies) == 1


def test_binary_file_with_nul_is_still_not_edi() -> None:
    assert translate(b"\x89PNG\r\n\x1a\n\x00\x00").error_codes == ["not_edi"]


@pytest.mark.parametrize("tag", ["UNH", "UNG"])
def test_edifact_one_line_unb_without_terminator_keeps_its_reference(tag: str) -> None:
    one_line = edifact_iftsta(*STATUS_IFTSTA, suffix="")
    if tag == "UNG":
        one_line = one_line.replace(
            "'UNH+", "'UNG+IFTSTA+DEMOCARRIER+AMAZONDF+261124:1830+G1+UN+D:01B'UNH+"
        )
        one_line = one_line.replace("'UNZ+", "'UNE+1+G1'UNZ+")
    result = translate(one_line.replace("+IC1001'" + tag, "+IC1001" + tag))
    contrl = result.ack("CONTRL")
    check_contrl(contrl)
    assert "UCI+IC1001+" in contrl and "segment_terminator_missing" in result.error_codes
    assert result.bodies == []


@pytest.mark.parametrize("term", ["~", "!"])
def test_x12_isa_without_isa16_gets_ta1_027_with_conventional_delimiters(term: str) -> None:
    isa = X12_ISA[:-2] + term  # ...*P*~ then a line break: ISA16 left out
    text = x12_214(*STATUS_214, isa=isa, term=term)
    result = translate(text)
    assert result.bodies == []
    ta1 = result.ack("TA1")
    check_x12_ack(ta1)
    assert ta1.split("\n")[0].endswith("*P*>~") and "TA1*000000101*261124*1830*R*027~" in ta1
