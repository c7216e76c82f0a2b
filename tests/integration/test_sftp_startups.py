"""SSH connections not yet logged in are limited, in all and per peer address (OpenSSH's
MaxStartups / PerSourceMaxStartups): a flood of idle handshakes from one address, or from
many, is refused at once and cannot keep a partner out; a partner's own sessions, once
logged in, do not count. Real OpenSSH `sftp` logs in beside the flood."""

from __future__ import annotations

import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest

from gateway.inbound.credentials import hash_password
from gateway.inbound.sftp import SftpAccount, start_sftp_server
from tests.integration.sftp_client import run, serving
from tests.integration.test_sftp_server import SFTP, RecordingSink

PER_PEER, IN_ALL = 2, 3


@dataclass
class Server:
    port: int
    key: Path
    work: Path
    sink: RecordingSink

    def sftp_put(self, name: str, source: str = "127.0.0.1") -> int:
        """`put` a file as acme from `source` with OpenSSH's sftp; its exit status."""
        (self.work / name).write_text("ISA*...")
        batch = self.work / f"batch-{name}.txt"
        batch.write_text(f"put {name} /inbox/{name}\n")
        args = [SFTP, "-b", str(batch), "-P", str(self.port), "-F", "/dev/null",
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "LogLevel=ERROR", "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
                "-o", f"BindAddress={source}", "-i", str(self.key), "acme@127.0.0.1"]  # fmt: skip
        return run(args, cwd=self.work).rc


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    if not Path(SFTP).exists():
        pytest.skip("OpenSSH sftp missing")
    key = tmp_path / "id_acme"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)],
                   check=True, stdin=subprocess.DEVNULL)  # fmt: skip
    account = SftpAccount("acme", "acme", hash_password("pw-acme-1"),
                          ((tmp_path / "id_acme.pub").read_text().strip(),))  # fmt: skip
    sink = RecordingSink()
    start = partial(start_sftp_server, "127.0.0.1", 0, tmp_path / "sftp", [account], sink,
                    tmp_path / "host_key", max_startups=IN_ALL,
                    max_startups_per_peer=PER_PEER)  # fmt: skip
    work = tmp_path / "work"
    work.mkdir()
    with serving(start) as (acceptor, _, _):
        yield Server(acceptor.get_port(), key, work, sink)


def _idle(port: int, source: str) -> socket.socket:
    """A TCP connection from `source` that sends its SSH banner and then nothing (a
    handshake left hanging), once the server answered with its own banner."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=15, source_address=(source, 0))
    sock.sendall(b"SSH-2.0-idle\r\n")
    assert sock.recv(256).startswith(b"SSH-2.0-")
    return sock


def _refused(sock: socket.socket) -> bool:
    """Whether the server hung up on `sock` (end of file within 15 s, whatever it sent)."""
    try:
        while True:
            if not sock.recv(4096):
                return True
    except (ConnectionResetError, TimeoutError):
        return False


def test_idle_handshakes_past_the_per_peer_limit_are_refused(server: Server) -> None:
    held = [_idle(server.port, "127.0.0.1") for _ in range(PER_PEER)]
    extra = socket.create_connection(("127.0.0.1", server.port), timeout=15,
                                     source_address=("127.0.0.1", 0))  # fmt: skip
    assert _refused(extra)
    # the partner's sftp from that address is refused too while the flood holds it...
    assert server.sftp_put("a.edi", "127.0.0.1") != 0
    # ...but not from another address
    assert server.sftp_put("b.edi", "127.0.0.2") == 0
    for sock in held:
        sock.close()
    # the flood gone, the address logs in again (the server saw the closes: retried a while)
    for _ in range(50):
        if server.sftp_put("c.edi", "127.0.0.1") == 0:
            break
    else:
        pytest.fail("sftp from 127.0.0.1 still refused after the idle connections closed")
    assert sorted(path.name for _, path, _ in server.sink.calls) == ["b.edi", "c.edi"]


def test_idle_handshakes_past_the_limit_in_all_are_refused(server: Server) -> None:
    sources = ["127.0.0.1", "127.0.0.1", "127.0.0.2"][:IN_ALL]
    held = [_idle(server.port, source) for source in sources]
    for source in ("127.0.0.3", "127.0.0.4"):
        sock = socket.create_connection(("127.0.0.1", server.port), timeout=15,
                                        source_address=(source, 0))  # fmt: skip
        assert _refused(sock)
        sock.close()
    held.pop().close()  # one place free again: another address gets in
    for _ in range(50):
        if server.sftp_put("d.edi", "127.0.0.5") == 0:
            break
    else:
        pytest.fail("no connection admitted after one idle connection closed")
    for sock in held:
        sock.close()


def test_logged_in_sessions_do_not_count(server: Server) -> None:
    """Sessions that logged in leave the startups: more of them than the limits allow run
    one after another and side by side without a refusal."""
    results: list[int] = []
    threads = [threading.Thread(target=lambda n=n: results.append(server.sftp_put(f"s{n}.edi")))
               for n in range(2)]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results += [server.sftp_put(f"t{n}.edi") for n in range(IN_ALL + 2)]
    assert results == [0] * (IN_ALL + 4)
    assert len(server.sink.calls) == IN_ALL + 4
