"""The `edigw translate` contract: one JSON line per file, exit 0 / 1 / 2, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.contract import validate_body

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"


def edigw(*args: str | Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "gateway", *map(str, args)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )


def lines(result: subprocess.CompletedProcess[str]) -> list[dict[str, object]]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_accepted_file_exits_zero_with_one_json_line() -> None:
    sample = SAMPLES / "01-x12-214-delivered" / "input.edi"
    result = edigw("translate", sample, "--selling-party", "999US", "--ship-from", "ABCD")
    assert result.returncode == 0, result.stderr
    (line,) = lines(result)
    assert list(line) == ["file", "syntax", "requests", "acknowledgements", "errors", "unlisted",
                          "accepted"]  # fmt: skip
    assert line["syntax"] == "x12" and line["accepted"] is True and line["errors"] == []
    (request,) = line["requests"]  # type: ignore[misc]
    assert request["operation"] == "submitShipmentStatusUpdates"
    assert validate_body(request["operation"], request["body"]) == []
    updates = request["body"]["shipmentStatusUpdates"]
    assert updates[0]["sellingParty"] == {"partyId": "999US"}
    # no time code in the profile: AT7-07 'CT' is America/Chicago, CST in November
    assert updates[1]["statusUpdateDetails"]["statusDateTime"] == "2026-11-24T16:42:00-06:00"
    assert [a["type"] for a in line["acknowledgements"]] == ["997"]  # type: ignore[index]


def test_options_override_parties_and_time_zone(tmp_path: Path) -> None:
    text = (SAMPLES / "01-x12-214-delivered" / "input.edi").read_text().replace("*CT~", "*LT~")
    path = tmp_path / "lt.edi"
    path.write_text(text)
    result = edigw("translate", path, "--selling-party", "X1", "--ship-from", "Y2",
                   "--timezone", "Asia/Tokyo")  # fmt: skip
    assert result.returncode == 0, result.stderr
    (line,) = lines(result)
    assert line["accepted"] is True and line["errors"] == []
    update = line["requests"][0]["body"]["shipmentStatusUpdates"][0]  # type: ignore[index]
    assert update["sellingParty"] == {"partyId": "X1"}
    assert update["shipFromParty"] == {"partyId": "Y2"}
    assert update["statusUpdateDetails"]["statusDateTime"] == "2026-11-24T07:15:00+09:00"


def test_any_error_exits_one_and_still_prints_every_file(tmp_path: Path) -> None:
    empty = tmp_path / "empty.edi"
    empty.write_bytes(b"")
    binary = tmp_path / "image.png"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    cut = tmp_path / "cut.edi"
    cut.write_bytes((SAMPLES / "08-x12-856-asn" / "input.edi").read_bytes()[:700])
    missing = tmp_path / "nope.edi"
    good = SAMPLES / "10-edifact-iftsta-d01b" / "input.edi"
    result = edigw("translate", empty, binary, cut, missing, good, "--partner", "demo")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    found = lines(result)
    assert [r["accepted"] for r in found] == [False, False, False, False, True]
    codes = [{e["code"] for e in r["errors"]} for r in found]  # type: ignore[attr-defined]
    assert "empty_file" in codes[0]
    assert "not_edi" in codes[1]
    assert "truncated" in codes[2]
    assert "file_unreadable" in codes[3]
    assert found[4]["syntax"] == "edifact"
    assert codes[4] == set() and found[4]["requests"]
    assert [r["file"] for r in found] == [str(p) for p in (empty, binary, cut, missing, good)]


@pytest.mark.parametrize(
    "args",
    [
        ("translate",),
        ("translate", "x.edi", "--partner", "no-such-partner"),
        ("translate", "x.edi", "--timezone", "Mars/Olympus"),
        ("translate", "x.edi", "--no-such-option"),
        ("translate", "x.edi", "--ack-control", "1000000000"),  # ISA13 holds nine digits
        ("translate", "x.edi", "--ack-control", "0"),
    ],
)
def test_usage_errors_exit_two(args: tuple[str, ...]) -> None:
    result = edigw(*args)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stdout == ""
    assert "Usage:" in result.stderr


def test_lineage_option_adds_where_each_value_came_from() -> None:
    sample = SAMPLES / "10-edifact-iftsta-d01b" / "input.edi"
    (line,) = lines(edigw("translate", sample, "--partner", "demo", "--lineage"))
    lineage = line["requests"][0]["lineage"]  # type: ignore[index]
    by_path = {entry["path"]: entry for entry in lineage}
    tracking = by_path["/shipmentStatusUpdates/0/statusUpdateDetails/trackingNumber"]
    assert (tracking["kind"], tracking["segment"], tracking["element"]) == ("segment", "CNI", 2)
    name = by_path["/shipmentStatusUpdates/0/statusUpdateDetails/statusLocationAddress/name"]
    assert name["kind"] == "default"
    assert all(entry["path"].startswith("/shipmentStatusUpdates/") for entry in lineage)


def test_demo_prints_whole_items_and_no_missing_positions() -> None:
    """`edigw demo` (make demo): every item as complete JSON, no `#None` for an error
    without a segment position (the IEA of a file cut off)."""
    from gateway.demo import summarize

    item = {"purchaseOrderNumber": "PO1", "details": "x" * 400}
    result = {"file": "f.edi", "syntax": "x12", "accepted": False, "acknowledgements": [],
              "requests": [{"operation": "submitShipmentStatusUpdates",
                            "body": {"shipmentStatusUpdates": [item, {"n": 2}]}}],
              "errors": [{"code": "interchange_trailer_missing", "message": "no IEA",
                          "segment": "IEA", "position": None},
                         {"code": "c", "message": "m", "segment": "AT7",
                          "position": 4}]}  # fmt: skip
    text = summarize(result)
    printed = [json.loads(line) for line in text.splitlines() if line.strip().startswith("{")]
    assert printed == [item, {"n": 2}]
    assert "#None" not in text and "at IEA:" in text and "at AT7 #4:" in text


@pytest.mark.parametrize("kind", ["operator", "sftp", "api-key"])
def test_hash_secret_prints_a_hash_that_verifies(kind: str) -> None:
    import hashlib
    import subprocess
    import sys

    from gateway.auth.operators import verify_secret
    from gateway.inbound.credentials import verify_password

    done = subprocess.run([sys.executable, "-m", "gateway", "hash-secret", "--for", kind],
                          input="s3cret-phrase\n", capture_output=True, text=True, check=False,
                          timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    encoded = done.stdout.strip()
    assert "s3cret-phrase" not in done.stdout + done.stderr
    sha256 = hashlib.sha256(b"s3cret-phrase").hexdigest()
    checks = {"operator": lambda: verify_secret(encoded, "s3cret-phrase"),
              "sftp": lambda: verify_password(encoded, "s3cret-phrase"),
              "api-key": lambda: encoded == sha256}  # fmt: skip
    assert checks[kind]()


def test_ack_control_numbers_go_on_from_1_after_nine_digits(tmp_path: Path) -> None:
    """ISA13 and GS06 hold nine digits: numbers taken past 999,999,999 start again at 1
    (they were printed as ISA13 000000000 and a ten-digit GS06)."""
    text = (SAMPLES / "01-x12-214-delivered" / "input.edi").read_text()
    isa13 = text.split("*")[13]
    mailbag = tmp_path / "mailbag.edi"
    mailbag.write_text("".join(text.replace(isa13, f"{n:09d}") for n in (11, 12, 13)))
    (line,) = lines(edigw("translate", mailbag, "--partner", "demo", "--ack-control", "999999998"))
    acks = [str(a["content"]) for a in line["acknowledgements"]]  # type: ignore[union-attr]
    # the CLI numbers ISA13 and GS06 from one counter: ISA13, GS06, ISA13, GS06, ...
    taken = [(ack.split("~")[0].split("*")[13], ack.split("GS*")[1].split("*")[5]) for ack in acks]
    assert taken == [("999999998", "999999999"), ("000000001", "2"), ("000000003", "4")]
