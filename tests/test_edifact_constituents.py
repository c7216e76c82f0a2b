"""Review of issue 8: EDIFACT constituents the directories do not allow are syntax errors
with their ISO 9735 code (list 0085), the message (or interchange) is rejected and nothing
from it is sent:
- a UNA with two equal service characters: UCI code 20, written with the default delimiters;
- a syntax-4 repetition separator in a data element that does not repeat: UCD 35;
- more components in a composite than its directory definition has: UCD 16;
- a value longer than its element's directory length, for every element read: UCD 39."""

from __future__ import annotations

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
