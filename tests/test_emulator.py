"""The SP-API emulator: LWA tokens, auth, the contract check, business rules, the token bucket,
transaction status, fault injection and the request log."""

from __future__ import annotations

import copy
import io
import json
import time
import uuid
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from gateway.ack.context import AckContext
from gateway.cli import translate_file
from gateway.contract import TRANSACTIONS_V1, validate_definition
from gateway.emulator import EmulatorConfig, create_app, running_emulator
from gateway.emulator.ratelimit import TokenBucket
from gateway.mapping.codes import load_code_tables
from gateway.profile import load_profile

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
SHIPPING = "/vendor/directFulfillment/shipping/v1"
STATUS_PATH = SHIPPING + "/shipmentStatusUpdates"
CONFIRM_PATH = SHIPPING + "/shipmentConfirmations"
TRANSACTIONS = "/vendor/directFulfillment/transactions/v1/transactions/"
CREDENTIALS = {
    "grant_type": "refresh_token",
    "client_id": "edigw-demo-client",
    "client_secret": "edigw-demo-secret",
    "refresh_token": "edigw-demo-refresh",
}
FAST = EmulatorConfig(settle="success", settle_after=0.2)


@cache
def _translated(case: str) -> str:
    out = io.StringIO()
    source = SAMPLES / case / "input.edi"
    translate_file(source, load_profile("demo"), load_code_tables(), AckContext(), out)
    return out.getvalue()


def request_body(case: str) -> dict[str, Any]:
    """The first request body the real pipeline builds for a sample."""
    body: dict[str, Any] = json.loads(_translated(case))["requests"][0]["body"]
    return copy.deepcopy(body)


def status_body() -> dict[str, Any]:  # PO4711, tracking 1Z4711A
    return request_body("01-x12-214-delivered")


def confirmation_body() -> dict[str, Any]:  # PO4711, tracking 1Z999AA10123456784 and ...793
    return request_body("08-x12-856-asn")


def client_for(config: EmulatorConfig = FAST) -> TestClient:
    return TestClient(create_app(config))


def access_token(client: TestClient | httpx.Client) -> str:
    response = client.post("/auth/o2/token", data=CREDENTIALS)
    assert response.status_code == 200
    token: str = response.json()["access_token"]
    return token


@pytest.fixture
def api() -> Iterator[TestClient]:
    client = client_for()
    client.headers["x-amz-access-token"] = access_token(client)
    yield client


def transaction_status(client: TestClient, transaction_id: str) -> dict[str, Any]:
    response = client.get(TRANSACTIONS + transaction_id)
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    assert validate_definition(TRANSACTIONS_V1, "GetTransactionResponse", body) == []
    assert validate_definition(TRANSACTIONS_V1, "TransactionStatus", body["payload"]) == []
    status: dict[str, Any] = body["payload"]["transactionStatus"]
    assert status["transactionId"] == transaction_id
    return status


def submit(client: TestClient, path: str, body: dict[str, Any]) -> str:
    response = client.post(path, json=body)
    assert response.status_code == 202, response.text
    transaction_id: str = response.json()["payload"]["transactionId"]
    return transaction_id


def settled(client: TestClient, transaction_id: str) -> dict[str, Any]:
    assert transaction_status(client, transaction_id)["status"] == "Processing"
    time.sleep(FAST.settle_after + 0.05)
    return transaction_status(client, transaction_id)


# --- LWA -------------------------------------------------------------------------------------


def test_token_endpoint_issues_fresh_bearer_tokens() -> None:
    client = client_for()
    first = client.post("/auth/o2/token", data=CREDENTIALS)
    assert first.status_code == 200
    body = first.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert body["refresh_token"] == "edigw-demo-refresh"
    assert body["access_token"] != access_token(client)
    headers = {"x-amz-access-token": body["access_token"]}
    assert client.post(CONFIRM_PATH, json=confirmation_body(), headers=headers).status_code == 202


@pytest.mark.parametrize(
    ("change", "status", "error"),
    [
        ({"client_secret": "wrong"}, 401, "invalid_client"),
        ({"client_id": "someone-else"}, 401, "invalid_client"),
        ({"refresh_token": "stale"}, 400, "invalid_grant"),
        ({"grant_type": "client_credentials"}, 400, "unsupported_grant_type"),
    ],
)
def test_token_endpoint_refuses_bad_credentials(
    change: dict[str, str], status: int, error: str
) -> None:
    response = client_for().post("/auth/o2/token", data={**CREDENTIALS, **change})
    assert response.status_code == status
    assert response.json()["error"] == error
    assert response.json()["error_description"]


@pytest.mark.parametrize("token", [None, "Atza|forged"])
def test_calls_without_a_live_token_are_unauthorized(token: str | None) -> None:
    client = client_for()
    headers = {"x-amz-access-token": token} if token else {}
    response = client.post(STATUS_PATH, json=status_body(), headers=headers)
    assert response.status_code == 403
    (error,) = response.json()["errors"]
    assert error["code"] == "Unauthorized"
    assert error["message"] == "Access to requested resource is denied."
    assert uuid.UUID(response.headers["x-amzn-RequestId"])


def test_expired_token_is_refused() -> None:
    client = client_for(EmulatorConfig(token_lifetime=0.5))
    body = confirmation_body()  # translated before the token's short life starts
    token = access_token(client)
    headers = {"x-amz-access-token": token}
    assert client.post(CONFIRM_PATH, json=body, headers=headers).status_code == 202
    time.sleep(0.6)
    response = client.post(CONFIRM_PATH, json=body, headers=headers)
    assert response.status_code == 403
    assert "expired" in response.json()["errors"][0]["details"]


# --- contract and business rules -------------------------------------------------------------


def test_invalid_body_gets_amazon_error_shape(api: TestClient) -> None:
    body = status_body()
    del body["shipmentStatusUpdates"][0]["statusUpdateDetails"]["trackingNumber"]
    response = api.post(STATUS_PATH, json=body)
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["code"] == "InvalidInput"
    assert "trackingNumber" in error["message"]
    assert "trackingNumber" in error["details"]
    assert api.post(STATUS_PATH, content=b"{not json").status_code == 400
    assert api.post(STATUS_PATH, json={"shipmentStatusUpdates": []}).status_code == 400


@pytest.mark.parametrize(
    "when",
    ["1850-01-01T16:42:00-04:56:02", "2026-11-24 16:42:00Z", "2026-11-24T16:42:00", "20261124"],
)
def test_a_status_time_that_is_no_rfc3339_date_time_is_invalid_input(
    api: TestClient, when: str
) -> None:
    """The model's statusDateTime is `format: date-time` (RFC 3339): production refuses
    other text with 400 InvalidInput. The check needs rfc3339-validator, a dependency of the
    gateway itself (without it jsonschema passes any date-time text, kinder than Amazon)."""
    body = status_body()
    body["shipmentStatusUpdates"][0]["statusUpdateDetails"]["statusDateTime"] = when
    response = api.post(STATUS_PATH, json=body)
    assert response.status_code == 400
    assert "statusDateTime" in response.json()["errors"][0]["details"]


def test_confirmed_tracking_number_settles_as_success(api: TestClient) -> None:
    confirmation = submit(api, CONFIRM_PATH, confirmation_body())
    assert settled(api, confirmation)["status"] == "Success"
    body = status_body()
    for update in body["shipmentStatusUpdates"]:
        update["statusUpdateDetails"]["trackingNumber"] = "1Z999AA10123456784"
    transaction_id = submit(api, STATUS_PATH, body)
    status = settled(api, transaction_id)
    assert status == {"transactionId": status["transactionId"], "status": "Success"}
    assert status["transactionId"] == transaction_id != confirmation


def test_status_update_before_confirmation_fails(api: TestClient) -> None:
    status = settled(api, submit(api, STATUS_PATH, status_body()))
    assert status["status"] == "Failure"
    assert [e["code"] for e in status["errors"]] == ["InvalidPurchaseOrderNumber"]
    assert "PO4711" in status["errors"][0]["message"]


def test_unconfirmed_tracking_number_fails(api: TestClient) -> None:
    submit(api, CONFIRM_PATH, confirmation_body())  # PO4711 without tracking 1Z4711A
    status = settled(api, submit(api, STATUS_PATH, status_body()))
    assert status["status"] == "Failure"
    (error,) = status["errors"]  # two updates, one tracking number: one error
    assert error["code"] == "InvalidTrackingNumber"
    assert "1Z4711A" in error["message"]


def test_unknown_transaction_is_not_found(api: TestClient) -> None:
    response = api.get(TRANSACTIONS + "no-such-id")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "NotFound"


# --- usage plan ------------------------------------------------------------------------------


def test_token_bucket_refills_at_its_rate() -> None:
    bucket = TokenBucket(rate=2.0, burst=3, now=0.0)
    assert [bucket.take(0.0) for _ in range(4)] == [True, True, True, False]
    assert bucket.take(0.5)  # one token back after 1/rate*1 s
    assert not bucket.take(0.5)
    assert [bucket.take(100.0) for _ in range(4)] == [True, True, True, False]  # capped at burst


def test_empty_bucket_answers_429_per_operation() -> None:
    client = client_for(EmulatorConfig(rate=0.5, burst=2))
    client.headers["x-amz-access-token"] = access_token(client)
    answers = [client.post(CONFIRM_PATH, json=confirmation_body()) for _ in range(3)]
    assert [r.status_code for r in answers] == [202, 202, 429]
    throttled = answers[-1]
    assert throttled.json() == {
        "errors": [
            {
                "code": "QuotaExceeded",
                "message": "You exceeded your quota for the requested resource.",
                "details": "",
            }
        ]
    }
    assert "x-amzn-RateLimit-Limit" not in throttled.headers  # the model: not on 429
    assert all(r.headers["x-amzn-RateLimit-Limit"] == "0.5" for r in answers[:2])
    assert len({r.headers["x-amzn-RequestId"] for r in answers}) == 3
    # another operation has its own bucket; getTransactionStatus is limited too
    assert client.post(STATUS_PATH, json=status_body()).status_code == 202
    tid = answers[0].json()["payload"]["transactionId"]
    assert [client.get(TRANSACTIONS + tid).status_code for _ in range(3)] == [200, 200, 429]


def test_default_rate_header() -> None:
    client = client_for()
    response = client.get(TRANSACTIONS + "x", headers={"x-amz-access-token": access_token(client)})
    assert response.headers["x-amzn-RateLimit-Limit"] == "10.0"


# --- faults ----------------------------------------------------------------------------------


def test_fault_bursts_then_normal_service(api: TestClient) -> None:
    faults = api.post("/_emulator/faults", json={"burst_503": 2, "burst_500": 1})
    assert faults.status_code == 200
    codes = [api.post(CONFIRM_PATH, json=confirmation_body()).status_code for _ in range(4)]
    assert codes == [503, 503, 500, 202]
    assert api.get("/_emulator/faults").json()["burst_503"] == 0


def test_fault_answers_have_amazon_shape_and_headers(api: TestClient) -> None:
    api.post("/_emulator/faults", json={"burst_503": 1})
    response = api.post(CONFIRM_PATH, json=confirmation_body())
    assert response.status_code == 503
    assert response.json()["errors"][0]["code"] == "ServiceUnavailable"
    assert uuid.UUID(response.headers["x-amzn-RequestId"])
    assert "x-amzn-RateLimit-Limit" not in response.headers  # the model: not on 5xx


def test_seeded_error_rate_is_reproducible(api: TestClient) -> None:
    def run() -> list[int]:
        api.post("/_emulator/faults", json={"error_rate": 0.5, "seed": 7})
        return [api.get(TRANSACTIONS + "x").status_code for _ in range(8)]

    first = run()
    assert set(first) == {404, 500}
    assert run() == first
    api.post("/_emulator/faults", json={"error_rate": 1.0})
    assert api.get(TRANSACTIONS + "x").status_code == 500


def test_latency_is_added_to_sp_api_calls(api: TestClient) -> None:
    api.post("/_emulator/faults", json={"latency_ms": 150})
    start = time.perf_counter()
    api.get(TRANSACTIONS + "x")
    assert time.perf_counter() - start >= 0.15
    start = time.perf_counter()
    access_token(api)  # LWA is not the SP-API: no latency
    assert time.perf_counter() - start < 0.15


def test_dropped_connection_is_a_transport_error() -> None:
    with running_emulator(FAST) as base, httpx.Client(base_url=base, timeout=5) as client:
        client.headers["x-amz-access-token"] = access_token(client)
        assert client.post("/_emulator/faults", json={"drop": 1}).json()["drop"] == 1
        with pytest.raises(httpx.TransportError):
            client.post(CONFIRM_PATH, json=confirmation_body())
        assert client.post(CONFIRM_PATH, json=confirmation_body()).status_code == 202
        log = client.get("/_emulator/requests").json()
        assert [(e["path"], e["status"]) for e in log[1:]] == [
            (CONFIRM_PATH, None),
            (CONFIRM_PATH, 202),
        ]


# --- request log and reset -------------------------------------------------------------------


def test_request_log_records_every_call(api: TestClient) -> None:
    api.post("/auth/o2/token", data={**CREDENTIALS, "client_secret": "wrong"})
    accepted = api.post(CONFIRM_PATH, json=confirmation_body())
    api.post("/_emulator/faults", json={"burst_500": 1})
    api.get(TRANSACTIONS + "x")
    api.post("/sandbox" + STATUS_PATH, json={"shipmentStatusUpdates": []})
    log = api.get("/_emulator/requests").json()
    assert [(e["method"], e["path"], e["status"]) for e in log] == [
        ("POST", "/auth/o2/token", 200),  # the fixture's token
        ("POST", "/auth/o2/token", 401),
        ("POST", CONFIRM_PATH, 202),
        ("GET", TRANSACTIONS + "x", 500),
        ("POST", "/sandbox" + STATUS_PATH, 500),  # static sandbox: not one of its examples
    ]
    token = log[1]
    assert token["body"]["client_secret"] == "***"
    assert token["body"]["refresh_token"] == "***"
    assert token["body"]["client_id"] == "edigw-demo-client"
    confirmation = log[2]
    assert confirmation["body"] == confirmation_body()
    assert confirmation["transaction_id"] == accepted.json()["payload"]["transactionId"]
    assert confirmation["request_id"] == accepted.headers["x-amzn-RequestId"]
    assert confirmation["time"].endswith("+00:00")
    assert [e["sandbox"] for e in log] == [False, False, False, False, True]


def test_reset_clears_state_but_keeps_tokens(api: TestClient) -> None:
    transaction_id = submit(api, CONFIRM_PATH, confirmation_body())
    api.post("/_emulator/faults", json={"burst_500": 5})
    assert api.post("/_emulator/reset").json() == {"reset": True}
    assert api.get("/_emulator/requests").json() == []
    assert api.get(TRANSACTIONS + transaction_id).status_code == 404
    body = status_body()
    del body["shipmentStatusUpdates"][1]
    body["shipmentStatusUpdates"][0]["statusUpdateDetails"]["trackingNumber"] = "1Z999AA10123456784"
    assert settled(api, submit(api, STATUS_PATH, body))["status"] == "Failure"  # forgotten
