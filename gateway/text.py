"""Small text predicates shared by the readers.

`str.isdigit()` is true for superscripts and other Unicode digits ('¹', '٣') that `int()`
rejects or EDI does not allow; EDI numbers are ASCII digits only.

Invalid characters: every character that is not printable data (Unicode categories Cc
control, Cf format such as U+200B and U+FEFF, Zl/Zp line and paragraph separators U+2028
and U+2029, Cs surrogates, Co private use, Cn unassigned) is invalid in an element (X12
997 AK4 code 6, EDIFACT CONTRL UCD code 21). `SUSPECT_CHARACTERS` is a small regex class
body holding them all: C0/C1 controls, DEL, the soft hyphen and everything from U+0370 on
(below it every other character is printable). A value without a suspect is plainly valid
(one precompiled search, cheap to compile into bigger patterns); a suspect from U+0370 on
is decided by its Unicode category (`invalid_character`).
"""

from __future__ import annotations

import functools
import re
import unicodedata

__all__ = [
    "INVALID_CATEGORIES",
    "SUSPECT_CHARACTERS",
    "describe_invalid",
    "invalid_character",
    "is_digits",
    "plain_class",
    "suspect_pattern",
    "value_fault",
]

INVALID_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})
SUSPECT_CHARACTERS = "\x00-\x1f\x7f-\x9f\xad\u0370-\U0010ffff"
# the complement, as ranges: printable data for sure (a small class: cheap to compile, where
# a class reaching U+FFFF costs ~10 ms per copy in `re`)
_PLAIN = ((0x20, 0x7E), (0xA0, 0xAC), (0xAE, 0x36F))
_SUSPECT = re.compile("[^ -~\xa0-\xac\xae-\u036f]")


def plain_class(exclude: str) -> str:
    """A regex character class of characters that are surely printable data (printable
    ASCII, Latin-1 but the soft hyphen, up to U+036F), none of `exclude` (delimiters): fast
    acceptance patterns use it; anything else takes the precise check."""
    cut = sorted({ord(c) for c in exclude})
    parts: list[str] = []
    for low, high in _PLAIN:
        start = low
        for code in [c for c in cut if low <= c <= high] + [high + 1]:
            if start <= code - 1:
                parts.append(_range(start, code - 1))
            start = code + 1
    return "[" + "".join(parts) + "]"


@functools.lru_cache(maxsize=256)
def suspect_pattern(also: str = "") -> re.Pattern[str]:
    """One character that is a suspect (`SUSPECT_CHARACTERS`: not surely printable data) or
    one of `also` (delimiters), compiled as the complement of `plain_class(also)`: the same
    characters, where the class of SUSPECT_CHARACTERS itself takes `re` ~40 ms to compile
    (per process and per delimiter set: a mailbag of interchanges with other delimiters
    paid it at every one)."""
    return re.compile("[^" + plain_class(also)[1:])


def _range(low: int, high: int) -> str:
    return f"\\u{low:04x}" if low == high else f"\\u{low:04x}-\\u{high:04x}"


def is_digits(text: str) -> bool:
    """Non-empty and ASCII digits 0-9 only."""
    return text.isascii() and text.isdigit()


def invalid_character(value: str) -> str | None:
    """The first character of `value` that is not printable data (see the module's
    docstring), or None. Fast when there is none: one regex search."""
    found = _SUSPECT.search(value)
    while found is not None:
        char = found.group()
        if char < "\u0370" or unicodedata.category(char) in INVALID_CATEGORIES:
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
