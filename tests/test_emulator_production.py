"""The emulator behaves like production by default: V1 transactions stay Processing unless
--settle says otherwise, Amazon's transaction ids, EMPTY_PACKAGES, the role 403, header
placement and the static sandbox."""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway.contract import SHIPPING_V1, TRANSACTIONS_V1, validate_definition
from gateway.emulator import EmulatorConfig, create_app
from tests.test_emulator import (
    CONFIRM_PATH,
    STATUS_PATH,
    TRANSACTIONS,
    access_token,
    confirmation_body,
    status_body,
    submit,
)

TRANSACTION_ID = re.compile(
    r"^\d{14}-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}$"
)


def client(settle: str = "never", after: float = 0.1) -> TestClient:
    c = TestClient(
        create_app(EmulatorConfig.model_validate({"settle": settle, "settle_after": after}))
    )
    c.headers["x-amz-access-token"] = access_token(c)
    return c


def status_of(c: TestClient, transaction_id: str) -> dict[str, Any]:
    response = c.get(TRANSACTIONS + transaction_id)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert validate_definition(TRANSACTIONS_V1, "GetTransactionResponse", body) == []
    status: dict[str, Any] = body["payload"]["transactionStatus"]
    return status


def confirmed_status_body() -> dict[str, Any]:
    body = status_body()
    for update in body["shipmentStatusUpdates"]:
        update["statusUpdateDetails"]["trackingNumber"] = "1Z999AA10123456793"
    return body


def test_default_is_never_and_rule_violations_still_fail() -> None:
    assert EmulatorConfig().settle == "never"
    c = client("never", after=0.05)
    good = submit(c, CONFIRM_PATH, confirmation_body())
    bad = submit(c, STATUS_PATH, status_body())  # 1Z4711A was never confirmed
    time.sleep(0.15)
    assert status_of(c, good) == {"transactionId": good, "status": "Processing"}
    failed = status_of(c, bad)
    assert failed["status"] == "Failure"
    assert failed["errors"][0]["code"] == "InvalidTrackingNumber"
    assert failed["errors"][0]["details"] == ""


@pytest.mark.parametrize(("settle", "final"), [("success", "Success"), ("failure", "Failure")])
def test_settle_modes_end_valid_transactions_after_settle_after(settle: str, final: str) -> None:
    c = client(settle, after=0.3)
    tid = submit(c, CONFIRM_PATH, confirmation_body())
    assert status_of(c, tid)["status"] == "Processing"
    time.sleep(0.35)
    status = status_of(c, tid)
    assert status["status"] == final
    if final == "Failure":  # Amazon's retryable transaction error
        assert status["errors"] == [{"code": "INTERNAL_SERVER_ERROR",
                                     "message": "Internal error. Please try again.",
                                     "details": ""}]  # fmt: skip
    else:
        assert "errors" not in status


def test_transaction_ids_have_amazons_shape() -> None:
    c = client()
    ids = {submit(c, CONFIRM_PATH, confirmation_body()) for _ in range(3)}
    assert len(ids) == 3
    assert all(TRANSACTION_ID.match(i) for i in ids), ids


def test_confirmation_without_containers_fails_with_empty_packages() -> None:
    c = client("success", after=0.0)
    body = confirmation_body()
    del body["shipmentConfirmations"][0]["containers"]
    assert validate_definition(SHIPPING_V1, "SubmitShipmentConfirmationsRequest", body) == []
    status = status_of(c, submit(c, CONFIRM_PATH, body))
    assert status["status"] == "Failure"
    assert [e["code"] for e in status["errors"]] == ["EMPTY_PACKAGES"]
    assert "PO4711" in status["errors"][0]["message"]
    # nothing was confirmed: statuses for that order fail too
    status = status_of(c, submit(c, STATUS_PATH, confirmed_status_body()))
    assert status["errors"][0]["code"] == "InvalidPurchaseOrderNumber"


def test_role_refusal_is_a_403_with_empty_details_and_no_rate_header() -> None:
    c = client()
    c.post("/_emulator/faults", json={"deny_role": True})
    response = c.post(CONFIRM_PATH, json=confirmation_body())
    assert response.status_code == 403
    assert response.json() == {"errors": [{"code": "Unauthorized", "message":
                                           "Access to requested resource is denied.",
                                           "details": ""}]}  # fmt: skip
    assert "x-amzn-RateLimit-Limit" not in response.headers
    token = c.post(CONFIRM_PATH, json=confirmation_body(), headers={"x-amz-access-token": "x"})
    assert token.status_code == 403
    assert "token" in token.json()["errors"][0]["details"]


def test_rate_limit_header_on_2xx_400_404_only() -> None:
    c = client()
    ok = c.post(CONFIRM_PATH, json=confirmation_body())
    invalid = c.post(CONFIRM_PATH, json={"shipmentConfirmations": [{}]})
    missing = c.get(TRANSACTIONS + "20190905010908-8a3b6901-ef20-412f-9270-21c021796605")
    assert [r.status_code for r in (ok, invalid, missing)] == [202, 400, 404]
    assert all(r.headers["x-amzn-RateLimit-Limit"] == "10.0" for r in (ok, invalid, missing))
    assert invalid.json()["errors"][0]["code"] == "InvalidInput"
    c.post("/_emulator/faults", json={"burst_500": 1})
    failed = c.post(CONFIRM_PATH, json=confirmation_body())
    assert failed.status_code == 500 and "x-amzn-RateLimit-Limit" not in failed.headers


def _example_body(path: str, key: str) -> dict[str, Any]:
    from gateway.contract import load_model

    spec = load_model(SHIPPING_V1)["paths"][path]["post"]["responses"]["202"]
    body: dict[str, Any] = spec["x-amzn-api-sandbox"]["static"][0]["request"]["parameters"][key]
    return body["value"]  # type: ignore[no-any-return]


def test_static_sandbox_answers_only_the_models_examples() -> None:
    c = client("success", after=0.0)
    example = _example_body(STATUS_PATH, "body")
    canned = c.post("/sandbox" + STATUS_PATH, json=example)
    assert canned.status_code == 202
    canned_id = canned.json()["payload"]["transactionId"]
    assert canned_id == "20190905010908-8a3b6901-ef20-412f-9270-21c021796605"
    assert c.post("/sandbox" + STATUS_PATH, json=example).json() == canned.json()  # static
    # our own (valid) bodies are not examples: 500 InternalFailure, every time
    for _ in range(2):
        refused = c.post("/sandbox" + CONFIRM_PATH, json=confirmation_body())
        assert refused.status_code == 500
        assert refused.json()["errors"][0]["code"] == "InternalFailure"
    # any transaction id: the canned Processing; the example's failure id: its Failure
    assert status_of_sandbox(c, canned_id)["status"] == "Processing"
    failure = status_of_sandbox(c, "20190918190535-eef8cad8-418e-456f-ac72-789e2ee6813c")
    assert failure["status"] == "Failure" and failure["errors"][0]["code"] == "INVALID_ORDER_ID"
    log = c.get("/_emulator/requests").json()
    assert [e["sandbox"] for e in log if e["path"].startswith("/sandbox")] == [True] * 6


def status_of_sandbox(c: TestClient, transaction_id: str) -> dict[str, Any]:
    response = c.get("/sandbox" + TRANSACTIONS + transaction_id)
    assert response.status_code == 200
    status: dict[str, Any] = response.json()["payload"]["transactionStatus"]
    return status


@pytest.mark.parametrize(
    ("path", "body", "where"),
    [
        (CONFIRM_PATH, {"foo": 1}, "'foo' was unexpected"),
        (CONFIRM_PATH, {}, "'shipmentConfirmations' is a required property"),
        (CONFIRM_PATH, {"shipmentConfirmations": []}, "/shipmentConfirmations: [] should be non"),
        (STATUS_PATH, {"shipmentStatusUpdates": []}, "/shipmentStatusUpdates: [] should be non"),
        (STATUS_PATH, {"shipmentConfirmations": [{}]}, "'shipmentStatusUpdates' is a required"),
        (STATUS_PATH, [], "[] is not of type 'object'"),
        (CONFIRM_PATH, {"shipmentConfirmations": [{"purchaseOrderNumber": "DummyPO"}]},
         "/shipmentConfirmations/0: 'shipmentDetails' is a required property"),
    ],
)  # fmt: skip
def test_requests_that_break_the_model_get_400_invalid_input(
    path: str, body: Any, where: str
) -> None:
    c = client()
    response = c.post(path, json=body)
    assert response.status_code == 400, response.text
    [error] = response.json()["errors"]
    assert error["code"] == "InvalidInput" and set(error) == {"code", "message", "details"}
    assert where in error["details"], error["details"]
    assert response.headers["x-amzn-RateLimit-Limit"]  # the model declares it on 400
    assert validate_definition(SHIPPING_V1, "SubmitShipmentConfirmationsResponse",
                               response.json()) == []  # fmt: skip
    whole = confirmation_body() if path == CONFIRM_PATH else status_body()
    assert c.post(path, json=whole).status_code == 202  # a whole, valid request still goes
