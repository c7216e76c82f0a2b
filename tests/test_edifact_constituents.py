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
