"""Small text predicates shared by the readers.

`str.isdigit()` is true for superscripts and other Unicode digits ('¹', '٣') that `int()`
rejects or EDI does not allow; EDI numbers are ASCII digits only.
"""

from __future__ import annotations

__all__ = ["is_digits", "value_fault"]


def is_digits(text: str) -> bool:
    """Non-empty and ASCII digits 0-9 only."""
    return text.isascii() and text.isdigit()


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
