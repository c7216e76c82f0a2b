"""Which of a call's errors concern which of its items.

Amazon answers for a whole batch (a call, or its V1 transaction), with one error list; an
error about one item names it in its message or details (SP-API `Error` model: "code",
"message", "details"; e.g. "Tracking number 1Z... was never confirmed for purchase order
..."). So an error is told back about the items it names (by tracking number first, else by
purchase order), and an error naming none of the call's items concerns them all.

Without this, each of a call's n errors would be repeated for each of its n items: a big
file of failed status updates made an application advice (824 / APERAK) quadratic in the
batch size, hundreds of MB for a 2 MB file (issue 9).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass

from gateway.spapi import ApiError

__all__ = ["CallErrors"]


_WORD = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")


def _wanted(values: Iterable[str | None]) -> tuple[str, ...]:
    """The values to look for, longest first (a longer id is found before one inside it)."""
    return tuple(sorted({v for v in values if v}, key=len, reverse=True))


def _named(wanted: Sequence[str], text: str) -> frozenset[str]:
    """The values of `wanted` that `text` names as whole words (not inside a longer id):
    scanning from the left, at each place the longest value that is a whole word there,
    the next one after it, as the regex `(?<!W)(?:v1|v2|...)(?!W)` would find them. No regex
    is compiled per call: the `re` module would cache up to 512 of them, each the size of a
    call's ids."""
    matches: list[tuple[int, int, str]] = []  # (start, -length, value)
    for value in wanted:
        start = text.find(value)
        while start >= 0:
            end = start + len(value)
            if (start == 0 or text[start - 1] not in _WORD) and (
                end == len(text) or text[end] not in _WORD
            ):
                matches.append((start, -len(value), value))
            start = text.find(value, start + 1)
    found: set[str] = set()
    after = 0
    for start, minus_length, value in sorted(matches):
        if start >= after:
            found.add(value)
            after = start - minus_length
    return frozenset(found)


@dataclass(frozen=True, slots=True)
class _Named:
    error: ApiError
    tracking_numbers: frozenset[str]  # of the call's items, the ones the error names
    purchase_orders: frozenset[str]


class CallErrors:
    """A call's errors, each with the items (purchase orders / tracking numbers among the
    call's own) that it names; built once per call, asked once per group of items."""

    def __init__(self, errors: Sequence[ApiError], purchase_orders: Iterable[str | None],
                 tracking_numbers: Iterable[str | None]) -> None:  # fmt: skip
        """`purchase_orders` / `tracking_numbers`: those of all the call's items."""
        pos, tracking = _wanted(purchase_orders), _wanted(tracking_numbers)
        self._errors: list[_Named] = []
        for error in errors:
            text = f"{error.message} {error.details or ''}"
            self._errors.append(_Named(error, _named(tracking, text), _named(pos, text)))

    def about(self, purchase_orders: Collection[str],
              tracking_numbers: Collection[str]) -> tuple[ApiError, ...]:  # fmt: skip
        """The errors that concern items with these purchase orders / tracking numbers (a
        part of the call): those naming one of their tracking numbers, those naming no
        tracking number of the call but one of their purchase orders, and those naming no
        item of the call at all; in the call's order."""
        found: list[ApiError] = []
        for named in self._errors:
            if named.tracking_numbers:
                if not named.tracking_numbers.isdisjoint(tracking_numbers):
                    found.append(named.error)
            elif named.purchase_orders:
                if not named.purchase_orders.isdisjoint(purchase_orders):
                    found.append(named.error)
            else:
                found.append(named.error)
        return tuple(found)
