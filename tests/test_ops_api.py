"""/v1/ops: search over every kind of key, work lists, the file page's data, the replay
diff, actions and their rights (operator keys act, viewer keys read, partner keys neither)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway.ledger import EventState
from gateway.ledger.records import EventRecord
from gateway.ops.replay import diff_items, would_resend
from gateway.service.worker import Gateway
from tests.ops_support import OPERATOR, PARTNER_KEY, REPO, VIEWER, scan_214, upload


def files(client: TestClient, **params: str | int) -> list[str]:
    answer = client.get("/v1/ops/files", params=params, headers=VIEWER)
    assert answer.status_code == 200, answer.text
    return [item["file_id"] for item in answer.json()["items"]]


def test_search_by_every_criterion(app: tuple[TestClient, Gateway]) -> None:
    client, _ = app
    good = upload(client, scan_214(4711, "1ZGOOD1", "POG1", group=815, st="0042"))
    bad = upload(client, scan_214(4712, "1ZBAD1", "POB1", se_count=3))
    odd = upload(client, scan_214(4713, "1ZODD1", "POO1", status="ZZ", reason="QQ"))
    assert files(client, tracking="1ZGOOD1") == [good]
    assert files(client, po="POG1") == [good]
    assert files(client, tracking="nothing") == []
    # ISA13 with and without its leading zeros, GS06, ST02
    assert files(client, control="4712") == [bad]
    assert files(client, control="000004712") == [bad]
    assert files(client, control="815") == [good]
    assert files(client, control="42") == [good]
    assert files(client, error="set_count_mismatch") == [bad]
    assert files(client, error="unmapped_status") == [odd]
    assert files(client, partner="demo") == [odd, bad, good]  # newest first
    assert files(client, event_state="pending") == [good]
    # a rejected set makes no event, yet its file is found by its numbers
    assert files(client, state="translated", tracking="1ZBAD1") == [bad]
    assert files(client, po="POB1") == [bad]
    assert files(client, tracking="1ZBAD1", state="done") == []
    assert files(client, until="2000-01-01") == []
    assert set(files(client, since="2000-01-01")) == {good, bad, odd}
    page = client.get("/v1/ops/files", params={"page_size": 2}, headers=VIEWER).json()
    assert len(page["items"]) == 2 and page["has_more"] is True
    rest = client.get("/v1/ops/files", params={"page_size": 2, "page": 2}, headers=VIEWER).json()
    assert [i["file_id"] for i in rest["items"]] == [good] and rest["has_more"] is False
    row = client.get("/v1/ops/files", params={"po": "POG1"}, headers=VIEWER).json()["items"][0]
    assert row["tracking_numbers"] == ["1ZGOOD1"] and row["controls"] == ["000004711"]
    assert row["events"] == {"pending": 1} and row["accepted"] is True


def test_unknown_or_bad_parameters_are_refused(app: tuple[TestClient, Gateway]) -> None:
    client, _ = app
    upload(client, scan_214(1, "1Z1", "PO1"))
    for url in (
        "/v1/ops/files?trackin=1Z1",
        "/v1/ops/worklists?day=3",
        "/v1/ops/dashboard?partner=x",
        "/v1/ops/files?page=0",
        "/v1/ops/files?error=a%25b",
    ):
        answer = client.get(url, headers=VIEWER)
        assert answer.status_code == 422, url
    detail = client.get("/v1/ops/files?trackin=1Z1", headers=VIEWER).json()["detail"]
    assert detail[0]["loc"] == ["query", "trackin"]


def test_keys_and_roles(app: tuple[TestClient, Gateway]) -> None:
    client, _ = app
    file_id = upload(client, scan_214(2, "1Z2", "PO2"))
    assert client.get("/v1/ops/files").status_code == 401
    assert client.get("/v1/ops/files", headers={"X-API-Key": "wrong"}).status_code == 401
    assert client.get("/v1/ops/files", headers=PARTNER_KEY).status_code == 403
    assert client.get(f"/v1/ops/files/{file_id}", headers=VIEWER).status_code == 200
    override = {"syntax": "x12", "status": "X9", "event": "DELIVERED", "note": "n"}
    for method, url, body in (
        ("post", f"/v1/ops/files/{file_id}/replay", {}),
        ("post", f"/v1/ops/files/{file_id}/requeue", {"note": "x"}),
        ("post", f"/v1/ops/files/{file_id}/resolve", {"note": "x"}),
        ("post", "/v1/ops/partners/demo/overrides", override),
    ):
        answer = client.request(method, url, json=body, headers=VIEWER)
        assert answer.status_code == 403, url
    assert client.get("/v1/ops/actions", headers=VIEWER).json() == []


def test_file_detail_locates_errors_and_shows_lineage(app: tuple[TestClient, Gateway]) -> None:
    client, _ = app
    bad = upload(client, scan_214(77, "1ZB", "POB", se_count=5))
    detail = client.get(f"/v1/ops/files/{bad}", headers=VIEWER).json()
    (error,) = detail["errors"]
    assert (error["code"], error["segment"], error["element"]) == ("set_count_mismatch", "SE", 1)
    assert error["standard_code"] == "4"  # 997 AK502: number of included segments wrong
    faulty = [s for s in detail["segments"] if s["errors"]]
    assert [(s["number"], s["tag"], s["bad_elements"]) for s in faulty] == [(10, "SE", [1])]
    assert detail["segments"][error["line"] - 1]["elements"][0] == "5"
    assert [a["type"] for a in detail["acks"]] == ["997"]

    good = upload(client, scan_214(78, "1ZG", "POG", status="D1", reason="NS"))
    (event,) = client.get(f"/v1/ops/files/{good}", headers=VIEWER).json()["events"]
    assert (event["tracking_number"], event["status"], event["reason"]) == ("1ZG", "D1", "NS")
    by_path = {row["path"]: row for row in event["lineage"]}
    status = by_path["/statusUpdateDetails/statusCode"]
    assert (status["value"], status["raw"], status["segment"], status["line"]) == (
        "D1",
        "D1",
        "AT7",
        7,
    )
    assert by_path["/statusUpdateDetails/trackingNumber"]["raw"] == "1ZG"
    assert any("received" in t["what"] for t in detail["timeline"])


def test_override_shows_in_the_replay_diff_then_replay(
    app: tuple[TestClient, Gateway], caplog: pytest.LogCaptureFixture
) -> None:
    client, gateway = app
    odd = upload(client, scan_214(90, "1ZODD", "POO", status="ZZ", reason="QQ"))
    before = client.get(f"/v1/ops/files/{odd}/replay-preview", headers=VIEWER).json()
    assert before["events"] == [] and not before["accepted"]
    wrong = {"syntax": "x12", "status": "ZZ", "reason": "QQ", "event": "NOPE", "note": "x"}
    refused = client.post("/v1/ops/partners/demo/overrides", json=wrong, headers=OPERATOR)
    assert refused.status_code == 422
    assert (
        client.post(
            "/v1/ops/partners/nobody/overrides",
            json={**wrong, "event": "DELIVERED"},
            headers=OPERATOR,
        ).status_code
        == 404
    )
    override = {**wrong, "event": "DELIVERED", "note": "carrier's own delivered code"}
    with caplog.at_level(logging.INFO, logger="edigw.ops"):
        first = client.post("/v1/ops/partners/demo/overrides", json=override, headers=OPERATOR)
        second = client.post(
            "/v1/ops/partners/demo/overrides",
            json={**override, "event": "IN_TRANSIT"},
            headers=OPERATOR,
        )
        assert (first.json()["version"], second.json()["version"]) == (1, 2)
        after = client.get(f"/v1/ops/files/{odd}/replay-preview", headers=VIEWER).json()
        (item,) = after["events"]
        assert item["change"] == "added" and after["override_version"] == 2
        changed = {f["path"]: f["after"] for f in item["fields"]}
        assert changed["/statusUpdateDetails/statusCode"] == "O1"  # IN_TRANSIT, v2 wins
        assert [o["version"] for o in after["new_overrides"]] == [2, 1]
        replay = client.post(
            f"/v1/ops/files/{odd}/replay", json={"note": "mapped now"}, headers=OPERATOR
        )
        assert replay.status_code == 201, replay.text
    new_id = replay.json()["file_id"]
    assert replay.json()["replay_of"] == odd and replay.json()["operator"] == "ops"
    assert any(
        r.levelname == "INFO"
        and getattr(r, "operator", None) == "ops"
        and getattr(r, "new_file", None) == new_id
        for r in caplog.records
    )
    actions = client.get("/v1/ops/actions", headers=VIEWER).json()
    assert [(a["action"], a["operator"]) for a in actions][:1] == [("replay", "ops")]
    assert actions[0]["note"] == "mapped now"
    assert gateway.rt.ledger.get_file(new_id) is not None


def test_resolve_takes_a_file_off_the_work_lists(app: tuple[TestClient, Gateway]) -> None:
    client, _ = app
    bad = upload(client, scan_214(5, "1Z5", "PO5", se_count=2))
    junk = upload(client, b"hello, this is not EDI at all")
    lists = client.get("/v1/ops/worklists", headers=VIEWER).json()
    assert [i["file_id"] for i in lists["rejected"]] == [bad]
    assert lists["rejected"][0]["codes"] == ["set_count_mismatch"]
    assert [i["file_id"] for i in lists["quarantined"]] == [junk]
    assert (
        client.post(f"/v1/ops/files/{bad}/resolve", json={"note": ""}, headers=OPERATOR).status_code
        == 422
    )
    done = client.post(
        f"/v1/ops/files/{bad}/resolve", json={"note": "partner resent"}, headers=OPERATOR
    )
    assert done.status_code == 200 and done.json()["operator"] == "ops"
    lists = client.get("/v1/ops/worklists", headers=VIEWER).json()
    assert lists["rejected"] == [] and len(lists["quarantined"]) == 1


class _Client:
    def __init__(self, status: str) -> None:
        self.status = status
        self.asked: list[str] = []

    async def transaction_status(self, seller: str, transaction_id: str, sandbox: bool) -> object:
        from gateway.spapi import TransactionState, TransactionStatus

        self.asked.append(transaction_id)
        return TransactionState(transaction_id, TransactionStatus(self.status))


class _Submitter:
    def __init__(self, status: str) -> None:
        self.client = _Client(status)


@pytest.mark.parametrize(("amazon", "requeued"), [("Success", False), ("Failure", True)])
def test_requeue_asks_amazon_first(
    app: tuple[TestClient, Gateway], amazon: str, requeued: bool
) -> None:
    from gateway.spapi import CallResult

    client, gateway = app
    ledger = gateway.rt.ledger
    file_id = upload(client, scan_214(6, "1Z6", "PO6"))
    (event,) = ledger.events_for_file(file_id)
    call = ledger.mark_sending([event.id])
    ledger.record_call(
        call, CallResult("submitShipmentStatusUpdates", "http://x", 202, 1, (), "tx-6", ())
    )
    with ledger._tx() as session:  # the state a crash or an unconfirmed call leaves behind
        from gateway.ledger.tables import Event

        row = session.get(Event, event.id)
        assert row is not None
        row.state = EventState.UNKNOWN.value
    submitter = _Submitter(amazon)
    gateway.rt.submitter = submitter  # type: ignore[assignment]
    answer = client.post(
        f"/v1/ops/files/{file_id}/requeue", json={"note": "after outage"}, headers=OPERATOR
    )
    assert answer.status_code == 200, answer.text
    assert submitter.client.asked == ["tx-6"]
    (after,) = ledger.events_for_file(file_id)
    assert (after.state is EventState.PENDING) is requeued
    assert answer.json()["requeued"] == ([event.id] if requeued else [])
    again = client.post(f"/v1/ops/files/{file_id}/requeue", json={}, headers=OPERATOR)
    assert again.status_code == (409 if requeued else 200)


def test_dashboard_figures(app: tuple[TestClient, Gateway]) -> None:
    client, _ = app
    upload(client, scan_214(7, "1Z7", "PO7"))
    upload(client, scan_214(8, "1Z8", "PO8", status="ZZ", reason="QQ"))
    last = upload(client, scan_214(9, "1Z9", "PO9", status="ZZ", reason="QQ"))
    board = client.get("/v1/ops/dashboard", params={"days": 3}, headers=VIEWER).json()
    assert len(board["days"]) == 3 and board["files_per_partner"]["demo"][-1] == 3
    assert board["events_per_partner"]["demo"][-1] == 1
    assert board["rejection_rate"]["demo"] == pytest.approx(2 / 3)
    assert board["unmapped_pairs"] == [["x12 ZZ/QQ", 2]]
    (acks,) = board["ack_controls"]
    assert (acks["partner_id"], acks["acks"], acks["last_type"]) == ("demo", {"997": 3}, "997")
    latest = client.get(f"/v1/ops/files/{last}", headers=VIEWER).json()["acks"][-1]
    assert acks["last_control"] == latest["content"].split("*")[13]  # its ISA13
    assert acks["reserved_up_to"] >= int(acks["last_control"])


def test_docs_work_offline(app: tuple[TestClient, Gateway]) -> None:
    client, _ = app
    page = client.get("/docs").text
    assert "/docs/static/swagger-ui-bundle.js" in page and "cdn" not in page.lower()
    assert client.get("/docs/static/swagger-ui-bundle.js").status_code == 200
    paths = client.get("/openapi.json").json()["paths"]
    assert {
        "/v1/ops/files",
        "/v1/ops/files/{file_id}",
        "/v1/ops/worklists",
        "/v1/ops/dashboard",
    } <= set(paths)
    assert not any(p.startswith("/console") for p in paths)


def test_refused_events_are_listed_and_found_by_amazon_code(
    app: tuple[TestClient, Gateway],
) -> None:
    from gateway.spapi import ApiError, CallResult

    client, gateway = app
    ledger = gateway.rt.ledger
    file_id = upload(client, scan_214(11, "1Z11", "PO11"))
    (event,) = ledger.events_for_file(file_id)
    call = ledger.mark_sending([event.id])
    refusal = ApiError("InvalidInput", "trackingNumber is not a confirmed package")
    ledger.record_call(
        call,
        CallResult("submitShipmentStatusUpdates", "http://x", 400, 1, ("r-1",), None, (refusal,)),
    )
    lists = client.get("/v1/ops/worklists", headers=VIEWER).json()
    (item,) = lists["refused_events"]
    assert (item["file_id"], item["event_id"], item["state"]) == (file_id, event.id, "rejected")
    assert item["codes"] == ["InvalidInput"] and item["tracking_number"] == "1Z11"
    assert item["summary"].startswith("refused by Amazon (HTTP 400) — InvalidInput")
    assert files(client, error="InvalidInput") == [file_id]
    assert files(client, event_state="rejected") == [file_id]
    (shown,) = client.get(f"/v1/ops/files/{file_id}", headers=VIEWER).json()["events"]
    assert shown["call"]["request_ids"] == ["r-1"] and shown["call"]["status_code"] == 400
    assert shown["call"]["errors"][0]["code"] == "InvalidInput"


def test_edifact_found_by_unb_reference(app: tuple[TestClient, Gateway]) -> None:
    client, _ = app
    sample = REPO / "samples" / "10-edifact-iftsta-d01b" / "input.edi"
    text = sample.read_text(encoding="utf-8").replace("IC1001", "ICOPS42")
    file_id = upload(client, text.encode("utf-8"), "iftsta.edi")
    assert files(client, control="ICOPS42") == [file_id]
    detail = client.get(f"/v1/ops/files/{file_id}", headers=VIEWER).json()
    tags = [s["tag"] for s in detail["segments"]]
    assert tags[:3] == ["UNB", "UNH", "BGM"] and tags[-1] == "UNZ"
    assert detail["interchanges"][0]["control"] == "ICOPS42"


def test_stuck_and_late_events_in_the_work_lists(app: tuple[TestClient, Gateway]) -> None:
    from datetime import UTC, datetime, timedelta

    from gateway.ledger import NewEvent
    from gateway.ledger.ops_queries import OpsQueries
    from gateway.ops.worklists import build_work_lists

    client, gateway = app
    rt = gateway.rt
    waiting = upload(client, scan_214(12, "1Z12", "PO12"))
    crashed = upload(client, scan_214(13, "1Z13", "PO13"))
    (event,) = rt.ledger.events_for_file(crashed)
    rt.ledger.mark_sending([event.id])
    assert rt.ledger.mark_unknown_after_crash() == 1
    shipped = datetime.now(UTC) - timedelta(hours=3, minutes=55)  # due within 4 h
    confirmation = {
        "purchaseOrderNumber": "PO14",
        "shipmentDetails": {"shippedDate": shipped.isoformat()},
    }
    rt.ledger.add_events(
        waiting, [NewEvent("submitShipmentConfirmations", "demo", confirmation, "PO14")]
    )
    queries = OpsQueries.of(rt.ledger)
    soon = build_work_lists(rt, queries, 7, datetime.now(UTC) + timedelta(seconds=5))
    assert [(i.kind, i.tracking_number) for i in soon.stuck_events] == [("stuck", "1Z13")]
    later = datetime.now(UTC) + timedelta(seconds=rt.settings.files_waiting_alert + 60)
    lists = build_work_lists(rt, queries, 7, later)
    kinds = sorted((i.kind, i.purchase_order) for i in lists.stuck_events)
    assert kinds == [("late", "PO14"), ("stuck", "PO13"), ("waiting", "PO12")]
    assert "events_unknown" in lists.alerts


def _sample_01(control: int, first_status: str) -> bytes:
    """Sample 01 (OD then D1 for PO4711 / 1Z4711A) with its ISA13 and first AT7 changed."""
    text = (REPO / "samples/01-x12-214-delivered/input.edi").read_text()
    text = text.replace("000000101", f"{control:09d}").replace("AT7*OD*NS", first_status)
    return text.encode()


def test_replay_diff_pairs_items_by_what_they_are_not_by_position(
    app: tuple[TestClient, Gateway],
) -> None:
    client, _ = app
    odd = upload(client, _sample_01(7301, "AT7*YY*NS"))
    first = client.get(f"/v1/ops/files/{odd}", headers=VIEWER)
    override = {"syntax": "x12", "status": "YY", "reason": "NS", "event": "IN_TRANSIT", "note": "n"}
    made = client.post("/v1/ops/partners/demo/overrides", json=override, headers=OPERATOR)
    assert made.status_code == 201, made.text
    preview = client.get(f"/v1/ops/files/{odd}/replay-preview", headers=VIEWER).json()
    changes = {e["change"]: {f["path"]: f["after"] for f in e["fields"]} for e in preview["events"]}
    assert sorted(e["change"] for e in preview["events"]) == ["added", "same"], first.text
    assert changes["added"]["/statusUpdateDetails/statusCode"] == "O1"
    (same,) = [e for e in preview["events"] if e["change"] == "same"]
    assert same["original_event"] is not None and "D1" in same["key"]
    assert preview["would_resend"] == 1  # the YY scan only: D1 is on its way already


def _event(id_: int, status: str, when: str, tracking: str = "1ZT") -> EventRecord:
    payload = {
        "purchaseOrderNumber": "PO1",
        "statusUpdateDetails": {
            "trackingNumber": tracking,
            "statusCode": status,
            "reasonCode": "NS",
            "statusDateTime": when,
        },
    }
    return EventRecord(
        id=id_, file_id="f", transaction_id=None, operation="submitShipmentStatusUpdates",
        seller="s", purchase_order="PO1", tracking_number=tracking, payload=payload,
        lineage=None, state=EventState.SUCCESS, batch_id=None, amazon_transaction_id=None,
        updated_at=datetime.now(UTC),
    )  # fmt: skip


def test_diff_pairs_reordered_added_removed_and_remapped_events() -> None:
    old = [_event(1, "X1", "T1"), _event(2, "X2", "T2"), _event(3, "X3", "T3")]
    new: list[tuple[str, dict[str, Any]]] = [
        ("submitShipmentStatusUpdates", e.payload)
        for e in (_event(0, "X0", "T0"), _event(0, "X3", "T3"), _event(0, "Z1", "T1"))
    ]  # reordered (X3 first), added (X0), removed (X2), remapped (X1 -> Z1 at the same time)
    diffs = {(d.change, d.original_event) for d in diff_items(old, new)}
    assert diffs == {("added", None), ("same", 3), ("changed", 1), ("removed", 2)}
    assert would_resend(diff_items(old, new)) == 2  # the added and the remapped item
    assert would_resend(diff_items(old, list(reversed(new[1:2])))) == 0


def test_search_ignores_case_and_shows_what_matched(app: tuple[TestClient, Gateway]) -> None:
    client, _ = app
    good = upload(client, scan_214(8101, "1ZCase9", "PoMixed9"))
    bad = upload(client, scan_214(8102, "1ZREJ7", "POREJ7", se_count=3))
    assert files(client, tracking="1zcase9") == [good]
    assert files(client, po="pomixed9") == [good]
    assert files(client, tracking="1zrej7") == [bad]  # a rejected set's number, any case
    rows = client.get("/v1/ops/files", params={"tracking": "1ZREJ7"}, headers=VIEWER).json()
    assert rows["items"][0]["matched"] == ["1ZREJ7"]
    row = client.get("/v1/ops/files", params={"po": "POMIXED9"}, headers=VIEWER).json()
    assert row["items"][0]["matched"] == ["PoMixed9"]
    row = client.get("/v1/ops/files", params={"control": "8101"}, headers=VIEWER).json()
    assert row["items"][0]["matched"] == ["ISA13/UNB 000008101"]
