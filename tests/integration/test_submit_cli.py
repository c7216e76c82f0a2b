"""`edigw submit` end to end against the emulator: files in, Amazon's verdicts out as 824 /
APERAK advices in the out folder (run.submit_files), and the CLI as a subprocess (exit
status, JSON lines, --wait, acks written, no secret in its output).
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gateway.ack.context import AckContext
from gateway.mapping.codes import load_code_tables
from gateway.profile import load_profile
from gateway.submit.client import SpApiClient
from gateway.submit.run import FileSubmission, submit_files
from gateway.submit.submitter import Submitter
from tests.integration.conftest import (
    FAST,
    SELLER,
    Emulator,
    accepted_items,
    edifact_status,
    orders,
    sent_items,
    submit_records,
    translate,
    x12_asn,
    x12_status,
)

ROOT = Path(__file__).resolve().parents[2]
SECRET = "cli-secret-6f1e2d"
REFRESH = "Atzr|cli-refresh-9a8b7c"


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def submit_paths(
    emulator: Emulator, files: list[Path], out: Path, batch_max: int = 100
) -> list[FileSubmission]:
    settings = FAST.model_copy(update={"batch_max": batch_max})

    async def go() -> list[FileSubmission]:
        async with SpApiClient(settings, {SELLER: emulator.account()}) as client:
            submitter = Submitter(client, settings)
            return await submit_files(
                files,
                load_profile("demo"),
                load_code_tables(),
                AckContext(),
                submitter,
                SELLER,
                10.0,
                out,
            )

    return asyncio.run(go())


def segments(text: str, terminator: str) -> list[str]:
    return [s.strip() for s in text.split(terminator) if s.strip()]


def advice(result: FileSubmission, kind: str) -> str:
    """The one advice of `kind` the run produced, checked to be the file written to out."""
    (found,) = [a for a in result.advices if a.type == kind]
    path = result.written[id(found)]
    assert path.read_text(encoding="utf-8") == found.content
    assert path.name.endswith(f".{kind}.edi")
    return found.content


# --- Failure transactions -> 824 / APERAK (run.submit_files) ---------------------------------


def test_failures_produce_an_824_naming_po_tracking_and_amazons_code(
    emulator: Emulator, tmp_path: Path
) -> None:
    confirmed = orders("V", 2, packs=1)  # POV001 / 1ZV001P1, POV002 / 1ZV002P1
    asn = write(tmp_path / "in", "asn.edi", x12_asn(confirmed, control=701))
    updates = {"POV001": ["1ZV001P1"], "POV002": ["1ZV002XX"], "PONEVER01": ["1ZNEVER01"]}
    status = write(tmp_path / "in", "status.edi", x12_status(updates, control=702, events=1))
    out = tmp_path / "out"
    first, second = submit_paths(emulator, [asn, status], out, batch_max=1)

    assert first.succeeded and not first.advices  # confirmations: Success, no positive advice
    assert not second.succeeded
    by_po = {o.purchase_orders: o for o in second.outcomes}
    assert by_po[("POV001",)].state is not None
    assert by_po[("POV001",)].state.status == "Success"
    text = advice(second, "824")
    lines = segments(text, "~")
    # one OTI loop per rejected set (ST02 0002, 0003), none for the accepted set 0001
    otis = [s for s in lines if s.startswith("OTI*")]
    assert [o.split("*")[:4] for o in otis] == [
        ["OTI", "TR", "TN", "0002"],
        ["OTI", "TR", "TN", "0003"],
    ]
    loop_2, loop_3 = _loops(lines, "OTI*")
    assert "REF*PO*POV002" in loop_2 and "REF*2I*1ZV002XX" in loop_2
    # each error names its event: purchase order / tracking number, then Amazon's code
    assert any(s.startswith("TED*024*POV002/1ZV002XX: InvalidTrackingNumber") for s in loop_2)
    assert "REF*PO*PONEVER01" in loop_3 and "REF*2I*1ZNEVER01" in loop_3
    assert any(s.startswith("TED*024*PONEVER01/1ZNEVER01: InvalidPurchaseOrderNumber")
               for s in loop_3)  # fmt: skip
    assert "1ZV001P1" not in text
    assert lines[0].startswith("ISA*") and "*ZZ*DEMOCARRIER" in lines[0]
    # the emulator accepted each submitted item once; the advice is about those calls
    records = emulator.requests()
    requests = second.requests + first.requests
    assert accepted_items(records) == sent_items(requests)
    assert len(submit_records(records)) == len(first.outcomes) + len(second.outcomes)


def test_failures_produce_an_aperak_for_an_edifact_partner(
    emulator: Emulator, tmp_path: Path
) -> None:
    confirmed = orders("W", 1, packs=1)  # POW001 / 1ZW001P1
    asn = write(tmp_path / "in", "asn.edi", x12_asn(confirmed, control=711))
    updates = {"POW001": ["1ZW001P1", "1ZW001XX"]}
    iftsta = write(tmp_path / "in", "iftsta.edi", edifact_status(updates, reference="IC712"))
    out = tmp_path / "out"
    _, result = submit_paths(emulator, [asn, iftsta], out, batch_max=1)

    assert [o.state.status for o in result.outcomes if o.state] == ["Success", "Failure"]
    text = advice(result, "APERAK")
    lines = segments(text, "'")
    assert lines[0].startswith("UNB+") and "+DEMOCARRIER+" in lines[0]
    assert any(s.startswith("UNH+") and "APERAK:D:96A:UN" in s for s in lines)
    assert "BGM+305+" in text and any(
        s.startswith("BGM+305+") and s.endswith("+27") for s in lines
    )  # partly accepted
    assert "RFF+ACW:1" in lines  # the original UNH reference
    assert "RFF+ON:POW001" in lines and "RFF+CN:1ZW001XX" in lines
    assert "RFF+CN:1ZW001P1" not in lines  # accepted: not reported
    erc = lines.index("ERC+024")
    assert lines[erc + 1].startswith("FTX+AAO+++InvalidTrackingNumber")
    assert lines[erc + 2] == "RFF+CN:1ZW001XX"
    assert result.written[id(result.advices[0])].parent == out


def test_each_aperak_error_names_the_package_it_is_about(
    emulator: Emulator, tmp_path: Path
) -> None:
    asn = write(tmp_path / "in", "asn.edi", x12_asn({"POY001": ["1ZY001C"]}, control=720))
    updates = {"POY001": ["1ZY001A", "1ZY001B"]}  # never confirmed; one call (batch_max 100)
    iftsta = write(tmp_path / "in", "iftsta.edi", edifact_status(updates, reference="IC721"))
    _, result = submit_paths(emulator, [asn, iftsta], tmp_path / "out")

    lines = segments(advice(result, "APERAK"), "'")
    groups = [(lines[i + 1], lines[i + 2]) for i, s in enumerate(lines) if s.startswith("ERC+")]
    assert len(groups) == 2
    for ftx, rff in groups:
        tracking = rff.removeprefix("RFF+CN:")
        assert f"Tracking number {tracking} " in ftx, (ftx, rff)


def _loops(lines: list[str], start: str) -> list[list[str]]:
    loops: list[list[str]] = []
    for line in lines:
        if line.startswith(start):
            loops.append([])
        if loops and not line.startswith(("SE*", "GE*", "IEA*")):
            loops[-1].append(line)
    return loops


# --- the CLI as a subprocess -----------------------------------------------------------------


def run_cli(
    emulator: Emulator, files: list[Path], out: Path
) -> tuple[int, list[dict[str, Any]], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("EDIGW_", "LWA_"))}
    env.update(
        LWA_CLIENT_ID=emulator.config.client_id,
        LWA_CLIENT_SECRET=SECRET,
        LWA_REFRESH_TOKEN=REFRESH,
        EDIGW_SUBMIT__POLL_INTERVAL="0.05",
        EDIGW_SUBMIT__BACKOFF_BASE="0.01",
    )
    command = [
        sys.executable,
        "-m",
        "gateway",
        "submit",
        *map(str, files),
        "--partner",
        "demo",
        "--endpoint",
        emulator.base,
        "--token-url",
        emulator.base + "/auth/o2/token",
        "--sandbox-endpoint",
        emulator.base + "/sandbox",
        "--wait",
        "--wait-timeout",
        "20",
        "--out",
        str(out),
    ]
    done = subprocess.run(
        command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    for secret in (SECRET, REFRESH):
        assert secret not in done.stdout and secret not in done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    return done.returncode, lines, done.stderr


REPORT_KEYS = {
    "file",
    "syntax",
    "accepted",
    "submissions",
    "acknowledgements",
    "errors",
    "succeeded",
}
SUBMISSION_KEYS = {
    "operation",
    "events",
    "purchase_orders",
    "tracking_numbers",
    "sandbox",
    "url",
    "status_code",
    "attempts",
    "throttled",
    "request_ids",
    "transaction_id",
    "status",
    "resubmits",
    "errors",
}


def test_cli_submits_waits_and_writes_acks_without_leaking_secrets(
    start_emulator: Callable[..., Emulator], tmp_path: Path
) -> None:
    emulator = start_emulator(client_secret=SECRET, refresh_token=REFRESH)
    live = orders("C", 2)
    folder, out = tmp_path / "in", tmp_path / "out"
    files = [
        write(folder, "asn.edi", x12_asn(live, control=801)),
        write(folder, "status.edi", x12_status(live, control=802, events=2)),
    ]
    code, reports, stderr = run_cli(emulator, files, out)

    assert code == 0, stderr
    assert [r["file"] for r in reports] == [str(f) for f in files]
    records = emulator.requests()
    by_request = {r["request_id"]: r for r in records}
    for report in reports:
        assert set(report) == REPORT_KEYS and report["succeeded"] and report["accepted"]
        assert report["syntax"] == "x12" and report["errors"] == []
        assert report["submissions"]
        for submission in report["submissions"]:
            assert set(submission) == SUBMISSION_KEYS
            assert submission["status"] == "Success" and submission["errors"] == []
            assert submission["status_code"] == 202
            last = by_request[submission["request_ids"][-1]]
            assert last["transaction_id"] == submission["transaction_id"]
            assert submission["sandbox"] is False is last["sandbox"]
            assert submission["url"].startswith(emulator.base + "/v")
        (ack,) = report["acknowledgements"]
        assert ack["type"] == "997" and "AK5*A" in ack["content"]
        assert Path(ack["path"]).parent == out
        assert Path(ack["path"]).read_text(encoding="utf-8") == ack["content"]
    submitted = [translate(f.read_text(encoding="utf-8")) for f in files]
    assert accepted_items(records) == sent_items([r for rs in submitted for r in rs])
    assert all(r["status"] == 202 for r in submit_records(records))
    assert len(list(out.iterdir())) == 2


def test_cli_reports_failures_with_exit_status_1_and_writes_advices(
    start_emulator: Callable[..., Emulator], tmp_path: Path
) -> None:
    emulator = start_emulator(client_secret=SECRET, refresh_token=REFRESH)
    unconfirmed = {"PONONE1": ["1ZNONE1"]}
    folder, out = tmp_path / "in", tmp_path / "out"
    files = [
        write(folder, "status.edi", x12_status(unconfirmed, control=811, events=1)),
        write(folder, "iftsta.edi", edifact_status(unconfirmed, reference="IC812")),
    ]
    code, reports, stderr = run_cli(emulator, files, out)

    assert code == 1, stderr
    kinds = []
    for report in reports:
        assert report["accepted"] and not report["succeeded"]
        (submission,) = report["submissions"]
        assert submission["status"] == "Failure" and submission["status_code"] == 202
        assert [e["code"] for e in submission["errors"]] == ["InvalidPurchaseOrderNumber"]
        acks = report["acknowledgements"]
        kinds.append([a["type"] for a in acks])
        advice_ = acks[-1]
        assert "PONONE1" in advice_["content"] and "1ZNONE1" in advice_["content"]
        assert "InvalidPurchaseOrderNumber" in advice_["content"]
        assert Path(advice_["path"]).read_text(encoding="utf-8") == advice_["content"]
    assert kinds == [["997", "824"], ["CONTRL", "APERAK"]]
    assert sorted(p.name.rsplit(".", 2)[-2] for p in out.iterdir()) == [
        "824",
        "997",
        "APERAK",
        "CONTRL",
    ]
