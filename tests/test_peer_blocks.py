"""Per-address limits count an IPv6 peer by its /64 (`gateway.auth.peers`): the failed-login
throttle (SFTP and HTTP keys), SSH connections not yet logged in, and HTTP connections open
at once. Before, each exact address was counted, and a holder of one /64 (2^64 addresses,
every host on IPv6 has one) stepped past every per-address limit by changing its low bits.
An IPv4-mapped address counts as its IPv4 address."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from fastapi import HTTPException
from starlette.requests import Request
from uvicorn.config import Config
from uvicorn.server import ServerState

from gateway.auth.operators import refuse_key
from gateway.auth.peers import peer_block
from gateway.auth.throttle import LoginLimits, LoginThrottle
from gateway.inbound.sftp import _AccountServer, _Startups
from gateway.service.uploads import TimedH11Protocol


@pytest.mark.parametrize(
    ("address", "block"),
    [
        ("10.0.0.7", "10.0.0.7"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"),
        ("2001:DB8:1:2:a:b:c:d", "2001:db8:1:2::/64"),
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        ("fe80::1%eth0", "fe80::/64"),  # a zone index names the link, not another host
        ("::1", "::/64"),
        ("::ffff:10.0.0.7", "10.0.0.7"),  # a dual-stack socket's view of an IPv4 peer
        ("unknown", "unknown"),
        ("", ""),
        ("/run/edigw.sock", "/run/edigw.sock"),
    ],
)
def test_peer_block(address: str, block: str) -> None:
    assert peer_block(address) == block


class _Transport(asyncio.Transport):
    def __init__(self, peer: str) -> None:
        super().__init__()
        self.peer, self.out, self.closed = peer, b"", False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": (self.peer, 50000), "sockname": ("::1", 8080)}.get(name, default)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.out += bytes(data)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass

    def set_write_buffer_limits(self, high: int | None = None, low: int | None = None) -> None:
        pass


async def _app(scope: Any, receive: Any, send: Any) -> None:
    pass


def test_http_connections_of_one_ipv6_64_share_the_per_peer_cap() -> None:
    async def run() -> list[bytes]:
        config = Config(app=_app)
        config.load()
        protocol = TimedH11Protocol.with_limits(30.0, 2)
        state = ServerState()
        answers = []
        peers = ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2:dead::3", "2001:db8:1:3::1",
                 "10.0.0.1", "::ffff:10.0.0.1", "10.0.0.1"]  # fmt: skip
        for peer in peers:
            transport = _Transport(peer)
            protocol(config=config, server_state=state, app_state={}).connection_made(transport)
            answers.append(transport.out[:12])
        return answers

    refused = b"HTTP/1.1 503"
    assert asyncio.run(run()) == [b"", b"", refused, b"", b"", b"", refused]


def test_ssh_startups_of_one_ipv6_64_share_the_per_peer_cap() -> None:
    startups = _Startups(most=100, most_per_peer=2)

    class _Conn:
        def __init__(self, peer: str) -> None:
            self.peer, self.refused = peer, False

        def get_extra_info(self, name: str) -> Any:
            return (self.peer, 22) if name == "peername" else None

        def disconnect(self, *args: Any) -> None:
            self.refused = True

        def abort(self) -> None:
            self.refused = True

    def connect(peer: str) -> bool:
        conn = _Conn(peer)
        server = _AccountServer({}, {}, LoginThrottle(LoginLimits()), startups=startups)
        server.connection_made(conn)  # type: ignore[arg-type]
        return not conn.refused

    peers = ["2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2::3", "2001:db8:9:9::1"]
    assert [connect(p) for p in peers] == [True, True, False, True]
    assert startups.by_peer == {"2001:db8:1:2::/64": 2, "2001:db8:9:9::/64": 1}


def test_wrong_keys_from_one_ipv6_64_lock_it_out() -> None:
    """Wrong API keys from ever new addresses of one /64 reach the address's lockout."""
    limits = LoginLimits(free_failures=1, delay_base=0.0, lockout_after=3)
    throttle = LoginThrottle(limits)

    def request(host: str) -> Request:
        app = SimpleNamespace(state=SimpleNamespace())  # no operators
        return Request({"type": "http", "client": (host, 40000), "headers": [], "method": "GET",
                        "path": "/", "query_string": b"", "app": app})  # fmt: skip

    async def guess(host: str) -> int:
        try:
            await refuse_key(request(host), throttle, "partner-api-key")
        except HTTPException as refused:
            return refused.status_code
        raise AssertionError("a wrong key was served")

    codes = [asyncio.run(guess(f"2001:db8:1:2::{n:x}")) for n in range(1, 6)]
    assert codes[:3] == [401, 401, 401] and codes[3:] == [429, 429]
    assert throttle.locked("peer:2001:db8:1:2::/64") > 0
    assert asyncio.run(guess("2001:db8:1:3::1")) == 401  # the next /64 is another peer
