"""`suspect_pattern` matches exactly what the character class it replaced matched: every
suspect character (`SUSPECT_CHARACTERS`) and the delimiters given, over all of Unicode.
That class reached U+10FFFF and took `re` ~40 ms to compile, per process and per delimiter
set of the X12 acks (`x12_envelope.clean`): a mailbag of interchanges each with other
delimiters paid it at each one (64 kept). How long compiling takes is measured by
benchmarks/translate.py (start-up), not here."""

from __future__ import annotations

import re

import pytest

from gateway.ack.x12_envelope import CONVENTIONAL, clean
from gateway.envelope.x12_syntax import Delimiters
from gateway.text import SUSPECT_CHARACTERS, suspect_pattern

ALL = "".join(map(chr, range(0x110000))).replace("\ud800", "")  # (one surrogate is enough)


@pytest.mark.parametrize(
    "also",
    ["", "*>~^", "]\\-^", "\x1c\x1d\x1e", "\u0370é\u00ad", "'+:? \r\n"],
)
def test_the_same_characters_as_the_class(also: str) -> None:
    old = re.compile(f"[{''.join(re.escape(c) for c in also)}{SUSPECT_CHARACTERS}]")
    assert suspect_pattern(also).findall(ALL) == old.findall(ALL)


def test_clean_with_many_delimiter_sets() -> None:
    """200 delimiter sets (more than the 64 the ack writer's classes were kept for): each
    value loses its delimiters and control characters, nothing else."""
    for n in range(200):
        element = chr(0x21 + n % 15)
        d = Delimiters(element, chr(0x3A + n % 6), chr(0x5B + n % 5), chr(0x7B + n % 4), "\n")
        assert clean(f"A{element}B\x07C{d.segment}é", d) == "ABCé"
    assert clean("1Z*47>11~A\u200b", CONVENTIONAL) == "1Z4711A"
