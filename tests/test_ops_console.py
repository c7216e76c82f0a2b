"""The console's pages and forms: login and session cookie, redirect without a session,
work lists, search, the file page's highlighted segment, CSRF, and 403 for viewers."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.ledger import FileState
from gateway.service.worker import Gateway
from tests.ops_support import VIEWER, login, login_token, scan_214, upload


def csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "no CSRF field on the page"
    return found.group(1)


def test_without_a_session_every_page_goes_to_login(app: tuple[TestClient, Gateway]) -> None:
    client, _ = app
    for url in (
        "/console",
        "/console/files?tracking=1Z",
        "/console/dashboard",
        "/console/files/abc",
        "/console/overrides",
    ):
        answer = client.get(url, follow_redirects=False)
        assert answer.status_code == 303, url
        assert answer.headers["location"].startswith("/console/login?next=/console")
    posted = client.post("/console/files/abc/resolve", data={"note": "x"}, follow_redirects=False)
    assert posted.status_code == 303 and posted.headers["location"].startswith("/console/login")
    form = client.get("/console/login").text
    assert 'name="username"' in form and 'name="password"' in form


def test_login_sets_a_safe_session_cookie(app: tuple[TestClient, Gateway]) -> None:
    client, _ = app
    wrong = client.post(
        "/console/login",
        data={"username": "ops", "password": "nope", "csrf": login_token(client)},
        follow_redirects=False,
    )
    assert wrong.status_code == 401 and "edigw_session" not in wrong.headers["set-cookie"]
    answer = client.post(
        "/console/login",
        data={"username": "ops", "password": "ops-pass", "next": "/console/dashboard",
              "csrf": login_token(client)},
        follow_redirects=False,
    )  # fmt: skip
    assert answer.status_code == 303 and answer.headers["location"] == "/console/dashboard"
    cookie = answer.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    elsewhere = client.post(
        "/console/login",
        data={"username": "ops", "password": "ops-pass", "next": "https://evil.example/",
              "csrf": login_token(client)},
        follow_redirects=False,
    )  # fmt: skip
    assert elsewhere.headers["location"] == "/console"
    page = client.get("/console").text
    assert "ops · operator" in page
    client.post("/console/logout", data={"csrf": csrf(page)}, follow_redirects=False)
    assert client.get("/console", follow_redirects=False).status_code == 303


def test_login_needs_its_csrf_token_and_rotates_the_session(
    app: tuple[TestClient, Gateway],
) -> None:
    client, _ = app
    forged = {"username": "ops", "password": "ops-pass"}
    assert client.post("/console/login", data=forged, follow_redirects=False).status_code == 403
    login_token(client)
    other = login_token(TestClient(client.app))  # a token of another browser (cookie differs)
    refused = client.post("/console/login", data={**forged, "csrf": other}, follow_redirects=False)
    assert refused.status_code == 403 and "edigw_session" not in client.cookies
    client.cookies.set("edigw_login_csrf", "made.up", path="/console/login")
    made_up = {**forged, "csrf": "made.up"}
    assert client.post("/console/login", data=made_up, follow_redirects=False).status_code == 403
    client.cookies.clear()
    login(client, "ops", "ops-pass")
    old = client.cookies["edigw_session"]
    login(client, "eve", "eve-pass")
    new = client.cookies["edigw_session"]
    assert new != old
    stale = TestClient(client.app, cookies={"edigw_session": old})
    assert stale.get("/console", follow_redirects=False).status_code == 303  # old one ended
    page = client.get("/console").text
    assert "eve · viewer" in page
    wrong = client.post("/console/logout", data={"csrf": "wrong"}, follow_redirects=False)
    assert wrong.status_code == 403
    assert client.post("/console/logout", follow_redirects=False).status_code == 403
    assert client.get("/console", follow_redirects=False).status_code == 200  # still in
    client.post("/console/logout", data={"csrf": csrf(page)}, follow_redirects=False)
    assert client.get("/console", follow_redirects=False).status_code == 303


def test_find_by_tracking_and_see_the_faulty_segment(app: tuple[TestClient, Gateway]) -> None:
    client, _ = app
    bad = upload(client, scan_214(31, "1ZSEEN", "POS1", se_count=4))
    good = upload(client, scan_214(32, "1ZSEEN", "POS2"))
    login(client, "eve", "eve-pass")
    landing = client.get("/console").text
    assert f"/console/files/{bad}" in landing and "set_count_mismatch at SE#8 el 1" in landing
    listing = client.get("/console/files", params={"tracking": "1ZSEEN"}).text
    assert listing.index(f"/console/files/{good}") < listing.index(f"/console/files/{bad}")
    assert f"/console/files/{bad}" in client.get("/console/files?control=31").text
    assert f"/console/files/{good}" in client.get("/console/files?po=POS2").text
    assert client.get("/console/files?bogus=1").status_code == 422
    page = client.get(f"/console/files/{bad}").text
    faulty = re.search(r'<li id="seg-(\d+)" class="faulty"[^>]*>(.*?)</li>', page, re.S)
    assert faulty and faulty.group(1) == "10"
    assert '<span class="tag">SE</span>' in faulty.group(2)
    assert '<span class="el bad-el" title="SE01">4</span>' in faulty.group(2)
    assert "set_count_mismatch" in page and "997" in page
    good_page = client.get(f"/console/files/{good}").text
    assert "1ZSEEN" in good_page and "state-pending" in good_page


def test_viewer_gets_403_on_every_action(app: tuple[TestClient, Gateway]) -> None:
    client, gateway = app
    file_id = upload(client, scan_214(41, "1Z41", "PO41"))
    login(client, "eve", "eve-pass")
    page = client.get(f"/console/files/{file_id}").text
    assert "Confirm replay" not in client.get(f"/console/files/{file_id}/replay").text
    token = csrf(page)
    for url, data in (
        (f"/console/files/{file_id}/replay", {"resend": "all"}),
        (f"/console/files/{file_id}/requeue", {"note": "x"}),
        (f"/console/files/{file_id}/resolve", {"note": "x"}),
        (
            "/console/overrides",
            {"partner": "demo", "syntax": "x12", "status": "ZZ", "event": "DELIVERED", "note": "x"},
        ),
    ):
        answer = client.post(url, data={**data, "csrf": token}, follow_redirects=False)
        assert answer.status_code == 403, url
    assert [f.id for f in gateway.rt.ledger.files_in_state(*FileState)] == [file_id]  # no replay
    assert client.get("/v1/ops/actions", headers={"X-API-Key": "eve-key"}).json() == []


def test_operator_actions_need_the_csrf_token(app: tuple[TestClient, Gateway]) -> None:
    client, gateway = app
    odd = upload(client, scan_214(51, "1Z51", "PO51", status="ZZ", reason="QQ"))
    login(client, "ops", "ops-pass")
    page = client.get(f"/console/files/{odd}").text
    without = client.post(
        f"/console/files/{odd}/resolve", data={"note": "x"}, follow_redirects=False
    )
    assert without.status_code == 403
    forged = client.post(
        f"/console/files/{odd}/resolve",
        data={"note": "x", "csrf": "forged"},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    token = csrf(page)
    added = client.post(
        "/console/overrides",
        follow_redirects=False,
        data={
            "csrf": token,
            "partner": "demo",
            "syntax": "x12",
            "status": "ZZ",
            "reason": "QQ",
            "event": "DELIVERED",
            "note": "ticket 12",
        },
    )
    assert added.status_code == 303
    assert "ticket 12" in client.get("/console/overrides").text
    preview = client.get(f"/console/files/{odd}/replay").text
    assert "Confirm replay" in preview and "v1: x12 ZZ/QQ → DELIVERED" in preview
    assert "/statusUpdateDetails/statusCode" in preview and ">D1<" in preview
    replayed = client.post(
        f"/console/files/{odd}/replay",
        follow_redirects=False,
        data={"csrf": token, "resend": "failed", "note": "now mapped"},
    )
    assert replayed.status_code == 303
    new_id = replayed.headers["location"].rsplit("/", 1)[1]
    new = gateway.rt.ledger.get_file(new_id)
    assert new is not None and new.replay_of == odd
    audit = client.get("/console/actions").text
    assert "now mapped" in audit and "override" in audit


def test_each_event_shows_only_the_amazon_errors_naming_it(
    app: tuple[TestClient, Gateway],
) -> None:
    from gateway.spapi import ApiError, CallResult

    client, gateway = app
    ledger = gateway.rt.ledger
    first = upload(client, scan_214(55, "1Z55A", "PO5555"))
    other = upload(client, scan_214(66, "1Z66B", "PO6666"))
    events = [*ledger.events_for_file(first), *ledger.events_for_file(other)]
    call = ledger.mark_sending([e.id for e in events])
    errors = (
        ApiError("InvalidInput", "trackingNumber 1Z55A is not a confirmed package"),
        ApiError("InvalidInput", "purchaseOrderNumber PO6666 is unknown"),
        ApiError("QuotaExceeded", "You exceeded your quota"),
    )
    ledger.record_call(
        call, CallResult("submitShipmentStatusUpdates", "http://x", 400, 1, ("r-9",), None, errors)
    )
    (mine,) = client.get(f"/v1/ops/files/{first}", headers=VIEWER).json()["events"]
    assert [e["message"] for e in mine["errors"]] == [errors[0].message]
    assert [e["code"] for e in mine["call"]["unattributed"]] == ["QuotaExceeded"]
    (theirs,) = client.get(f"/v1/ops/files/{other}", headers=VIEWER).json()["events"]
    assert [e["message"] for e in theirs["errors"]] == [errors[1].message]
    login(client, "eve", "eve-pass")
    page = client.get(f"/console/files/{first}").text
    assert "1Z55A is not a confirmed package" in page and "PO6666" not in page
    assert page.count("You exceeded your quota") == 1


def test_search_rows_show_the_matched_value(app: tuple[TestClient, Gateway]) -> None:
    client, _ = app
    upload(client, scan_214(8201, "1ZSHOWN1", "POSHOWN1", se_count=3))
    login(client, "eve", "eve-pass")
    page = client.get("/console/files", params={"tracking": "1zshown1"}).text
    assert "<mark>1ZSHOWN1</mark>" in page


def test_small_things_pending_replay_ack_counts_and_api_key_scheme(
    app: tuple[TestClient, Gateway], tmp_path: Path
) -> None:
    from gateway.ledger.replays import record_replay_file

    client, gateway = app
    first = upload(client, scan_214(8301, "1ZSMALL", "POSMALL"))
    waiting = record_replay_file(
        gateway.rt.ledger, original_id=first, requested_by="ops", resend="all",
        sha256="0" * 64, size=1, stored_path=str(tmp_path / "gone.edi"),
    )  # fmt: skip
    login(client, "eve", "eve-pass")
    page = client.get(f"/console/files/{waiting}").text
    assert "pending" in page and "not EDI" not in page
    board = client.get("/console/dashboard").text
    assert re.search(r"997:&nbsp;\d+", board), "ack counts without separators"
    schema = client.get("/openapi.json").json()
    scheme = schema["components"]["securitySchemes"]["APIKeyHeader"]
    assert (scheme["type"], scheme["in"], scheme["name"]) == ("apiKey", "header", "X-API-Key")
    assert schema["paths"]["/v1/ops/files"]["get"]["security"] == [{"APIKeyHeader": []}]


def test_a_file_too_big_to_preview_can_still_be_replayed(
    app: tuple[TestClient, Gateway], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above `replay_preview_mb` the replay page says why there is no diff and still offers
    the replay; the replay it confirms is recorded as usual."""
    client, gateway = app
    odd = upload(client, scan_214(52, "1Z52", "PO52", status="ZZ", reason="QQ"))
    monkeypatch.setattr(gateway.rt.settings, "replay_preview_mb", 0.0001)
    login(client, "ops", "ops-pass")
    page = client.get(f"/console/files/{odd}/replay")
    assert page.status_code == 200
    assert "No preview" in page.text and "replay_preview_mb" in page.text
    assert "Confirm replay" in page.text and 'table class="diff"' not in page.text
    replayed = client.post(
        f"/console/files/{odd}/replay",
        follow_redirects=False,
        data={"csrf": csrf(page.text), "resend": "all", "note": "big file"},
    )
    assert replayed.status_code == 303
    new = gateway.rt.ledger.get_file(replayed.headers["location"].rsplit("/", 1)[1])
    assert new is not None and new.replay_of == odd
