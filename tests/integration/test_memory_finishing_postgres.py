"""The memory check of tests/test_memory_finishing.py on a real PostgreSQL (a throw-away
cluster: tests/integration/pg.py): the finishing step's queries (the events' interchange
control numbers read from their JSON lineage, the interchanges no event names) are written
for each database, and a mailbag's acks and advices must stay flat on both."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from tests.integration.pg import Cluster, cluster
from tests.test_memory_finishing import (
    DELIVERING_BOUND,
    FINISHING_BOUND,
    SamplingLedger,
    delivering_and_finishing,
    small_pages,
)

__all__ = ["cluster", "small_pages"]  # the fixtures


def test_delivering_and_finishing_a_mailbag_hold_no_list_of_its_interchanges_postgres(
    cluster: Cluster, tmp_path: Path, small_pages: None
) -> None:
    ledger = SamplingLedger(cluster.url)
    with ledger.engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    ledger.migrate()
    try:
        assert ledger.engine.dialect.name == "postgresql"
        delivering_live, finishing_live = delivering_and_finishing(ledger, tmp_path)
    finally:
        ledger.close()
    assert delivering_live < DELIVERING_BOUND, delivering_live
    assert finishing_live < FINISHING_BOUND, finishing_live
