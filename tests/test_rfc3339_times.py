"""Every date-time the gateway sends is an RFC 3339 date-time (the SP-API models' format
"date-time"): offsets in whole minutes. Before a zone took standard time its offset was the
place's local mean time, seconds included (New York -04:56:02 until 1883, St. John's
-03:30:52 until 1935, Amsterdam +00:19:32 until 1937): such a time was sent as
`1850-01-01T16:42:00-04:56:02`, which no RFC 3339 reader takes. It is now a mapping problem
at the date element, and the event is not sent. Checked for every time code of the tables
(and none: the partner's zone) over dates from 1800 on, for X12 214 and 856 and for EDIFACT
IFTSTA and DESADV."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gateway.mapping.codes import load_code_tables
from gateway.problems import ProblemCode
from gateway.profile import PartnerProfile
from tests.malformed import STATUS_214, Translated, translate, x12_214

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})")
# a bare date-time value of a body: "2026-11-24T16:42:00..." (not a date alone)
LOOKS_LIKE = re.compile(r"\d{4}-\d{2}-\d{2}T")
DATES = ["18000101", "18500615", "18830101", "19000101", "19300701", "19370101", "19700101",
         "20261124", "20990101"]  # fmt: skip
CODES = ["", *sorted(load_code_tables().time_codes)]
ZONES = ["America/New_York", "America/St_Johns", "Europe/Amsterdam", "Asia/Kolkata"]


def _date_times(result: Translated) -> list[str]:
    return [s for s in result.strings() if LOOKS_LIKE.match(s)]


def _refused_at_date(result: Translated, segment: str, element: int) -> bool:
    """Every event left out was left out for an offset RFC 3339 cannot write, named at the
    date element."""
    found = [p for p in result.outcome.problems if "whole minutes" in p.message]
    return bool(found) and all(
        (p.code, p.segment, p.element) == (ProblemCode.INVALID_FIELD, segment, element)
        for p in found
    )


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("code", CODES)
def test_status_times_are_rfc3339_or_refused(code: str, zone: str) -> None:
    profile = PartnerProfile(selling_party="999US", ship_from="ABCD", timezone=zone)
    for date in DATES:
        at7 = f"AT7*D1*NS***{date}*1642" + (f"*{code}" if code else "")
        body = [at7 if s.startswith("AT7") else s for s in STATUS_214]
        result = translate(x12_214(*body), profile)
        times = _date_times(result)
        assert all(RFC3339.fullmatch(t) for t in times), (code, zone, date, times)
        if not result.bodies:
            assert _refused_at_date(result, "AT7", 5), (code, zone, date)


def test_a_local_mean_time_is_refused_at_its_date() -> None:
    body = [s.replace("20261124*1642*CT", "18500101*1642*ET") for s in STATUS_214]
    result = translate(x12_214(*body))
    assert result.bodies == []
    (problem,) = [p for p in result.outcome.problems if "whole minutes" in p.message]
    assert (problem.segment, problem.element, problem.value) == ("AT7", 5, "18500101")
    assert "-04:56:02" in problem.message and "1850-01-01 16:42" in problem.message
    assert not result.outcome.accepted or problem.severity.value == "error"


@pytest.mark.parametrize(
    ("sample", "old", "template"),
    [
        ("08-x12-856-asn", "DTM*011*20261124*1700*CT", "DTM*011*{date}*1700*CT"),
        ("10-edifact-iftsta-d01b", "DTM+334:202611240715-06:303", "DTM+334:{date}0715:203"),
        ("13-edifact-desadv-d96a-latin1", "DTM+11:202611241700:203", "DTM+11:{date}1700:203"),
    ],
)
@pytest.mark.parametrize("zone", ["America/New_York", "Europe/Amsterdam"])
def test_other_documents_send_rfc3339_times_only(
    sample: str, old: str, template: str, zone: str
) -> None:
    text = (SAMPLES / sample / "input.edi").read_bytes().decode("latin-1")
    assert old in text
    profile = PartnerProfile(selling_party="999US", ship_from="ABCD", timezone=zone)
    refused = 0
    for date in DATES:
        result = translate(text.replace(old, template.format(date=date)).encode("latin-1"),
                           profile)  # fmt: skip
        times = _date_times(result)
        assert all(RFC3339.fullmatch(t) for t in times), (sample, zone, date, times)
        refused += any("whole minutes" in p.message for p in result.outcome.problems)
    assert refused  # the early dates were refused, not sent
