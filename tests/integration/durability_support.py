"""Processes and partners for the SIGKILL durability tests: the SP-API emulator and the gateway
as their own processes (so the emulator keeps its record when the gateway is killed), a
partner that delivers over OpenSSH `sftp` or HTTP and tells whether it was told "received",
and waiting on the gateway's ledger.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from gateway.ledger.records import FileRecord
from gateway.ledger.states import FileState
from gateway.ledger.store import Ledger
from gateway.mapping.codes import load_code_tables
from gateway.profile import demo_partners_dir, load_partners
from gateway.service.config import ServiceSettings
from gateway.service.metrics import Metrics
from gateway.service.runtime import Runtime
from gateway.service.storage import FileStore

__all__ = [
    "FINAL",
    "EmulatorProcess",
    "GatewayProcess",
    "Partner",
    "free_port",
    "in_process_runtime",
    "wait_for",
]

FINAL = frozenset({"done", "quarantined", "duplicate"})
PROCESSING_SECONDS = 0.3
_SFTP = shutil.which("sftp") or "/usr/bin/sftp"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def wait_for(what: str, check: Callable[[], bool], timeout: float, step: float = 0.05) -> None:
    """Poll `check` until it holds; AssertionError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(step)


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


class EmulatorProcess:
    """`python -m gateway emulator` on a free port; its record survives the gateway."""

    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        args = [sys.executable, "-m", "gateway", "emulator", "--port", str(self.port),
                "--processing-seconds", str(PROCESSING_SECONDS), "--rate", "100",
                "--burst", "100"]  # fmt: skip
        with log.open("ab") as out:
            self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        wait_for("the emulator", lambda: _answers(self.base + "/_emulator/requests"), 20)

    def records(self) -> list[dict[str, Any]]:
        response = httpx.get(self.base + "/_emulator/requests", timeout=5)
        response.raise_for_status()
        records: list[dict[str, Any]] = response.json()
        return records

    def stop(self) -> None:
        _stop(self.proc)


@dataclass
class GatewayProcess:
    """`python -m gateway serve --settings S.yaml` with its own data folder and ports."""

    root: Path
    emulator: EmulatorProcess
    http_port: int = field(default_factory=free_port)
    sftp_port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    starts: int = 0

    def __post_init__(self) -> None:
        self.data = self.root / "data"
        self.settings = self.root / "settings.yaml"
        base = self.emulator.base
        self.settings.write_text(
            f"data_dir: {self.data}\npartners_dir: {demo_partners_dir()}\n"
            "poll_interval: 0.2\nworker_interval: 0.05\n"
            "sellers:\n  demo:\n    client_id: edigw-demo-client\n"
            "    client_secret: edigw-demo-secret\n    refresh_token: edigw-demo-refresh\n"
            f"    endpoint: {base}\n    sandbox_endpoint: {base}/sandbox\n"
            f"    token_url: {base}/auth/o2/token\n"
            "submit: {backoff_base: 0.05, backoff_max: 0.2, poll_interval: 0.2, "
            "batch_wait: 0.05, timeout: 5.0}\n"
        )

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def start(self, crash_at: str | None = None) -> None:
        """Start and wait until /healthz answers (or the process died: see `returncode`)."""
        assert self.proc is None or self.proc.poll() is not None, "already running"
        env = {k: v for k, v in os.environ.items() if k != "EDIGW_CRASH_AT"}
        if crash_at is not None:
            env["EDIGW_CRASH_AT"] = crash_at
        args = [sys.executable, "-m", "gateway", "serve", "--settings", str(self.settings),
                "--data-dir", str(self.data), "--http-port", str(self.http_port),
                "--sftp-port", str(self.sftp_port)]  # fmt: skip
        self.starts += 1
        with (self.root / f"gateway-{self.starts}.log").open("wb") as log:
            self.proc = subprocess.Popen(args, env=env, stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=log)  # fmt: skip
        wait_for("the gateway to serve", self._serving_or_dead, 30)

    def _serving_or_dead(self) -> bool:
        if self.returncode is not None:
            return True
        return _answers(self.base + "/healthz") and _port_open(self.sftp_port)

    @property
    def returncode(self) -> int | None:
        return None if self.proc is None else self.proc.poll()

    def wait_killed(self, timeout: float) -> int | None:
        """The return code once the process ended within `timeout` s, else None."""
        assert self.proc is not None
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None:
            _stop(self.proc)

    def log_tail(self, lines: int = 30) -> str:
        path = self.root / f"gateway-{self.starts}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def ledger(self) -> Ledger:
        return Ledger(f"sqlite:///{self.data / 'ledger.sqlite'}")

    def files(self) -> list[FileRecord]:
        """Every file of the ledger (empty before the first start migrated it)."""
        if not (self.data / "ledger.sqlite").exists():
            return []
        ledger = self.ledger()
        try:
            return ledger.files_in_state(*FileState)
        except Exception:  # not migrated yet
            return []
        finally:
            ledger.close()

    def settled(self) -> bool:
        """Every file final, SFTP inbox copies archived, every ack delivered."""
        files = self.files()
        if not files or any(f.state.value not in FINAL for f in files):
            return False
        if any(f.transport == "sftp" and f.archived_at is None for f in files):
            return False
        ledger = self.ledger()
        try:
            return not ledger.undelivered_acks()
        finally:
            ledger.close()


def in_process_runtime(data_dir: Path, ledger: Ledger) -> Runtime:
    """The gateway's step context without the process, for crashes no crash point names."""
    return Runtime(settings=ServiceSettings(data_dir=data_dir), ledger=ledger,
                   store=FileStore(data_dir), partners=load_partners(demo=True),
                   tables=load_code_tables(), metrics=Metrics(), default_seller="demo")  # fmt: skip


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@dataclass
class Partner:
    """The demo partner: delivers over SFTP (user demo / password demo) or HTTP (demo-key)
    and remembers which deliveries it was told were received."""

    work: Path
    gateway: GatewayProcess
    told: list[tuple[str, str]] = field(default_factory=list)  # (transport, name or file id)
    refused: list[str] = field(default_factory=list)  # names not acknowledged

    def __post_init__(self) -> None:
        self.work.mkdir(parents=True, exist_ok=True)
        self.askpass = self.work / "askpass.sh"
        self.askpass.write_text("#!/bin/sh\necho demo\n")
        self.askpass.chmod(0o700)

    def sftp_put(self, name: str, data: bytes) -> bool:
        """`put` to /inbox with the real OpenSSH client; True when the server confirmed it."""
        local = self.work / name
        local.write_bytes(data)
        batch = self.work / f"{name}.batch"
        batch.write_text(f"put {local} /inbox/{name}\n")
        env = {**os.environ, "SSH_ASKPASS": str(self.askpass),
               "SSH_ASKPASS_REQUIRE": "force", "DISPLAY": ":0"}  # fmt: skip
        args = [*(["setsid"] if shutil.which("setsid") else []), _SFTP, "-o", "BatchMode=no",
                "-b", str(batch), "-F", "/dev/null", "-P", str(self.gateway.sftp_port),
                "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                "-o", "LogLevel=ERROR", "-o", "PreferredAuthentications=password",
                "-o", "PubkeyAuthentication=no", "-o", "NumberOfPasswordPrompts=1",
                "-o", "ConnectTimeout=5", "demo@127.0.0.1"]  # fmt: skip
        try:
            proc = subprocess.run(args, env=env, stdin=subprocess.DEVNULL, capture_output=True,
                                  timeout=20, cwd=self.work)  # fmt: skip
        except subprocess.TimeoutExpired:
            ok = False
        else:
            ok = proc.returncode == 0
        (self.told.append(("sftp", name)) if ok else self.refused.append(name))
        return ok

    def http_post(self, name: str, data: bytes) -> str | None:
        """POST the file; its id when the gateway answered 201, None on a dropped connection
        (or any other answer: the sender was not told it was received)."""
        try:
            response = httpx.post(
                f"{self.gateway.base}/v1/partners/demo/interchanges", content=data,
                headers={"X-API-Key": "demo-key", "X-File-Name": name,
                         "Content-Type": "application/edi-x12"}, timeout=15,
            )  # fmt: skip
        except httpx.HTTPError:
            self.refused.append(name)
            return None
        if response.status_code != 201:
            self.refused.append(name)
            return None
        file_id: str = response.json()["file_id"]
        self.told.append(("http", file_id))
        return file_id

    def deliver(self, transport: str, name: str, data: bytes) -> bool:
        if transport == "sftp":
            return self.sftp_put(name, data)
        return self.http_post(name, data) is not None

    def deliver_until_told(self, transport: str, name: str, data: bytes, timeout: float) -> None:
        """Send again until the gateway says it was received, as a real partner would (an
        SFTP put of a name still in /inbox is refused until that copy is archived)."""
        deadline = time.monotonic() + timeout
        while not self.deliver(transport, name, data):
            assert time.monotonic() < deadline, f"{name} never acknowledged"
            time.sleep(0.2)
