"""HTTP uploads streamed to disk, with the limits a public endpoint needs.

The request body (raw, or the `file` part of a multipart form) is written to the store chunk
by chunk as it arrives (`FileStore.incoming`), never held whole in memory. It is refused
with 413 past the partner's size limit (Content-Length is checked before anything is read),
and with 408 when the client sends nothing for `http_timeout` seconds or trickles it slower
than `_MIN_RATE` bytes/s over such a period (a slow-upload attack holds a connection for as
long as it likes otherwise).

`TimedH11Protocol` is uvicorn's h11 protocol with a deadline for the request headers: a
connection that has not sent a complete request head within `http_timeout` seconds of
opening is closed (uvicorn itself only times out idle keep-alive connections). It also caps
the connections open at once from one peer address (`http_max_connections_per_peer`; an
IPv6 /64 is one address, `gateway.auth.peers`): one
more is answered 503 with Retry-After and closed, so a single client cannot take every one
of the `http_max_connections` (uvicorn's own cap, for all peers together).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from fastapi import HTTPException, Request
from starlette.types import Message
from uvicorn.protocols.http.h11_impl import H11Protocol

from gateway.auth.peers import peer_block
from gateway.service.storage import FileTooLarge, Incoming, StoredFile

__all__ = ["TimedH11Protocol", "stream_upload"]

_MIN_RATE = 1024  # bytes/s an upload must average over each `http_timeout` window


class _Refused(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


async def _next(
    receive: Callable[[], Awaitable[Message]], timeout: float, stopping: asyncio.Event | None
) -> Message:
    """The next ASGI message; 408 after `timeout` s without one, 503 once `stopping` is set
    (the service stops: an upload still arriving is not kept)."""
    if stopping is None:
        try:
            return await asyncio.wait_for(receive(), timeout)
        except TimeoutError:
            raise _Refused(408, f"no data for {timeout:g} s: upload closed") from None
    receiving = asyncio.ensure_future(receive())
    stop = asyncio.ensure_future(stopping.wait())
    try:
        done, _ = await asyncio.wait({receiving, stop}, timeout=timeout,
                                     return_when=asyncio.FIRST_COMPLETED)  # fmt: skip
    finally:
        stop.cancel()
    if receiving in done:
        return receiving.result()
    receiving.cancel()
    if stop in done:
        raise _Refused(503, "the gateway is stopping: the upload was not kept; send the file "
                            "again when it is back")  # fmt: skip
    raise _Refused(408, f"no data for {timeout:g} s: upload closed")


def _limited(
    receive: Callable[[], Awaitable[Message]], limit: int, timeout: float,
    stopping: asyncio.Event | None = None,
) -> Callable[[], Awaitable[Message]]:  # fmt: skip
    """`receive` that refuses a body past `limit` bytes, arriving too slowly or still
    arriving when the service stops (`stopping`)."""
    state = {"size": 0, "window_start": time.monotonic(), "window_bytes": 0}

    async def receive_limited() -> Message:
        message = await _next(receive, timeout, stopping)
        if message["type"] == "http.request":
            size = len(message.get("body", b""))
            state["size"] += size
            state["window_bytes"] += size
            if state["size"] > limit:
                raise _Refused(413, f"the file is larger than the limit of {limit:,} bytes "
                                    f"({limit / 1_000_000:g} MB) for this partner")  # fmt: skip
            now = time.monotonic()
            if now - state["window_start"] >= timeout:
                if state["window_bytes"] < _MIN_RATE * (now - state["window_start"]):
                    raise _Refused(408, f"upload slower than {_MIN_RATE} bytes/s: closed")
                state["window_start"], state["window_bytes"] = now, 0
        return message

    return receive_limited


async def _write(incoming: Incoming, chunk: bytes) -> None:
    try:
        incoming.write(chunk)
    except FileTooLarge as exc:
        raise _Refused(413, str(exc)) from None


async def stream_upload(
    request: Request, incoming: Incoming, limit: int, timeout: float,
    stopping: asyncio.Event | None = None,
) -> tuple[StoredFile, str | None]:  # fmt: skip
    """Write the upload's bytes into `incoming` and commit it: (the stored file, the file
    name a multipart part carried). HTTPException 413 / 408 / 422 when refused, 503 (with
    Retry-After) when `stopping` is set before the body is complete (the partial file is
    discarded by the caller's `with incoming`)."""
    length = request.headers.get("content-length")
    if length is not None and length.isdigit() and int(length) > limit + 64 * 1024:
        raise HTTPException(413, f"the file is larger than the limit of {limit:,} bytes "
                                 f"({limit / 1_000_000:g} MB) for this partner")  # fmt: skip
    limited = Request(
        request.scope, _limited(request.receive, limit + 64 * 1024, timeout, stopping)
    )
    name: str | None = None
    try:
        if request.headers.get("content-type", "").startswith("multipart/form-data"):
            form = await limited.form(max_files=1, max_fields=10)
            upload: Any = form.get("file")
            if upload is None or isinstance(upload, str):
                raise HTTPException(422, "multipart upload needs a 'file' part")
            name = upload.filename
            while chunk := await upload.read(1 << 20):
                await _write(incoming, chunk)
            await form.close()
        else:
            async for chunk in limited.stream():
                await _write(incoming, chunk)
    except _Refused as refused:
        headers = {"Connection": "close"}
        if refused.status == 503:
            headers["Retry-After"] = "30"
        raise HTTPException(refused.status, refused.detail, headers=headers) from None
    return await asyncio.to_thread(incoming.commit), name


_TOO_MANY = (
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"retry-after: 5\r\nconnection: close\r\ncontent-length: 44\r\n\r\n"
    b"too many connections open from your address"
)


class TimedH11Protocol(H11Protocol):
    """uvicorn's h11 protocol; closes a connection whose first request head is not complete
    within `header_timeout` seconds, and answers 503 to a connection past `per_peer` open
    ones from its address (both set on a class of its own by `with_limits`)."""

    header_timeout = 30.0
    per_peer = 50
    open_by_peer: ClassVar[dict[str, int]] = {}  # this class's connections, by peer address

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._header_deadline = self.loop.call_later(self.header_timeout, self._head_too_slow)
        peer = transport.get_extra_info("peername")
        address = peer_block(str(peer[0])) if peer else ""  # (an IPv6 /64 as one)
        count = self.open_by_peer.get(address, 0)
        self._counted: str | None = None
        if count >= self.per_peer:
            transport.write(_TOO_MANY)
            transport.close()
            return
        self.open_by_peer[address] = count + 1
        self._counted = address

    def _head_too_slow(self) -> None:
        if self.cycle is None and not self.transport.is_closing():
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._header_deadline.cancel()
        address, self._counted = self._counted, None
        if address is not None:
            left = self.open_by_peer[address] - 1
            if left:
                self.open_by_peer[address] = left
            else:
                del self.open_by_peer[address]
        super().connection_lost(exc)

    @classmethod
    def with_limits(cls, header_seconds: float, per_peer: int) -> type[TimedH11Protocol]:
        """A protocol class of its own (its own count of open connections per peer) with
        these limits: seconds to send a request head, connections open from one address."""
        limits = {"header_timeout": header_seconds, "per_peer": per_peer, "open_by_peer": {}}
        return type("TimedH11Protocol", (cls,), limits)
