"""/readyz needs no credential, so anyone may call it often: it must cost the same however
many events the ledger holds (one `SELECT 1`, never a count of the events)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, event
from sqlalchemy.orm import sessionmaker

from gateway.ledger import NewEvent
from gateway.ledger.store import Ledger
from gateway.service.worker import Gateway


def test_readyz_runs_one_constant_query(
    app: tuple[TestClient, Gateway], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, gateway = app
    ledger = gateway.rt.ledger
    file_id = ledger.record_file(partner_id="demo", transport="http", name="a.edi",
                                 sha256="ab" * 32, size=3, stored_path="/d/a.edi")  # fmt: skip
    ledger.add_events(file_id, [NewEvent("submitShipmentStatusUpdates", "demo", {"n": n})
                                for n in range(50)])  # fmt: skip

    def scan(*_: Any) -> Any:
        raise AssertionError("/readyz counted the ledger's rows")

    monkeypatch.setattr(Ledger, "counts", scan)
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(ledger.engine, "before_cursor_execute", record)
    try:
        answer = client.get("/readyz")
    finally:
        event.remove(ledger.engine, "before_cursor_execute", record)
    assert (answer.status_code, answer.json()) == (200, {"status": "ready"})
    queries = [s for s in statements if s.split()[0].upper() not in ("BEGIN", "COMMIT")]
    assert queries == ["SELECT 1"]


def test_readyz_not_ready_when_the_ledger_does_not_answer(
    app: tuple[TestClient, Gateway], monkeypatch: pytest.MonkeyPatch
) -> None:
    client, gateway = app
    gone = create_engine("sqlite:////nonexistent-folder/ledger.sqlite")
    monkeypatch.setattr(gateway.rt.ledger, "_readers", sessionmaker(gone))
    answer = client.get("/readyz")
    assert answer.status_code == 503
    assert answer.json() == {"status": "not ready", "reason": "OperationalError"}
