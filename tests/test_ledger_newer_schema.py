"""A ledger that a newer release migrated (its Alembic revision unknown to this one) is
refused untouched, in one line: `Ledger.migrate` raises SchemaTooNew before any change, and
every `edigw` command that opens the ledger ends with that line and exit status 2, not
Alembic's "Can't locate revision" traceback (the serve command: tests/integration/
test_startup.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from gateway.ledger.migrate import SchemaTooNew, check_schema, current_revision, head_revision
from gateway.ledger.store import Ledger

FUTURE = "0099_from_a_newer_release"


def future_ledger(data_dir: Path) -> str:
    """A ledger in `data_dir` migrated to head, then marked at a revision from the future."""
    data_dir.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{data_dir / 'ledger.sqlite'}"
    ledger = Ledger(url)
    try:
        ledger.migrate()
        with ledger.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": FUTURE})
    finally:
        ledger.close()
    return url


def test_migrate_refuses_a_newer_schema_and_changes_nothing(tmp_path: Path) -> None:
    url = future_ledger(tmp_path)
    ledger = Ledger(url)
    try:
        with pytest.raises(SchemaTooNew) as raised:
            ledger.migrate()
        assert current_revision(ledger.engine) == FUTURE
    finally:
        ledger.close()
    message = str(raised.value)
    assert FUTURE in message and str(head_revision()) in message and "downgrade" in message
    assert "\n" not in message


def test_a_known_older_schema_still_migrates(tmp_path: Path) -> None:
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    try:
        ledger.migrate("0004_duplicate_of_index")
        ledger.migrate()
        assert current_revision(ledger.engine) == head_revision()
    finally:
        ledger.close()


def test_a_command_on_a_newer_ledger_says_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    future_ledger(data)
    done = subprocess.run(
        [sys.executable, "-m", "gateway", "transactions", "unconfirmed", "--data-dir", str(data)],
        capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path,
        env={k: v for k, v in os.environ.items() if not k.startswith("EDIGW_")},
    )  # fmt: skip
    assert done.returncode == 2, done
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    assert (
        done.stderr.startswith("edigw: the ledger's schema is at revision")
        and FUTURE in done.stderr
    )
    assert done.stdout == ""


@pytest.mark.parametrize("stored", ["", "0", "not a revision"])
def test_a_row_that_names_no_revision_is_refused_too(tmp_path: Path, stored: str) -> None:
    """An empty or foreign `alembic_version` row is refused in the same one line (Alembic
    itself asserted on an empty one)."""
    url = future_ledger(tmp_path)
    ledger = Ledger(url)
    try:
        with ledger.engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": stored})
        with pytest.raises(SchemaTooNew, match="which this release does not know"):
            check_schema(ledger.engine)
        with pytest.raises(SchemaTooNew):
            ledger.migrate()
    finally:
        ledger.close()


def test_check_schema_passes_a_new_and_a_current_ledger(tmp_path: Path) -> None:
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    try:
        check_schema(ledger.engine)  # never migrated
        ledger.migrate()
        check_schema(ledger.engine)
    finally:
        ledger.close()
