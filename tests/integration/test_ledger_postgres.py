"""The ledger on a real PostgreSQL: a throw-away cluster (initdb + pg_ctl) in a temporary
folder, listening on a free loopback port with its socket in that folder, runs every
repository check of tests/ledger_checks.py; it is stopped and removed at the end.

initdb refuses to run as root: then the server runs as the `postgres` user (created if
missing). Skipped only when no PostgreSQL binaries are installed.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text

from gateway.ledger import Ledger
from gateway.ledger.migrate import current_revision
from tests.ledger_checks import CHECKS, Check

SERVER_USER = "postgres"
DB_USER = "edigw"


def _binaries() -> Path | None:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True)
    found = shutil.which("pg_ctl")
    if found:
        candidates.append(Path(found).parent)
    return next((c for c in candidates if (c / "initdb").exists() and (c / "pg_ctl").exists()),
                None)  # fmt: skip


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Cluster:
    bin: Path
    root: Path
    port: int
    run_as: str | None  # a user to run the server as (we are root), else None

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://{DB_USER}@127.0.0.1:{self.port}/postgres"

    def run(self, *args: str) -> None:
        command = [str(self.bin / args[0]), *args[1:]]
        if self.run_as is not None:
            command = ["runuser", "-u", self.run_as, "--", *command]
        done = subprocess.run(command, cwd=self.root, capture_output=True, text=True, timeout=120,
                              check=False)  # fmt: skip
        if done.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"{args[0]} failed: {done.stdout}{done.stderr}{tail}")

    def start(self) -> None:
        self.run("initdb", "-D", str(self.data), "-U", DB_USER, "--auth=trust", "-E", "UTF8",
                 "--no-sync", "--no-instructions")  # fmt: skip
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        self.run("pg_ctl", "-D", str(self.data), "-o", options, "-l",
                 str(self.root / "server.log"), "-w", "-t", "60", "start")  # fmt: skip

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")


def _server_user() -> str | None:
    """None when not root; else a non-root user for initdb, created if there is none."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(SERVER_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", SERVER_USER], check=True)
    return SERVER_USER


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    binaries = _binaries()
    if binaries is None:
        pytest.skip("no PostgreSQL binaries (initdb, pg_ctl) on this machine")
    user = _server_user()
    root = Path(tempfile.mkdtemp(prefix="edigw-pg-"))
    if user is not None:
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    server = Cluster(binaries, root, _free_port(), user)
    try:
        server.start()
        yield server
    finally:
        try:
            server.stop()
        finally:
            shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def ledger(cluster: Cluster) -> Iterator[Ledger]:
    """A freshly migrated, empty ledger: whatever the last check left is dropped first."""
    ledger = Ledger(cluster.url)
    with ledger.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    ledger.migrate()
    yield ledger
    ledger.close()


def test_server_is_postgresql(ledger: Ledger) -> None:
    assert ledger.engine.dialect.name == "postgresql"
    assert ledger.engine.dialect.driver == "psycopg"
    with ledger.engine.connect() as connection:
        version = connection.execute(text("SHOW server_version")).scalar()
        assert version is not None and int(str(version).split(".")[0]) >= 12
        kinds: dict[str, str] = dict(connection.execute(text(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = 'received_files'")).all())  # fmt: skip
    assert kinds["received_at"] == "timestamp with time zone"
    assert kinds["errors"] == "json"
    assert current_revision(ledger.engine) == "0001"


@pytest.mark.parametrize("check", CHECKS.values(), ids=CHECKS.keys())
def test_repository(ledger: Ledger, check: Check) -> None:
    check(ledger)
