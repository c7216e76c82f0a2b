"""`times.to_iso` writes a time's ISO-8601 text from the zone's offset and the naive time's
own text; it must be what the aware time's `strftime` (zero offset, "Z") or `isoformat`
(whole seconds, "+hh:mm") writes, for every time code of the tables, partner zone and date:
DST gaps and folds, zones with half-hour and 45-minute offsets. A date old enough for a
zone's local mean time (an offset with seconds, which isoformat writes "-hh:mm:ss" and RFC
3339 cannot) raises UnwritableTime instead (tests/test_rfc3339_times.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.mapping.codes import load_code_tables
from gateway.mapping.times import TimeError, UnwritableTime, _resolved, to_iso
from gateway.parse.records import EventTime, Src, Val

TABLES = load_code_tables()
ZONES = [
    "America/New_York", "America/St_Johns", "Asia/Kolkata", "Asia/Kathmandu",
    "Australia/Lord_Howe", "Europe/Dublin", "Pacific/Chatham", "UTC", "Africa/Monrovia",
]  # fmt: skip
CODES = [*sorted(TABLES.time_codes), "", "UTC", "Z", "+05:30", "-0345", "+00", "-00:00", "XX"]


def _general(when: EventTime, partner_tz: str) -> tuple[str, str]:
    """What to_iso wrote before it made the text itself: the aware time's own text."""
    code = when.zone.value.strip().upper() if when.zone else ""
    tz, how = _resolved(code, TABLES, partner_tz)
    aware = when.local.replace(tzinfo=tz)
    if aware.utcoffset() == timedelta(0):
        return aware.strftime("%Y-%m-%dT%H:%M:%SZ"), how
    if (aware.utcoffset() or timedelta(0)) % timedelta(minutes=1):
        raise UnwritableTime(f"{aware.isoformat()}: not RFC 3339")  # to_iso says it in words
    return aware.isoformat(timespec="seconds"), how


@settings(max_examples=600, deadline=None)
@given(
    local=st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(2200, 12, 31)).map(
        lambda d: d.replace(microsecond=0)
    ),
    code=st.sampled_from(CODES),
    partner_tz=st.sampled_from(ZONES),
)
def test_the_text_is_the_aware_times_own(local: datetime, code: str, partner_tz: str) -> None:
    zone = Val(code, Src("AT7", 5, 7)) if code else None
    when = EventTime(local, zone, ())
    try:
        expected = _general(when, partner_tz)
    except TimeError as exc:
        try:
            to_iso(when, TABLES, partner_tz)
        except TimeError as again:
            assert type(again) is type(exc)
            if not isinstance(exc, UnwritableTime):
                assert str(again) == str(exc)
            return
        raise AssertionError("to_iso converted a time the general way cannot") from exc
    assert to_iso(when, TABLES, partner_tz) == expected


def test_dst_edges_and_local_mean_time_are_written_alike() -> None:
    """The hours a hypothesis run may miss: New York's gap and fold in 2026, Lord Howe's
        half-hour DST, New York before 1883 (an offset with seconds); a year before 1000 and a time
    with microseconds (which parse_local never makes) take the general way."""
    cases = [datetime(2026, 3, 8, 2, 30), datetime(2026, 11, 1, 1, 30), datetime(2026, 4, 5, 1, 45),
             datetime(1850, 6, 1, 12, 0), datetime(2026, 11, 1, 1, 30, fold=1),
             datetime(999, 5, 1, 12, 0), datetime(2026, 5, 1, 12, 0, 0, 500)]  # fmt: skip
    for local in cases:
        for partner_tz in ("America/New_York", "Australia/Lord_Howe", "UTC"):
            when = EventTime(local, None, ())
            try:
                expected = _general(when, partner_tz)
            except UnwritableTime:
                with pytest.raises(UnwritableTime):
                    to_iso(when, TABLES, partner_tz)
                continue
            assert to_iso(when, TABLES, partner_tz) == expected
    with pytest.raises(UnwritableTime, match="-04:56:02"):
        to_iso(EventTime(datetime(1850, 6, 1, 12, 0), None, ()), TABLES, "America/New_York")
