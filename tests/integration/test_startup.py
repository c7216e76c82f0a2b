"""What `edigw serve` refuses before it starts (issue 9, safe by default): a data folder
another running service holds (two services would translate and send each file twice and
interleave ack control numbers), and `--demo` on an address that is not loopback (it serves
well-known credentials). Each is one line on stderr and exit status 2."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.service import SFTP, emulator_process, free_port, running_service

pytestmark = pytest.mark.skipif(SFTP is None, reason="OpenSSH sftp client not installed")


def _serve(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gateway", "serve", "--http-port", str(free_port()),
         "--sftp-port", str(free_port()), *args],
        cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, **(env or {})},
    )  # fmt: skip


def test_a_second_service_on_the_same_data_folder_is_refused(tmp_path: Path) -> None:
    with (
        emulator_process(tmp_path / "emu") as emu,
        running_service(tmp_path / "gw", emu.port) as service,
    ):
        settings = tmp_path / "gw" / "settings.yaml"
        done = _serve(tmp_path, "--settings", str(settings))
        assert done.returncode == 2, done
        assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
        assert "another edigw serve uses the data folder" in done.stderr
        assert str(service.data_dir) in done.stderr
        assert service.proc.poll() is None  # the first one goes on
    # stopped (the lock goes with the process): the folder can be served again
    with running_service(tmp_path / "gw", emu.port) as again:
        assert again.proc.poll() is None


@pytest.mark.parametrize("variable", ["EDIGW_HTTP_HOST", "EDIGW_SFTP_HOST"])
def test_demo_listens_on_loopback_only(tmp_path: Path, variable: str) -> None:
    data = tmp_path / "data"
    done = _serve(tmp_path, "--demo", "--data-dir", str(data), "--emulator-port",
                  str(free_port()), env={variable: "0.0.0.0"})  # fmt: skip
    assert done.returncode == 2, done
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    assert "--demo serves demo credentials" in done.stderr and "0.0.0.0" in done.stderr
    assert not data.exists()


@pytest.mark.parametrize("demo", [False, True])
def test_a_ledger_from_a_newer_release_is_refused_in_one_line(tmp_path: Path, demo: bool) -> None:
    """Before anything starts or is written: with --demo, no emulator (its state file) and
    no warning of its before the one line."""
    from tests.test_ledger_newer_schema import FUTURE, future_ledger

    data = tmp_path / "data"
    future_ledger(data)
    before = sorted(p.name for p in data.iterdir())
    done = _serve(tmp_path, *(["--demo"] if demo else []), "--data-dir", str(data),
                  "--emulator-port", str(free_port()))  # fmt: skip
    assert done.returncode == 2, done
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    assert "edigw serve: the ledger's schema is at revision" in done.stderr
    assert FUTURE in done.stderr
    assert sorted(p.name for p in data.iterdir()) == before  # no emulator-state.json
