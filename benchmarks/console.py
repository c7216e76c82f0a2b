"""Benchmark: ops console search over a ledger of 100,000 events, on SQLite and PostgreSQL.

Builds a ledger (migrated with Alembic, so with the console's indexes) of `--events` status
events in files of 10 (one interchange, one set each; every 20th file rejected with a set
error and values of its rejected set indexed; every 4th event sent in a call with an Amazon
transaction id, some refused with an error code), then times each search the console offers
(`OpsQueries.search`, one page of 50 with its summaries), the work lists' queries and a file
page. Prints median / max milliseconds of `--repeat` runs per query; the goal is < 200 ms.

PostgreSQL runs in a throw-away cluster (initdb + pg_ctl, as tests/integration/pg.py does);
it is skipped when no PostgreSQL binaries are installed.

    .venv/bin/python benchmarks/console.py [--events 100000] [--repeat 15] [--no-postgres]
"""

from __future__ import annotations

import argparse
import os
import pwd
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import insert, text

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gateway.ledger import Ledger
from gateway.ledger.ops_queries import OpsQueries
from gateway.ledger.tables import (
    ApiCall,
    Event,
    Interchange,
    OpsSearchTerm,
    ReceivedFile,
    Transaction,
)
from gateway.ops.detail import file_detail
from gateway.ops.models import SearchQuery
from tests.integration.pg import Cluster, postgres_binaries

PER_FILE = 10
PARTNERS = ("demo", "acme", "globex", "initech")
START = datetime(2026, 9, 1, tzinfo=UTC)
SET_ERROR = {
    "code": "set_count_mismatch",
    "message": "SE01 says 7 segments, the set has 9",
    "segment": "SE",
    "position": 9,
    "level": "transaction",
    "element": 1,
}
AMAZON_ERROR = {"code": "InvalidInput", "message": "trackingNumber unknown", "details": None}


def _payload(n: int) -> dict[str, Any]:
    return {
        "purchaseOrderNumber": f"PO{n // PER_FILE:07d}",
        "sellingParty": {"partyId": "999US"},
        "shipFromParty": {"partyId": "ABCD"},
        "statusUpdateDetails": {
            "trackingNumber": f"1Z{n:010d}",
            "statusCode": "D1",
            "reasonCode": "NS",
            "statusDateTime": "2026-11-24T07:15:00-06:00",
        },
    }


def build(ledger: Ledger, events: int) -> None:
    """Bulk-load the ledger (not timed as part of the searches)."""
    files = events // PER_FILE
    file_rows, ic_rows, tx_rows, ev_rows, call_rows, term_rows = [], [], [], [], [], []
    for f in range(files):
        at = START + timedelta(minutes=13 * f)
        rejected = f % 20 == 0
        file_id = f"{f:032x}"
        file_rows.append(
            {
                "id": file_id,
                "partner_id": PARTNERS[f % len(PARTNERS)],
                "transport": "sftp",
                "name": f"scan{f}.edi",
                "sha256": f"{f:064x}",
                "size": 900,
                "stored_path": f"/data/files/{file_id}",
                "received_at": at,
                "state": "translated" if rejected else "done",
                "state_reason": None,
                "syntax": "x12",
                "accepted": not rejected,
                "errors": [SET_ERROR] if rejected else [],
                "replay_of": None,
                "updated_at": at,
                "archived_at": at,
            }
        )
        ic_rows.append(
            {
                "id": f + 1,
                "file_id": file_id,
                "partner_id": file_rows[-1]["partner_id"],
                "syntax": "x12",
                "sender": "DEMOCARRIER",
                "receiver": "AMAZONDF",
                "control": f"{f + 1:09d}",
                "test": False,
                "accepted": not rejected,
                "duplicate_of": None,
                "replay": False,
            }
        )
        tx_rows.append(
            {
                "id": f + 1,
                "interchange_id": f + 1,
                "group_control": str(f + 1),
                "control": f"{f % 9999 + 1:04d}",
                "type_code": "214",
                "accepted": not rejected,
                "errors": [SET_ERROR] if rejected else [],
            }
        )
        if rejected:
            term_rows.extend({"file_id": file_id, "value": f"1ZREJ{f:08d}{k}"} for k in range(3))
            continue
        for k in range(PER_FILE):
            n = f * PER_FILE + k
            call_id = None
            state = "success"
            if k % 4 == 0:
                call_id = len(call_rows) + 1
                refused = f % 50 == 1
                call_rows.append(
                    {
                        "id": call_id,
                        "seller": "demo",
                        "operation": "submitShipmentStatusUpdates",
                        "url": None,
                        "sandbox": False,
                        "status_code": 400 if refused else 202,
                        "attempts": 1,
                        "request_ids": [f"req-{call_id}"],
                        "transaction_id": None if refused else f"tx-{call_id:08d}",
                        "errors": [AMAZON_ERROR] if refused else [],
                        "throttled": 0,
                        "started_at": at + timedelta(seconds=30),
                        "finished_at": at + timedelta(seconds=31),
                        "transaction_status": "NotSubmitted" if refused else "Success",
                        "polled_at": None,
                    }
                )
                state = "rejected" if refused else "success"
            ev_rows.append(
                {
                    "id": n + 1,
                    "file_id": file_id,
                    "transaction_id": f + 1,
                    "operation": "submitShipmentStatusUpdates",
                    "seller": "demo",
                    "purchase_order": f"PO{n // PER_FILE:07d}",
                    "tracking_number": f"1Z{n:010d}",
                    "payload": _payload(n),
                    "lineage": None,
                    "state": state,
                    "batch_id": call_id,
                    "amazon_transaction_id": (call_rows[-1]["transaction_id"] if call_id else None),
                    "updated_at": at + timedelta(minutes=1),
                }
            )
    with ledger._tx() as session:
        for table, rows in (
            (ReceivedFile, file_rows),
            (Interchange, ic_rows),
            (Transaction, tx_rows),
            (ApiCall, call_rows),
            (Event, ev_rows),
            (OpsSearchTerm, term_rows),
        ):
            for start in range(0, len(rows), 5000):
                session.execute(insert(table), rows[start : start + 5000])
    if ledger.engine.dialect.name == "postgresql":
        with ledger.engine.connect() as connection:  # what autovacuum does after a bulk load
            connection.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))


def _time(run: Callable[[], object], repeat: int) -> tuple[float, float]:
    run()  # warm the caches
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times)


def measure(ledger: Ledger, events: int, repeat: int) -> list[tuple[str, float, float, int]]:
    queries = OpsQueries.of(ledger)
    files = events // PER_FILE
    mid = files // 2 + 1  # not a rejected file
    n = mid * PER_FILE + 3
    some_call = f"tx-{(mid * 8) // 3:08d}"
    with ledger._read() as session:
        some_call = (
            session.scalar(
                text(
                    "SELECT amazon_transaction_id FROM events "
                    "WHERE amazon_transaction_id IS NOT NULL ORDER BY id LIMIT 1 OFFSET :n"
                ),
                {"n": events // 8},
            )
            or some_call
        )
    searches: dict[str, SearchQuery] = {
        "newest page (no criteria)": SearchQuery(),
        "tracking number": SearchQuery(tracking=f"1Z{n:010d}"),
        "tracking of a rejected set": SearchQuery(tracking=f"1ZREJ{(files // 2 // 20) * 20:08d}1"),
        "purchase order": SearchQuery(po=f"PO{n // PER_FILE:07d}"),
        "ISA13 without zeros": SearchQuery(control=str(mid + 1)),
        "ISA13 with zeros": SearchQuery(control=f"{mid + 1:09d}"),
        "ST02": SearchQuery(control="0042"),
        "Amazon transaction id": SearchQuery(transaction=some_call),
        "partner + state": SearchQuery(partner="acme", state="done"),
        "event state rejected": SearchQuery(event_state="rejected"),
        "error code (gateway)": SearchQuery(error="set_count_mismatch"),
        "error code (Amazon)": SearchQuery(error="InvalidInput"),
        "date range": SearchQuery(
            since=START + timedelta(days=30), until=START + timedelta(days=31)
        ),
        "page 20 of everything": SearchQuery(page=20),
    }
    out = []
    for name, query in searches.items():
        found = len(queries.search(query).items)
        median, worst = _time(lambda q=query: queries.search(q), repeat)  # type: ignore[misc]
        out.append((name, median, worst, found))
    since = START
    median, worst = _time(lambda: queries.problem_files(since), repeat)
    out.append(
        (
            "work list: rejected + quarantined",
            median,
            worst,
            sum(map(len, queries.problem_files(since))),
        )
    )
    median, worst = _time(lambda: queries.events_needing_work(("rejected", "failure")), repeat)
    out.append(
        (
            "work list: refused events",
            median,
            worst,
            len(queries.events_needing_work(("rejected", "failure"))),
        )
    )
    file_id = f"{mid:032x}"
    median, worst = _time(lambda: file_detail(queries, file_id, None), repeat)
    out.append(("file page (ledger part)", median, worst, 1))
    return out


def report(title: str, rows: list[tuple[str, float, float, int]]) -> None:
    print(f"\n{title}")
    print(f"  {'query':<36} {'median ms':>10} {'max ms':>8} {'rows':>6}")
    for name, median, worst, found in rows:
        flag = "" if worst < 200 else "  <-- over 200 ms"
        print(f"  {name:<36} {median:>10.1f} {worst:>8.1f} {found:>6}{flag}")


def run(url: str, title: str, events: int, repeat: int) -> None:
    ledger = Ledger(url)
    ledger.migrate()
    started = time.perf_counter()
    build(ledger, events)
    print(f"\n{title}: built {events:,} events in {time.perf_counter() - started:.1f} s")
    report(title, measure(ledger, events, repeat))
    ledger.close()


def _postgres(events: int, repeat: int) -> None:
    binaries = postgres_binaries()
    if binaries is None:
        print("\nPostgreSQL: skipped (no initdb / pg_ctl)")
        return
    root = Path(tempfile.mkdtemp(prefix="edigw-bench-pg-"))
    user = None
    if os.geteuid() == 0:
        user = "postgres"
        entry = pwd.getpwnam(user)
        os.chown(root, entry.pw_uid, entry.pw_gid)
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cluster = Cluster(binaries, root, port, user)
    try:
        cluster.start()
        run(cluster.url, "PostgreSQL", events, repeat)
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        run(f"sqlite:///{folder}/ledger.sqlite", "SQLite", args.events, args.repeat)
    if not args.no_postgres:
        _postgres(args.events, args.repeat)


if __name__ == "__main__":
    main()
