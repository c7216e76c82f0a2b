"""The ledger on a real PostgreSQL: a throw-away cluster (initdb + pg_ctl) in a temporary
folder (the `cluster` fixture of tests/integration/pg.py), runs every
repository check of tests/ledger_checks.py; it is stopped and removed at the end.

initdb refuses to run as root: then the server runs as the `postgres` user (created if
missing). Skipped only when no PostgreSQL binaries are installed.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import text

from gateway.ledger import Ledger
from gateway.ledger.migrate import current_revision, head_revision
from tests.integration.pg import Cluster, cluster
from tests.ledger_checks import CHECKS, Check

__all__ = ["cluster"]  # the fixture, imported from tests/integration/pg.py


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
    assert current_revision(ledger.engine) == head_revision()


@pytest.mark.parametrize("check", CHECKS.values(), ids=CHECKS.keys())
def test_repository(ledger: Ledger, check: Check) -> None:
    check(ledger)
