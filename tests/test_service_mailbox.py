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


def test_wrong_keys_on_the_mailbox_are_logged_and_throttled_like_uploads(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The mailbox takes the same partner key check as the upload route: a wrong key is a
    failed login (warning with account and peer, never the key) and counts towards the
    lockout, after which the mailbox answers 429 too."""
    from gateway.auth.throttle import LoginLimits, LoginThrottle

    rt = runtime(tmp_path)
    rt.throttle = LoginThrottle(LoginLimits(free_failures=10, lockout_after=3))  # no delays
    http = TestClient(create_api(Gateway(rt)), raise_server_exceptions=False)
    messages = "/v1/partners/demo/messages"
    with caplog.at_level("WARNING", logger="edigw"):
        answers = [http.get(messages, headers={"X-API-Key": f"wrong-{n}"}).status_code
                   for n in range(rt.throttle.limits.lockout_after + 1)]  # fmt: skip
    assert set(answers[:-1]) <= {401, 429} and answers[-1] == 429, answers
    failed = [r for r in caplog.records if r.getMessage() == "failed login"]
    assert failed and all(getattr(r, "account", "") for r in failed)
    assert not any("wrong-" in r.getMessage() + str(r.__dict__) for r in caplog.records)
    assert http.get(messages, headers=KEY).status_code in (200, 429)


def test_the_emulator_keeps_only_its_latest_requests() -> None:
    from gateway.emulator.state import EmulatorState

    state = EmulatorState(EmulatorConfig(request_log=3))
    for n in range(5):
        state.record({"n": n})
    assert [r["n"] for r in state.requests()] == [2, 3, 4]
