"""Which client address the service believes (review 20): uvicorn believes X-Forwarded-For
from 127.0.0.1 unless told otherwise, so any process on the host could pose as any address
to the login throttle (and the logs). Now no header is believed unless
`http_trusted_proxies` names the proxy; the per-peer connection cap counts the socket's
address either way."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from gateway.service.config import ServiceSettings
from gateway.service.serve import http_config


def _client_seen(trusted: str, peer: str, forwarded: str) -> Any:
    seen: list[Any] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["client"])

    config = http_config(app, ServiceSettings(data_dir=Path("/tmp"), http_trusted_proxies=trusted))
    config.load()
    scope = {"type": "http", "client": (peer, 40000), "scheme": "http", "method": "GET",
             "path": "/", "headers": [(b"x-forwarded-for", forwarded.encode())]}  # fmt: skip

    async def nothing() -> dict[str, Any]:
        return {"type": "http.request"}

    async def ignore(message: Any) -> None:
        pass

    asyncio.run(config.loaded_app(scope, nothing, ignore))
    return seen[0]


@pytest.mark.parametrize("peer", ["127.0.0.1", "::1", "10.0.0.7"])
def test_no_forwarded_header_is_believed_by_default(peer: str) -> None:
    assert _client_seen("", peer, "2001:db8::1")[0] == peer


def test_a_named_proxy_is_believed_and_no_other() -> None:
    assert _client_seen("10.0.0.7", "10.0.0.7", "203.0.113.9")[0] == "203.0.113.9"
    assert _client_seen("10.0.0.7", "127.0.0.1", "203.0.113.9")[0] == "127.0.0.1"
