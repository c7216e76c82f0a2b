"""Issue 8, kinds 1 and 2: line breaks, control characters and the interchange's own
delimiters inside data. CR/LF that is not a delimiter is dropped before tokenizing (a
partner may turn that off); any other control character is an invalid character (997 AK4
code 6 / CONTRL UCD 21); a component separator in a simple element has too many components
(AK4 13 / UCD 16); a repetition separator in a non-repeating element is AK4 12. Nothing from a
rejected set or message is sent."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gateway.profile import PartnerProfile
from tests.malformed import (
    PROFILE,
    STATUS_214,
    STATUS_IFTSTA,
    X12_ISA,
    edifact_iftsta,
    translate,
    x12_214,
)

ROOT = Path(__file__).resolve().parent.parent
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
KEEP_BREAKS = PROFILE.model_copy(update={"drop_line_breaks": False})


def has_delimiter(strings: list[str], delimiters: str) -> bool:
    return any(c in delimiters for s in strings for c in s)


def _replace(body: tuple[str, ...], old: str, new: str) -> tuple[str, ...]:
    return tuple(s.replace(old, new) for s in body)


@pytest.mark.parametrize("brk", ["\r\n", "\n", "\r", "\r\n\r\n"])
@pytest.mark.parametrize("where", ["1Z47|11A*2I", "L|11*1Z4711A*2I", "1Z4711A*|2I"])
def test_x12_line_breaks_inside_a_segment_are_not_data(brk: str, where: str) -> None:
    wrapped = _replace(STATUS_214, "L11*1Z4711A*2I", "L11*" + where.replace("|", brk))
    wrapped = _replace(wrapped, "L11*L" + brk + "11", "L" + brk + "11")
    result = translate(x12_214(*wrapped))
    assert result.error_codes == []
    assert "1Z4711A" in result.strings()
    assert not any(CONTROL.search(s) for s in result.strings())
    assert "AK5*A" in result.ack("997")


def test_a_wrapped_isa_is_read_whole_and_the_ta1_holds_no_line_break() -> None:
    isa = X12_ISA.replace("*1830*", "*183\n0*").replace("*000000101*0*", "*000000101*1*")
    result = translate(x12_214(*STATUS_214, isa=isa))
    assert result.error_codes == []
    ta1 = result.ack("TA1")
    assert "TA1*000000101*261124*1830*A*000" in ta1
    assert "183\n0" not in ta1 and len(result.bodies) == 1


def test_x12_line_breaks_kept_by_the_profile_are_invalid_characters() -> None:
    wrapped = _replace(STATUS_214, "1Z4711A", "1Z47\r\n11A")
    result = translate(x12_214(*wrapped), KEEP_BREAKS)
    assert "invalid_character" in result.error_codes
    assert result.bodies == []
    ack = result.ack("997")
    assert "AK4*1*127*6*1Z4711A~" in ack and "AK5*R*5" in ack


@pytest.mark.parametrize("char", ["\x01", "\t", "\x0b", "\x1c", "\x7f", "\x85"])
@pytest.mark.parametrize("segment", ["L11*1Z4711A*2I", "MS1*CHICAGO*IL*US", "B10*1Z4711*PO4711"])
def test_x12_any_other_control_character_rejects_the_set(char: str, segment: str) -> None:
    tag, first, *rest = segment.split("*")
    damaged = _replace(STATUS_214, segment, "*".join([tag, first[:2] + char + first[2:], *rest]))
    result = translate(x12_214(*damaged))
    assert "invalid_character" in result.error_codes
    assert result.bodies == []
    ack = result.ack("997")
    assert re.search(rf"AK3\*{tag}\*\d+\*\*8~\nAK4\*1\*\d+\*6\*", ack)
    assert not CONTROL.search(ack.replace("\n", ""))


@pytest.mark.parametrize(
    ("segment", "damaged"),
    [
        ("L11*1Z4711A*2I", "L11*1Z47>11A*2I"),  # tracking number
        ("B10*1Z4711*PO4711*DEMO", "B10*1Z4711*PO47>11*DEMO"),  # purchase order
        ("MS1*CHICAGO*IL*US", "MS1*CHI>CAGO*IL*US"),
        ("AT7*D1*NS***20261124*1642*CT", "AT7*D1*NS>X***20261124*1642*CT"),  # an ID element
    ],
)
def test_x12_component_separator_in_a_simple_element_rejects_the_set(
    segment: str, damaged: str
) -> None:
    result = translate(x12_214(*_replace(STATUS_214, segment, damaged)))
    assert "too_many_components" in result.error_codes
    assert result.bodies == []
    assert re.search(r"AK4\*\d\*\d+\*13\*", result.ack("997"))
    assert "AK5*R*5" in result.ack("997")


def test_x12_a_component_separator_of_another_interchange_is_data() -> None:
    """`:` is only a delimiter when the ISA names it (ISA16 = `>` here)."""
    result = translate(x12_214(*_replace(STATUS_214, "1Z4711A", "1Z47:11A")))
    assert result.error_codes == [] and "1Z47:11A" in result.strings()
    isa = X12_ISA[:-2] + ":~"
    result = translate(x12_214(*_replace(STATUS_214, "1Z4711A", "1Z47:11A"), isa=isa))
    assert "too_many_components" in result.error_codes and result.bodies == []


def test_x12_repetition_separator_in_data_is_rejected_from_00402() -> None:
    isa = X12_ISA.replace("*U*00401*", "*^*00501*")
    body = _replace(STATUS_214, "1Z4711A", "1Z47^11A")
    result = translate(x12_214(*body, isa=isa))
    assert "too_many_repetitions" in result.error_codes and result.bodies == []
    # before 00402 ISA11 is the standards identifier: `^` is data
    result = translate(x12_214(*body))
    assert result.error_codes == [] and "1Z47^11A" in result.strings()


def test_x12_composites_may_hold_the_component_separator() -> None:
    from gateway.parse.x12_common import validate_set
    from gateway.parse.x12_tables import SET_856

    segments = [["ST", "856", "0001"], ["BSN", "00", "A1", "20261124", "1200"],
                ["HL", "1", "", "S"], ["MEA", "PD", "G", "12", "LB>1"],
                ["REF", "BM", "123", "", "BM>X"], ["SE", "6", "0001"]]  # fmt: skip
    codes = {p.code.value for p in validate_set(SET_856, segments)}
    assert "too_many_components" not in codes and "invalid_character" not in codes


@pytest.mark.parametrize("brk", ["\n", "\r\n", "\r"])
@pytest.mark.parametrize("where", ["1Z47|11A", "C|NI+1+1Z4711A", "1|+1Z4711A"])
def test_edifact_line_breaks_inside_a_segment_are_not_data(brk: str, where: str) -> None:
    wrapped = tuple(
        s.replace("CNI+1+1Z4711A", "CNI+1+" + where.replace("|", brk)) for s in STATUS_IFTSTA
    )
    wrapped = tuple(s.replace("CNI+1+C" + brk + "NI+1+", "C" + brk + "NI+1+") for s in wrapped)
    wrapped = tuple(s.replace("CNI+1+1" + brk + "+", "CNI+1" + brk + "+") for s in wrapped)
    result = translate(edifact_iftsta(*wrapped))
    assert result.error_codes == []
    assert "1Z4711A" in result.strings()
    assert not any(CONTROL.search(s) for s in result.strings())


def test_edifact_line_breaks_kept_by_the_profile_are_invalid_characters() -> None:
    wrapped = tuple(s.replace("1Z4711A", "1Z47\n11A") for s in STATUS_IFTSTA)
    result = translate(edifact_iftsta(*wrapped), KEEP_BREAKS)
    assert "invalid_character" in result.error_codes and result.bodies == []
    assert "UCD+21+2:1'" in result.ack("CONTRL")


@pytest.mark.parametrize("char", ["\x01", "\t", "\x1d", "\x7f"])
def test_edifact_control_characters_reject_the_message(char: str) -> None:
    damaged = tuple(s.replace("PO4711", "PO47" + char + "11") for s in STATUS_IFTSTA)
    result = translate(edifact_iftsta(*damaged))
    assert "invalid_character" in result.error_codes and result.bodies == []
    contrl = result.ack("CONTRL")
    assert "UCM+1+IFTSTA:D:01B:UN+4'" in contrl and "UCD+21+1:2'" in contrl


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("CNI+1+", "CNI+1:X+", "1:2"),  # CNI 1490 consignment sequence number
        ("LOC+175+", "LOC+175:A+", "1:2"),  # LOC 3227 location function
        ("STS+1+", "STS+1+", None),  # STS C601 is a composite: no fault
    ],
)
def test_edifact_component_separator_in_a_simple_element(
    old: str, new: str, where: str | None
) -> None:
    damaged = tuple(s.replace(old, new) for s in STATUS_IFTSTA)
    result = translate(edifact_iftsta(*damaged))
    if where is None:
        assert result.error_codes == []
        return
    assert "too_many_components" in result.error_codes and result.bodies == []
    assert f"UCD+16+{where}'" in result.ack("CONTRL")


@pytest.mark.parametrize(
    ("old", "new", "held"),
    [
        ("CNI+1+1Z4711A", "CNI+1+1Z47?'11B", "'"),  # released terminator, tracking number
        ("CNI+1+1Z4711A", "CNI+1+1Z47?:11B", ":"),  # released component separator
        ("CNI+1+1Z4711A", "CNI+1+1Z47??11B", "?"),  # released release character
        ("RFF+ON:PO4711", "RFF+ON:PO47?+11", "+"),  # released element separator, PO
        ("LOC+175+USCHI::6:Chicago", "LOC+175+USCHI::6:Chi?'cago", "'"),  # city
    ],
)
def test_edifact_released_delimiter_is_syntax_but_never_sent(old: str, new: str, held: str) -> None:
    damaged = tuple(s.replace(old, new) for s in STATUS_IFTSTA)
    result = translate(edifact_iftsta(*damaged))
    assert "UCI+IC1001" in result.ack("CONTRL") and "UCD" not in result.ack("CONTRL")
    assert result.bodies == []
    problems = [p for p in result.outcome.problems if p.code.value == "invalid_field"]
    named = [p for p in problems if repr(held) in p.message and "delimiter" in p.message]
    assert named and held in (named[0].value or "") and named[0].segment == new[:3]


def test_edifact_released_delimiter_stops_only_its_own_event() -> None:
    second = ("CNI+2+1Z47?:22C", *STATUS_IFTSTA[1:])
    result = translate(edifact_iftsta(*STATUS_IFTSTA, *second))
    assert [s for s in result.strings() if s.startswith("1Z47")] == ["1Z4711A"]
    assert "invalid_field" in result.error_codes


def test_edifact_other_delimiters_in_a_una_are_checked_too() -> None:
    plain = edifact_iftsta(*STATUS_IFTSTA, head="").translate(str.maketrans("'+:", "~*|"))
    assert translate("UNA|*.! ~\n" + plain).bodies
    damaged = plain.replace("CNI*1*1Z4711A", "CNI*1*1Z47!~11A")
    result = translate("UNA|*.! ~\n" + damaged)
    assert result.bodies == [] and "invalid_field" in result.error_codes


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (b"GIN+BN+1Z999AA10123456784'", b"GIN+BN+1Z999AA1?+0123456784'"),
        (b"FEDEX_GROUND+", b"FEDEX?:GROUND+"),
        (b"BJ+00012345600000000017'", b"BJ+0001234560000000?'0017'"),
    ],
)
def test_desadv_released_delimiter_is_never_sent(old: bytes, new: bytes) -> None:
    desadv = (ROOT / "samples" / "13-edifact-desadv-d96a-latin1" / "input.edi").read_bytes()
    desadv = desadv.replace(b"TDT+20++30+31+UPSN:172'", b"TDT+20++30+31:::FEDEX_GROUND+UPSN:172'")
    assert translate(desadv).bodies and old in desadv
    result = translate(desadv.replace(old, new, 1))
    assert result.bodies == [] and "invalid_field" in result.error_codes
    assert not has_delimiter(result.strings(), ":+?'")


def test_profile_setting_defaults_to_dropping_line_breaks() -> None:
    assert PartnerProfile().drop_line_breaks is True
    assert PartnerProfile.model_validate({"drop_line_breaks": False}).drop_line_breaks is False


@pytest.mark.parametrize("brk", ["\n", "\r\n"])
@pytest.mark.parametrize("width", range(4, 121))
def test_x12_hard_wrapped_at_any_width_reads_isa16_and_the_terminator(width: int, brk: str) -> None:
    """Rule (x12_syntax._parse_isa): with drop_line_breaks, CR/LF before ISA16 or between
    ISA16 and the terminator is wrapping; a CR/LF right after ISA16 is the terminator only
    when a segment tag follows it directly. Widths 1-3 split the ISA tag itself (left out:
    not recognised as X12)."""
    one_line = x12_214(*STATUS_214, suffix="")
    wrapped = brk.join(one_line[i : i + width] for i in range(0, len(one_line), width))
    result = translate(wrapped)
    assert result.error_codes == [] and len(result.bodies) == 1
    ack = result.ack("997")  # a line break after each segment may be copied: nothing else
    assert "AK5*A" in ack and not CONTROL.search(ack.replace("\r", "").replace("\n", ""))


@pytest.mark.parametrize("term", ["\n", "\r\n"])
def test_x12_line_break_terminator_after_isa16_is_still_the_terminator(term: str) -> None:
    result = translate(x12_214(*STATUS_214, isa=X12_ISA[:-1] + term, term=term, suffix=""))
    assert result.error_codes == [] and len(result.bodies) == 1
