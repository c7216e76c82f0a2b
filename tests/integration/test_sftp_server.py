"""Hosted SFTP server against the real OpenSSH `sftp`/`ssh` clients (and asyncssh's client for
aborted uploads): authentication, chroot escapes, upload hand-over exactly once."""

from __future__ import annotations

import asyncio
import os
import subprocess
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import asyncssh
import pytest

from gateway.inbound import sftp as sftp_module
from gateway.inbound.credentials import hash_password, verify_password
from gateway.inbound.sftp import SftpAccount, start_sftp_server
from tests.integration.sftp_client import SftpResult, run, serving, sftp_with_password

SFTP = "/usr/bin/sftp"
SSH = "/usr/bin/ssh"
PASSWORD = "s3cret-pw"
T = TypeVar("T")
REFUSED = 1  # sftp -b exit status: logged in, a command failed
NOT_LOGGED_IN = 255  # ssh exit status: connection or authentication failed

needs_openssh = pytest.mark.skipif(not Path(SFTP).exists(), reason="OpenSSH sftp missing")


@dataclass
class RecordingSink:
    """Records (partner, path, bytes at hand-over time); can be told to fail or to be slow."""

    calls: list[tuple[str, Path, bytes]] = field(default_factory=list)
    fail: bool = False
    delay: float = 0.0

    async def uploaded(self, partner_id: str, path: Path) -> None:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail:
            raise RuntimeError("ledger down")
        self.calls.append((partner_id, path, path.read_bytes()))


@dataclass
class Server:
    root: Path
    port: int
    key: Path
    sink: RecordingSink
    loop: asyncio.AbstractEventLoop
    loop_thread: threading.Thread
    tmp: Path

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=30)

    def home(self, partner: str = "acme") -> Path:
        return self.root / partner

    def ssh_opts(self, key: Path | None = None) -> list[str]:
        return [
            "-F", "/dev/null",
            "-o", "StrictHostKeyChecking=no",
            "-o", "UserKnownHostsFile=/dev/null",
            "-o", "LogLevel=ERROR",
            "-o", "IdentitiesOnly=yes",
            "-o", "PasswordAuthentication=no",
            "-o", "KbdInteractiveAuthentication=no",
            "-o", "BatchMode=yes",
            "-i", str(key or self.key),
        ]  # fmt: skip

    def sftp(self, *commands: str, user: str = "acme", key: Path | None = None) -> SftpResult:
        batch = self.tmp / "batch.txt"
        batch.write_text("\n".join(commands) + "\n")
        args = [SFTP, "-b", str(batch), "-P", str(self.port), *self.ssh_opts(key)]
        return run([*args, f"{user}@127.0.0.1"], cwd=self.tmp)

    def sftp_password(self, password: str, *commands: str, user: str = "acme") -> SftpResult:
        return sftp_with_password(SFTP, self.port, user, password, commands,
                                  scratch=self.tmp, cwd=self.tmp)  # fmt: skip


def _keygen(path: Path) -> Path:
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)],
        check=True, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    return path


def _wait_until(check: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    if not Path(SFTP).exists():
        pytest.skip("OpenSSH sftp missing")
    key = _keygen(tmp_path / "id_acme")
    pub = (tmp_path / "id_acme.pub").read_text().strip()
    accounts = [
        SftpAccount("acme", "acme", hash_password(PASSWORD), (pub,)),
        SftpAccount("other", "other", hash_password("other-pw")),
    ]
    root = tmp_path / "sftp"
    sink = RecordingSink()
    host_key = tmp_path / "ssh_host_key"
    work = tmp_path / "work"
    work.mkdir()
    start = partial(start_sftp_server, "127.0.0.1", 0, root, accounts, sink, host_key)
    with serving(start) as (acceptor, loop, thread):
        yield Server(root, acceptor.get_port(), key, sink, loop, thread, work)


# -- set-up and credentials --------------------------------------------------------------------


def test_password_hash_round_trip() -> None:
    encoded = hash_password("pw")
    assert encoded.startswith("scrypt$16384$8$1$")
    assert verify_password(encoded, "pw")
    assert not verify_password(encoded, "pW")
    assert hash_password("pw") != encoded  # random salt
    for broken in ("", "scrypt$1$2", "md5$16384$8$1$AAAA$AAAA", encoded[:-8] + "!!!!!!!!"):
        assert not verify_password(broken, "pw")


@needs_openssh
def test_layout_and_host_key(server: Server, tmp_path: Path) -> None:
    for partner in ("acme", "other"):
        assert (server.root / partner / "inbox").is_dir()
        assert (server.root / partner / "outbox").is_dir()
    host_key = tmp_path / "ssh_host_key"
    assert host_key.stat().st_mode & 0o777 == 0o600
    assert asyncssh.read_private_key(str(host_key)).get_algorithm() == "ssh-ed25519"


# -- uploads -----------------------------------------------------------------------------------


@needs_openssh
def test_put_to_inbox_hands_over_once(server: Server) -> None:
    payload = b"ISA*00*          *00*          ~" * 1000
    (server.tmp / "x.edi").write_bytes(payload)
    res = server.sftp("put x.edi /inbox/x.edi", "ls -l /inbox")
    assert res.rc == 0, res.err
    target = server.home() / "inbox" / "x.edi"
    assert server.sink.calls == [("acme", target, payload)]
    assert "x.edi" in res.out


@needs_openssh
def test_existing_inbox_file_cannot_be_overwritten(server: Server) -> None:
    (server.tmp / "x.edi").write_bytes(b"first")
    assert server.sftp("put x.edi /inbox/x.edi").rc == 0
    (server.tmp / "x.edi").write_bytes(b"second")
    assert server.sftp("put x.edi /inbox/x.edi").rc == REFUSED
    assert len(server.sink.calls) == 1
    assert (server.home() / "inbox" / "x.edi").read_bytes() == b"first"


@needs_openssh
def test_part_file_then_rename_hands_over_once(server: Server) -> None:
    (server.tmp / "a.edi").write_bytes(b"UNA:+.? 'UNB+UNOC:3'")
    res = server.sftp("cd /inbox", "put a.edi a.edi.part", "ls", "rename a.edi.part a.edi")
    assert res.rc == 0, res.err
    target = server.home() / "inbox" / "a.edi"
    assert server.sink.calls == [("acme", target, b"UNA:+.? 'UNB+UNOC:3'")]
    assert not (server.home() / "inbox" / "a.edi.part").exists()
    # a .part alone is never handed over; renaming a received file again is refused
    assert server.sftp("put a.edi /inbox/b.edi.part").rc == 0
    assert server.sftp("rename /inbox/a.edi /inbox/c.edi").rc == REFUSED
    assert server.sftp("rename /inbox/b.edi.part /inbox/a.edi").rc == REFUSED  # target exists
    assert len(server.sink.calls) == 1


@needs_openssh
def test_sink_failure_reported_to_client_and_retry_works(server: Server) -> None:
    (server.tmp / "x.edi").write_bytes(b"payload")
    server.sink.fail = True
    assert server.sftp("put x.edi /inbox/x.edi").rc == REFUSED
    assert (
        server.sftp("put x.edi /inbox/y.edi.part", "rename /inbox/y.edi.part /inbox/y.edi").rc
        == REFUSED
    )
    assert not (server.home() / "inbox" / "x.edi").exists()
    assert (server.home() / "inbox" / "y.edi.part").exists()  # renamed back, can retry
    server.sink.fail = False
    res = server.sftp("put x.edi /inbox/x.edi", "rename /inbox/y.edi.part /inbox/y.edi")
    assert res.rc == 0, res.err
    assert [c[1].name for c in server.sink.calls] == ["x.edi", "y.edi"]


async def _connect(server: Server, user: str = "other", password: str = "other-pw") -> Any:
    return await asyncssh.connect(
        "127.0.0.1", server.port, username=user, password=password, known_hosts=None,
        client_keys=None, agent_path=None,
    )  # fmt: skip


@needs_openssh
def test_close_returns_only_after_sink_recorded(server: Server) -> None:
    server.sink.delay = 0.5

    async def upload() -> tuple[list[str], list[str], int]:
        async with await _connect(server) as conn, conn.start_sftp_client() as sftp:
            f = await sftp.open("/inbox/slow.edi", "wb")
            await f.write(b"data")
            during = await sftp.listdir("/inbox")
            await f.close()
            after = await sftp.listdir("/inbox")
            return sorted(during), sorted(after), len(server.sink.calls)

    assert server.run(upload()) == ([".", ".."], [".", "..", "slow.edi"], 1)
    assert server.sink.calls[0][:2] == ("other", server.home("other") / "inbox" / "slow.edi")


@needs_openssh
@pytest.mark.parametrize("how", ["abort", "close", "eof"])
def test_interrupted_upload_not_handed_over(server: Server, how: str) -> None:
    async def interrupted() -> None:
        conn = await _connect(server)
        sftp = await conn.start_sftp_client()
        f = await sftp.open("/inbox/big.edi", "wb")
        g = await sftp.open("/inbox/big.edi.part", "wb")
        await f.write(b"x" * 200_000)
        await g.write(b"y" * 1000)
        if how == "abort":
            conn.abort()
        elif how == "eof":  # half-close: the client says it sends nothing more
            sftp._handler._writer.write_eof()
            await asyncio.sleep(0.5)
            conn.close()
        else:
            sftp.exit()
            conn.close()
        await conn.wait_closed()

    server.run(interrupted())
    inbox = server.home("other") / "inbox"
    assert _wait_until(lambda: sorted(p.name for p in inbox.iterdir()) == ["big.edi.part"])
    assert (inbox / "big.edi.part").read_bytes() == b"y" * 1000  # kept for resume
    time.sleep(0.3)
    assert server.sink.calls == []


@needs_openssh
def test_killed_sftp_client_upload_not_handed_over(server: Server) -> None:
    big = server.tmp / "big.edi"
    with big.open("wb") as out:
        out.truncate(1024 * 1024 * 1024)  # sparse: cheap to create, slow enough to send
    batch = server.tmp / "batch.txt"
    batch.write_text("put big.edi /inbox/big.edi\n")
    args = [SFTP, "-b", str(batch), "-P", str(server.port), *server.ssh_opts(), "acme@127.0.0.1"]
    proc = subprocess.Popen(args, cwd=server.tmp, stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    inbox = server.home() / "inbox"
    try:
        assert _wait_until(lambda: any(p.stat().st_size > 0 for p in inbox.iterdir()))
        assert not (inbox / "big.edi").exists()  # written under a hidden name until complete
    finally:
        proc.kill()
        proc.wait()
    assert _wait_until(lambda: not any(inbox.iterdir()))
    time.sleep(0.3)
    assert server.sink.calls == []


# -- outbox --------------------------------------------------------------------------------------


@needs_openssh
def test_outbox_list_get_remove(server: Server) -> None:
    ack = server.home() / "outbox" / "997_000000001.x12"
    ack.write_bytes(b"ISA*997~")
    res = server.sftp("ls /outbox", "get /outbox/997_000000001.x12 got.x12")
    assert res.rc == 0, res.err
    assert "997_000000001.x12" in res.out
    assert (server.tmp / "got.x12").read_bytes() == b"ISA*997~"
    assert server.sftp("rm /outbox/997_000000001.x12").rc == 0
    assert not ack.exists()


@needs_openssh
@pytest.mark.parametrize("target", ["/x.edi", "/outbox/x.edi", "/inbox/sub/x.edi", "x.edi"])
def test_put_outside_inbox_refused(server: Server, target: str) -> None:
    (server.tmp / "x.edi").write_bytes(b"data")
    assert server.sftp(f"put x.edi {target}").rc == REFUSED
    written = [p for p in server.root.rglob("*") if p.is_file()]
    assert written == []
    assert server.sink.calls == []


@needs_openssh
@pytest.mark.parametrize(
    "command",
    ["mkdir /inbox/sub", "rm /inbox/x.edi", "rmdir /outbox", "chmod 777 /inbox/x.edi",
     "rename /outbox/ack /inbox/ack", "rename /inbox/x.edi /outbox/x.edi"],
)  # fmt: skip
def test_other_writes_refused(server: Server, command: str) -> None:
    (server.home() / "inbox" / "x.edi").write_bytes(b"data")
    (server.home() / "outbox" / "ack").write_bytes(b"ack")
    assert server.sftp(command).rc == REFUSED
    assert sorted(p.name for p in server.home().rglob("*")) == ["ack", "inbox", "outbox", "x.edi"]
    assert (server.home() / "inbox" / "x.edi").stat().st_mode & 0o777 != 0o777


# -- escapes -----------------------------------------------------------------------------------


@needs_openssh
def test_dotdot_stays_inside(server: Server) -> None:
    res = server.sftp("cd /inbox", "cd ../../..", "pwd", "ls -a")
    assert res.rc == 0, res.err
    assert "Remote working directory: /\n" in res.out
    assert "inbox" in res.out and "outbox" in res.out and "other" not in res.out
    (server.tmp / "x.edi").write_bytes(b"data")
    assert server.sftp("put x.edi ../x.edi").rc == REFUSED
    assert server.sftp("put x.edi /inbox/../../x.edi").rc == REFUSED
    assert server.sftp("put x.edi /inbox/../../other/inbox/x.edi").rc == REFUSED
    assert not (server.root / "x.edi").exists()
    assert not (server.home("other") / "inbox" / "x.edi").exists()
    assert server.sink.calls == []


@needs_openssh
@pytest.mark.parametrize(
    "source", ["/etc/passwd", "../../../../etc/passwd", "/inbox/../../other/outbox/secret"]
)
def test_get_outside_refused(server: Server, source: str) -> None:
    (server.home("other") / "outbox" / "secret").write_bytes(b"secret")
    assert server.sftp(f"get {source} stolen").rc == REFUSED
    assert not (server.tmp / "stolen").exists()


@needs_openssh
@pytest.mark.parametrize(
    "command",
    ["ln -s /etc/passwd /inbox/pw", "symlink /etc/passwd /inbox/pw",
     "ln -s /inbox/x.edi /inbox/pw", "ln /inbox/x.edi /inbox/pw"],
)  # fmt: skip
def test_links_refused(server: Server, command: str) -> None:
    (server.home() / "inbox" / "x.edi").write_bytes(b"data")
    assert server.sftp(command).rc == REFUSED
    assert not os.path.lexists(server.home() / "inbox" / "pw")


@needs_openssh
def test_symlinks_on_disk_not_followed(server: Server) -> None:
    outbox = server.home() / "outbox"
    (server.home("other") / "outbox" / "secret").write_bytes(b"secret")
    (outbox / "passwd").symlink_to("/etc/passwd")
    (outbox / "theirs").symlink_to(server.home("other") / "outbox")
    (outbox / "inside").symlink_to(outbox / "real")
    (outbox / "real").write_bytes(b"real")
    (server.home() / "inbox" / "drop").symlink_to(server.home("other") / "inbox")
    res = server.sftp("ls -a /outbox")
    assert res.rc == 0, res.err
    assert "real" in res.out
    assert "passwd" not in res.out and "theirs" not in res.out and "inside" not in res.out
    for command in (
        "get /outbox/passwd stolen",
        "get /outbox/theirs/secret stolen",
        "get /outbox/inside stolen",
        "cd /outbox/theirs",
        "ls /outbox/theirs",
        "rm /outbox/passwd",
    ):
        assert server.sftp(command).rc == REFUSED, command
    assert not (server.tmp / "stolen").exists()
    assert (outbox / "passwd").is_symlink()
    (server.tmp / "x.edi").write_bytes(b"data")
    assert server.sftp("put x.edi /inbox/drop/x.edi").rc == REFUSED
    assert server.sftp("put x.edi /inbox/drop").rc == REFUSED
    assert not (server.home("other") / "inbox" / "x.edi").exists()
    assert server.sink.calls == []


# -- authentication and channel types ----------------------------------------------------------


@needs_openssh
def test_wrong_key_refused(server: Server, tmp_path: Path) -> None:
    stranger = _keygen(tmp_path / "id_stranger")
    res = server.sftp("ls /", key=stranger)
    assert res.rc == NOT_LOGGED_IN
    assert "Permission denied" in res.err
    assert server.sftp("ls /", user="nobody").rc == NOT_LOGGED_IN
    assert server.sftp("ls /", user="other").rc == NOT_LOGGED_IN  # acme's key is not other's


@needs_openssh
def test_password_auth(server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[str] = []

    def verify_in(encoded: str, password: str) -> bool:
        threads.append(threading.current_thread().name)
        return verify_password(encoded, password)

    monkeypatch.setattr(sftp_module, "verify_password", verify_in)
    ok = server.sftp_password(PASSWORD, "ls /")
    assert ok.rc == 0, ok.err
    assert "inbox" in ok.out
    loop_thread = server.loop_thread.name
    assert threads and loop_thread not in threads  # scrypt ran off the event loop
    assert server.sftp_password("wrong", "ls /").rc == NOT_LOGGED_IN
    assert server.sftp_password(PASSWORD, "ls /", user="other").rc == NOT_LOGGED_IN
    assert server.sftp_password(PASSWORD, "ls /", user="nobody").rc == NOT_LOGGED_IN
    assert server.sftp_password("other-pw", "ls /", user="other").rc == 0


@needs_openssh
def test_ssh_command_refused(server: Server) -> None:
    args = [SSH, "-p", str(server.port), *server.ssh_opts(), "acme@127.0.0.1"]
    res = run([*args, "cat /etc/passwd"], cwd=server.tmp)
    assert res.rc != 0
    assert "exec request failed" in res.err
    assert "root:" not in res.out
    assert run([*args, "-s", "shell"], cwd=server.tmp).rc != 0


@needs_openssh
def test_shell_exec_forwarding_refused(server: Server) -> None:
    async def attempts() -> list[str]:
        refused: list[str] = []
        async with await _connect(server) as conn:
            for name, attempt in (
                ("exec", conn.run("ls", check=True)),
                ("shell", conn.create_process(term_type="xterm")),
                ("scp", conn.run("scp -t /inbox", check=True)),
                ("forward", conn.open_connection("127.0.0.1", server.port)),
                ("listen", conn.forward_remote_port("127.0.0.1", 0, "127.0.0.1", 22)),
            ):
                try:
                    result = await attempt
                    if name == "shell":
                        result.stdin.write("ls\n")
                        await asyncio.wait_for(result.wait(), 5)
                        if result.exit_status not in (None, 0):
                            refused.append(name)
                except (asyncssh.Error, asyncssh.ChannelListenError, OSError):
                    refused.append(name)
        return refused

    assert server.run(attempts()) == ["exec", "shell", "scp", "forward", "listen"]
