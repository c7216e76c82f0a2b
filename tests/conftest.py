"""Fixtures shared by the unit tests: `app`, the gateway's HTTP API (partner, ops and console
routes) in process with the demo partner and two operator accounts (tests/ops_support.py),
as a TestClient and the Gateway behind it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.service.worker import Gateway
from tests.ops_support import build_app


@pytest.fixture
def app(tmp_path: Path) -> Iterator[tuple[TestClient, Gateway]]:
    app, gateway = build_app(tmp_path)
    with TestClient(app) as client:
        yield client, gateway
    gateway.rt.ledger.close()
