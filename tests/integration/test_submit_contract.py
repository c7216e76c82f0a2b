"""`edigw submit` contract against the emulator as a subprocess: --settle never with a short
--assume-success-after ends AssumedSuccess (exit 0); a refused refresh token / client ends
at once with lwa_invalid_grant / lwa_invalid_client (exit 1, no retry loop, no secret
anywhere); a 214 with an unmapped status pair gets an 824 naming the codes in --out; the
static sandbox ends test interchanges as Sandbox."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import Emulator, orders, x12_asn, x12_status
from tests.integration.test_submit_cli import REFRESH, ROOT, SECRET, write

RESULTS = {"Success", "AssumedSuccess", "Unconfirmed", "Failure", "Sandbox", "Blocked",
           "Unknown"}  # fmt: skip


Report = dict[str, Any]


def cli(emulator: Emulator, files: list[Path], out: Path, *extra: str,
        secret: str = SECRET, refresh: str = REFRESH) -> tuple[int, list[Report], str]:  # fmt: skip
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EDIGW_", "LWA_"))}
    env.update(LWA_CLIENT_ID=emulator.config.client_id, LWA_CLIENT_SECRET=secret,
               LWA_REFRESH_TOKEN=refresh, EDIGW_SUBMIT__POLL_INTERVAL="0.2",
               EDIGW_SUBMIT__BACKOFF_BASE="0.01")  # fmt: skip
    command = [sys.executable, "-m", "gateway", "submit", *map(str, files), "--partner", "demo",
               "--endpoint", emulator.base, "--token-url", emulator.base + "/auth/o2/token",
               "--sandbox-endpoint", emulator.base + "/sandbox", "--wait", "--out", str(out),
               *extra]  # fmt: skip
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip
    for text in (done.stdout, done.stderr, *(p.read_text() for p in out.glob("*"))):
        assert SECRET not in text and REFRESH not in text
    return done.returncode, [json.loads(line) for line in done.stdout.splitlines()], done.stderr


def test_settle_never_with_short_deadline_ends_assumed_success(
    start_emulator: Callable[..., Emulator], tmp_path: Path
) -> None:
    emulator = start_emulator(client_secret=SECRET, refresh_token=REFRESH, settle="never")
    live = orders("N", 2)
    files = [
        write(tmp_path / "in", "asn.edi", x12_asn(live, control=901)),
        write(tmp_path / "in", "status.edi", x12_status(live, control=902, events=1)),
    ]
    started = time.monotonic()
    code, reports, stderr = cli(emulator, files, tmp_path / "out", "--assume-success-after", "3")
    assert code == 0, stderr
    assert 3.0 <= time.monotonic() - started < 60
    statuses = [s["status"] for r in reports for s in r["submissions"]]
    assert statuses and set(statuses) == {"AssumedSuccess"}
    assert all(r["succeeded"] for r in reports)
    polls = [r for r in emulator.requests() if r["method"] == "GET"]
    transactions = {s["transaction_id"] for r in reports for s in r["submissions"]}
    assert {p["transaction_id"] for p in polls} <= transactions
    assert len(polls) <= 6 * len(transactions)  # backing off, not once per 50 ms


@pytest.mark.parametrize("refused", ["grant", "client"])
def test_refused_credentials_end_at_once_with_lwa_code(
    refused: str, start_emulator: Callable[..., Emulator], tmp_path: Path
) -> None:
    emulator = start_emulator(client_secret="the-real-secret", refresh_token="the-real-refresh")
    secret, refresh = ("the-real-secret", REFRESH) if refused == "grant" else (SECRET, "x")
    live = orders("L", 2)
    files = [
        write(tmp_path / "in", "asn.edi", x12_asn(live, control=911)),
        write(tmp_path / "in", "status.edi", x12_status(live, control=912)),
    ]
    started = time.monotonic()
    code, reports, stderr = cli(emulator, files, tmp_path / "out", secret=secret,
                                refresh=refresh)  # fmt: skip
    assert code == 1, stderr
    assert time.monotonic() - started < 30
    for report in reports:
        assert f"lwa_invalid_{refused}" in [e["code"] for e in report["errors"]]
        assert {s["status"] for s in report["submissions"]} == {"Blocked"}
        for s in report["submissions"]:
            assert s["errors"][0]["code"] == f"lwa_invalid_{refused}"
    tokens = [r for r in emulator.requests() if r["path"] == "/auth/o2/token"]
    assert len(tokens) == 1  # no retry loop: LWA was asked once
    assert not [r for r in emulator.requests() if r["path"].startswith("/vendor/")]
    assert "the-real-secret" not in stderr + json.dumps(reports)


def test_unmapped_status_pair_gets_an_824_naming_the_codes(
    emulator: Emulator, tmp_path: Path
) -> None:
    shipments = {"POU001": ["1ZU001"]}
    text = x12_status(shipments, control=921, events=1).replace("AT7*XB*NS", "AT7*ZZ*Q7")
    assert "AT7*ZZ*Q7" in text
    out = tmp_path / "out"
    code, [report], stderr = cli(emulator, [write(tmp_path / "in", "s.edi", text)], out)
    assert code == 1, stderr
    assert [e["code"] for e in report["errors"]] == ["unmapped_status"]
    assert report["submissions"] == []  # no API call failed: the gateway refused it
    types = sorted(a["type"] for a in report["acknowledgements"])
    assert types == ["824", "997"]
    (advice,) = [a for a in report["acknowledgements"] if a["type"] == "824"]
    content = Path(advice["path"]).read_text(encoding="utf-8")
    assert Path(advice["path"]).parent == out
    ted = [s for s in content.split("~\n") if s.startswith("TED*")]
    assert len(ted) == 1 and "ZZ/Q7" in ted[0] and "*AT7*" in ted[0]
    assert "OTI*TR*TN*0001" in content


def test_static_sandbox_ends_test_interchanges_as_sandbox(
    start_emulator: Callable[..., Emulator], tmp_path: Path
) -> None:
    emulator = start_emulator(client_secret=SECRET, refresh_token=REFRESH)
    trial = orders("S", 1)
    files = [write(tmp_path / "in", "t.edi", x12_asn(trial, control=931, test=True))]
    code, [report], _ = cli(emulator, files, tmp_path / "out")
    assert code == 1
    assert {s["status"] for s in report["submissions"]} == {"Sandbox"}
    assert all(s["status"] in RESULTS for s in report["submissions"])
    assert all(s["attempts"] == 1 and s["sandbox"] for s in report["submissions"])


def test_settle_failure_resubmits_each_batch_boundedly_then_fails(
    start_emulator: Callable[..., Emulator], tmp_path: Path
) -> None:
    emulator = start_emulator(client_secret=SECRET, refresh_token=REFRESH, settle="failure",
                              settle_after=0.2)  # fmt: skip
    live = orders("F", 2)
    files = [write(tmp_path / "in", "asn.edi", x12_asn(live, control=941))]
    out = tmp_path / "out"
    code, [report], stderr = cli(emulator, files, out, "--assume-success-after", "30")
    assert code == 1, stderr
    [submission] = report["submissions"]
    assert submission["status"] == "Failure" and submission["resubmits"] == 2
    assert submission["errors"][-1]["code"] == "INTERNAL_SERVER_ERROR"
    posts = [r for r in emulator.requests() if r["method"] == "POST" and r["status"] == 202]
    assert len(posts) == 3 and all(p["body"] == posts[0]["body"] for p in posts)
    (advice,) = [a for a in report["acknowledgements"] if a["type"] == "824"]
    assert "INTERNAL_SERVER_ERROR" in advice["content"]
