"""Safe defaults and brute force, on the real service (`python -m gateway serve` processes on
loopback, the OpenSSH `sftp` client, httpx):

- demo partners, operators and credentials exist only under --demo;
- the data folder is 0700 and everything in it 0600; /readyz writes nothing;
- a busy port is one line and exit status 2 before anything is written;
- EDIGW_* variables beat the settings file;
- SSH: at most 6 attempts per connection; failed logins (SFTP passwords, API keys) are logged
  with account and peer, never the secret, and lock the account / address out for a while.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.integration.service import (
    API_KEY,
    PASSWORD,
    REPO,
    SFTP,
    EmulatorProcess,
    Service,
    emulator_process,
    free_port,
    running_service,
    wait_until,
)
from tests.integration.sftp_client import run, sftp_with_password

pytestmark = pytest.mark.skipif(SFTP is None, reason="OpenSSH sftp client missing")

UPLOAD = "/v1/partners/demo/interchanges"
SAMPLE_856 = (REPO / "samples" / "08-x12-856-asn" / "input.edi").read_bytes()


@contextmanager
def gateway(
    folder: Path, *args: str, env: dict[str, str] | None = None, http_port: int | None = None
) -> Iterator[Gateway]:
    """`python -m gateway serve --data-dir folder/data <args>` on free ports until it serves;
    SIGTERM at the end. `http_port`: not passed as an option (the environment names it)."""
    folder.mkdir(parents=True, exist_ok=True)
    running = Gateway(folder, http_port or free_port(), free_port())
    command = [sys.executable, "-m", "gateway", "serve", "--data-dir", str(running.data_dir),
               "--sftp-port", str(running.sftp_port), *args]  # fmt: skip
    if http_port is None:
        command += ["--http-port", str(running.http_port)]
    with running.log.open("wb") as out:
        running.proc = subprocess.Popen(command, cwd=folder, stdin=subprocess.DEVNULL,
                                        stdout=out, stderr=subprocess.STDOUT,
                                        env={**os.environ, **(env or {})})  # fmt: skip
    try:
        wait_until(running.serving, 30, "the gateway to serve")
        assert running.proc.poll() is None, running.logs()
        yield running
    finally:
        running.proc.terminate()
        running.proc.wait(20)


class Gateway:
    def __init__(self, folder: Path, http_port: int, sftp_port: int) -> None:
        self.folder, self.http_port, self.sftp_port = folder, http_port, sftp_port
        self.data_dir = folder / "data"
        self.log = folder / "gateway.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def logs(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def serving(self) -> bool:
        assert self.proc is not None
        if self.proc.poll() is not None:
            return True
        if '"message": "edigw serving"' not in self.logs():
            return False
        try:
            return httpx.get(f"http://127.0.0.1:{self.http_port}/healthz").status_code == 200
        except httpx.HTTPError:
            return False

    def http(self, key: str | None) -> httpx.Client:
        headers = {"X-API-Key": key} if key is not None else {}
        return httpx.Client(base_url=f"http://127.0.0.1:{self.http_port}", headers=headers,
                            timeout=30)  # fmt: skip

    def sftp(self, user: str, password: str, *commands: str) -> int:
        client = self.folder / "client"
        client.mkdir(exist_ok=True)
        assert SFTP is not None
        return sftp_with_password(SFTP, self.sftp_port, user, password, commands or ("ls",),
                                  scratch=self.folder, cwd=client).rc  # fmt: skip


def log_entries(text: str, message: str) -> list[dict[str, object]]:
    entries = [json.loads(line) for line in text.splitlines() if line.startswith("{")]
    return [e for e in entries if e.get("message") == message]


# --- demo credentials only under --demo --------------------------------------------------------


def test_demo_partner_and_operator_only_under_demo(tmp_path: Path) -> None:
    with gateway(tmp_path / "plain") as plain:
        assert plain.sftp("demo", PASSWORD) != 0
        with plain.http(API_KEY) as http:
            assert http.post(UPLOAD, content=SAMPLE_856).status_code == 401
            assert http.get("/v1/search", params={"po": "PO4711"}).status_code == 401
        with plain.http("ops-key") as http:
            assert http.post("/v1/files/any/replay").status_code == 401
            assert http.get("/metrics").status_code == 401
        assert "no partner configured" in plain.logs()
        [serving] = log_entries(plain.logs(), "edigw serving")
        assert serving["partners"] == {}  # partner id -> seller and transports

    with gateway(tmp_path / "demo", "--demo", "--emulator-port", str(free_port())) as demo:
        assert demo.sftp("demo", PASSWORD, "ls /outbox") == 0
        with demo.http(API_KEY) as http:
            assert http.get("/v1/search", params={"po": "PO4711"}).status_code == 200
            assert http.post("/v1/files/any/replay").status_code == 403
        with demo.http("ops-key") as http:
            assert http.post("/v1/files/no-such-file/replay").status_code == 404
        [serving] = log_entries(demo.logs(), "edigw serving")
        assert "demo" in serving["partners"]  # type: ignore[operator]
        assert {"http", "sftp", "emulator"} <= set(serving)
    assert demo.proc is not None and demo.proc.returncode == 0  # stopped by SIGTERM
    [shutdown] = log_entries(demo.logs(), "edigw shutting down")
    assert shutdown["signal"] == "SIGTERM" and log_entries(demo.logs(), "edigw stopped")


# --- file modes, /readyz ---------------------------------------------------------------------


def _tree(root: Path) -> dict[Path, int]:
    return {path: stat.S_IMODE(path.lstat().st_mode) for path in [root, *root.rglob("*")]}


def test_data_folder_private_and_readyz_writes_nothing(tmp_path: Path) -> None:
    data = tmp_path / "modes" / "data"
    data.mkdir(parents=True)
    data.chmod(0o755)  # made by hand before the first start
    (data / "notes.txt").write_text("left here by an admin")
    (data / "notes.txt").chmod(0o644)
    (data / "files").mkdir(mode=0o755)
    (data / "files" / "old-file").write_bytes(b"stored by an older version")
    (data / "files" / "old-file").chmod(0o644)
    with gateway(tmp_path / "modes", "--demo", "--emulator-port", str(free_port())) as demo:
        with demo.http(API_KEY) as http:
            answer = http.post(UPLOAD, content=SAMPLE_856, headers={"X-File-Name": "m.edi"})
            assert answer.status_code == 201, answer.text
            file_id = answer.json()["file_id"]
            before = set(_tree(data))
            for _ in range(5):
                assert http.get("/readyz").json() == {"status": "ready"}
            assert set(_tree(data)) == before  # no probe file, nothing new
        assert demo.sftp("demo", PASSWORD, "ls /outbox") == 0
        tree = _tree(data)
    assert tree[data] == 0o700
    assert tree[data / "ledger.sqlite"] == 0o600 and tree[data / "files" / file_id] == 0o600
    assert tree[data / "notes.txt"] == 0o600 and tree[data / "files" / "old-file"] == 0o600
    assert list((data / "sftp" / "demo" / "outbox").glob("*.997.edi")) == []  # went by HTTP
    assert list((data / "files").iterdir()) and (data / "ssh_host_key") in tree
    opened = {str(p): oct(m) for p, m in tree.items() if m & 0o077}
    assert opened == {}, opened  # nothing readable by group or others, folders included


# --- busy port, settings precedence ----------------------------------------------------------


@contextmanager
def busy_port() -> Iterator[int]:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        yield taken.getsockname()[1]


@pytest.mark.parametrize("which", ["--http-port", "--sftp-port"])
def test_busy_port_is_one_line_and_exit_2_before_anything_is_written(
    tmp_path: Path, which: str
) -> None:
    data = tmp_path / "data"
    other = "--sftp-port" if which == "--http-port" else "--http-port"
    with busy_port() as port:
        done = subprocess.run(
            [sys.executable, "-m", "gateway", "serve", "--data-dir", str(data), which, str(port),
             other, str(free_port())],
            cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    assert done.returncode == 2, done
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    assert f"127.0.0.1:{port}" in done.stderr and "address already in use" in done.stderr
    assert not data.exists()


@pytest.mark.parametrize("fault", ["profile", "settings"])
def test_bad_configuration_is_one_line_and_exit_2(tmp_path: Path, fault: str) -> None:
    """An invalid partner profile or settings file: one line naming it, exit status 2,
    no traceback, nothing written."""
    partners = tmp_path / "partners"
    partners.mkdir()
    (partners / "acme.yaml").write_text("name: ACME\nack: {x12: '998'}\n")
    settings = tmp_path / "settings.yaml"
    if fault == "profile":
        settings.write_text(f"partners_dir: {partners}\n")
    else:
        settings.write_text("http_prot: 8080\n")  # a typo: unknown settings are refused
    data = tmp_path / "data"
    done = subprocess.run(
        [sys.executable, "-m", "gateway", "serve", "--settings", str(settings), "--data-dir",
         str(data), "--http-port", str(free_port()), "--sftp-port", str(free_port())],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 2, done
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    assert ("acme" if fault == "profile" else "http_prot") in done.stderr
    assert not data.exists()


def test_environment_beats_the_settings_file(tmp_path: Path) -> None:
    """The settings file names a busy HTTP port and a throttle; EDIGW_HTTP_PORT and
    EDIGW_LOGIN__LOCKOUT_AFTER win (a YAML port would have failed the start)."""
    settings = tmp_path / "settings.yaml"
    with busy_port() as taken:
        settings.write_text(f"http_port: {taken}\nlogin: {{lockout_after: 500, "
                            "free_failures: 100}\n")  # fmt: skip
        port = free_port()
        env = {"EDIGW_HTTP_PORT": str(port), "EDIGW_LOGIN__LOCKOUT_AFTER": "2"}
        running = gateway(tmp_path / "env", "--settings", str(settings), env=env, http_port=port)
        with running as serving, serving.http("wrong") as http:
            codes = [http.get("/v1/search").status_code for _ in range(3)]
    assert codes == [401, 401, 429]  # locked after 2 (env), not 500 (YAML)


# --- brute force -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    with emulator_process(tmp_path_factory.mktemp("emulator")) as running:
        yield running


def _askpass_counting(folder: Path, password: str) -> tuple[Path, Path]:
    count = folder / "prompts.txt"
    script = folder / "askpass-count.sh"
    script.write_text(f"#!/bin/sh\necho x >> '{count}'\necho '{password}'\n")
    script.chmod(0o700)
    return script, count


def test_ssh_hangs_up_after_6_attempts(tmp_path: Path, emulator: EmulatorProcess) -> None:
    """One connection offering 20 passwords: the server hangs up after the 6th failure."""
    with running_service(tmp_path / "gw", emulator.port) as service:
        script, count = _askpass_counting(tmp_path, "wrong-password-1")
        env = {**os.environ, "SSH_ASKPASS": str(script), "SSH_ASKPASS_REQUIRE": "force",
               "DISPLAY": ":0"}  # fmt: skip
        assert SFTP is not None
        args = ["setsid", SFTP, "-o", "BatchMode=no", "-b", "/dev/null", "-F", "/dev/null",
                "-P", str(service.sftp_port), "-o", "StrictHostKeyChecking=no",
                "-o", "UserKnownHostsFile=/dev/null", "-o", "PubkeyAuthentication=no",
                "-o", "PreferredAuthentications=password",
                "-o", "NumberOfPasswordPrompts=20", "demo@127.0.0.1"]  # fmt: skip
        result = run(args, cwd=tmp_path, env=env)
        assert result.rc != 0
        time.sleep(0.5)
        failed = [e for e in log_entries(service.logs(200_000), "failed login")
                  if e.get("account") == "demo"]  # fmt: skip
    assert len(failed) == 6, failed
    assert len(count.read_text().splitlines()) <= 7  # the client never got to 20
    assert all(e["peer"] == "127.0.0.1" and e["level"] == "warning" for e in failed)
    assert "wrong-password-1" not in service.logs(200_000)


LOCKOUT = 15  # seconds: the checks while locked take several seconds on a loaded machine
THROTTLE = {"EDIGW_LOGIN__FREE_FAILURES": "2", "EDIGW_LOGIN__DELAY_BASE": "0.1",
            "EDIGW_LOGIN__DELAY_MAX": "0.2", "EDIGW_LOGIN__LOCKOUT_AFTER": "5",
            "EDIGW_LOGIN__LOCKOUT_SECONDS": str(LOCKOUT)}  # fmt: skip


def _after_lockout(locked_at: float) -> None:
    """Wait until the lockout that began at `locked_at` (time.monotonic) has ended: the checks
    in between may take long on a busy machine, and the lockout is long enough for them."""
    time.sleep(max(0.0, locked_at + LOCKOUT + 0.5 - time.monotonic()))


def _sftp_ok(service: Service, password: str) -> bool:
    return service.sftp("ls /outbox", password=password).rc == 0


def test_wrong_passwords_lock_the_account_then_it_opens_again(
    tmp_path: Path, emulator: EmulatorProcess
) -> None:
    with running_service(tmp_path / "gw", emulator.port, env=THROTTLE) as service:
        assert _sftp_ok(service, PASSWORD)
        guesses = [_sftp_ok(service, f"guess-{n}") for n in range(5)]
        locked_at = time.monotonic()
        assert guesses == [False] * 5
        assert not _sftp_ok(service, PASSWORD)  # locked: even the right password fails
        with service.http() as http:  # the address is not locked: a valid key is served
            assert http.get("/v1/search", params={"po": "x"}).status_code == 200
            assert http.post(UPLOAD, content=b"x").status_code == 201
        with service.http(key=None) as http:  # and no key is a plain 401, not a failure
            assert http.post("/v1/files/x/replay").status_code == 401
        _after_lockout(locked_at)
        assert _sftp_ok(service, PASSWORD)
        logs = service.logs(200_000)
    failed = [e for e in log_entries(logs, "failed login") if e.get("account") == "demo"]
    assert len(failed) >= 6 and failed[-1]["locked_out"] is True
    assert not any(f"guess-{n}" in logs for n in range(5))


def test_wrong_api_keys_lock_the_address_out(tmp_path: Path, emulator: EmulatorProcess) -> None:
    with running_service(tmp_path / "gw", emulator.port, env=THROTTLE) as service:
        with service.http(key="guess") as http:
            codes = [http.post(UPLOAD, content=b"x").status_code for _ in range(5)]
            locked_at = time.monotonic()
            codes += [http.post("/v1/files/x/replay").status_code for _ in range(2)]
        assert codes == [401] * 5 + [429] * 2
        with service.http() as http:  # the right key, from the locked address: served
            assert http.get("/v1/search", params={"po": "x"}).status_code == 200
            assert http.post(UPLOAD, content=b"x").status_code == 201
        with service.http(key=None) as http:  # no key: 401, neither 429 nor counted
            assert [http.get("/v1/search").status_code for _ in range(3)] == [401] * 3
        with service.http(key="guess") as http:  # wrong keys are still refused with 429
            assert http.get("/v1/search").status_code == 429
        _after_lockout(locked_at)
        with service.http(key="guess") as http:  # the lock ended; no-key calls did not renew it
            assert http.get("/v1/search").status_code == 401
        logs = service.logs(200_000)
    failed = log_entries(logs, "failed login")
    assert [e["account"] for e in failed] == ["demo"] * 5 + ["operator-api-key"] * 2 + [
        "partner-api-key"] * 2  # fmt: skip
    assert [e["locked_out"] for e in failed] == [False] * 5 + [True] * 3 + [False]
    assert all(e["peer"] == "127.0.0.1" and e["transport"] == "http" for e in failed)
    assert "guess" not in logs.replace('"message": "failed login"', "")


# --- the demo emulator remembers -------------------------------------------------------------


def _done(running: Gateway, file_id: str) -> dict[str, object]:
    def state() -> dict[str, object] | None:
        with running.http(API_KEY) as http:
            body: dict[str, object] = http.get(f"/v1/files/{file_id}").json()
        return body if body["state"] == "done" else None

    return wait_until(state, 30, f"file {file_id} done")


SNAPPY = ("--emulator-settle", "success")  # like `make run`: transactions settle in 2 s


def test_demo_emulator_keeps_its_state_across_restarts(tmp_path: Path) -> None:
    """Confirmed under the first run, the ship notice's packages take status updates after a
    restart (Amazon's rule: statuses only for confirmed packages), and the request record
    still holds the first run's calls."""
    folder = tmp_path / "demo"
    asn = SAMPLE_856
    status = (REPO / "samples" / "18-x12-214-after-asn" / "input.edi").read_bytes()
    first_port, second_port = free_port(), free_port()
    with gateway(folder, "--demo", "--emulator-port", str(first_port), *SNAPPY) as demo:
        with demo.http(API_KEY) as http:
            confirmed = http.post(UPLOAD, content=asn).json()
        _done(demo, str(confirmed["file_id"]))
        before = httpx.get(f"http://127.0.0.1:{first_port}/_emulator/requests").json()
    assert any(r["path"].endswith("/shipmentConfirmations") for r in before)
    assert stat.S_IMODE((folder / "data" / "emulator-state.json").stat().st_mode) == 0o600

    with gateway(folder, "--demo", "--emulator-port", str(second_port), *SNAPPY) as demo:
        with demo.http(API_KEY) as http:
            updated = http.post(UPLOAD, content=status).json()
        events = _done(demo, str(updated["file_id"]))["events"]
        assert isinstance(events, dict) and set(events) == {"success"}, events  # none failed
        after = httpx.get(f"http://127.0.0.1:{second_port}/_emulator/requests").json()
    assert after[: len(before)] == before and len(after) > len(before)
