"""The ledger on SQLite: every repository check of tests/ledger_checks.py on a fresh database
file, plus what only SQLite needs (pragmas, a second process's view, the CLI config)."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command

from gateway.ledger import FileState, Ledger
from gateway.ledger.migrate import alembic_config, current_revision, head_revision
from tests.ledger_checks import CHECKS, Check


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    ledger = Ledger(f"sqlite:///{tmp_path}/data/ledger.sqlite")
    ledger.migrate()
    yield ledger
    ledger.close()


@pytest.mark.parametrize("check", CHECKS.values(), ids=CHECKS.keys())
def test_repository(ledger: Ledger, check: Check) -> None:
    check(ledger)


def test_constructor_does_not_migrate(tmp_path: Path) -> None:
    ledger = Ledger(f"sqlite:///{tmp_path}/new/ledger.sqlite")
    assert current_revision(ledger.engine) is None
    assert (tmp_path / "new").is_dir()
    ledger.close()


def test_sqlite_pragmas(ledger: Ledger) -> None:
    with ledger.engine.connect() as connection:
        pragma = connection.exec_driver_sql
        assert pragma("PRAGMA journal_mode").scalar() == "wal"
        assert pragma("PRAGMA foreign_keys").scalar() == 1
        assert pragma("PRAGMA busy_timeout").scalar() == 30_000


def test_foreign_keys_enforced(ledger: Ledger) -> None:
    with pytest.raises(Exception, match="FOREIGN KEY"), ledger.engine.begin() as connection:
        connection.exec_driver_sql(
            "INSERT INTO acks (file_id, type, content, created_at, state) "
            "VALUES ('nope', '997', 'x', '2026-01-01 00:00:00', 'created')"
        )


def test_committed_rows_visible_to_another_connection(ledger: Ledger, tmp_path: Path) -> None:
    """A record is committed when the method returns (what the durability rules rely on)."""
    file_id = ledger.record_file(
        partner_id="demo",
        transport="http",
        name="x.edi",
        sha256="00" * 32,
        size=1,
        stored_path="/x",
    )
    ledger.advance(file_id, FileState.TRANSLATED, accepted=True)
    with sqlite3.connect(tmp_path / "data" / "ledger.sqlite") as other:
        row = other.execute("SELECT state, accepted FROM received_files WHERE id = ?", (file_id,))
        assert row.fetchone() == ("translated", 1)


def test_memory_database(tmp_path: Path) -> None:
    ledger = Ledger("sqlite://")
    ledger.migrate()
    assert (
        ledger.get_file(
            ledger.record_file(
                partner_id="p", transport="cli", name="n", sha256="s", size=0, stored_path="-"
            )
        )
        is not None
    )
    ledger.close()


def test_alembic_command_line_config(tmp_path: Path) -> None:
    """The packaged alembic.ini + env.py also work through Alembic's own commands."""
    url = f"sqlite:///{tmp_path}/cli.sqlite"
    config = alembic_config()
    config.set_main_option("sqlalchemy.url", url)
    config.attributes["configure_logger"] = False  # keep pytest's logging as it is
    command.upgrade(config, "head")
    ledger = Ledger(url)
    assert current_revision(ledger.engine) == head_revision()
    command.downgrade(config, "base")
    assert current_revision(ledger.engine) is None
    ledger.close()


def test_readers_do_not_wait_for_a_writer(ledger: Ledger) -> None:
    """While another connection holds the write lock, reads still answer (WAL), and a write
    waits for the lock instead of failing."""
    file_id = ledger.record_file(
        partner_id="demo",
        transport="sftp",
        name="x.edi",
        sha256="00" * 32,
        size=1,
        stored_path="/x",
    )
    with ledger.engine.connect() as holder:
        holder.begin()  # BEGIN IMMEDIATE: the write lock
        holder.exec_driver_sql("UPDATE received_files SET size = 2")
        started = time.monotonic()
        assert ledger.get_file(file_id).size == 1  # type: ignore[union-attr]
        assert ledger.search(control="none") == []
        assert time.monotonic() - started < 5
        writer = threading.Thread(target=ledger.advance, args=(file_id, FileState.TRANSLATED))
        writer.start()
        time.sleep(0.3)
        assert writer.is_alive()  # queued behind the lock
        holder.commit()
    writer.join(10)
    record = ledger.get_file(file_id)
    assert record is not None and (record.state, record.size) == (FileState.TRANSLATED, 2)
