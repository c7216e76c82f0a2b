"""The SP-API client: LWA-authorised, rate-limited, retried calls to DF Shipping / Transactions.

Retries (tenacity, full-jitter exponential backoff): 429, 500, 502, 503, 504 and transport
errors/timeouts, up to `max_attempts`. A 401/403 naming the access token drops the cached token
and retries once at once with a fresh one. Everything else (400, 403, 404, ...) is final and
carries Amazon's error list. Nothing is sent again after a 2xx. Every x-amzn-RequestId is kept.
Remote failures are values (CallResult); only getTransactionStatus raises, since it has no
result type for "could not ask" (the poller catches it and asks again).

LWA answers that never heal (RFC 6749 section 5.2 as LWA uses it: `invalid_grant` 400, a
revoked or wrong refresh token; `invalid_client` 401, e.g. after a client-secret rotation)
end the call at once with the error `lwa_invalid_grant` / `lwa_invalid_client` and block the
seller: every later call for it ends the same way without asking LWA again, until
`unblock` (new credentials). Transient LWA errors (5xx, 429, transport) are retried.

The V1 sandbox is static (Amazon's sandbox guide): a 500 there means "not one of the
model's examples" and repeats forever, so it is not retried; the call ends with
`SandboxNoMatch` next to Amazon's error.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Final
from urllib.parse import quote

import httpx
from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from gateway.settings import SellerAccount, SubmitSettings
from gateway.spapi import (
    SANDBOX_NO_MATCH,
    ApiError,
    CallResult,
    Operation,
    TransactionState,
    TransactionStatus,
)
from gateway.submit.lwa import LwaError, LwaTokens, SubmitError
from gateway.submit.ratelimit import RateLimits

__all__ = [
    "OPERATION_PATHS",
    "TRANSACTION_OPERATION",
    "SpApiClient",
    "TransactionStatusError",
    "parse_errors",
]

log = logging.getLogger(__name__)

OPERATION_PATHS: Final[dict[str, str]] = {
    "submitShipmentStatusUpdates": "/vendor/directFulfillment/shipping/v1/shipmentStatusUpdates",
    "submitShipmentConfirmations": "/vendor/directFulfillment/shipping/v1/shipmentConfirmations",
}
TRANSACTION_OPERATION: Final = "getTransactionStatus"
_TRANSACTION_PATH: Final = "/vendor/directFulfillment/transactions/v1/transactions/"
_RETRY_STATUSES: Final = frozenset({429, 500, 502, 503, 504})
_REQUEST_ID: Final = "x-amzn-RequestId"


class TransactionStatusError(SubmitError):
    """getTransactionStatus could not be answered (final HTTP error or retries exhausted)."""

    def __init__(self, transaction_id: str, status_code: int | None, errors: tuple[ApiError, ...],
                 request_ids: tuple[str, ...]) -> None:  # fmt: skip
        text = "; ".join(f"{e.code}: {e.message}" for e in errors) or "no answer"
        super().__init__(f"transaction {transaction_id}: HTTP {status_code}: {text}")
        self.status_code = status_code
        self.errors = errors
        self.request_ids = request_ids


class _Retry(Exception):
    """Internal: this attempt failed in a retryable way."""

    def __init__(self, immediate: bool = False) -> None:
        super().__init__("retry")
        self.immediate = immediate  # fresh-token retry: no backoff


@dataclass(slots=True)
class _Exchange:
    """What happened over the attempts of one logical call."""

    attempts: int = 0
    status_code: int | None = None
    request_ids: list[str] = field(default_factory=list)
    throttled: int = 0
    errors: tuple[ApiError, ...] = ()
    data: Any = None
    token_retried: bool = False
    sandbox: bool = False


def parse_errors(data: Any) -> tuple[ApiError, ...]:
    """Amazon's {"errors": [{"code", "message", "details"}]} as ApiErrors (tolerant)."""
    items = data.get("errors") if isinstance(data, dict) else None
    if not isinstance(items, list):
        return ()
    errors = []
    for item in items:
        if isinstance(item, dict):
            details = item.get("details")
            errors.append(ApiError(code=str(item.get("code", "")),
                                   message=str(item.get("message", "")),
                                   details=None if details is None else str(details)))  # fmt: skip
    return tuple(errors)


def _token_rejected(errors: tuple[ApiError, ...]) -> bool:
    """A 401/403 that blames the access token (expired, revoked, malformed), not the role."""
    for error in errors:
        text = f"{error.code} {error.message} {error.details or ''}".lower()
        if "token" in text or "expired" in text:
            return True
    return False


class SpApiClient:
    """One per process: httpx.AsyncClient, LWA token cache and rate buckets shared by calls."""

    def __init__(
        self,
        settings: SubmitSettings,
        sellers: Mapping[str, SellerAccount],
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._settings = settings
        self._sellers = dict(sellers)
        self._http = httpx.AsyncClient(
            transport=transport,
            timeout=settings.timeout,
            headers={"user-agent": settings.user_agent, "accept": "application/json"},
        )
        self.tokens = LwaTokens(self._http, self._sellers, settings.token_refresh_margin)
        self.limits = RateLimits(settings.rate, settings.burst)
        self._backoff = wait_random_exponential(
            multiplier=settings.backoff_base, max=settings.backoff_max
        )
        self.blocked: dict[str, ApiError] = {}  # seller -> the LWA refusal that blocked it

    def unblock(self, seller: str, account: SellerAccount | None = None) -> None:
        """Credentials changed (settings reloaded, operator check): try the seller again,
        with `account` as its new credentials when given."""
        if account is not None:
            self._sellers[seller] = account
        self.blocked.pop(seller, None)
        self.tokens.forget(seller)

    @property
    def sellers(self) -> Mapping[str, SellerAccount]:
        return self._sellers

    async def __aenter__(self) -> SpApiClient:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:  # fmt: skip
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    def url(self, seller: str, operation: str, sandbox: bool) -> str:
        base = self._sellers[seller].base_url(sandbox)
        return base + OPERATION_PATHS.get(operation, _TRANSACTION_PATH)

    async def submit(
        self, seller: str, operation: Operation, body: dict[str, Any], sandbox: bool
    ) -> CallResult:
        """POST one submit call; the result says how it ended (never raises for the remote)."""
        if seller not in self._sellers:
            error = ApiError("UnknownSeller", f"no account configured for seller {seller!r}")
            return CallResult(operation, "", None, 0, (), None, (error,))
        url = self.url(seller, operation, sandbox)
        ex = await self._exchange(seller, operation, "POST", url, body, sandbox)
        transaction_id = None
        errors = ex.errors
        if ex.status_code is not None and 200 <= ex.status_code < 300:
            payload = ex.data.get("payload") if isinstance(ex.data, dict) else None
            found = payload.get("transactionId") if isinstance(payload, dict) else None
            if isinstance(found, str) and found:
                transaction_id = found
            else:
                errors = (*errors, ApiError("MissingTransactionId", "2xx without transactionId"))
        result = CallResult(operation=operation, url=url, status_code=ex.status_code,
                            attempts=ex.attempts, request_ids=tuple(ex.request_ids),
                            transaction_id=transaction_id, errors=errors,
                            throttled=ex.throttled)  # fmt: skip
        log.info("%s seller=%s status=%s attempts=%d throttled=%d transaction=%s requests=%s",
                 operation, seller, ex.status_code, ex.attempts, ex.throttled, transaction_id,
                 ",".join(ex.request_ids))  # fmt: skip
        return result

    async def transaction_status(
        self, seller: str, transaction_id: str, sandbox: bool
    ) -> TransactionState:
        """getTransactionStatus; raises TransactionStatusError when there is no answer."""
        if seller not in self._sellers:
            raise TransactionStatusError(
                transaction_id, None, (ApiError("UnknownSeller", seller),), ()
            )
        url = self.url(seller, TRANSACTION_OPERATION, sandbox) + quote(transaction_id, safe="")
        ex = await self._exchange(seller, TRANSACTION_OPERATION, "GET", url, None, sandbox)
        payload = ex.data.get("payload") if isinstance(ex.data, dict) else None
        found = payload.get("transactionStatus") if isinstance(payload, dict) else None
        status = found.get("status") if isinstance(found, dict) else None
        if (
            ex.status_code != 200
            or not isinstance(found, dict)
            or status not in ("Processing", "Success", "Failure")
        ):
            raise TransactionStatusError(transaction_id, ex.status_code, ex.errors,
                                         tuple(ex.request_ids))  # fmt: skip
        return TransactionState(transaction_id, TransactionStatus(status), parse_errors(found))

    async def _exchange(self, seller: str, operation: str, method: str, url: str,
                        body: dict[str, Any] | None, sandbox: bool) -> _Exchange:  # fmt: skip
        ex = _Exchange(sandbox=sandbox)
        if seller in self.blocked:  # never ask LWA again with a dead credential
            ex.errors = (self.blocked[seller],)
            return ex
        retrying = AsyncRetrying(
            stop=stop_after_attempt(max(1, self._settings.max_attempts)),
            wait=self._wait,
            retry=retry_if_exception_type(_Retry),
            reraise=True,
        )
        try:
            async for attempt in retrying:
                with attempt:
                    await self._attempt(ex, seller, operation, method, url, body)
        except _Retry:
            log.warning("%s seller=%s gave up after %d attempts", operation, seller, ex.attempts)
        return ex

    def _wait(self, state: RetryCallState) -> float:
        failure = state.outcome.exception() if state.outcome else None
        if isinstance(failure, _Retry) and failure.immediate:
            return 0.0
        return float(self._backoff(state))

    async def _attempt(self, ex: _Exchange, seller: str, operation: str, method: str, url: str,
                       body: dict[str, Any] | None) -> None:  # fmt: skip
        ex.attempts += 1
        ex.status_code, ex.data = None, None
        bucket = self.limits.bucket(seller, operation)
        await bucket.acquire()  # first: a token fetched before a long wait could expire
        try:
            token = await self.tokens.token(seller)
        except LwaError as exc:
            if exc.transient:
                ex.errors = (ApiError(f"LWA:{exc.code}", exc.message),)
                raise _Retry() from None
            error = ApiError(f"lwa_{exc.code}".lower().replace(" ", "_"), exc.message,
                             f"seller {seller}: reauthorization needed")  # fmt: skip
            ex.errors = (error,)
            self.blocked.setdefault(seller, error)
            log.error("LWA refused the credentials of seller %s for good (%s): reauthorization "
                      "needed", seller, exc.code)  # fmt: skip
            return
        headers = {"x-amz-access-token": token}
        try:
            response = await self._http.request(method, url, json=body, headers=headers)
        except httpx.TransportError as exc:
            ex.errors = (ApiError("TransportError", type(exc).__name__, str(exc) or None),)
            log.debug("%s seller=%s attempt %d: %s", operation, seller, ex.attempts, ex.errors)
            raise _Retry() from None
        ex.status_code = response.status_code
        request_id = response.headers.get(_REQUEST_ID)
        if request_id:
            ex.request_ids.append(request_id)
        self.limits.observe(seller, operation, response.headers)
        try:
            ex.data = response.json()
        except ValueError:
            ex.data = None
        ex.errors = parse_errors(ex.data)
        status = response.status_code
        log.debug("%s seller=%s attempt %d: HTTP %d", operation, seller, ex.attempts, status)
        if status == 429:
            ex.throttled += 1
            bucket.drain()
        if status == 500 and ex.sandbox:  # the static sandbox: the same answer every time
            ex.errors = (*ex.errors, ApiError(
                SANDBOX_NO_MATCH, "the static SP-API sandbox answers only its canned examples "
                "and refused this request (HTTP 500); nothing to retry", ""))  # fmt: skip
            return
        if status in _RETRY_STATUSES:
            raise _Retry()
        if status in (401, 403) and not ex.token_retried and _token_rejected(ex.errors):
            ex.token_retried = True
            self.tokens.invalidate(seller, token)
            raise _Retry(immediate=True)
