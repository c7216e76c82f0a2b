"""The output fast path (issue 11) must mean exactly what the models mean: bodies built as
dicts equal what Amazon's pydantic models validate and dump (same keys, same order), the
compact lineage trails expand to the same per-field entries every way they are read, and the
memos (times, accepted segments, GC thresholds) change nothing but speed."""

from __future__ import annotations

import gc
import io
import json
from datetime import datetime, timedelta
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gateway.pipeline as pipeline
from gateway.ack.context import AckContext
from gateway.cli import _request_json
from gateway.demo import sample_case
from gateway.mapping.build import Trace
from gateway.mapping.codes import load_code_tables
from gateway.mapping.lineage import (
    Lineage,
    detail_text,
    entries,
    expand,
    full_trail,
    item_reports,
    item_reports_json,
)
from gateway.mapping.result import ITEM_KEY, TranslatedRequest
from gateway.mapping.times import _parse_local, parse_local
from gateway.origin import Origin
from gateway.parse.records import Src, Val
from gateway.profile import PartnerProfile

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
CASES = sorted(p for p in SAMPLES.iterdir() if p.is_dir())


def _requests(case: Path) -> list[TranslatedRequest]:
    source, profile, _ = sample_case(case)
    requests: list[TranslatedRequest] = []
    with source.open("rb") as stream:
        pipeline.translate_stream(
            stream, profile, load_code_tables(), AckContext(), requests.append
        )
    return requests


ALL = [(case.name, r) for case in CASES for r in _requests(case)]


def test_the_samples_make_requests_of_both_operations() -> None:
    assert {r.operation for _, r in ALL} == set(ITEM_KEY)


@pytest.mark.parametrize(("case", "request_"), ALL, ids=[c for c, _ in ALL])
def test_body_dict_is_what_the_model_dumps(case: str, request_: TranslatedRequest) -> None:
    body = request_.body_json()
    model = request_.body  # validated from the dict: raises when the dict breaks the model
    dumped = model.model_dump(mode="json", exclude_none=True)
    assert json.dumps(body) == json.dumps(dumped)  # same keys in the same order
    assert orjson.loads(request_.body_text()) == body
    assert request_.event_count() == len(body[ITEM_KEY[request_.operation]])


@pytest.mark.parametrize(("case", "request_"), ALL, ids=[c for c, _ in ALL])
def test_every_reading_of_the_lineage_agrees(case: str, request_: TranslatedRequest) -> None:
    lineage = request_.lineage
    assert lineage and all(isinstance(e, Lineage) for e in lineage)
    assert request_.lineage_report() == [e.to_report() for e in lineage]
    assert request_.lineage_json() == [json.dumps(e.to_report()) for e in lineage]
    assert request_.lineage_text() == ", ".join(json.dumps(e.to_report()) for e in lineage)
    key = ITEM_KEY[request_.operation]
    for index in range(request_.event_count()):
        prefix = f"/{key}/{index}/"
        expected = [e.to_report() | {"path": "/" + e.path[len(prefix) :]}
                    for e in lineage if e.path.startswith(prefix)]  # fmt: skip
        assert request_.item_lineage(index) == expected
    # the same request made the slow way (model + expanded lineage) reads the same
    r = request_
    slow = TranslatedRequest(r.operation, r.body, r.origin, r.purchase_orders,
                             r.tracking_numbers, lineage)  # fmt: skip
    assert slow == request_
    assert [slow.item_lineage(i) for i in range(slow.event_count())] == [
        request_.item_lineage(i) for i in range(request_.event_count())
    ]
    assert slow.lineage_report() == request_.lineage_report()


def test_a_trail_is_flat_plain_values_and_expands_in_order() -> None:
    trace = Trace()
    value = Val("1Z4711", Src("L11", 7, 1))
    assert trace.segment("/trackingNumber", value) == "1Z4711"
    when = datetime(2026, 11, 24, 10, 15)
    srcs = (("AT7", 6, 5, None), ("AT7", 6, 6, None))
    trace.note("/when", "derived", (when, srcs, "zone UT: UTC"), Src("AT7", 6, 5))
    trace.note("/name", "default", "a default")
    trail = tuple(trace.entries)
    assert all(isinstance(v, (str, int, tuple, type(None))) for v in trail)
    (lineage_a, lineage_b, lineage_c) = expand("shipmentStatusUpdates", [trail])
    assert lineage_a == Lineage("/shipmentStatusUpdates/0/trackingNumber", "segment", "L11", 7, 1)
    assert lineage_b.detail == "2026-11-24T10:15:00 from AT705 (segment 6), AT706 (segment 6); " \
        "zone UT: UTC"  # fmt: skip
    assert lineage_c == Lineage("/shipmentStatusUpdates/0/name", "default", detail="a default")
    assert item_reports(trail, "/x") == [
        {"path": "/x/trackingNumber", "kind": "segment", "segment": "L11", "position": 7,
         "element": 1},
        {"path": "/x/when", "kind": "derived", "segment": "AT7", "position": 6, "element": 5,
         "detail": lineage_b.detail},
        {"path": "/x/name", "kind": "default", "detail": "a default"},
    ]  # fmt: skip
    assert [e[0] for e in entries(tuple(trace.under("/p")))] == ["/p/trackingNumber", "/p/when",
                                                                "/p/name"]  # fmt: skip
    trace.without("/when")
    assert [e[0] for e in entries(tuple(trace.entries))] == ["/trackingNumber", "/name"]
    assert detail_text(None) is None and detail_text("text") == "text"


def test_lineage_json_is_what_json_dumps_writes() -> None:
    trace = Trace()
    trace.segment("/a", Val("x", Src("GIN", 4, 2, 1)), 'Zoë\'s "pack"\t\u2026')
    trace.note("/b", "profile", "partner ü: ship_method")
    trace.note("/c", "derived", (datetime(2026, 1, 2, 3, 4), (("DTM", 5, 1, 2),), "UTC"),
               Src("DTM", 5, 1, 2))  # fmt: skip
    trace.segment("/d", Val("y", Src("L11", 9, 1)))
    trail = tuple(trace.entries)
    texts = item_reports_json(trail, "/shipmentConfirmations/3")
    assert texts == [json.dumps(r) for r in item_reports(trail, "/shipmentConfirmations/3")]
    assert json.loads(texts[0])["component"] == 1
    # the remembered text after a path is the same for the next item, and for a prefix
    # that needs escaping
    again = item_reports_json(trail, '/x"\u00e9/4')
    assert again == [json.dumps(r) for r in item_reports(trail, '/x"\u00e9/4')]


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"[0-9]{6,8}", fullmatch=True) | st.text(max_size=9),
       st.none() | st.from_regex(r"[0-9]{2,8}", fullmatch=True) | st.text(max_size=5))  # fmt: skip
def test_the_time_memo_answers_as_the_parser(date: str, time: str | None) -> None:
    first = parse_local(date, time)
    assert first == _parse_local(date, time) == parse_local(date, time)


def test_translating_restores_the_collector_thresholds() -> None:
    before = gc.get_threshold()
    data = next((SAMPLES / "01-x12-214-delivered").glob("input.*")).read_bytes()
    source, profile, _ = sample_case(SAMPLES / "01-x12-214-delivered")
    seen: list[tuple[int, int, int]] = []

    def emit(_: TranslatedRequest) -> None:
        seen.append(gc.get_threshold())

    pipeline.translate_stream(io.BytesIO(data), profile, load_code_tables(), AckContext(), emit)
    assert seen and all(t == pipeline._GC_THRESHOLDS for t in seen)
    assert gc.get_threshold() == before
    assert source.exists()


ORIGIN = Origin("x12", "S", "R", "1", "1", "0001", "214", "004010", False)


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        "a, b: c",
        'say "hi"',
        "back\\slash",
        "caf\u00e9",
        "tab\there",
        "del\x7f",
        "2026-11-24T12:07:00Z",
        "{[,:]}",
    ],
)
@pytest.mark.parametrize("number", [24, -3, 1.5, 1e16, True, None])
def test_body_dumps_is_what_json_dumps_writes(value: str, number: object) -> None:
    items = [{"a": value, "n": number, "list": [value, {"k": number}], "e": ""}]
    request_ = TranslatedRequest.from_items(
        "submitShipmentStatusUpdates", items, ORIGIN, (), (), ((),)
    )
    assert request_.body_dumps() == json.dumps(request_.body_json())
    spooled = TranslatedRequest.from_items(
        "submitShipmentStatusUpdates", None, ORIGIN, (), (), ((),), text=request_.body_text()
    )
    assert spooled.body_dumps() == json.dumps(request_.body_json())


PROFILE = PartnerProfile(selling_party="999US", ship_from="ABCD")
# STS status (and reason) pairs Amazon takes (mappings/status_codes.yaml); None: no reason
STATUSES = [("302", "000"), ("301", None), ("201", "000"), ("101", "000")]


def _iftsta(messages: int, consignments: int, distinct_times: bool) -> bytes:
    """An IFTSTA interchange whose messages repeat their consignments' shapes (statuses,
    reasons present or not, places or none, and the times unless `distinct_times`) with
    their own tracking numbers and purchase orders."""
    segments = ["UNB+UNOA:3+CARRIER:ZZ+AMAZON:ZZ+261125:1200+7"]
    for m in range(1, messages + 1):
        body = [f"UNH+{m}+IFTSTA:D:01B:UN", f"BGM+23+ST{m}+9"]
        for n in range(1, consignments + 1):
            status, reason = STATUSES[n % len(STATUSES)]
            minute = m * consignments + n if distinct_times else n
            when = datetime(2026, 11, 24) + timedelta(minutes=minute)
            body += [f"CNI+{n}+TRK{m:05d}{n:04d}",
                     f"STS+1+{status}" + (f"+{reason}" if reason else ""),
                     f"RFF+ON:PO{m:05d}",
                     f"DTM+334:{when:%Y%m%d%H%M}:203"]  # fmt: skip
            if n % 3:
                body.append("LOC+175+USSEA::6:Seattle" if n % 3 == 1 else "LOC+175+DEHAM::6")
        segments += [*body, f"UNT+{len(body) + 1}+{m}"]
    segments.append(f"UNZ+{messages}+7")
    return ("UNA:+.? '" + "'\n".join(segments) + "'\n").encode("ascii")


def _translated(data: bytes) -> list[TranslatedRequest]:
    requests: list[TranslatedRequest] = []
    outcome = pipeline.translate_stream(
        io.BytesIO(data), PROFILE, load_code_tables(), AckContext(), requests.append
    )
    assert outcome.accepted, outcome.problems
    return requests


@pytest.mark.parametrize(("messages", "distinct_times"), [(30, False), (60, True)])
def test_lineage_text_is_every_entry_as_json_dumps_writes_it(
    messages: int, distinct_times: bool
) -> None:
    """`edigw translate --lineage` (`_request_json`) prints every entry of every item, the
    items' trails expanded and worded once per shape (the same consignments message after
    message; with their own times, more shapes than are remembered), exactly as
    `json.dumps` writes the expanded entries, each under its own item's index."""
    requests = _translated(_iftsta(messages, 80, distinct_times))
    assert sum(r.event_count() for r in requests) == messages * 80
    assert len(requests) > 1  # chunked: the same shapes again in the next request
    for r in requests:
        trails = r.stored_trails()
        assert all(callable(trail[0]) for trail in trails)  # compact: made in one go
        expected = [json.dumps(e.to_report())
                    for e in expand(ITEM_KEY[r.operation], map(full_trail, trails))]  # fmt: skip
        assert r.lineage_text() == ", ".join(expected)
        assert r.lineage_text() == ", ".join(expected)  # again: the remembered shapes
        printed = {"operation": r.operation, "body": r.body_json(),
                   "lineage": [json.loads(text) for text in expected]}  # fmt: skip
        assert _request_json(r, True) == json.dumps(printed)
        assert r.stored_trails() is trails  # not kept expanded


def test_a_status_updates_lineage_names_each_source() -> None:
    """The entries of an IFTSTA consignment's update, as printed: the profile's parties,
    the code-table row of the status pair (the reason defaulted when STS has none), the
    time read and its zone, the address defaults, the city, tracking number and order."""
    (request,) = _translated(_iftsta(1, 4, distinct_times=False))
    printed = json.loads("[" + request.lineage_text() + "]")
    row = "status_codes.yaml DELIVERED: edifact 301/000 -> DELIVERED, sent as edifact 301/000"
    why = "partner default address_defaults (not carried by carrier EDI)"
    item = "/shipmentStatusUpdates/0"
    details = f"{item}/statusUpdateDetails"
    address = f"{details}/statusLocationAddress"
    assert printed[:11] == [
        {"path": f"{item}/sellingParty/partyId", "kind": "profile",
         "detail": "partner default: sellingParty"},
        {"path": f"{item}/shipFromParty/partyId", "kind": "profile",
         "detail": "partner default: shipFromParty"},
        {"path": f"{details}/statusCode", "kind": "code_table", "segment": "STS", "position": 4,
         "element": 2, "component": 1, "detail": row},
        {"path": f"{details}/reasonCode", "kind": "default",
         "detail": f"no reason code: edifact default '000' ({row})"},
        {"path": f"{details}/statusDateTime", "kind": "derived", "segment": "DTM", "position": 6,
         "element": 1, "component": 2, "detail": "2026-11-24T00:01:00 from DTM01-2 (segment 6); "
         "no time code: partner time zone UTC"},
        {"path": f"{address}/name", "kind": "default", "detail": f"{why}: name"},
        {"path": f"{address}/addressLine1", "kind": "default", "detail": f"{why}: address_line1"},
        {"path": f"{address}/countryCode", "kind": "default", "detail": f"{why}: country_code"},
        {"path": f"{address}/city", "kind": "segment", "segment": "LOC", "position": 7,
         "element": 2, "component": 4},
        {"path": f"{details}/trackingNumber", "kind": "segment", "segment": "CNI", "position": 3,
         "element": 2, "component": 1},
        {"path": f"{item}/purchaseOrderNumber", "kind": "segment", "segment": "RFF",
         "position": 5, "element": 1, "component": 2},
    ]  # fmt: skip
    assert printed[11]["path"] == "/shipmentStatusUpdates/1/sellingParty/partyId"
    assert len(printed) == 11 + 10 + 10 + 11  # the 2nd and 3rd consignment without a city
