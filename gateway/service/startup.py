"""Checks and set-up `edigw serve` does before it writes anything: every port free, the data
folder private (0700, files 0600) and used by this process alone, demo credentials only on
loopback, and the partners to serve.

`check_ports` raises `PortBusy` (one clear line, the CLI exits with status 2) when a port
cannot be bound; it runs before the data folder or the ledger is created. `make_private`
sets the process umask to 077 (so every file the gateway creates: ledger, stored files,
acks, archive, is 0600 and every folder 0700) and tightens a data folder made earlier,
everything in it included.
"""

from __future__ import annotations

import errno
import fcntl
import ipaddress
import os
import socket
import stat
from collections.abc import Iterable
from pathlib import Path

__all__ = [
    "Listener",
    "PortBusy",
    "StartupError",
    "check_demo_hosts",
    "check_ports",
    "lock_data_dir",
    "make_private",
]

Listener = tuple[str, str, int]  # (what, host, port)


class StartupError(Exception):
    """`edigw serve` cannot start (a port, a partner profile): one line for the operator."""


class PortBusy(StartupError):
    """A port the gateway must listen on is taken (or not allowed)."""


def check_ports(listeners: Iterable[Listener]) -> None:
    """Bind and release every (what, host, port); PortBusy naming the first that fails."""
    for what, host, port in listeners:
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        except socket.gaierror as exc:
            raise PortBusy(f"cannot listen on {host}:{port} ({what}): {exc.strerror}") from exc
        family, kind, proto, _, address = infos[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError as exc:
                reason = "address already in use" if exc.errno == errno.EADDRINUSE else (
                    exc.strerror or str(exc))  # fmt: skip
                raise PortBusy(f"cannot listen on {host}:{port} ({what}): {reason}") from exc


def make_private(data_dir: Path) -> None:
    """umask 077 for this process; the data folder 0700. A folder that was not 0700 yet (made
    by hand or by an older version) has everything in it tightened: folders 0700, files 0600."""
    os.umask(0o077)
    data_dir.mkdir(parents=True, exist_ok=True)
    if stat.S_IMODE(data_dir.stat().st_mode) == 0o700:
        return
    for folder, subfolders, files in os.walk(data_dir):
        for name in subfolders:
            os.chmod(os.path.join(folder, name), 0o700, follow_symlinks=False)
        for name in files:
            path = os.path.join(folder, name)
            if not os.path.islink(path):
                os.chmod(path, 0o600)
    data_dir.chmod(0o700)


def lock_data_dir(data_dir: Path) -> int:
    """Take the data folder for this process: an exclusive flock(2) on the folder itself (no
    file is written; the kernel drops it when the process ends, a crash included). Returns
    the descriptor, to keep open for the life of the service. StartupError when another
    `edigw serve` holds it: two services on one folder would translate and send each file
    twice and interleave their ack control numbers."""
    fd = os.open(data_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise StartupError(f"another edigw serve uses the data folder {data_dir}: stop it "
                           "first, or give this one its own --data-dir") from None  # fmt: skip
    return fd


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_demo_hosts(listeners: Iterable[Listener]) -> None:
    """`--demo` serves well-known credentials (SFTP demo/demo, API key demo-key, operator
    ops/ops): StartupError unless every listener is on a loopback address."""
    for what, host, port in listeners:
        if not _loopback(host):
            raise StartupError(f"--demo serves demo credentials, so it listens on loopback only; "
                               f"{what} is set to {host}:{port} (use 127.0.0.1, or start "
                               "without --demo)")  # fmt: skip
