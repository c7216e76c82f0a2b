"""Review of issue 8: EDIFACT constituents the directories do not allow are syntax errors
with their ISO 9735 code (list 0085), the message (or interchange) is rejected and nothing
from it is sent:
- a UNA with two equal service characters: UCI code 20, written with the default delimiters;
- a syntax-4 repetition separator in a data element that does not repeat: UCD 35;
- more components in a composite than its directory definition has: UCD 16;
- a value longer than its element's directory length, for every element read: UCD 39."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.malformed import STATUS_IFTSTA, edifact_iftsta, translate


def _segments(contrl: str) -> list[list[str]]:
    """The CONTRL's segments as element lists (its own delimiters: `+` `'`)."""
    return [s.strip().split("+") for s in contrl.split("'") if s.strip()]


def _ucds(contrl: str) -> list[list[str]]:
    return [s for s in _segments(contrl) if s[0] == "UCD"]


def _ucm_action(contrl: str) -> str:
    return next(s for s in _segments(contrl) if s[0] == "UCM")[3]


@pytest.mark.parametrize(
    "una",
    [
        "UNA::.? '",  # component == element
        "UNA++.? '",  # component == element (the element separator)
        "UNA:+.++'",  # release == element, repetition == element
        "UNA:+.?:'",  # repetition == component
        "UNA:'.? '",  # element == terminator
    ],
)
def test_una_with_two_equal_service_characters_gets_a_uci_20(una: str) -> None:
    done = translate(edifact_iftsta(*STATUS_IFTSTA, head=una + "\n"))
    assert done.bodies == []
    contrl = done.ack("CONTRL")
    assert contrl.startswith("UNA:+.? '")  # the default delimiters
    uci = next(s for s in _segments(contrl) if s[0] == "UCI")
    assert uci[1] == "IC1001"  # the UNB was still read
    assert uci[4:6] == ["4", "20"]


def _syntax_4(*body: str, version: str = "4") -> str:
    text = edifact_iftsta(*body, head="UNA:+.?*'\n")
    return text.replace("UNOC:3", f"UNOC:{version}")


def _status(segment: str) -> tuple[str, ...]:
    """STATUS_IFTSTA with the segment of the same tag replaced by `segment`."""
    return tuple(segment if s[:3] == segment[:3] else s for s in STATUS_IFTSTA)


@pytest.mark.parametrize(
    ("segment", "position", "where"),
    [
        ("CNI+1+1Z47*11A", "3", "2:1"),  # C503 1004
        ("CNI+1*2+1Z4711A", "3", "1"),  # 1490, a simple data element
        ("LOC+175+USCHI::6:Chi*cago", "7", "2:4"),  # C517 3224
        ("RFF+ON:PO*4711", "5", "1:2"),  # C506 1154
        ("STS+1+302::6+0*00", "4", "3:1"),  # C556 9013
    ],
)
def test_repetition_separator_in_a_non_repeating_element_is_ucd_35(
    segment: str, position: str, where: str
) -> None:
    done = translate(_syntax_4(*_status(segment)))
    assert done.bodies == []
    assert "too_many_repetitions" in done.error_codes
    contrl = done.ack("CONTRL")
    assert _ucm_action(contrl) == "4"  # the message is rejected
    assert ["UCS", position] in _segments(contrl)
    assert _ucds(contrl) == [["UCD", "35", where]]  # one fault: no 'not numeric' besides


def test_a_released_repetition_separator_is_no_repetition() -> None:
    done = translate(_syntax_4(*_status("LOC+175+USCHI::6:Chi?*cago")))
    assert "too_many_repetitions" not in done.error_codes


def test_before_syntax_4_the_una5_character_is_no_repetition_separator() -> None:
    done = translate(_syntax_4(*_status("LOC+175+USCHI::6:Chi*cago"), version="3"))
    assert "too_many_repetitions" not in done.error_codes
    assert len(done.bodies) == 1


@pytest.mark.parametrize(
    ("segment", "position", "where"),
    [
        ("CNI+1+1Z4711A:::::::X", "3", "2:7"),  # C503 has 6 components
        ("RFF+ON:PO4711:1:2:3:4", "5", "1:6"),  # C506 has 5
        ("STS+1+302::6:X:Y+000", "4", "2:5"),  # C555 has 4
        ("DTM+334:202611240715-06:303:X", "6", "1:4"),  # C507 has 3
        ("LOC+175+USCHI::6:Chicago:IL", "7", "2:5"),  # C517 has 4
        ("CNI+1:2+1Z4711A", "3", "1:2"),  # 1490 is a simple data element
    ],
)
def test_too_many_components_in_a_composite_is_ucd_16(
    segment: str, position: str, where: str
) -> None:
    done = translate(edifact_iftsta(*_status(segment)))
    assert done.bodies == []
    assert "too_many_components" in done.error_codes
    contrl = done.ack("CONTRL")
    assert _ucm_action(contrl) == "4"
    assert ["UCS", position] in _segments(contrl)
    assert ["UCD", "16", where] in _ucds(contrl)


def test_empty_trailing_components_are_not_too_many() -> None:
    done = translate(edifact_iftsta(*_status("CNI+1+1Z4711A::::::")))
    assert "too_many_components" not in done.error_codes
    assert len(done.bodies) == 1


_LONG = "X" * 40


@pytest.mark.parametrize(
    ("segment", "release", "where"),
    [
        (f"CNI+1+1Z{_LONG}", "01B", "2:1"),  # 1004 an..35 up to D06A
        (f"RFF+ON:PO{_LONG}", "96A", "1:2"),  # 1154 an..35 up to D00A
        (f"STS+1+302::6+000:::{_LONG * 7}", "01B", "3:4"),  # 9012 an..256, though not read
        (f"LOC+175+USCHI::6:{_LONG * 7}", "01B", "2:4"),  # 3224 an..256
        ("STS+1+3021::6+000", "01B", "2:1"),  # 4405 an..3
    ],
)
def test_every_element_read_is_checked_for_its_length(
    segment: str, release: str, where: str | None
) -> None:
    text = edifact_iftsta(*_status(segment)).replace("IFTSTA:D:01B", f"IFTSTA:D:{release}")
    done = translate(text)
    if where is None:
        assert "element_too_long" not in done.error_codes
        return
    assert done.bodies == []
    assert "element_too_long" in done.error_codes
    assert ["UCD", "39", where] in _ucds(done.ack("CONTRL"))


def test_a_length_that_grew_is_read_with_the_larger_length_in_later_releases() -> None:
    for release, segment in (("10B", f"CNI+1+1Z{_LONG}"), ("01B", f"RFF+ON:PO{_LONG}")):
        text = edifact_iftsta(*_status(segment)).replace("IFTSTA:D:01B", f"IFTSTA:D:{release}")
        assert "element_too_long" not in translate(text).error_codes


_DESADV = (
    (Path(__file__).resolve().parents[1] / "samples" / "13-edifact-desadv-d96a-latin1")
    / "input.edi"
).read_bytes()


@pytest.mark.parametrize(
    ("old", "new", "code", "where"),
    [
        (b"TDT+20++30+31+UPSN:172'", f"TDT+20++30+31:::{_LONG}+UPSN:172'", "39", "4:4"),  # 8178
        (b"TDT+20++30+31+UPSN:172'", f"TDT+20++30+31+UPSN:172::{_LONG}'", "39", "5:4"),  # 3128
        (b"TDT+20++30+31+UPSN:172'", b"TDT+20++30+31:::A:B+UPSN:172'", "16", "4:5"),  # C228
        (b"MEA+PD+AAB+KGM:3.4'", b"MEA+PD+AAB+KGM:3.4:1:2:3:4'", "16", "3:6"),  # C174
        (b"MEA+PD+AAB+KGM:3.4'", b"MEA+PD+AABX+KGM:3.4'", "39", "2:1"),  # 6313 an..3
        (b"MEA+PD+AAB+KGM:3.4'", b"MEA+PD+AAB+KGM:3.4KG'", "21", "3:2"),  # 6314 n..18
        (b"LIN+1++4006381333931:EN'", b"LIN+1++4006381333931:ENXX'", "39", "3:2"),  # 7143
        (b"GIN+BJ+00012345600000000017'", b"GIN+BJ+1:2:3'", "16", "2:3"),  # C208
    ],
)
def test_desadv_elements_read_are_checked(
    old: bytes, new: str | bytes, code: str, where: str
) -> None:
    data = _DESADV.replace(old, new.encode() if isinstance(new, str) else new, 1)
    assert data != _DESADV
    done = translate(data)
    assert done.bodies == []
    assert ["UCD", code, where] in _ucds(done.ack("CONTRL"))


@pytest.mark.parametrize(
    ("unh", "unt_ref", "ucm"),
    [
        # components in 0062 (an..14): not copied, the placeholder; 0013 / S011 say where
        ("UNH+1:X+IFTSTA:D:01B:UN", "1:X", ["0", "IFTSTA:D:01B:UN", "4", "16", "UNH", "1"]),
        # a released '+' is data: copied (released); the UNT count 9 is wrong
        ("UNH+7?+X+IFTSTA:D:01B:UN", "7?+X", ["7?+X", "IFTSTA:D:01B:UN", "4", "29", "UNT", "1"]),
        ("UNH+123456789012345+IFTSTA:D:01B:UN", "123456789012345",
         ["0", "IFTSTA:D:01B:UN", "4", "39", "UNH", "1"]),
        ("UNH+2+IFTSTA:D:01B", "2", ["2", "IFTSTA:D:01B:0", "4", "12", "UNH", "2:4"]),
        ("UNH+3+IFTSTA:D:01B:UN", "4", ["3", "IFTSTA:D:01B:UN", "4", "28", "UNT", "2"]),
    ],
)  # fmt: skip
def test_ucm_for_a_faulty_message_header_or_trailer_says_where(
    unh: str, unt_ref: str, ucm: list[str]
) -> None:
    text = edifact_iftsta(*STATUS_IFTSTA).replace("UNH+1+IFTSTA:D:01B:UN", unh)
    text = text.replace("UNT+8+1'", f"UNT+{'9' if '7' in unh else '8'}+{unt_ref}'")
    contrl = translate(text).ack("CONTRL")
    found = next(s.strip() for s in contrl.split("'") if s.strip().startswith("UCM+"))
    # split on element separators no release character escapes
    fields = [f.replace("\x00", "?+") for f in found.replace("?+", "\x00").split("+")[1:]]
    assert fields == ucm
