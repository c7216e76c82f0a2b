"""The output fast path (issue 11) must mean exactly what the models mean: bodies built as
dicts equal what Amazon's pydantic models validate and dump (same keys, same order), the
compact lineage trails expand to the same per-field entries every way they are read, and the
memos (times, accepted segments, GC thresholds) change nothing but speed."""

from __future__ import annotations

import gc
import io
import json
from datetime import datetime
from pathlib import Path

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import gateway.pipeline as pipeline
from gateway.ack.context import AckContext
from gateway.demo import sample_case
from gateway.mapping.build import Trace
from gateway.mapping.codes import load_code_tables
from gateway.mapping.lineage import (
    Lineage,
    detail_text,
    entries,
    expand,
    item_reports,
    item_reports_json,
)
from gateway.mapping.result import ITEM_KEY, TranslatedRequest
from gateway.mapping.times import _parse_local, parse_local
from gateway.origin import Origin
from gateway.parse.records import Src, Val

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
