"""The OpenSSH `sftp` client run in batch mode, for the integration tests: one runner that logs
in with a password via SSH_ASKPASS, shared by the hosted-server and the whole-service tests;
and the hosted server run on a loop of its own beside them (`serving`)."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import threading
from collections.abc import Callable, Coroutine, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncssh

__all__ = ["SftpResult", "run", "serving", "sftp_with_password"]


@dataclass
class SftpResult:
    rc: int
    out: str
    err: str


def run(args: Sequence[str], cwd: Path, env: dict[str, str] | None = None) -> SftpResult:
    """Run a client command to completion (stdin closed, output captured, 60 s at most)."""
    done = subprocess.run(
        list(args), cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    return SftpResult(done.returncode, done.stdout, done.stderr)


def sftp_with_password(
    sftp: str, port: int, user: str, password: str, commands: Sequence[str], *,
    scratch: Path, cwd: Path,
) -> SftpResult:  # fmt: skip
    """Run `commands` with `sftp -b` as `user`@127.0.0.1:`port`, logging in with `password`
    through an SSH_ASKPASS script written to `scratch` (no key, one password prompt)."""
    askpass = scratch / f"askpass-{abs(hash(password))}.sh"
    askpass.write_text(f"#!/bin/sh\necho '{password}'\n")
    askpass.chmod(0o700)
    batch = scratch / "batch.txt"
    batch.write_text("\n".join(commands) + "\n")
    env = {**os.environ, "SSH_ASKPASS": str(askpass), "SSH_ASKPASS_REQUIRE": "force"}
    env["DISPLAY"] = ":0"
    setsid = ["setsid"] if shutil.which("setsid") else []
    options = ("StrictHostKeyChecking=no", "UserKnownHostsFile=/dev/null",
               "LogLevel=ERROR", "PreferredAuthentications=password",
               "PubkeyAuthentication=no", "NumberOfPasswordPrompts=1")  # fmt: skip
    # BatchMode=no must come before -b, which otherwise turns password prompts off
    args = [*setsid, sftp, "-o", "BatchMode=no", "-b", str(batch), "-F", "/dev/null"]
    args += ["-P", str(port), *(arg for option in options for arg in ("-o", option))]
    args.append(f"{user}@127.0.0.1")
    return run(args, cwd=cwd, env=env)


@contextmanager
def serving(
    start: Callable[[], Coroutine[Any, Any, asyncssh.SSHAcceptor]],
) -> Iterator[tuple[asyncssh.SSHAcceptor, asyncio.AbstractEventLoop, threading.Thread]]:
    """The hosted SFTP server that `start()` starts, on an event loop of its own in a thread
    (the OpenSSH clients the tests run block): (its acceptor, the loop, the thread); closed
    at the end."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="sftp-loop", daemon=True)
    thread.start()
    acceptor = asyncio.run_coroutine_threadsafe(start(), loop).result(timeout=30)
    try:
        yield acceptor, loop, thread
    finally:

        async def stop() -> None:
            acceptor.close()
            await acceptor.wait_closed()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(timeout=30)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=10)
        loop.close()
