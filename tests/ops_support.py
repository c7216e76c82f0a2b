"""A gateway app with operator accounts for the ops console and /v1/ops tests: operator
`ops` (password `ops-pass`, key `ops-key`), viewer `eve` (password `eve-pass`, key
`eve-key`), the demo partner (key `demo-key`), no SP-API (events stay pending)."""

from __future__ import annotations

import re
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

__all__ = ["OPERATOR", "PARTNER_KEY", "REPO", "VIEWER", "build_app", "login", "scan_214", "upload"]

REPO = Path(__file__).resolve().parents[1]
OPERATOR = {"X-API-Key": "ops-key"}
VIEWER = {"X-API-Key": "eve-key"}
PARTNER_KEY = {"X-API-Key": "demo-key"}


@cache
def _accounts() -> dict[str, OperatorAccount]:
    return {
        "ops": OperatorAccount(
            role="operator",
            password_hash=hash_secret("ops-pass"),
            api_key_hash=hash_secret("ops-key"),
        ),
        "eve": OperatorAccount(
            role="viewer",
            password_hash=hash_secret("eve-pass"),
            api_key_hash=hash_secret("eve-key"),
        ),
    }


def build_app(tmp_path: Path) -> tuple[FastAPI, Gateway]:
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    ledger.migrate()
    rt = Runtime(
        settings=ServiceSettings(data_dir=tmp_path),
        ledger=ledger,
        store=FileStore(tmp_path),
        partners=load_partners(demo=True),
        tables=load_code_tables(),
        metrics=Metrics(),
        default_seller="demo",
        operators=Operators(_accounts()),
    )
    gateway = Gateway(rt)
    return create_api(gateway), gateway


def upload(client: TestClient, data: bytes, name: str = "upload.edi") -> str:
    """Drop a file through the partner API; its file id."""
    answer = client.post(
        "/v1/partners/demo/interchanges", content=data, headers={**PARTNER_KEY, "X-File-Name": name}
    )
    assert answer.status_code == 201, answer.text
    file_id: str = answer.json()["file_id"]
    return file_id


def login_token(client: TestClient) -> str:
    """The login form's CSRF token (its cookie is now in `client`)."""
    form = client.get("/console/login").text
    found = re.search(r'name="csrf" value="([^"]+)"', form)
    assert found, "no CSRF field on the login form"
    return found.group(1)


def login(client: TestClient, username: str, password: str) -> None:
    data = {"username": username, "password": password, "csrf": login_token(client)}
    answer = client.post("/console/login", data=data, follow_redirects=False)
    assert answer.status_code == 303, answer.text


def scan_214(
    control: int,
    tracking: str,
    po: str,
    status: str = "D1",
    reason: str = "NS",
    *,
    group: int = 1,
    st: str = "0001",
    se_count: int | None = None,
) -> bytes:
    """A one-scan X12 214 from the demo carrier; `se_count` other than 8 makes SE01 wrong."""
    isa = (
        f"ISA*00*          *00*          *ZZ*{'DEMOCARRIER':<15}*ZZ*{'AMAZONDF':<15}*261124"
        f"*1830*U*00401*{control:09d}*0*P*>~"
    )
    body = [
        f"ST*214*{st}",
        f"B10*{tracking}*{po}*DEMO",
        f"L11*{po}*PO",
        "LX*1",
        f"AT7*{status}*{reason}***20261124*0715*LT",
        "MS1*DALLAS*TX*US",
        f"L11*{tracking}*2I",
    ]
    body.append(f"SE*{se_count if se_count is not None else len(body) + 1}*{st}")
    segments = [
        f"GS*QM*DEMOCARRIER*AMAZONDF*20261124*1830*{group}*X*004010",
        *body,
        f"GE*1*{group}",
        f"IEA*1*{control:09d}",
    ]
    return (isa + "\n" + "~\n".join(segments) + "~\n").encode()


def many_sets_214(sets: int, control: int = 5150, bad_every: int = 0) -> bytes:
    """A 214 from the demo carrier with `sets` sets of one scan each; with `bad_every`, every
    so many sets has a wrong SE01 (a rejected set: an error, no event)."""
    out = [
        f"ISA*00*          *00*          *ZZ*{'DEMOCARRIER':<15}*ZZ*{'AMAZONDF':<15}*261124"
        f"*1830*U*00401*{control:09d}*0*P*>~GS*QM*DEMOCARRIER*AMAZONDF*20261124*1830*1*X*004010~"
    ]
    for n in range(1, sets + 1):
        count = 9 if bad_every and n % bad_every == 0 else 8
        out.append(
            f"ST*214*{n:04d}~B10*1Z{n:08d}*PO{n:06d}*DEMO~L11*PO{n:06d}*PO~LX*1~"
            f"AT7*D1*NS***20261124*0715*LT~MS1*DALLAS*TX*US~L11*1Z{n:08d}*2I~SE*{count}*{n:04d}~"
        )
    out.append(f"GE*{sets}*1~IEA*1*{control:09d}~")
    return "\n".join(out).encode("ascii")
