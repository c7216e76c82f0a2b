"""Issue 8, kind 1 extended (review 8, item 6): every character that is not printable data
is an invalid character in an element, not only category Cc: line and paragraph
separators (Zl, Zp), format characters (Cf: zero width space, BOM, soft hyphen, tags beyond
the BMP), private use (Co) and unassigned code points (Cn). X12 997 AK4 code 6, EDIFACT
CONTRL UCD code 21; nothing from the set / message is sent."""

from __future__ import annotations

import re
import unicodedata

import pytest

from gateway.text import INVALID_CATEGORIES, invalid_character
from tests.malformed import STATUS_214, STATUS_IFTSTA, edifact_iftsta, translate, x12_214

UNPRINTABLE = [
    "\u2028",  # Zl LINE SEPARATOR
    "\u2029",  # Zp PARAGRAPH SEPARATOR
    "\u200b",  # Cf ZERO WIDTH SPACE
    "\u200e",  # Cf LEFT-TO-RIGHT MARK
    "\ufeff",  # Cf ZERO WIDTH NO-BREAK SPACE (a BOM inside data)
    "\u00ad",  # Cf SOFT HYPHEN (also in Latin-1)
    "\U000e0041",  # Cf TAG LATIN CAPITAL LETTER A, beyond the BMP
    "\ue123",  # Co private use
    "\U000f0001",  # Co supplementary private use
    "\u0378",  # Cn unassigned
    "\U0003fffe",  # Cn noncharacter beyond the BMP
]
PRINTABLE = ["A", " ", "\u00e9", "\u20ac", "\u00a0", "\U0001f600", "\ufffd", "\u4e2d"]


def test_every_code_point_is_decided_by_its_category() -> None:
    wrong = [
        f"U+{code:04X}"
        for code in [*range(0x10000), *range(0xE0000, 0xE0200), 0x10FFFF, 0x1F600, 0x20000]
        if (invalid_character(chr(code)) is not None)
        != (unicodedata.category(chr(code)) in INVALID_CATEGORIES)
    ]
    assert wrong == []


@pytest.mark.parametrize("char", UNPRINTABLE)
def test_invalid_character_finds_every_kind(char: str) -> None:
    assert invalid_character(f"1Z47{char}11A") == char
    assert not f"x{char}".isprintable()


@pytest.mark.parametrize("char", PRINTABLE)
def test_printable_data_is_no_invalid_character(char: str) -> None:
    assert invalid_character(f"1Z47{char}11A") is None


@pytest.mark.parametrize("char", UNPRINTABLE)
@pytest.mark.parametrize("segment", ["L11*1Z4711A*2I", "MS1*CHICAGO*IL*US"])
def test_x12_unprintable_characters_reject_the_set(char: str, segment: str) -> None:
    tag, first, *rest = segment.split("*")
    damaged = tuple(
        s.replace(segment, "*".join([tag, first[:3] + char + first[3:], *rest])) for s in STATUS_214
    )
    result = translate(x12_214(*damaged))
    assert "invalid_character" in result.error_codes
    assert result.bodies == []
    ack = result.ack("997")
    assert re.search(rf"AK3\*{tag}\*\d+\*\*8~\nAK4\*1\*\d+\*6\*", ack)
    assert "AK5*R*5" in ack and ack.replace("\n", "").isprintable()


@pytest.mark.parametrize("char", UNPRINTABLE)
def test_edifact_unprintable_characters_reject_the_message(char: str) -> None:
    damaged = tuple(s.replace("CNI+1+1Z4711A", f"CNI+1+1Z47{char}11A") for s in STATUS_IFTSTA)
    text = edifact_iftsta(*damaged).replace("UNB+UNOC:3+", "UNB+UNOW:3+")
    result = translate(text)
    assert "invalid_character" in result.error_codes
    assert result.bodies == []
    contrl = result.ack("CONTRL")
    assert "UCD+21+2:1'" in contrl and "+4'" in contrl
    assert all(s.isprintable() for s in result.strings())


def test_edifact_soft_hyphen_in_latin1_is_invalid() -> None:
    damaged = tuple(s.replace("CNI+1+1Z4711A", "CNI+1+1Z47\u00ad11A") for s in STATUS_IFTSTA)
    result = translate(edifact_iftsta(*damaged).encode("latin-1"))
    assert "invalid_character" in result.error_codes and result.bodies == []


@pytest.mark.parametrize("char", PRINTABLE[2:])
def test_printable_unicode_data_still_goes_through(char: str) -> None:
    damaged = tuple(s.replace("CNI+1+1Z4711A", f"CNI+1+1Z47{char}11A") for s in STATUS_IFTSTA)
    text = edifact_iftsta(*damaged).replace("UNB+UNOC:3+", "UNB+UNOW:3+")
    result = translate(text)
    assert "invalid_character" not in result.error_codes
