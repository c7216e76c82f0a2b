"""One peer address cannot take every HTTP connection of the service: past
`http_max_connections_per_peer` open from it, a new one is answered 503 (Retry-After) and
closed, while other addresses are served; once its connections close it is served again."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.integration.service import EmulatorProcess, emulator_process, running_service

PER_PEER = 3


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    with emulator_process(tmp_path_factory.mktemp("emulator")) as emu:
        yield emu


def _open(port: int, source: str) -> socket.socket:
    """A connection from `source` that starts a request head and stops there (held open
    until the header timeout)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=10, source_address=(source, 0))
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    return sock


def _answer(sock: socket.socket) -> bytes:
    """What the server sends before it closes `sock` (10 s at most)."""
    received = b""
    try:
        while data := sock.recv(4096):
            received += data
    except (ConnectionResetError, TimeoutError):
        pass
    return received


def _healthz(port: int, source: str) -> int:
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(transport=transport, timeout=10) as client:
        return client.get(f"http://127.0.0.1:{port}/healthz").status_code


def test_one_address_cannot_take_every_connection(
    tmp_path: Path, emulator: EmulatorProcess
) -> None:
    extra = f"http_max_connections_per_peer: {PER_PEER}\nhttp_timeout: 60\n"
    with running_service(tmp_path / "gw", emulator.port, extra_settings=extra) as service:
        port = service.http_port
        held = [_open(port, "127.0.0.1") for _ in range(PER_PEER)]
        extra_one = socket.create_connection(("127.0.0.1", port), timeout=10,
                                             source_address=("127.0.0.1", 0))  # fmt: skip
        answer = _answer(extra_one)
        assert answer.startswith(b"HTTP/1.1 503"), answer
        assert b"retry-after: 5" in answer.lower()
        assert _healthz(port, "127.0.0.2") == 200  # another address is served meanwhile
        for sock in held:
            sock.close()
        for _ in range(50):  # the server sees the closes soon
            if _healthz(port, "127.0.0.1") == 200:
                break
        else:
            pytest.fail("127.0.0.1 still refused after its connections closed")
