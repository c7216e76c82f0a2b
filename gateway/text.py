"""Small text predicates shared by the readers.

`str.isdigit()` is true for superscripts and other Unicode digits ('¹', '٣') that `int()`
rejects or EDI does not allow; EDI numbers are ASCII digits only.
"""

from __future__ import annotations

__all__ = ["is_digits"]


def is_digits(text: str) -> bool:
    """Non-empty and ASCII digits 0-9 only."""
    return text.isascii() and text.isdigit()
