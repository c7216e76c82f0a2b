"""The file page of a big file (issue 9: flat memory end to end): the stored file is read as a
stream, one page of segments and events is shown, the lists that are not paged are capped
with their totals, and the page's memory does not grow with the file. The raw reader gives
the same segments whatever the chunks, and the one-pass error locator agrees with a plain
reference that looks at every segment for every error."""

from __future__ import annotations

import random
import re
import tracemalloc
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway.ledger import EventState
from gateway.ledger.ops_queries import OpsQueries
from gateway.ledger.records import EventRecord
from gateway.ledger.tables import Event
from gateway.ops import hooks, replay
from gateway.ops.detail import file_detail
from gateway.ops.detail_rows import CallErrors
from gateway.ops.file_models import DetailQuery
from gateway.ops.models import EventDiff
from gateway.ops.raw import RawSegment, iter_segments, locate_errors, split_segments
from gateway.ops.replay import LISTED_DIFFS, NewItem, diff_items, flatten, listed_diffs
from gateway.service.worker import Gateway
from tests.ops_support import VIEWER, many_sets_214, upload

REPO = Path(__file__).resolve().parents[1]
CORPUS = sorted(p for p in (REPO.parent / "shared" / "corpus").rglob("*") if p.is_file())
SAMPLES = sorted((REPO / "samples").glob("*/input.edi"))


def _page(client: TestClient, file_id: str, **params: int) -> dict[str, Any]:
    answer = client.get(f"/v1/ops/files/{file_id}", params=params, headers=VIEWER)
    assert answer.status_code == 200, answer.text
    page: dict[str, Any] = answer.json()
    return page


def test_pages_walk_every_segment_and_event_once(app: tuple[TestClient, Gateway]) -> None:
    client, _ = app
    data = many_sets_214(120, bad_every=7)
    file_id = upload(client, data)
    first = _page(client, file_id, segments=100, events=25)
    paging = first["paging"]
    whole = split_segments(data)
    assert paging["segment_total"] == len(whole) == 4 + 120 * 8
    assert paging["event_total"] == 120 - 120 // 7
    assert paging["error_total"] == len(first["errors"]) == 120 // 7
    assert paging["transaction_total"] == 120 and paging["interchange_total"] == 1
    seen_segments: list[int] = []
    page = first
    while True:
        seen_segments += [s["number"] for s in page["segments"]]
        if (start := page["paging"]["next_from_segment"]) is None:
            break
        page = _page(client, file_id, from_segment=start, segments=100)
    assert seen_segments == list(range(1, len(whole) + 1))
    seen_events: list[int] = []
    page = first
    while True:
        seen_events += [e["id"] for e in page["events"]]
        assert len(page["events"]) <= 25
        if (after := page["paging"]["next_after_event"]) is None:
            break
        page = _page(client, file_id, after_event=after, events=25)
    assert len(seen_events) == len(set(seen_events)) == paging["event_total"]
    assert seen_events == sorted(seen_events)
    # an error on a later page still names its line; that page marks the segment
    last_error = first["errors"][-1]
    se_line = last_error["line"]
    assert whole[se_line - 1].tag == "SE" and se_line > 100
    later = _page(client, file_id, from_segment=se_line, segments=5)
    assert later["segments"][0]["errors"] == [len(first["errors"]) - 1]
    assert later["segments"][0]["bad_elements"] == [1]
    # lineage of an event far into the file still shows its raw element and line
    tail = _page(client, file_id, after_event=seen_events[-2], events=5)
    (event,) = tail["events"]
    rows = {r["path"]: r for r in event["lineage"]}
    tracking = rows["/statusUpdateDetails/trackingNumber"]
    assert tracking["raw"] == event["tracking_number"] == "1Z00000120"
    assert whole[tracking["line"] - 1].elements[0] == "1Z00000120"
    # the timeline counts events by state instead of listing each
    assert any(t["what"].startswith(f"{paging['event_total']} events pending")
               for t in first["timeline"])  # fmt: skip


def test_page_parameters_are_checked(app: tuple[TestClient, Gateway]) -> None:
    client, _ = app
    file_id = upload(client, many_sets_214(3))
    for bad in ({"segments": 0}, {"segments": 5001}, {"events": 1001}, {"after_event": -1},
                {"from_segment": 0}, {"page": 2}):  # fmt: skip
        answer = client.get(f"/v1/ops/files/{file_id}", params=bad, headers=VIEWER)
        assert answer.status_code == 422, (bad, answer.text)
    beyond = _page(client, file_id, from_segment=10_000)
    assert beyond["segments"] == [] and beyond["paging"]["next_from_segment"] is None
    assert beyond["paging"]["segment_total"] == 4 + 3 * 8


def test_page_memory_does_not_grow_with_the_file(app: tuple[TestClient, Gateway]) -> None:
    """A page of a file of 1,200 sets (the old page held every segment and every event, and
    searched every segment for each lineage value: 137 MB and a minute at this size) stays
    within a few MB, and a page of a 4x bigger file needs no more than 1.5x as much."""
    client, gateway = app
    peaks = []
    for sets in (300, 1200):
        file_id = upload(client, many_sets_214(sets, control=6000 + sets), name=f"{sets}.edi")
        queries = OpsQueries.of(gateway.rt.ledger)
        path = gateway.rt.store.path(file_id)
        tracemalloc.start()
        try:
            detail = file_detail(queries, file_id, path, DetailQuery())
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
        assert detail is not None and len(detail.events) == 100
    assert peaks[1] < 20_000_000, peaks
    assert peaks[1] < 1.5 * peaks[0], peaks


def _chunked(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def _shape(segments: list[RawSegment]) -> list[tuple[Any, ...]]:
    return [(s.number, s.tag, s.elements, s.interchange, s.transaction, s.position)
            for s in segments]  # fmt: skip


@pytest.mark.parametrize("path", [*CORPUS, *SAMPLES], ids=lambda p: p.name)
def test_segments_do_not_depend_on_the_chunks(path: Path) -> None:
    data = path.read_bytes()
    whole = _shape(split_segments(data))
    for size in (1, 2, 3, 7, 64, 4096):
        assert _shape(list(iter_segments(_chunked(data, size)))) == whole, size


def test_release_character_across_chunks_and_text_that_is_not_edi() -> None:
    data = b"UNA:+.? 'UNB+UNOC:3+S+R+261124:1830+7'UNH+1+IFTSTA:D:01B:UN'FTX+AAI+++a?'b?+c'"
    whole = split_segments(data)
    assert whole[2].elements == ["AAI", "", "", "a?'b?+c"]
    for size in range(1, len(data)):
        assert _shape(list(iter_segments(_chunked(data, size)))) == _shape(whole)
    lines = list(iter_segments([b"\xef\xbb\xbfhello\n", b"world\n" * 10_000]))
    assert [s.elements for s in lines[:2]] == [["hello"], ["world"]] and len(lines) == 5000


def _reference(segments: list[RawSegment], error: dict[str, Any]) -> int | None:
    """What the locator must find, by looking at every segment (the definition)."""

    def same(a: Any, b: Any) -> bool:
        if a is None or b is None:
            return False
        a, b = str(a).strip(), str(b).strip()
        return a == b or (a.isdecimal() and b.isdecimal() and int(a) == int(b))

    ic, st = error.get("interchange"), error.get("transaction")
    tag, position = error.get("segment"), error.get("position")
    scope = [s for s in segments if ic is None or same(s.interchange, ic)]
    if st is not None:
        in_set = [s for s in scope if same(s.transaction, st)]
        for found in ([s for s in in_set if position is not None and s.position == position],
                      [s for s in in_set if tag and s.tag == tag], in_set):  # fmt: skip
            if found:
                return found[0].number
    if tag:
        return next((s.number for s in scope if s.tag == tag), None)
    return scope[0].number if scope and ic is not None else None


@pytest.mark.parametrize("seed", range(4))
def test_error_locator_agrees_with_the_reference(seed: int) -> None:
    rng = random.Random(seed)
    files = [p for p in [*CORPUS, *SAMPLES] if p.suffix in (".edi", ".x12", ".txt", "")]
    for path in rng.sample(files, min(12, len(files))):
        segments = split_segments(path.read_bytes())
        if not segments:
            continue
        errors: list[dict[str, Any]] = []
        for _ in range(rng.randint(1, 8)):
            s = rng.choice(segments)
            error: dict[str, Any] = {
                "interchange": rng.choice(
                    [s.interchange, (s.interchange or "").lstrip("0"), "999999999", None]
                ),
                "transaction": rng.choice([s.transaction, "4242", None]),
                "segment": rng.choice([s.tag, "ZZZ", "ISA", "UNH", None]),
                "position": rng.choice([s.position, 1, 500, None]),
                "element": rng.choice([1, 2, None]),
            }
            errors.append({k: v for k, v in error.items() if v is not None})
        expected = [_reference(segments, e) for e in errors]
        assert locate_errors(segments, errors) == expected, (path.name, errors)
        for index, line in enumerate(expected):
            if line is not None:
                assert index in segments[line - 1].errors


def _reference_pairs(original: list[EventRecord], new: list[NewItem]) -> dict[int, int]:
    """The pairing's definition, item by item over every event left (quadratic)."""
    left = list(original)
    paired: dict[int, int] = {}
    for identity in (
        lambda op, item: (op, repr(sorted(flatten(item).items()))),
        lambda op, item: (replay._key(op, item), replay._when(item)),
        lambda op, item: (replay._key(op, item), replay._what(item)),
    ):
        for index, (operation, item) in enumerate(new):
            if index in paired:
                continue
            want = identity(operation, item)
            for event in left:
                if identity(event.operation, event.payload) == want:
                    paired[index] = event.id
                    left.remove(event)
                    break
    return paired


def _record(
    id: int, payload: dict[str, Any], state: EventState = EventState.SUCCESS
) -> EventRecord:
    return EventRecord(id=id, file_id="f", transaction_id=None,
                       operation="submitShipmentStatusUpdates", seller="demo",
                       purchase_order=None, tracking_number=None, payload=payload, lineage={},
                       state=state, batch_id=None, amazon_transaction_id=None,
                       updated_at=datetime.now(UTC))  # fmt: skip


def _status(po: str, tracking: str, code: str, when: str) -> dict[str, Any]:
    return {"purchaseOrderNumber": po, "statusUpdateDetails": {
        "trackingNumber": tracking, "statusCode": code, "reasonCode": "NS",
        "statusDateTime": when}}  # fmt: skip


@pytest.mark.parametrize("seed", range(6))
def test_replay_pairing_agrees_with_the_reference_and_is_linear(
    seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Random first runs and new translations with repeated, changed, moved and missing
    items: the indexed pairing pairs exactly as the item-by-item definition, and flattens
    each body a bounded number of times (the old pairing flattened every event for every
    item: 23,000 events took hours)."""
    rng = random.Random(seed)
    op = "submitShipmentStatusUpdates"
    pos, codes, times = ["PO1", "PO2", "PO3"], ["D1", "X1", "AF"], ["T1", "T2"]
    original = [
        _record(
            n + 1,
            _status(rng.choice(pos), "1Z", rng.choice(codes), rng.choice(times)),
            rng.choice(list(EventState)),
        )
        for n in range(rng.randint(0, 40))
    ]
    new: list[NewItem] = [
        (op, _status(rng.choice(pos), "1Z", rng.choice(codes), rng.choice(times)))
        for _ in range(rng.randint(0, 40))
    ]
    expected = _reference_pairs(original, new)
    diffs = diff_items(original, new)
    got = {i: d.original_event for i, d in enumerate(diffs[: len(new)]) if d.change != "added"}
    assert got == expected
    calls = 0
    real = replay.flatten

    def counting(value: Any, prefix: str = "") -> dict[str, Any]:
        nonlocal calls
        if not prefix:
            calls += 1
        return real(value, prefix)

    monkeypatch.setattr(replay, "flatten", counting)
    many = [(op, _status(f"PO{n}", f"1Z{n}", "D1", "T1")) for n in range(2000)]
    firsts = [_record(n + 1, _status(f"PO{n}", f"1Z{n}", "X1", "T1")) for n in range(2000)]
    diffs = diff_items(firsts, many)
    assert [d.change for d in diffs] == ["changed"] * 2000
    assert calls < 10 * 2000, calls


def test_replay_preview_lists_at_most_its_cap_and_refuses_big_files(
    app: tuple[TestClient, Gateway], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, gateway = app
    diffs = [EventDiff(key=str(n), original_event=n, original_state="success",
                       change="changed" if n % 500 == 0 else "same", fields=[])
             for n in range(LISTED_DIFFS + 500)]  # fmt: skip
    listed = listed_diffs(diffs)
    assert len(listed) == LISTED_DIFFS
    assert [d.key for d in listed[:3]] == ["0", "500", "1000"] and listed[3].change == "same"
    file_id = upload(client, many_sets_214(40))
    preview = client.get(f"/v1/ops/files/{file_id}/replay-preview", headers=VIEWER).json()
    assert preview["changes"] == {"same": 40} and len(preview["events"]) == 40
    monkeypatch.setattr(gateway.rt.settings, "replay_preview_mb", 0.001)
    refused = client.get(f"/v1/ops/files/{file_id}/replay-preview", headers=VIEWER)
    assert refused.status_code == 413, refused.text
    assert "replay_preview_mb" in refused.json()["detail"]


def test_search_terms_of_many_rejected_sets_are_read_in_one_pass(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A file whose 2,000 sets are all refused: the values of its sets are collected with one
    lookup per segment (the old check compared every segment with every refused set: 16,000
    segments x 2,000 sets), up to the cap, control numbers with or without leading zeros."""
    data = many_sets_214(2000, bad_every=1)
    segments = split_segments(data)
    rejected = [("5150", f"{n:04d}") for n in range(1, 2001)]  # ISA13 without its zeros
    calls = 0
    real = hooks.control_key

    def counting(value: object) -> str | None:
        nonlocal calls
        calls += 1
        return real(value)

    monkeypatch.setattr(hooks, "control_key", counting)
    terms = hooks.rejected_set_terms(segments, rejected)
    assert terms[:3] == ["1Z00000001", "PO000001", "DEMO"], terms[:3]
    assert len(terms) == 500  # the cap
    assert calls < 3 * (len(segments) + len(rejected)), calls
    assert hooks.rejected_set_terms(segments, [("999", "0001")]) == []


def _names(error: dict[str, Any], value: str | None) -> bool:
    """The definition: `value` as a whole word in the error's message or details."""
    if not value:
        return False
    text = " ".join(str(error.get(k) or "") for k in ("message", "details"))
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(value)}(?![A-Za-z0-9])", text) is not None


@pytest.mark.parametrize("seed", range(8))
def test_call_errors_name_the_events_as_defined(seed: int) -> None:
    """Random calls (items sharing POs, ids inside longer ids, ids with dashes and dots):
    each event gets the errors naming its package, else (naming no package of the call) its
    PO; the call's unattributed errors are those naming no item, as the definition says."""
    rng = random.Random(seed)
    values = ["PO1", "PO11", "PO-7", "1Z9", "1Z99", "A.B", "X"]
    members = [
        Event(
            id=n,
            tracking_number=rng.choice([*values, None]),
            purchase_order=rng.choice([*values, None]),
        )
        for n in range(rng.randint(1, 8))
    ]
    errors = [
        {
            "code": "InvalidInput",
            "message": " ".join(rng.sample([*values, "word", "PO1x"], 3)),
            "details": rng.choice([None, rng.choice(values)]),
        }
        for _ in range(rng.randint(0, 10))
    ]
    indexed = CallErrors(errors, members)
    for event in members:
        mine = []
        for error in errors:
            if any(_names(error, m.tracking_number) for m in members):
                if _names(error, event.tracking_number):
                    mine.append(error)
            elif _names(error, event.purchase_order):
                mine.append(error)
        assert indexed.of(event) == mine, (event.tracking_number, event.purchase_order)
    assert indexed.unattributed == [
        e for e in errors
        if not any(_names(e, m.tracking_number) or _names(e, m.purchase_order) for m in members)
    ]  # fmt: skip


def test_stored_files_are_read_one_at_a_time(
    app: tuple[TestClient, Gateway], monkeypatch: pytest.MonkeyPatch
) -> None:
    """File pages and replay previews read the stored file in the service process: people
    opening several big files at once wait for each other instead of taking every core."""
    import asyncio
    import threading
    import time

    from gateway.ops import service as ops_service

    client, _ = app
    file_id = upload(client, many_sets_214(3))
    ops = client.app.state.ops  # type: ignore[attr-defined]
    lock, inside, most = threading.Lock(), [0], [0]

    def slow(*args: Any, **kwargs: Any) -> Any:
        with lock:
            inside[0] += 1
            most[0] = max(most[0], inside[0])
        time.sleep(0.05)
        with lock:
            inside[0] -= 1
        return real_detail(*args, **kwargs) if args[0] is not None else None

    def slow_preview(file: str) -> Any:
        return slow(None)

    real_detail = ops_service.file_detail
    monkeypatch.setattr(ops_service, "file_detail", slow)
    monkeypatch.setattr(ops, "_preview", slow_preview)

    async def many() -> list[Any]:
        pages = [ops.detail(file_id) for _ in range(4)]
        previews = [ops.replay_preview(file_id) for _ in range(3)]
        return await asyncio.gather(*pages, *previews)

    found = asyncio.run(many())
    assert most[0] == 1, f"{most[0]} stored-file reads ran at once"
    assert all(page.file.file_id == file_id for page in found[:4])
