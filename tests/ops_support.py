"""A gateway app with operator accounts for the ops console and /v1/ops tests: operator
`ops` (password `ops-pass`, key `ops-key`), viewer `eve` (password `eve-pass`, key
`eve-key`), the demo partner (key `demo-key`), no SP-API (events stay pending)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from gateway.auth.operators import OperatorAccount, Operators, hash_secret
from gateway.ledger import Ledger
from gateway.mapping.codes import load_code_tables
from gateway.profile import load_partners
from gateway.service.api import create_api
from gateway.service.config import ServiceSettings
from gateway.service.metrics import Metrics
from gateway.service.runtime import Runtime
from gateway.service.storage import FileStore
from gateway.service.worker import Gateway

__all__ = ["OPERATOR", "PARTNER_KEY", "VIEWER", "build_app", "login", "upload"]

REPO = Path(__file__).resolve().parents[1]
OPERATOR = {"X-API-Key": "ops-key"}
VIEWER = {"X-API-Key": "eve-key"}
PARTNER_KEY = {"X-API-Key": "demo-key"}


@cache
def _accounts() -> dict[str, OperatorAccount]:
    return {
        "ops": OperatorAccount(role="operator", password_hash=hash_secret("ops-pass"),
                               api_key_hash=hash_secret("ops-key")),
        "eve": OperatorAccount(role="viewer", password_hash=hash_secret("eve-pass"),
                               api_key_hash=hash_secret("eve-key")),
    }  # fmt: skip


def build_app(tmp_path: Path) -> tuple[FastAPI, Gateway]:
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    ledger.migrate()
    rt = Runtime(settings=ServiceSettings(data_dir=tmp_path), ledger=ledger,
                 store=FileStore(tmp_path), partners=load_partners(), tables=load_code_tables(),
                 metrics=Metrics(), default_seller="demo",
                 operators=Operators(_accounts()))  # fmt: skip
    gateway = Gateway(rt)
    return create_api(gateway), gateway


def upload(client: TestClient, data: bytes, name: str = "upload.edi") -> str:
    """Drop a file through the partner API; its file id."""
    answer = client.post("/v1/partners/demo/interchanges", content=data,
                         headers={**PARTNER_KEY, "X-File-Name": name})  # fmt: skip
    assert answer.status_code == 201, answer.text
    file_id: str = answer.json()["file_id"]
    return file_id


def login(client: TestClient, username: str, password: str) -> None:
    answer = client.post("/console/login", data={"username": username, "password": password},
                         follow_redirects=False)  # fmt: skip
    assert answer.status_code == 303, answer.text
