"""Hosted SFTP server: one account per partner, SFTP subsystem only.

`start_sftp_server` listens with asyncssh, authenticates each account by password (scrypt hash,
checked in a thread so the event loop never blocks) or by public key, and gives every session
a `ChrootedSftpServer` rooted at <root>/<partner_id> (see sftp_fs for the file rules and the
upload hand-over). Shell, exec, scp, other subsystems, port/agent/X11 forwarding and ptys are
all refused. Unknown users and wrong credentials fail the same way (a dummy hash is checked for
unknown users so timing does not tell them apart).

Brute force: at most `max_auth_tries` failed attempts (passwords and refused keys) per
connection, then the server hangs up; `login_grace_time` seconds to authenticate at all; with a
`LoginThrottle`, failed passwords are counted per account and per peer address (growing delay
for both, then a temporary lockout of the account that refuses even its right password; the
address is never locked, so other accounts behind the same NAT still log in). An attempt is
reserved on the account before its password is checked, so parallel connections get no more
than `lockout_after` checks per lockout (gateway.auth.throttle); the checks run in the
process's hash pool (gateway.auth.hashing: a bounded number at a time). Every failed login is
logged at warning level with the account and the peer, never the password.

Connections not yet logged in are limited as OpenSSH's MaxStartups / PerSourceMaxStartups
limit them: at most `max_startups` at once, `max_startups_per_peer` from one address (an IPv6
/64 is one: `gateway.auth.peers`); a
connection past either limit is refused at once (SSH disconnect "too many connections",
logged at warning level with the peer), so a flood of idle or slow handshakes cannot hold the
server's memory or keep partners out. Logged-in sessions do not count.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import asyncssh

from gateway.auth.hashing import run_check
from gateway.auth.peers import peer_block
from gateway.auth.throttle import LockedOut, LoginAttempt, LoginThrottle
from gateway.inbound.credentials import hash_password, verify_password
from gateway.inbound.sftp_fs import ChrootedSftpServer, UploadRegistry, UploadSink

__all__ = ["SftpAccount", "UploadSink", "ensure_host_key", "start_sftp_server"]

log = logging.getLogger("edigw.auth")


@functools.cache
def _dummy_hash() -> str:
    """Checked for unknown users, so they take as long to refuse as a wrong password."""
    return hash_password("edigw-no-such-account")


@dataclass(frozen=True)
class SftpAccount:
    """One partner's SFTP login: a password hash (credentials.hash_password) and/or keys."""

    partner_id: str
    username: str
    password_hash: str | None = None
    public_keys: tuple[str, ...] = ()  # OpenSSH "ssh-ed25519 AAAA..." lines
    max_file_bytes: int | None = None  # biggest upload accepted (a write past it fails)


class _Startups:
    """Connections not yet logged in: in all and per peer address (see the module docstring)."""

    def __init__(self, most: int, most_per_peer: int) -> None:
        self.most, self.most_per_peer = most, most_per_peer
        self.total = 0
        self.by_peer: dict[str, int] = {}

    def admit(self, peer: str) -> bool:
        """Count a new connection from `peer`; False (not counted) past either limit."""
        if self.total >= self.most or self.by_peer.get(peer, 0) >= self.most_per_peer:
            return False
        self.total += 1
        self.by_peer[peer] = self.by_peer.get(peer, 0) + 1
        return True

    def release(self, peer: str) -> None:
        """A counted connection logged in or went away."""
        self.total -= 1
        left = self.by_peer[peer] - 1
        if left:
            self.by_peer[peer] = left
        else:
            del self.by_peer[peer]


class _AccountServer(asyncssh.SSHServer):
    """Per-connection authentication against the configured accounts.

    Keys are matched per username in `validate_public_key` (no per-connection authorized-keys
    state, so a client switching usernames mid-authentication gains nothing).
    """

    def __init__(
        self,
        accounts: Mapping[str, SftpAccount],
        keys: Mapping[str, frozenset[bytes]],
        throttle: LoginThrottle | None = None,
        max_auth_tries: int = 6,
        startups: _Startups | None = None,
    ) -> None:
        self._accounts = accounts
        self._keys = keys
        self._throttle = throttle
        self._max_tries = max_auth_tries
        self._failures = 0
        self._conn: asyncssh.SSHServerConnection | None = None
        self._peer = "unknown"
        self._startups = startups
        self._counted = False  # among the startups until it logs in or goes away

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        self._conn = conn
        peer = conn.get_extra_info("peername")
        self._peer = str(peer[0]) if peer else "unknown"
        if self._startups is None:
            return
        self._counted = self._startups.admit(peer_block(self._peer))
        if not self._counted:
            log.warning("ssh connection refused: too many not logged in",
                        extra={"peer": self._peer, "transport": "sftp"})  # fmt: skip
            self._conn = None
            conn.disconnect(asyncssh.DISC_TOO_MANY_CONNECTIONS, "too many connections")

    def auth_completed(self) -> None:
        self._uncount()

    def connection_lost(self, exc: Exception | None) -> None:
        self._uncount()

    def _uncount(self) -> None:
        if self._counted and self._startups is not None:
            self._counted = False
            self._startups.release(peer_block(self._peer))

    def begin_auth(self, username: str) -> bool:
        return True

    def public_key_auth_supported(self) -> bool:
        return True

    def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        if bytes(key.public_data) in self._keys.get(username, frozenset()):
            return True
        self._failed(username, "publickey")
        return False

    def password_auth_supported(self) -> bool:
        return True

    async def validate_password(self, username: str, password: str) -> bool:
        account_key = f"account:sftp:{username}"
        attempt: LoginAttempt | None = None
        if self._throttle is not None:
            try:  # reserved before the check; only the account is locked, not the address
                attempt = self._throttle.begin(account_key, f"peer:{peer_block(self._peer)}",
                                               lock=(account_key,))  # fmt: skip
            except LockedOut:
                self._failed(username, "password", locked=True)
                return False
        account = self._accounts.get(username)
        encoded = account.password_hash if account is not None else None
        try:
            ok = await run_check(verify_password, encoded or _dummy_hash(), password)
        except BaseException:  # the connection went away: the attempt was not checked
            if attempt is not None:
                attempt.close()
            raise
        if ok and encoded is not None:
            if attempt is not None:
                attempt.succeeded(account_key)
            return True
        delay = attempt.failed() if attempt is not None else 0.0
        self._failed(username, "password")
        await asyncio.sleep(delay)
        return False

    def _failed(self, username: str, method: str, locked: bool = False) -> None:
        """Log a failed attempt; hang up once the connection used up its attempts."""
        self._failures += 1
        log.warning("failed login", extra={"account": username, "peer": self._peer,
                                           "transport": "sftp", "method": method,
                                           "locked_out": locked})  # fmt: skip
        if self._failures >= self._max_tries and self._conn is not None:
            conn, self._conn = self._conn, None  # no further prompt: hang up at once
            conn.disconnect(asyncssh.DISC_NO_MORE_AUTH_METHODS_AVAILABLE,
                            "too many authentication failures")  # fmt: skip


def ensure_host_key(path: Path) -> None:
    """Create an Ed25519 host key at `path` (mode 0600) if there is none yet."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    key = asyncssh.generate_private_key("ssh-ed25519")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(key.export_private_key())
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def _account_keys(account: SftpAccount) -> frozenset[bytes]:
    return frozenset(
        bytes(asyncssh.import_public_key(line).public_data) for line in account.public_keys
    )


def _checked_accounts(accounts: Sequence[SftpAccount]) -> dict[str, SftpAccount]:
    by_user: dict[str, SftpAccount] = {}
    for account in accounts:
        pid = account.partner_id
        if not pid or pid in {".", ".."} or "/" in pid or "\0" in pid:
            raise ValueError(f"partner id unusable as a folder name: {pid!r}")
        if account.username in by_user:
            raise ValueError(f"duplicate SFTP username: {account.username!r}")
        by_user[account.username] = account
    return by_user


async def start_sftp_server(
    host: str,
    port: int,
    root: Path,
    accounts: Sequence[SftpAccount],
    sink: UploadSink,
    host_key_path: Path,
    *,
    throttle: LoginThrottle | None = None,
    max_auth_tries: int = 6,
    login_grace_time: float = 60.0,
    max_startups: int = 100,
    max_startups_per_peer: int = 10,
) -> asyncssh.SSHAcceptor:
    """Listen on host:port; creates <root>/<partner>/{inbox,outbox} and the host key if missing.
    `throttle`, `max_auth_tries`, `login_grace_time`, `max_startups`,
    `max_startups_per_peer`: see the module docstring.

    Close it with `acceptor.close(); await acceptor.wait_closed()`.
    """
    by_user = _checked_accounts(accounts)
    for account in by_user.values():
        for box in ("inbox", "outbox"):
            (root / account.partner_id / box).mkdir(parents=True, exist_ok=True)
    ensure_host_key(host_key_path)
    keys = {user: _account_keys(account) for user, account in by_user.items()}
    registry = UploadRegistry()
    startups = _Startups(max_startups, max_startups_per_peer)

    def sftp_factory(chan: asyncssh.SSHServerChannel[bytes]) -> ChrootedSftpServer:
        account = by_user[chan.get_extra_info("username")]
        home = root / account.partner_id
        return ChrootedSftpServer(
            chan, home, account.partner_id, sink, registry, max_file_bytes=account.max_file_bytes
        )

    acceptor: asyncssh.SSHAcceptor = await asyncssh.listen(
        host,
        port,
        server_factory=lambda: _AccountServer(by_user, keys, throttle, max_auth_tries, startups),
        login_timeout=login_grace_time,
        server_host_keys=[str(host_key_path)],
        sftp_factory=sftp_factory,
        sftp_version=3,
        allow_scp=False,
        allow_pty=False,
        agent_forwarding=False,
        x11_forwarding=False,
        line_editor=False,
    )
    return acceptor
