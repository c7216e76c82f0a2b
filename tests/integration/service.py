"""Running the real service for integration tests: `python -m gateway serve` and
`python -m gateway emulator` as subprocesses on free loopback ports, a settings file pointing
the gateway at the emulator, the real OpenSSH `sftp` client with a password, and waits.

A started gateway counts as ready only when /readyz answers 200 *and* its own log says it
serves on that port (so another process on a recycled port is never mistaken for it);
a start that lost a port race is retried on fresh ports.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import httpx
import yaml

from gateway.auth.operators import hash_secret
from gateway.ledger import FileRecord, FileState, Ledger
from tests.integration.sftp_client import SftpResult, sftp_with_password

__all__ = [
    "API_KEY",
    "DEMO_PARTNERS",
    "METRICS_TOKEN",
    "OPERATOR_KEY",
    "PARTNER",
    "PASSWORD",
    "REPO",
    "SFTP",
    "VIEWER_KEY",
    "EmulatorProcess",
    "Service",
    "SftpResult",
    "emulator_process",
    "free_port",
    "running_service",
    "today",
    "wait_until",
    "write_settings",
]

REPO = Path(__file__).resolve().parents[2]
DEMO_PARTNERS = REPO / "mappings" / "demo" / "partners"  # served only when a test says so
SFTP = shutil.which("sftp")
API_KEY = "demo-key"
OPERATOR_KEY = "test-operator-key"  # operator `alice` of write_settings
VIEWER_KEY = "test-viewer-key"  # viewer `victor`
METRICS_TOKEN = "test-metrics-token"
# the shared gateways see every test's deliberate failed logins from 127.0.0.1: no delay and no
# lockout there; the throttle is tested on gateways of its own (test_safety.py)
TOLERANT_LOGIN = {"free_failures": 10_000, "lockout_after": 10_000}
PARTNER = "demo"
PASSWORD = "demo"
FINAL = (FileState.DONE, FileState.QUARANTINED, FileState.DUPLICATE)
T = TypeVar("T")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def today() -> str:
    """The archive's day folder name (UTC), as the gateway names it."""
    return datetime.now(UTC).strftime("%Y-%m-%d")


def wait_until(check: Callable[[], T | None], timeout: float = 15.0, what: str = "") -> T:
    """Poll `check` until it returns something truthy; that value (AssertionError on timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or check}")
        time.sleep(0.05)


def _tail(log: Path, chars: int = 3000) -> str:
    return log.read_text(errors="replace")[-chars:] if log.exists() else ""


def _stop(proc: subprocess.Popen[bytes], sig: int, timeout: float) -> int | None:
    """Send `sig`, wait; SIGKILL if it outlives the timeout. The exit code it chose, or None."""
    if proc.poll() is None:
        proc.send_signal(sig)
    try:
        return proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(10)
        return None


# --- the SP-API emulator -----------------------------------------------------------------------


@dataclass
class EmulatorProcess:
    """`python -m gateway emulator` in its own process; its record outlives the gateway."""

    port: int
    proc: subprocess.Popen[bytes]
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def records(self) -> list[dict[str, Any]]:
        """GET /_emulator/requests: every request it answered, in order."""
        response = httpx.get(self.base + "/_emulator/requests", timeout=10)
        assert response.status_code == 200, response.text
        records: list[dict[str, Any]] = response.json()
        return records

    def accepted(self, key: str) -> list[dict[str, Any]]:
        """Items of submit calls answered 202; key: shipmentStatusUpdates/shipmentConfirmations."""
        return [
            item
            for r in self.records()
            if r["method"] == "POST" and r["path"].endswith("/" + key) and r["status"] == 202
            for item in r["body"][key]
        ]

    def status_updates(self, tracking_number: str) -> list[dict[str, Any]]:
        """The accepted status updates naming this tracking number."""
        return [
            u
            for u in self.accepted("shipmentStatusUpdates")
            if u["statusUpdateDetails"]["trackingNumber"] == tracking_number
        ]

    def confirmations(self, purchase_order: str) -> list[dict[str, Any]]:
        return [
            c
            for c in self.accepted("shipmentConfirmations")
            if c["purchaseOrderNumber"] == purchase_order
        ]

    def submit_calls(self) -> int:
        """How many DF Shipping submit calls the emulator received (any answer)."""
        return sum(
            1
            for r in self.records()
            if r["method"] == "POST" and r["path"].startswith("/vendor/directFulfillment/shipping/")
        )


def _emulator_started(emulator: EmulatorProcess) -> bool:
    """It answers (or it exited)."""
    if emulator.proc.poll() is not None:
        return True
    with suppress(httpx.HTTPError):
        return httpx.get(emulator.base + "/_emulator/faults", timeout=1).status_code == 200
    return False


@contextmanager
def emulator_process(
    folder: Path,
    settle_after: float = 0.3,
    rate: float = 10.0,
    burst: int = 10,
    settle: str = "success",
) -> Iterator[EmulatorProcess]:
    """Start the emulator on a free port (retried on a port race); stopped at the end.
    `rate` / `burst`: its per-operation rate limit (Amazon's is far lower than 10/s)."""
    folder.mkdir(parents=True, exist_ok=True)
    for attempt in range(3):
        port, log = free_port(), folder / f"emulator-{attempt}.log"
        with log.open("wb") as out:
            command = f"-m gateway emulator --port {port} --settle {settle} --settle-after "
            command += f"{settle_after} --rate {rate} --burst {burst}"
            proc = subprocess.Popen([sys.executable, *command.split()], cwd=REPO,
                                    stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT)  # fmt: skip
        emulator = EmulatorProcess(port, proc, log)
        try:
            wait_until(partial(_emulator_started, emulator), 20, "the emulator to answer")
            if proc.poll() is None:
                break
        except BaseException:
            _stop(proc, signal.SIGTERM, 5)
            raise
    else:
        raise AssertionError(f"emulator did not start: {_tail(log)}")
    try:
        yield emulator
    finally:
        _stop(proc, signal.SIGTERM, 5)


# --- the gateway -------------------------------------------------------------------------------


def write_settings(path: Path, data_dir: Path, emulator_port: int, extra: str = "") -> Path:
    """The service settings of notes/service.md: seller `demo` at the emulator, fast loops,
    operator `alice` (OPERATOR_KEY, password `alice-password`), viewer `victor` (VIEWER_KEY,
    password `victor-password`), the METRICS_TOKEN and no login throttle (TOLERANT_LOGIN)
    (`extra`: more YAML lines; `submit:` there replaces the default one)."""
    base = f"http://127.0.0.1:{emulator_port}"
    operators = {
        "alice": {"role": "operator", "api_key_hash": hash_secret(OPERATOR_KEY),
                  "password_hash": hash_secret("alice-password")},
        "victor": {"role": "viewer", "api_key_hash": hash_secret(VIEWER_KEY),
                   "password_hash": hash_secret("victor-password")},
    }  # fmt: skip
    path.write_text(
        f"data_dir: {data_dir}\npartners_dir: {DEMO_PARTNERS}\n"
        "poll_interval: 0.2\nworker_interval: 0.1\n"
        "sellers:\n  demo:\n    client_id: edigw-demo-client\n"
        "    client_secret: edigw-demo-secret\n    refresh_token: edigw-demo-refresh\n"
        f"    endpoint: {base}\n    sandbox_endpoint: {base}/sandbox\n"
        f"    token_url: {base}/auth/o2/token\n"
        + ("" if "submit:" in extra else "submit: {backoff_base: 0.05, poll_interval: 0.2}\n")
        + yaml.safe_dump(
            {"operators": operators, "metrics_token": METRICS_TOKEN, "login": TOLERANT_LOGIN}
        )
        + extra,
        encoding="utf-8",
    )
    return path


@dataclass
class Service:
    """One running `python -m gateway serve` process."""

    proc: subprocess.Popen[bytes]
    folder: Path  # scratch folder of the test: settings, logs, sftp client files
    data_dir: Path
    http_port: int
    sftp_port: int
    database_url: str
    log: Path
    _ledger: Ledger | None = field(default=None, repr=False)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def client_dir(self) -> Path:
        """The sftp client's working folder (local side of put / get)."""
        path = self.folder / "client"
        path.mkdir(exist_ok=True)
        return path

    def http(self, key: str | None = API_KEY) -> httpx.Client:
        headers = {"X-API-Key": key} if key is not None else {}
        return httpx.Client(base_url=self.base, headers=headers, timeout=30)

    def ledger(self) -> Ledger:
        """The gateway's ledger, read from the test process."""
        if self._ledger is None:
            self._ledger = Ledger(self.database_url)
        return self._ledger

    def logs(self, chars: int = 3000) -> str:
        return _tail(self.log, chars)

    def sftp(self, *commands: str, password: str = PASSWORD, user: str = "demo") -> SftpResult:
        """Run `commands` with OpenSSH sftp -b, logging in with a password via SSH_ASKPASS."""
        assert SFTP is not None, "OpenSSH sftp is not installed"
        return sftp_with_password(SFTP, self.sftp_port, user, password, commands,
                                  scratch=self.folder, cwd=self.client_dir)  # fmt: skip

    def put(self, name: str, data: bytes) -> None:
        """Upload `data` as /inbox/<name> with the real client."""
        (self.client_dir / name).write_bytes(data)
        result = self.sftp(f"put {name} /inbox/{name}")
        assert result.rc == 0, result

    def outbox(self) -> list[str]:
        """The names `ls -1 /outbox` shows over SFTP."""
        result = self.sftp("ls -1 /outbox")
        assert result.rc == 0, result
        return [
            line.strip().rsplit("/", 1)[-1]
            for line in result.out.splitlines()
            if line.strip() and not line.startswith("sftp>")
        ]

    def fetch_ack(self, stem: str, ack_type: str, timeout: float = 15.0) -> str:
        """Wait for /outbox/<stem>.<id>.<type>.edi (ls), `get` it; its text."""

        def listed() -> str | None:
            names = [
                n
                for n in self.outbox()
                if n.startswith(stem + ".") and n.endswith(f".{ack_type}.edi")
            ]
            return names[0] if names else None

        name = wait_until(listed, timeout, f"{ack_type} for {stem} in /outbox")
        local = self.client_dir / f"got-{name}"
        result = self.sftp(f"get /outbox/{name} {local.name}")
        assert result.rc == 0, result
        return local.read_text()

    def file(self, file_id: str) -> FileRecord:
        record = self.ledger().get_file(file_id)
        assert record is not None, file_id
        return record

    def wait_file(self, file_id: str, *states: FileState, timeout: float = 15.0) -> FileRecord:
        """Wait until the file reaches one of `states` (default: a final state)."""
        wanted = states or FINAL

        def reached() -> FileRecord | None:
            record = self.file(file_id)
            return record if record.state in wanted else None

        return wait_until(reached, timeout, f"file {file_id} to be {[s.value for s in wanted]}")

    def sftp_file(self, name: str, timeout: float = 15.0) -> FileRecord:
        """The ledger record of the file uploaded by SFTP under `name` (waits for it)."""

        def find() -> FileRecord | None:
            found = [
                f
                for f in self.ledger().files_in_state(*FileState, partner_id=PARTNER)
                if f.transport == "sftp" and f.name == name
            ]
            return found[-1] if found else None

        return wait_until(find, timeout, f"sftp upload {name} in the ledger")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> int | None:
        """Signal the gateway and wait; its exit code (None: had to be killed)."""
        code = _stop(self.proc, sig, timeout)
        if self._ledger is not None:
            self._ledger.close()
            self._ledger = None
        return code


def _started(service: Service) -> bool:
    """Ready (/readyz answers and its own log says it serves on that port), or it exited."""
    if service.proc.poll() is not None:
        return True
    with suppress(httpx.HTTPError):
        answer = httpx.get(service.base + "/readyz", timeout=2)
        serving = f'"http": "127.0.0.1:{service.http_port}"' in service.logs(100_000)
        return answer.status_code == 200 and serving
    return False


def _launch(folder: Path, settings: Path, data_dir: Path, database_url: str | None,
            env: dict[str, str] | None, attempt: int) -> Service:  # fmt: skip
    http_port, sftp_port = free_port(), free_port()
    log = folder / f"gateway-{attempt}.log"
    command = f"-m gateway serve --settings {settings} --http-port {http_port} "
    command += f"--sftp-port {sftp_port}"
    args = [sys.executable, *command.split()]
    if database_url is not None:
        args += ["--database-url", database_url]
    environment = {**os.environ, **(env or {})}
    with log.open("wb") as out:
        proc = subprocess.Popen(args, cwd=REPO, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, env=environment)  # fmt: skip
    url = database_url or f"sqlite:///{data_dir / 'ledger.sqlite'}"
    return Service(proc, folder, data_dir, http_port, sftp_port, url, log)


@contextmanager
def running_service(
    folder: Path,
    emulator_port: int,
    *,
    database_url: str | None = None,
    env: dict[str, str] | None = None,
    extra_settings: str = "",
) -> Iterator[Service]:
    """A gateway with its data in folder/data, targeting the emulator; SIGTERM at the end
    (SIGKILL if it does not stop). Restarting in the same folder keeps the data."""
    folder.mkdir(parents=True, exist_ok=True)
    data_dir = folder / "data"
    settings = write_settings(folder / "settings.yaml", data_dir, emulator_port, extra_settings)
    for attempt in range(3):
        service = _launch(folder, settings, data_dir, database_url, env, attempt)
        try:
            wait_until(partial(_started, service), 30, "the gateway to be ready")
        except BaseException:
            service.stop(signal.SIGKILL)
            raise
        if service.proc.poll() is None:
            break
        if "address already in use" not in service.logs():
            raise AssertionError(f"gateway exited at start-up: {service.logs()}")
    else:
        raise AssertionError(f"gateway could not bind its ports: {service.logs()}")
    try:
        yield service
    finally:
        service.stop(signal.SIGTERM)
