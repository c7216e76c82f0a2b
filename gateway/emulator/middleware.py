"""The ASGI layer around every emulator route: request ids, the rate-limit header, fault
injection on SP-API calls, and the request log (every call, whatever its answer).

x-amzn-RateLimit-Limit goes only on the answers the models declare it for (2xx, 400, 404 in
vendorDirectFulfillmentShippingV1.json / TransactionsV1.json response headers), never on 403,
429 or 500; x-amzn-RequestId on every answer.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl
from uuid import uuid4

import anyio
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.emulator.faults import ConnectionDropped
from gateway.emulator.state import EmulatorState

__all__ = [
    "CONTROL_PREFIX",
    "SANDBOX_PREFIX",
    "EmulatorMiddleware",
    "amazon_errors",
    "rate_limit_header",
]

SANDBOX_PREFIX = "/sandbox"  # sandbox_endpoint = <emulator>/sandbox
CONTROL_PREFIX = "/_emulator/"  # control routes: not logged, no faults
MASKED = frozenset({"client_secret", "refresh_token"})

FAULT_ERRORS = {
    "500": (500, "InternalFailure", "We encountered an internal error. Please try again."),
    "503": (503, "ServiceUnavailable", "Service temporarily unavailable. Please try again."),
}


def amazon_errors(code: str, message: str, details: str = "") -> dict[str, Any]:
    """Amazon's ErrorList body: {"errors": [{"code", "message", "details"}]}; production
    sends `details` as "" when it has none (the models' 400 examples; the InternalFailure
    quoted in amzn/selling-partner-api-docs#28)."""
    return {"errors": [{"code": code, "message": message, "details": details}]}


def rate_limit_header(status: int) -> bool:
    """Whether an answer of `status` carries x-amzn-RateLimit-Limit (the models' headers)."""
    return 200 <= status < 300 or status in (400, 404)


def _parsed_body(raw: bytes, content_type: str) -> Any:
    """The request body for the log: JSON, or a form dict with secrets masked."""
    if not raw:
        return None
    text = raw.decode("utf-8", errors="replace")
    if content_type.startswith("application/x-www-form-urlencoded"):
        return {k: ("***" if k in MASKED else v) for k, v in parse_qsl(text)}
    try:
        return json.loads(text)
    except ValueError:
        return text


class EmulatorMiddleware:
    def __init__(self, app: ASGIApp, state: EmulatorState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(CONTROL_PREFIX):
            await self.app(scope, receive, send)
            return
        received = datetime.now(UTC).isoformat(timespec="milliseconds")
        request_id = str(uuid4())
        raw = await _read_body(receive)
        path: str = scope["path"]
        sandbox = path == SANDBOX_PREFIX or path.startswith(SANDBOX_PREFIX + "/")
        spapi = path.removeprefix(SANDBOX_PREFIX).startswith("/vendor/")
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        scope.setdefault("state", {})
        status: int | None = None

        async def replay() -> Message:
            return {"type": "http.request", "body": raw, "more_body": False}

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                extra = [(b"x-amzn-requestid", request_id.encode())]
                if spapi and rate_limit_header(status or 0):
                    extra.append((b"x-amzn-ratelimit-limit", str(self.state.config.rate).encode()))
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        try:
            fault = None
            if spapi:
                with self.state.lock:
                    fault = self.state.faults.next_fault()
                    latency = self.state.faults.latency
                if latency:
                    await anyio.sleep(latency)
            if fault == "drop":
                # Start the response, then fail: the server closes the connection mid-response.
                await send({"type": "http.response.start", "status": 200,
                            "headers": [(b"content-length", b"1024")]})  # fmt: skip
                raise ConnectionDropped(f"dropped {scope['method']} {path} on purpose")
            if fault is not None:
                code, name, message = FAULT_ERRORS[fault]
                response = JSONResponse(amazon_errors(name, message), status_code=code)
                await response(scope, replay, send_with_headers)
            else:
                await self.app(scope, replay, send_with_headers)
        finally:
            self.state.record(
                {
                    "method": scope["method"],
                    "path": path,
                    "body": _parsed_body(raw, headers.get("content-type", "")),
                    "time": received,
                    "status": status,
                    "transaction_id": scope["state"].get("transaction_id"),
                    "request_id": request_id,
                    "sandbox": sandbox,
                }
            )


async def _read_body(receive: Receive) -> bytes:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)
