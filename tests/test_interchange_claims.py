"""Interchange claims on SQLite (tests/claim_checks.py): of two translations of the same
interchange at once, in one process or two, exactly one processes it; a claim survives its
translation's crash and is given up by a quarantine."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.ledger import Ledger
from gateway.ledger.advising import group_version_query
from tests.claim_checks import CLAIM_CHECKS, ClaimCheck


@pytest.mark.parametrize("check", CLAIM_CHECKS.values(), ids=CLAIM_CHECKS.keys())
def test_claims(tmp_path: Path, check: ClaimCheck) -> None:
    url = f"sqlite:///{tmp_path / 'ledger.sqlite'}"
    ledger = Ledger(url)
    ledger.migrate()
    ledger.close()
    check(url, tmp_path / "data")


def test_taking_a_claim_over_finds_the_duplicates_by_index(tmp_path: Path) -> None:
    """`take_over` repoints the duplicates of each row a resumed mailbag takes over: by the
    index on duplicate_of, not a scan of every interchange ever recorded (a reviewer's
    resumed 8 MB mailbag took 3 min 13 s against 30 s for its first attempt)."""
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    ledger.migrate()
    try:
        with ledger.engine.connect() as connection:
            plan = connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN UPDATE interchanges SET duplicate_of = 1 WHERE duplicate_of = 2"
            ).all()
        assert any("ix_interchanges_duplicate_of" in str(row[-1]) for row in plan), plan
    finally:
        ledger.close()


def test_a_groups_version_is_read_through_its_transactions_by_index(tmp_path: Path) -> None:
    """A refused set's advice reads its group's version from the group's first event
    (`group_version`), once per group of a file: from the group's transactions to their
    events by index, not by a scan of the file's events (0.81 s for 50 reads in a mailbag of
    100,000 events before the index, growing with the square of the mailbag)."""
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    ledger.migrate()
    try:
        query = group_version_query(7, "1").compile(
            ledger.engine, compile_kwargs={"literal_binds": True}
        )
        with ledger.engine.connect() as connection:
            plan = [str(row[-1]) for row in
                    connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {query}").all()]  # fmt: skip
        assert any("ix_events_transaction_id" in step for step in plan), plan
        assert any("ix_transactions_interchange_id" in step for step in plan), plan
        assert not any(step.startswith("SCAN") for step in plan), plan
    finally:
        ledger.close()
