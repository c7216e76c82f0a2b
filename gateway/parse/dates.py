"""EDI dates and times read as naive datetimes: a parse-stage check (X12 DTM/G62/AT7,
EDIFACT DTM) that the mapping stage reuses when it converts times to UTC."""

from __future__ import annotations

from datetime import datetime

from gateway.text import is_digits

__all__ = ["parse_local"]

_LOCAL: dict[tuple[str, str | None], datetime | None] = {}  # parse_local's memo
_LOCAL_SIZE = 8192


def parse_local(date: str, time: str | None) -> datetime | None:
    """CCYYMMDD (or YYMMDD) + HHMM[SS[dd]] -> naive datetime; None when not a valid date.
    Remembers the last few thousand (date, time) pairs: a file repeats its times."""
    key = (date, time)
    try:
        return _LOCAL[key]
    except KeyError:
        pass
    if len(_LOCAL) >= _LOCAL_SIZE:
        _LOCAL.clear()
    found = _LOCAL[key] = _parse_local(date, time)
    return found


def _parse_local(date: str, time: str | None) -> datetime | None:
    if not is_digits(date) or len(date) not in (6, 8):
        return None
    year = int(date[:4]) if len(date) == 8 else int(date[:2])
    if len(date) == 6:  # YYMMDD: 69-99 are 19xx, as strptime reads them
        year += 1900 if year >= 69 else 2000
    month, day = int(date[-4:-2]), int(date[-2:])
    hour = minute = second = 0
    if time:
        digits = time[:6]
        if not is_digits(digits) or len(digits) not in (4, 6):
            return None
        hour, minute = int(digits[:2]), int(digits[2:4])
        second = int(digits[4:6]) if len(digits) == 6 else 0
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None
