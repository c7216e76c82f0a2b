"""Interchange claims on a real PostgreSQL (the `cluster` fixture of tests/integration/pg.py):
the checks of tests/claim_checks.py, each on a freshly migrated, empty ledger. Skipped only
when no PostgreSQL binaries are installed."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from gateway.ledger import Ledger
from tests.claim_checks import CLAIM_CHECKS, ClaimCheck
from tests.integration.pg import Cluster, cluster

__all__ = ["cluster"]  # the fixture, imported from tests/integration/pg.py


@pytest.mark.parametrize("check", CLAIM_CHECKS.values(), ids=CLAIM_CHECKS.keys())
def test_claims(cluster: Cluster, tmp_path: Path, check: ClaimCheck) -> None:
    ledger = Ledger(cluster.url)
    with ledger.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    ledger.migrate()
    ledger.close()
    check(cluster.url, tmp_path / "data")
