"""The partner mailbox API bounds its cursor and message ids (422, never a 500), and so do
the other ids issue 7 takes from outside (the operators' `transactions decide CALL`) and its
new durations (`--assume-success-after`, the emulator's `--settle-after`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr, ValidationError
from typer.testing import CliRunner

from gateway.cli import app
from gateway.cli_operators import MAX_ID
from gateway.emulator import EmulatorConfig
from gateway.ledger.mailbox import MAILBOX
from gateway.ledger.tables import MAX_ID as LEDGER_MAX_ID
from gateway.service.api import create_api
from gateway.service.worker import Gateway
from gateway.settings import SellerAccount
from tests.test_service_jobs import a_file, runtime

KEY = {"X-API-Key": "demo-key"}
HUGE = "9" * 23


def test_out_of_range_cursor_and_message_ids_are_422_not_500(tmp_path: Path) -> None:
    rt = runtime(tmp_path)
    ack = rt.ledger.add_ack(a_file(rt), "997", "ISA...")
    rt.ledger.mark_delivered(ack, MAILBOX)
    http = TestClient(create_api(Gateway(rt)), raise_server_exceptions=False)
    messages = "/v1/partners/demo/messages"
    for after in (HUGE, str(2**63), str(MAX_ID + 1), "-1"):
        response = http.get(messages, params={"after": after}, headers=KEY)
        assert response.status_code == 422, (after, response.text)
        assert response.json()["detail"][0]["loc"] == ["query", "after"]
    for message_id in (HUGE, str(2**63), str(MAX_ID + 1), "0", "-5"):
        response = http.delete(f"{messages}/{message_id}", headers=KEY)
        assert response.status_code == 422, (message_id, response.text)
        assert response.json()["detail"][0]["loc"] == ["path", "message_id"]
    # the bounds themselves still work: an empty page at the largest id, a 404 to delete it
    page = http.get(messages, params={"after": MAX_ID}, headers=KEY).json()
    assert page == {"messages": [], "next": MAX_ID}
    assert http.delete(f"{messages}/{MAX_ID}", headers=KEY).status_code == 404
    assert [m["message_id"] for m in http.get(messages, headers=KEY).json()["messages"]] == [ack]
    assert http.delete(f"{messages}/{ack}", headers=KEY).status_code == 204


def test_out_of_range_call_ids_and_durations_are_refused_clearly(tmp_path: Path) -> None:
    assert MAX_ID == LEDGER_MAX_ID
    runner = CliRunner()
    for call in (HUGE, str(MAX_ID + 1), "0"):
        result = runner.invoke(app, ["transactions", "decide", call, "--by", "alice",
                                     "--succeeded", "--data-dir", str(tmp_path)])  # fmt: skip
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output
        assert "call" in result.output.lower()
    for seconds in ("inf", "1e30"):
        result = runner.invoke(app, ["submit", str(tmp_path / "none.edi"), "--wait",
                                     "--assume-success-after", seconds])  # fmt: skip
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output
        assert "assume-success-after" in result.output
        result = runner.invoke(app, ["emulator", "--settle-after", seconds])
        assert result.exit_code == 2 and "settle-after" in result.output, result.output
    with pytest.raises(ValidationError):
        SellerAccount(client_id="c", client_secret=SecretStr("s"), refresh_token=SecretStr("r"),
                      assume_success_after=float("inf"))  # fmt: skip
    with pytest.raises(ValidationError):
        EmulatorConfig(settle_after=1e30)
