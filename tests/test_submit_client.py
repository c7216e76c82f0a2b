"""SpApiClient against httpx.MockTransport: LWA tokens, retries, errors, rate limits, pacing."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from gateway.settings import SellerAccount, SubmitSettings
from gateway.spapi import CallResult, TransactionStatus
from gateway.submit.client import SpApiClient, TransactionStatusError
from gateway.submit.ratelimit import TokenBucket

SECRET = "very-secret-client-secret"
REFRESH = "Atzr|refresh-token-secret"
SELLER = SellerAccount(
    client_id="amzn1.application-oa2-client.test",
    client_secret=SECRET,
    refresh_token=REFRESH,
    endpoint="https://api.test",
    sandbox_endpoint="https://sandbox.test",
    token_url="https://auth.test/auth/o2/token",
)
FAST = SubmitSettings(rate=1000.0, burst=1000, backoff_base=0.001, backoff_max=0.005,
                      poll_interval=0.02)  # fmt: skip
STATUS_PATH = "/vendor/directFulfillment/shipping/v1/shipmentStatusUpdates"
BODY: dict[str, Any] = {"shipmentStatusUpdates": [{"purchaseOrderNumber": "PO1"}]}

Reply = httpx.Response | Exception
Handler = Callable[[httpx.Request], Coroutine[Any, Any, httpx.Response]]


def reply(status: int, data: Any = None, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=data, headers=headers)


class FakeApi:
    """LWA + SP-API stand-in: scripted replies first, then 202 with a fresh transaction id."""

    def __init__(self, *script: Reply, expires_in: float = 3600, latency: float = 0.0) -> None:
        self.script = list(script)
        self.expires_in = expires_in
        self.latency = latency
        self.token_forms: list[dict[str, list[str]]] = []
        self.calls: list[httpx.Request] = []
        self.bodies: list[Any] = []
        self.spans: list[tuple[float, float, Any]] = []  # (start, end, body) per API call
        self.ids = itertools.count(1)
        self.transaction: Callable[[str, int], Reply] | None = None
        self.polls: dict[str, int] = {}

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/auth/o2/token":
            self.token_forms.append(parse_qs(request.content.decode()))
            token = f"tok{len(self.token_forms)}"
            return reply(200, {"access_token": token, "token_type": "bearer",
                               "expires_in": self.expires_in})  # fmt: skip
        start = time.monotonic()
        self.calls.append(request)
        body = __import__("json").loads(request.content) if request.content else None
        self.bodies.append(body)
        if self.latency:
            await asyncio.sleep(self.latency)
        self.spans.append((start, time.monotonic(), body))
        n = next(self.ids)
        if "/transactions/" in request.url.path and self.transaction is not None:
            tid = request.url.path.rsplit("/", 1)[1]
            self.polls[tid] = self.polls.get(tid, 0) + 1
            answer = self.transaction(tid, self.polls[tid])
        elif self.script:
            answer = self.script.pop(0)
        else:
            answer = reply(202, {"payload": {"transactionId": f"tx-{n}"}},
                           **{"x-amzn-RequestId": f"rid-{n}"})  # fmt: skip
        if isinstance(answer, Exception):
            raise answer
        return answer


def make_client(api: Handler, settings: SubmitSettings = FAST,
                seller: SellerAccount = SELLER) -> SpApiClient:  # fmt: skip
    return SpApiClient(settings, {"S1": seller}, transport=httpx.MockTransport(api))


def run_submit(api: FakeApi, settings: SubmitSettings = FAST) -> CallResult:
    async def go() -> CallResult:
        async with make_client(api, settings) as client:
            return await client.submit("S1", "submitShipmentStatusUpdates", BODY, False)

    return asyncio.run(go())


def test_accepted_call_sends_token_user_agent_and_json() -> None:
    api = FakeApi()
    result = run_submit(api)
    assert result.accepted and result.transaction_id == "tx-1"
    assert result.status_code == 202 and result.attempts == 1 and result.request_ids == ("rid-1",)
    assert result.url == "https://api.test" + STATUS_PATH
    request = api.calls[0]
    assert request.method == "POST" and request.headers["x-amz-access-token"] == "tok1"
    assert request.headers["user-agent"].startswith("edigw/")
    assert request.headers["content-type"] == "application/json"
    assert api.bodies[0] == BODY
    form = api.token_forms[0]
    assert form == {"grant_type": ["refresh_token"], "refresh_token": [REFRESH],
                    "client_id": [SELLER.client_id], "client_secret": [SECRET]}  # fmt: skip


def test_one_token_refresh_under_20_concurrent_calls() -> None:
    api = FakeApi()

    async def go() -> list[CallResult]:
        async with make_client(api) as client:
            calls = [client.submit("S1", "submitShipmentStatusUpdates", BODY, False)
                     for _ in range(20)]  # fmt: skip
            results = await asyncio.gather(*calls)
            assert client.tokens.refreshes == 1
            return results

    results = asyncio.run(go())
    assert len(api.token_forms) == 1
    assert {r.headers["x-amz-access-token"] for r in api.calls} == {"tok1"}
    assert len({r.transaction_id for r in results}) == 20


def test_token_refreshed_after_expiry() -> None:
    api = FakeApi(expires_in=0.1)  # short-lived token: refreshed after half its life

    async def go() -> None:
        async with make_client(api) as client:
            await client.submit("S1", "submitShipmentStatusUpdates", BODY, False)
            await client.submit("S1", "submitShipmentStatusUpdates", BODY, False)
            await asyncio.sleep(0.08)
            await client.submit("S1", "submitShipmentStatusUpdates", BODY, False)

    asyncio.run(go())
    assert [r.headers["x-amz-access-token"] for r in api.calls] == ["tok1", "tok1", "tok2"]


def test_expired_token_403_refreshes_and_retries_once() -> None:
    expired = reply(403, {"errors": [{"code": "Unauthorized", "message": "Access to requested "
                   "resource is denied.", "details": "The access token you provided has "
                   "expired."}]}, **{"x-amzn-RequestId": "rid-403"})  # fmt: skip
    api = FakeApi(expired)
    result = run_submit(api)
    assert result.accepted and result.attempts == 2
    assert result.request_ids == ("rid-403", "rid-2")
    assert [r.headers["x-amz-access-token"] for r in api.calls] == ["tok1", "tok2"]
    # twice in a row: the second 403 is final
    api = FakeApi(expired, expired)
    result = run_submit(api)
    assert not result.accepted and result.status_code == 403 and result.attempts == 2


def test_403_for_the_role_is_final_with_errors() -> None:
    denied = reply(403, {"errors": [{"code": "Unauthorized", "message": "Access to requested "
                                     "resource is denied.", "details": ""}]})  # fmt: skip
    api = FakeApi(denied)
    result = run_submit(api)
    assert result.attempts == 1 and result.status_code == 403 and len(api.token_forms) == 1
    assert result.errors[0].code == "Unauthorized" and result.errors[0].details == ""


def test_429_then_success_counts_throttling_and_keeps_request_ids() -> None:
    quota = {"errors": [{"code": "QuotaExceeded", "message": "You exceeded your quota."}]}
    throttled = reply(429, quota, **{"x-amzn-RequestId": "rid-429"})
    api = FakeApi(throttled)
    result = run_submit(api)
    assert result.accepted and result.throttled == 1 and result.attempts == 2
    assert result.request_ids == ("rid-429", "rid-2") and result.errors == ()


def test_500_503_burst_is_retried_until_success() -> None:
    api = FakeApi(reply(500), reply(503), reply(502), reply(500))
    result = run_submit(api)
    assert result.accepted and result.attempts == 5 and result.throttled == 0
    assert len(api.calls) == 5


def test_gives_up_after_max_attempts() -> None:
    api = FakeApi(*[reply(503, {"errors": [{"code": "ServiceUnavailable", "message": "x"}]})] * 9)
    settings = FAST.model_copy(update={"max_attempts": 3})
    result = run_submit(api, settings)
    assert not result.accepted and result.status_code == 503 and result.attempts == 3
    assert len(api.calls) == 3 and result.errors[0].code == "ServiceUnavailable"


def test_backoff_grows_between_retries() -> None:
    api = FakeApi(reply(503), reply(503), reply(503))
    settings = FAST.model_copy(update={"backoff_base": 0.05, "backoff_max": 1.0})
    started = time.monotonic()
    result = run_submit(api, settings)
    assert result.accepted and result.attempts == 4
    # full jitter: uniform(0, 0.05), (0, 0.1), (0, 0.2): below 0.35 s in total
    assert time.monotonic() - started < 0.6


def test_transport_errors_are_retried_then_reported() -> None:
    connect = httpx.ConnectError("connection refused")
    api = FakeApi(connect, httpx.ReadTimeout("timed out"))
    result = run_submit(api)
    assert result.accepted and result.attempts == 3 and result.request_ids == ("rid-3",)
    api = FakeApi(*[httpx.RemoteProtocolError("dropped")] * 6)
    result = run_submit(api)
    assert result.status_code is None and result.attempts == 6 and not result.accepted
    assert result.errors[0].code == "TransportError"


def test_400_is_final_with_amazons_errors() -> None:
    bad = reply(400, {"errors": [{"code": "InvalidInput", "message": "The content of element "
                                  "'PurchaseOrderNo' is not complete.", "details": ""}]},
                **{"x-amzn-RequestId": "rid-400"})  # fmt: skip
    api = FakeApi(bad, reply(202, {"payload": {"transactionId": "never"}}))
    result = run_submit(api)
    assert result.status_code == 400 and result.attempts == 1 and not result.accepted
    assert result.errors[0].code == "InvalidInput" and result.request_ids == ("rid-400",)
    assert len(api.calls) == 1


def test_2xx_without_transaction_id_is_not_resent() -> None:
    api = FakeApi(reply(202, {"payload": {}}))
    result = run_submit(api)
    assert result.attempts == 1 and not result.accepted
    assert result.errors[0].code == "MissingTransactionId" and len(api.calls) == 1


def test_bad_lwa_credentials_are_final_and_secret_free(caplog: pytest.LogCaptureFixture) -> None:
    async def lwa_refuses(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/auth/o2/token"
        return reply(401, {"error": "invalid_client",
                           "error_description": "Client authentication failed"})  # fmt: skip

    lwa_calls = 0

    async def counting(request: httpx.Request) -> httpx.Response:
        nonlocal lwa_calls
        lwa_calls += 1
        return await lwa_refuses(request)

    async def go() -> tuple[CallResult, CallResult]:
        async with make_client(counting) as client:
            first = await client.submit("S1", "submitShipmentStatusUpdates", BODY, False)
            # the seller is blocked now: no second LWA call with the dead credential
            second = await client.submit("S1", "submitShipmentStatusUpdates", BODY, False)
            return first, second

    caplog.set_level(logging.DEBUG)
    result, again = asyncio.run(go())
    assert result.attempts == 1 and result.status_code is None
    assert result.errors[0].code == "lwa_invalid_client" and result.blocked
    assert again.blocked and again.attempts == 0 and lwa_calls == 1
    assert not result.accepted and result.transaction_id is None
    for text in (caplog.text, repr(result), repr(SELLER)):
        assert SECRET not in text and REFRESH not in text


def test_no_secret_or_token_in_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    result = run_submit(FakeApi(reply(429), reply(500)))
    assert result.accepted and result.attempts == 3  # both retries happened (and were logged)
    assert caplog.text
    for secret in (SECRET, REFRESH, "tok1"):
        assert secret not in caplog.text


def test_unknown_seller_is_a_value() -> None:
    async def go() -> CallResult:
        async with make_client(FakeApi()) as client:
            return await client.submit("nobody", "submitShipmentStatusUpdates", BODY, False)

    result = asyncio.run(go())
    assert result.attempts == 0 and result.errors[0].code == "UnknownSeller"


def test_rate_limit_header_adjusts_the_bucket() -> None:
    api = FakeApi(reply(202, {"payload": {"transactionId": "t"}},
                        **{"x-amzn-RateLimit-Limit": "2.5"}))  # fmt: skip

    async def go() -> tuple[float, float]:
        async with make_client(api) as client:
            await client.submit("S1", "submitShipmentStatusUpdates", BODY, False)
            other = client.limits.bucket("S1", "submitShipmentConfirmations").rate
            return client.limits.bucket("S1", "submitShipmentStatusUpdates").rate, other

    assert asyncio.run(go()) == (2.5, 1000.0)


def test_pacing_follows_rate_and_burst() -> None:
    settings = FAST.model_copy(update={"rate": 50.0, "burst": 5})
    api = FakeApi()

    async def go() -> float:
        async with make_client(api, settings) as client:
            started = time.monotonic()
            await asyncio.gather(*[client.submit("S1", "submitShipmentStatusUpdates", BODY,
                                                 False) for _ in range(30)])  # fmt: skip
            return time.monotonic() - started

    elapsed = asyncio.run(go())
    assert 0.45 < elapsed < 0.9  # (30 - (5 - 1)) / 50 = 0.52 s
    # a server bucket with the same rate and burst (full at the start) never refuses a call
    starts = sorted(s for s, _, _ in api.spans)
    tokens, last = 5.0, starts[0]
    for start in starts:
        tokens = min(5.0, tokens + (start - last) * 50.0)
        last = start
        assert tokens >= 1.0
        tokens -= 1.0


def test_token_bucket_waits_in_order_and_drains() -> None:
    async def go() -> list[int]:
        bucket = TokenBucket(rate=100.0, capacity=2)
        order: list[int] = []

        async def take(i: int) -> None:
            await bucket.acquire()
            order.append(i)

        await asyncio.gather(*[take(i) for i in range(6)])
        bucket.drain()
        started = time.monotonic()
        await bucket.acquire()
        assert time.monotonic() - started >= 0.009
        return order

    assert asyncio.run(go()) == list(range(6))


def test_transaction_status_parses_failure_and_raises_without_answer() -> None:
    api = FakeApi()
    api.transaction = lambda tid, n: reply(200, {"payload": {"transactionStatus": {
        "transactionId": tid, "status": "Failure",
        "errors": [{"code": "INVALID_ORDER_ID", "message": "Invalid order ID."}]}}})  # fmt: skip

    async def go() -> None:
        async with make_client(api) as client:
            state = await client.transaction_status("S1", "tx/9", True)
            assert state.status is TransactionStatus.FAILURE and state.transaction_id == "tx/9"
            assert state.errors[0].code == "INVALID_ORDER_ID"
            assert str(api.calls[0].url) == ("https://sandbox.test/vendor/directFulfillment/"
                                             "transactions/v1/transactions/tx%2F9")  # fmt: skip
            missing = {"errors": [{"code": "NotFound", "message": "no"}]}
            api.transaction = lambda tid, n: reply(404, missing)
            with pytest.raises(TransactionStatusError) as info:
                await client.transaction_status("S1", "tx-2", False)
            assert info.value.status_code == 404 and info.value.errors[0].code == "NotFound"

    asyncio.run(go())
