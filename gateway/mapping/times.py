"""File date/times -> ISO-8601 with Z or an offset, as the SP-API requires."""

from __future__ import annotations

import re
from datetime import UTC, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gateway.mapping.codes import CodeTables
from gateway.parse.dates import _parse_local, parse_local
from gateway.parse.records import EventTime

__all__ = ["TimeError", "_parse_local", "parse_local", "to_iso"]

_OFFSET = re.compile(r"^([+-])([0-9]{2}):?([0-9]{2})?$")


class TimeError(ValueError):
    """A zone the tables do not know (a data problem the caller reports)."""


def _fixed(text: str) -> timezone:
    match = _OFFSET.match(text)
    if not match:
        raise TimeError(f"unknown UTC offset {text!r}")
    sign = -1 if match.group(1) == "-" else 1
    delta = timedelta(hours=int(match.group(2)), minutes=int(match.group(3) or 0))
    return timezone(sign * delta)


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise TimeError(f"unknown time zone {name!r}") from exc


def to_iso(when: EventTime, tables: CodeTables, partner_tz: str) -> tuple[str, str]:
    """(ISO-8601 string, how the zone was chosen) for a file's date/time."""
    code = when.zone.value.strip().upper() if when.zone else ""
    how: str
    if not code:
        tz: timezone | ZoneInfo = _zone(partner_tz)
        how = f"no time code: partner time zone {partner_tz}"
    elif code in ("UTC", "GMT", "Z"):
        tz, how = UTC, f"zone {code}: UTC"
    elif code in tables.time_codes:
        entry = tables.time_codes[code]
        if entry.partner:
            tz, how = _zone(partner_tz), f"time code {code}: partner time zone {partner_tz}"
        elif entry.zone:
            tz, how = _zone(entry.zone), f"time code {code}: {entry.zone} (DST for the date)"
        else:
            tz, how = _fixed(entry.offset or "+00:00"), f"time code {code}: {entry.offset}"
    elif _OFFSET.match(code):
        tz, how = _fixed(code), f"offset {code}"
    else:
        raise TimeError(f"unknown time code {code!r}")
    aware = when.local.replace(tzinfo=tz)
    offset = aware.utcoffset()
    if offset == timedelta(0):
        return aware.strftime("%Y-%m-%dT%H:%M:%SZ"), how
    return aware.isoformat(timespec="seconds"), how
