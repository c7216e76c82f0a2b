"""File date/times -> ISO-8601 with Z or an offset, as the SP-API requires."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gateway.mapping.codes import CodeTables
from gateway.parse.dates import _parse_local, parse_local
from gateway.parse.records import EventTime

__all__ = ["TimeError", "UnwritableTime", "_parse_local", "parse_local", "to_iso"]

_OFFSET = re.compile(r"^([+-])([0-9]{2}):?([0-9]{2})?$")


class TimeError(ValueError):
    """A zone the tables do not know (a data problem the caller reports)."""


class UnwritableTime(TimeError):
    """A time whose zone, on its date, is offset from UTC by a part of a minute (local mean
    time, before the zone took standard time, e.g. -04:56:02 in New York before 1883): RFC
    3339, which the SP-API's date-time follows, writes offsets in whole minutes only
    (time-numoffset = ("+" / "-") time-hour ":" time-minute). The date is at fault."""


def _whole_minutes(offset: timedelta, local: datetime, how: str) -> timedelta:
    """`offset`, unless it holds seconds (UnwritableTime)."""
    if offset % _MINUTE:
        total = int(offset.total_seconds())
        sign, seconds = ("-" if total < 0 else "+"), abs(total)
        shown = f"{sign}{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
        raise UnwritableTime(
            f"{local.isoformat(' ', 'minutes')} ({how}) is offset {shown} from UTC on that "
            "date (local mean time): RFC 3339 date-times take offsets in whole minutes"
        )
    return offset


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
    """(ISO-8601 string, how the zone was chosen) for a file's date/time: Z for a zero
    offset, else +hh:mm; raises TimeError for a zone the tables do not know. The zone a
    time code names is resolved once per (code, partner zone) (`_resolved`)."""
    code = when.zone.value.strip().upper() if when.zone else ""
    tz, how = _resolved(code, tables, partner_tz)
    local = when.local
    if local.microsecond or local.year < 1000:  # (never from parse_local) the general way
        aware = local.replace(tzinfo=tz)
        if aware.utcoffset() == _ZERO:
            return aware.strftime("%Y-%m-%dT%H:%M:%SZ"), how
        _whole_minutes(aware.utcoffset() or _ZERO, local, how)
        return aware.isoformat(timespec="seconds"), how
    # the same text, made faster: the zone's offset for the local time (as the aware time
    # reads it), the naive time's ISO text (whole seconds), the offset's suffix
    offset = tz.utcoffset(local)
    if offset is None:  # (no zone of the tables has none) no suffix, as isoformat writes it
        return local.isoformat(), how
    _whole_minutes(offset, local, how)
    if offset == _ZERO:
        return local.isoformat() + "Z", how
    suffix = _SUFFIXES.get(offset)
    if suffix is None:
        suffix = _SUFFIXES[offset] = datetime(2000, 1, 1, tzinfo=timezone(offset)).isoformat()[19:]
    return local.isoformat() + suffix, how


_ZERO = timedelta(0)
_MINUTE = timedelta(minutes=1)
_SUFFIXES: dict[timedelta, str] = {}  # UTC offset -> "+hh:mm" as isoformat writes it


def _resolved(code: str, tables: CodeTables, partner_tz: str) -> tuple[tzinfo, str]:
    """The zone of a time code (upper case, "" for none) and how it was chosen, kept on the
    tables' cache; raises TimeError for one they do not know."""
    key = ("zone", code, partner_tz)
    found = tables.cache.get(key)
    if found is None:
        try:
            found = _resolve(code, tables, partner_tz)
        except TimeError as exc:
            found = exc
        tables.cache[key] = found
    if isinstance(found, TimeError):
        raise TimeError(str(found))  # a new one: a kept exception raised again grows its traceback
    return found  # type: ignore[return-value]


def _resolve(code: str, tables: CodeTables, partner_tz: str) -> tuple[tzinfo, str]:
    if not code:
        return _zone(partner_tz), f"no time code: partner time zone {partner_tz}"
    if code in ("UTC", "GMT", "Z"):
        return UTC, f"zone {code}: UTC"
    if code in tables.time_codes:
        entry = tables.time_codes[code]
        if entry.partner:
            return _zone(partner_tz), f"time code {code}: partner time zone {partner_tz}"
        if entry.zone:
            return _zone(entry.zone), f"time code {code}: {entry.zone} (DST for the date)"
        return _fixed(entry.offset or "+00:00"), f"time code {code}: {entry.offset}"
    if _OFFSET.match(code):
        return _fixed(code), f"offset {code}"
    raise TimeError(f"unknown time code {code!r}")
