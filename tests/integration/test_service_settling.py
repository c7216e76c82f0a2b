"""The running service against an emulator that behaves like production: V1 transactions that
never leave Processing end AssumedSuccess at the seller's deadline (file done, no alert);
refused LWA credentials block the seller (alert names it, events `blocked`, no retry loop)
until `edigw sellers check` after the credentials were fixed, then every event is sent once;
HTTP partners read their acks from the mailbox and get them on their webhook (a real HTTP
server on loopback, failing once first)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from gateway.ledger import EventState, FileState
from gateway.service.config import ServiceSettings
from tests.integration.conftest import orders, x12_asn, x12_status
from tests.integration.service import (
    REPO,
    SFTP,
    EmulatorProcess,
    Service,
    _launch,
    _started,
    emulator_process,
    wait_until,
    write_settings,
)

pytestmark = pytest.mark.skipif(SFTP is None, reason="OpenSSH sftp client missing")
UPLOAD = "/v1/partners/demo/interchanges"
RIGHT = {"client_secret": "edigw-demo-secret", "refresh_token": "edigw-demo-refresh"}


def settings_text(path: Path, data_dir: Path, emulator: EmulatorProcess, *,
                  seller: dict[str, str] | None = None, extra: str = "") -> Path:  # fmt: skip
    """The test service settings, with the seller's credentials / deadline changed."""
    write_settings(path, data_dir, emulator.port)
    text = path.read_text(encoding="utf-8")
    for key, value in (seller or {}).items():
        lines = [line for line in text.splitlines() if not line.startswith(f"    {key}:")]
        at = lines.index("  demo:") + 1
        lines.insert(at, f"    {key}: {value}")
        text = "\n".join(lines) + "\n"
    path.write_text(text + extra, encoding="utf-8")
    return path


@contextmanager
def service_with(folder: Path, settings: Path) -> Iterator[Service]:
    folder.mkdir(parents=True, exist_ok=True)
    service = _launch(folder, settings, folder / "data", None, None, 0)
    try:
        wait_until(partial(_started, service), 30, "the gateway to be ready")
        assert service.proc.poll() is None, service.logs()
        yield service
    finally:
        service.stop()


def upload(service: Service, data: str, name: str) -> str:
    with service.http() as http:
        response = http.post(UPLOAD, content=data.encode(), headers={"X-File-Name": name})
    assert response.status_code == 201, response.text
    file_id: str = response.json()["file_id"]
    return file_id


def alert_lines(service: Service) -> list[str]:
    return [line for line in service.log.read_text().splitlines() if '"alert"' in line]


def test_settle_never_ends_done_with_assumed_success_and_no_alert(tmp_path: Path) -> None:
    with emulator_process(tmp_path / "emu", settle="never", rate=1000, burst=1000) as emulator:
        settings = settings_text(tmp_path / "settings.yaml", tmp_path / "gw" / "data", emulator,
                                 seller={"assume_success_after": "2"},
                                 extra="alert_interval: 0.5\n")  # fmt: skip
        with service_with(tmp_path / "gw", settings) as service:
            shipments = orders("AS", 2)
            file_id = upload(service, x12_asn(shipments, control=7001), "asn.edi")
            record = service.wait_file(file_id, timeout=30)
            assert record.state is FileState.DONE, record
            events = service.ledger().events_for_file(file_id)
            assert {e.state for e in events} == {EventState.ASSUMED_SUCCESS}
            calls = service.ledger().calls_for_file(file_id)
            assert {c.transaction_status for c in calls} == {"AssumedSuccess"}
            assert all(c.polls <= 6 for c in calls)  # backing off, not once per 0.2 s
            wait_until(lambda: "transaction" not in " ".join(alert_lines(service)) or None, 1)
            assert alert_lines(service) == []
            polled = [r for r in emulator.records() if r["method"] == "GET"]
            assert polled and all(r["status"] == 200 for r in polled)


@pytest.mark.parametrize(
    ("wrong", "code"),
    [
        ({"refresh_token": "revoked"}, "lwa_invalid_grant"),
        ({"client_secret": "rotated"}, "lwa_invalid_client"),
    ],
)
def test_refused_credentials_block_then_resume_sending_each_event_once(
    wrong: dict[str, str], code: str, tmp_path: Path
) -> None:
    with emulator_process(tmp_path / "emu", rate=1000, burst=1000) as emulator:
        data_dir = tmp_path / "gw" / "data"
        settings = settings_text(tmp_path / "settings.yaml", data_dir, emulator, seller=wrong)
        with service_with(tmp_path / "gw", settings) as service:
            shipments = orders("BL", 2)
            asn = upload(service, x12_asn(shipments, control=7101), "asn.edi")
            status = upload(service, x12_status(shipments, control=7102, events=1), "s.edi")

            def blocked() -> bool:
                events = service.ledger().events_for_file(asn)
                events += service.ledger().events_for_file(status)
                return bool(events) and all(e.state is EventState.BLOCKED for e in events)

            wait_until(blocked, 20, "events blocked")
            states = service.ledger().seller_states()
            assert states["demo"] == ("reauthorization_needed", code)
            in_use = service.ledger().service_credentials("demo")  # recorded at start-up
            refused = settings_text(tmp_path / "refused.yaml", data_dir, emulator, seller=wrong)
            assert in_use == ServiceSettings.load(refused).sellers["demo"].credentials_sha256()
            tokens = [r for r in emulator.records() if r["path"] == "/auth/o2/token"]
            assert len(tokens) == 1  # asked once, never again with the dead credential
            assert not [r for r in emulator.records() if r["path"].startswith("/vendor/")]
            wait_until(lambda: [a for a in alert_lines(service) if "seller demo" in a], 10,
                       "an alert naming the seller")  # fmt: skip
            for secret in ("revoked", "rotated", *RIGHT.values()):
                assert secret not in service.log.read_text()

            # the operator fixes the credentials and checks them
            settings_text(settings, data_dir, emulator, seller=RIGHT)
            check = subprocess.run([sys.executable, "-m", "gateway", "sellers", "check", "demo",
                                    "--settings", str(settings)], cwd=REPO, capture_output=True,
                                   text=True, timeout=60, check=False)  # fmt: skip
            assert check.returncode == 0, check.stderr
            report = json.loads(check.stdout)
            # the service may have reloaded the changed settings first and resumed them itself
            assert report["state"] == "ok" and report["resumed_events"] in (0, 3)
            for secret in RIGHT.values():
                assert secret not in check.stdout + check.stderr
            for file_id in (asn, status):
                assert service.wait_file(file_id, timeout=30).state is FileState.DONE
            confirmed = [i["purchaseOrderNumber"] for i in
                         emulator.accepted("shipmentConfirmations")]  # fmt: skip
            assert sorted(confirmed) == sorted(shipments)  # each once
            updates = [u["statusUpdateDetails"]["trackingNumber"] for u in
                       emulator.accepted("shipmentStatusUpdates")]  # fmt: skip
            assert sorted(updates) == sorted(t for ts in shipments.values() for t in ts)
            assert service.ledger().seller_states()["demo"][0] == "ok"


class _Receiver(BaseHTTPRequestHandler):
    received: list[dict[str, Any]]
    fail_first: list[bool]

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.fail_first and self.fail_first.pop():
            self.send_response(503)
        else:
            self.received.append(body)
            self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


@contextmanager
def webhook_receiver() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []
    handler = type("Receiver", (_Receiver,), {"received": received, "fail_first": [True]})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/edi-acks", received
    finally:
        server.shutdown()
        server.server_close()


def test_mailbox_and_webhook_deliver_acks_to_http_partners(tmp_path: Path) -> None:
    mappings = tmp_path / "mappings"
    shutil.copytree(REPO / "mappings", mappings)
    with webhook_receiver() as (url, received), \
            emulator_process(tmp_path / "emu", rate=1000, burst=1000) as emulator:  # fmt: skip
        demo = mappings / "demo" / "partners" / "demo.yaml"  # demo partners: their own folder
        demo.write_text(demo.read_text().replace(
            "    api_key_sha256:", f"    webhook_url: {url}\n    api_key_sha256:"))  # fmt: skip
        settings = settings_text(
            tmp_path / "settings.yaml",
            tmp_path / "gw" / "data",
            emulator,
            extra=f"mappings_dir: {mappings}\npartners_dir: {demo.parent}\nwebhook_interval: 0.3\n",
        )
        with service_with(tmp_path / "gw", settings) as service:
            shipments = orders("MB", 1)
            first = upload(service, x12_asn(shipments, control=7201), "a.edi")
            second = upload(service, x12_status({"PONOPE1": ["1ZNOPE1"]}, control=7202,
                                                events=1), "b.edi")  # fmt: skip
            for file_id in (first, second):
                service.wait_file(file_id, timeout=30)
            with service.http() as http:
                page = http.get("/v1/partners/demo/messages").json()
                types = [(m["file_id"], m["type"]) for m in page["messages"]]
                assert types == [(first, "997"), (second, "997"), (second, "824")]
                ids = [m["message_id"] for m in page["messages"]]
                assert ids == sorted(ids) and page["next"] == ids[-1]  # newest last
                assert "1ZNOPE1" in page["messages"][2]["content"]
                later = http.get("/v1/partners/demo/messages", params={"after": ids[0]}).json()
                assert [m["message_id"] for m in later["messages"]] == ids[1:]
                assert http.delete(f"/v1/partners/demo/messages/{ids[0]}").status_code == 204
                assert http.delete(f"/v1/partners/demo/messages/{ids[0]}").status_code == 404
                left = http.get("/v1/partners/demo/messages").json()["messages"]
                assert [m["message_id"] for m in left] == ids[1:]
            with service.http(key="wrong") as http:
                assert http.get("/v1/partners/demo/messages").status_code == 401
            wait_until(lambda: len(received) >= 3 or None, 20, "three webhook deliveries")
            assert [m["message_id"] for m in received] == ids  # in order, the first retried

            def all_delivered() -> dict[Any, Any] | None:  # recorded just after each POST
                acks = {a.id: a for f in (first, second) for a in service.ledger().acks_for_file(f)}
                return acks if all(acks[i].webhook_status == "delivered" for i in ids) else None

            acks = wait_until(all_delivered, 10, "three deliveries recorded")
            assert acks[ids[0]].webhook_attempts == 2  # 503 first, then delivered


def test_retryable_failures_resubmit_boundedly_and_the_static_sandbox_is_final(
    tmp_path: Path,
) -> None:
    with emulator_process(tmp_path / "emu", settle="failure", settle_after=0.2, rate=1000,
                          burst=1000) as emulator:  # fmt: skip
        settings = settings_text(tmp_path / "settings.yaml", tmp_path / "gw" / "data", emulator)
        with service_with(tmp_path / "gw", settings) as service:
            live, trial = orders("RF", 1), orders("SB", 1)
            production = upload(service, x12_asn(live, control=7301), "live.edi")
            sandbox = upload(service, x12_asn(trial, control=7302, test=True), "test.edi")
            for file_id in (production, sandbox):
                assert service.wait_file(file_id, timeout=40).state is FileState.DONE
            ledger = service.ledger()
            [event] = ledger.events_for_file(production)
            assert event.state is EventState.FAILURE and event.resubmits == 2
            confirmed = emulator.accepted("shipmentConfirmations")
            assert [c["purchaseOrderNumber"] for c in confirmed] == [*live] * 3  # 1 + 2 resent
            [trial_event] = ledger.events_for_file(sandbox)
            assert trial_event.state is EventState.SANDBOX
            sandboxed = [r for r in emulator.records() if r["sandbox"]]
            assert [(r["method"], r["status"]) for r in sandboxed] == [("POST", 500)]  # once
            advices = {f: [a.content for a in ledger.acks_for_file(f) if a.type == "824"]
                       for f in (production, sandbox)}  # fmt: skip
            assert "INTERNAL_SERVER_ERROR" in advices[production][0]
            assert "static SP-API sandbox" in advices[sandbox][0].replace("\n", " ")
