"""Small text predicates shared by the readers.

`str.isdigit()` is true for superscripts and other Unicode digits ('¹', '٣') that `int()`
rejects or EDI does not allow; EDI numbers are ASCII digits only.

Invalid characters: every character that is not printable data (Unicode categories Cc
control, Cf format such as U+200B and U+FEFF, Zl/Zp line and paragraph separators U+2028
and U+2029, Cs surrogates, Co private use, Cn unassigned) is invalid in an element (X12
997 AK4 code 6, EDIFACT CONTRL UCD code 21). `SUSPECT_CHARACTERS` is a regex class body
of the invalid BMP characters plus every character beyond the BMP: a value without any
of them is plainly valid (one precompiled search); a hit beyond the BMP is then decided
by its category (`invalid_character`).
"""

from __future__ import annotations

import re
import unicodedata

from gateway.text_ranges import INVALID_BMP

__all__ = [
    "INVALID_CATEGORIES",
    "SUSPECT_CHARACTERS",
    "describe_invalid",
    "invalid_bmp_class",
    "invalid_character",
    "is_digits",
    "value_fault",
]

INVALID_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
SUSPECT_CHARACTERS = INVALID_BMP + "\U00010000-\U0010ffff"
_SUSPECT = re.compile(f"[{SUSPECT_CHARACTERS}]")


def is_digits(text: str) -> bool:
    """Non-empty and ASCII digits 0-9 only."""
    return text.isascii() and text.isdigit()


def invalid_character(value: str) -> str | None:
    """The first character of `value` that is not printable data (see the module's
    docstring), or None. Fast when there is none: one regex search."""
    found = _SUSPECT.search(value)
    while found is not None:
        char = found.group()
        if ord(char) < 0x10000 or unicodedata.category(char) in INVALID_CATEGORIES:
            return char
        found = _SUSPECT.search(value, found.end())
    return None


def describe_invalid(char: str) -> str:
    """'a control character' for Cc (the long-standing wording), else 'a non-printable
    character U+XXXX (NAME)'."""
    if unicodedata.category(char) == "Cc":
        return "a control character"
    name = unicodedata.name(char, "")
    return f"a non-printable character U+{ord(char):04X}" + (f" ({name})" if name else "")


def invalid_bmp_class() -> str:
    """`text_ranges.INVALID_BMP` from this Python's Unicode database (slow: 65,536
    look-ups; for regenerating that module and its test, never at run time)."""

    ranges: list[tuple[int, int]] = []
    start: int | None = None
    for code in range(0x10001):
        bad = code < 0x10000 and unicodedata.category(chr(code)) in INVALID_CATEGORIES
        if bad and start is None:
            start = code
        elif not bad and start is not None:
            ranges.append((start, code - 1))
            start = None
    return "".join(chr(a) if a == b else f"{chr(a)}-{chr(b)}" for a, b in ranges)


def value_fault(value: str, low: int, high: int, numeric: bool, delimiters: str) -> str | None:
    """Why an envelope value breaks its element's type and length (N0 when `numeric`, else
    AN/ID: printable, none of the interchange's `delimiters`), or None when it fits.
    Lengths are the dictionary's min/max (X12 and ISO 9735 service segments)."""
    for delimiter in delimiters:  # the usual case first: none held (one scan per delimiter)
        if delimiter in value:
            held = [c for c in dict.fromkeys(value) if c in delimiters]
            return "holds the interchange's delimiter " + " ".join(repr(c) for c in held)
    if not value.isprintable():
        return "holds a control character"
    if numeric and not is_digits(value):
        return "is not numeric"
    if len(value) < low:
        return f"is shorter than {low} characters"
    if len(value) > high:
        return f"is longer than {high} characters"
    return None
