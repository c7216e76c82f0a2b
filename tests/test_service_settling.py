"""Service pieces of settling, in process: the ledger's policy / operator decision /
resubmission / blocked-seller moves, the work-list and blocked-seller alerts, gateway
refusals advised in the file's 824, replays answering like their original transport, and
the start-up checks (no partner without a seller; a summary without secrets)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from gateway.emulator.config import EmulatorConfig
from gateway.ledger import EventState, FileState, NewEvent
from gateway.ledger.states import StateError
from gateway.service.config import ServiceSettings
from gateway.service.delivering import arrival_transport, deliver_acks
from gateway.service.finishing import finish_file_sync
from gateway.service.jobs import find_alerts
from gateway.service.serve import check_partners, demo_settings, startup_summary
from gateway.service.startup import StartupError
from gateway.service.translating import translate_received
from gateway.settings import SellerAccount
from gateway.spapi import ApiError, CallResult, TransactionStatus
from tests.test_service_jobs import CONFIRMATION, a_file, call, runtime

SECRET = "s3cr3t-client-secret"
ACCOUNT = SellerAccount(client_id="cid", client_secret=SecretStr(SECRET),
                        refresh_token=SecretStr("Atzr|refresh-secret"),
                        endpoint="http://127.0.0.1:1")  # fmt: skip


def accepted_call(rt_events: list[int], rt: object, tid: str) -> int:
    ledger = rt.ledger  # type: ignore[attr-defined]
    call_id: int = ledger.mark_sending(rt_events)
    ledger.record_call(call_id, call(202, tid))
    return call_id


def events(rt: object, file_id: str, n: int = 2) -> list[int]:
    ledger = rt.ledger  # type: ignore[attr-defined]
    ledger.advance(file_id, FileState.TRANSLATED)
    ids: list[int] = ledger.add_events(file_id, [
        NewEvent("submitShipmentConfirmations", "demo", CONFIRMATION, f"PO{i}")
        for i in range(n)])  # fmt: skip
    return ids


def test_policy_then_an_operators_decision_recorded_with_who(tmp_path: Path) -> None:
    rt = runtime(tmp_path)
    ids = events(rt, a_file(rt))
    call_id = accepted_call(ids, rt, "tx-1")
    rt.ledger.settle_by_policy(call_id, TransactionStatus.UNCONFIRMED)
    assert {e.state for e in rt.ledger.events_of_call(call_id)} == {EventState.UNCONFIRMED}
    [work] = find_alerts(rt)["transaction_unconfirmed"]
    assert f"call {call_id}" in work and "tx-1" in work
    with pytest.raises(StateError):
        rt.ledger.resolve_unconfirmed(call_id, True, " ")
    assert rt.ledger.resolve_unconfirmed(call_id, True, "alice") == 2
    record = rt.ledger.get_call(call_id)
    assert record is not None and record.resolved_by == "alice" and record.resolved_at
    assert record.transaction_status == "Unconfirmed"  # never called Success
    assert {e.state for e in rt.ledger.events_of_call(call_id)} == {EventState.SUCCESS}
    with pytest.raises(StateError):  # decided once
        rt.ledger.resolve_unconfirmed(call_id, False, "bob")
    assert find_alerts(rt)["transaction_unconfirmed"] == []
    other = accepted_call(events(rt, a_file(rt), 1), rt, "tx-2")
    rt.ledger.settle_by_policy(other, TransactionStatus.ASSUMED_SUCCESS)
    assert {e.state for e in rt.ledger.events_of_call(other)} == {EventState.ASSUMED_SUCCESS}
    with pytest.raises(StateError):
        rt.ledger.settle_by_policy(other, TransactionStatus.UNCONFIRMED)


def test_resubmission_moves_only_the_calls_events_back(tmp_path: Path) -> None:
    rt = runtime(tmp_path)
    ids = events(rt, a_file(rt), 3)
    failed = accepted_call(ids[:2], rt, "tx-1")
    fine = accepted_call(ids[2:], rt, "tx-2")
    error = {"code": "INTERNAL_SERVER_ERROR", "message": "Internal error.", "details": ""}
    assert rt.ledger.resubmit_call(failed, [error]) == ids[:2]
    pending = rt.ledger.events_in_state(EventState.PENDING)
    assert [e.id for e in pending] == ids[:2] and all(e.resubmits == 1 for e in pending)
    assert {e.state for e in rt.ledger.events_of_call(fine)} == {EventState.ACCEPTED}
    record = rt.ledger.get_call(failed)
    assert record is not None and record.transaction_status == "Failure"


def test_blocked_seller_waits_alerts_by_name_and_resumes(tmp_path: Path) -> None:
    rt = runtime(tmp_path)
    ids = events(rt, a_file(rt))
    call_id = rt.ledger.mark_sending(ids)
    refused = CallResult("submitShipmentConfirmations", "http://x", None, 1, (), None,
                         (ApiError("lwa_invalid_grant", "bad grant", ""),))  # fmt: skip
    rt.ledger.record_call(call_id, refused)
    assert {e.state for e in rt.ledger.events_of_call(call_id)} == {EventState.BLOCKED}
    assert rt.ledger.seller_states() == {"demo": ("reauthorization_needed", "lwa_invalid_grant")}
    [line] = find_alerts(rt)["seller_blocked"]
    assert "seller demo" in line and "lwa_invalid_grant" in line
    assert rt.ledger.resume_seller("demo") == 2
    assert [e.id for e in rt.ledger.events_in_state(EventState.PENDING)] == ids
    assert find_alerts(rt)["seller_blocked"] == []


X12_UNMAPPED = (
    "ISA*00*          *00*          *ZZ*DEMOCARRIER    *ZZ*AMAZONDF       *261124*1830*U*00401"
    "*000000555*0*P*>~GS*QM*DEMOCARRIER*AMAZONDF*20261124*1830*555*X*004010~ST*214*0001~"
    "B10*POR1*POR1*DEMO~L11*POR1*PO~LX*1~AT7*ZZ*Q7***20261124*0700*CT~MS1*CHICAGO*IL*US~"
    "L11*1ZR1*2I~SE*8*0001~GE*1*555~IEA*1*000000555~"
)


def test_gateway_refusal_is_advised_in_an_824_and_the_file_is_done(tmp_path: Path) -> None:
    rt = runtime(tmp_path)
    file_id, path, sha256 = rt.store.store(X12_UNMAPPED.encode())
    rt.ledger.record_file(partner_id="demo", transport="http", name="u.edi", sha256=sha256,
                          size=len(X12_UNMAPPED), stored_path=str(path),
                          file_id=file_id)  # fmt: skip
    record = rt.ledger.get_file(file_id)
    assert record is not None
    translate_received(rt, record)
    translated = rt.ledger.get_file(file_id)
    assert translated is not None
    assert [e["code"] for e in translated.errors] == ["unmapped_status"]
    rt.ledger.advance(file_id, FileState.SUBMITTED)
    record = rt.ledger.get_file(file_id)
    assert record is not None and finish_file_sync(rt, record)
    acks = {a.type: a for a in rt.ledger.acks_for_file(file_id)}
    assert set(acks) == {"997", "824"}
    advice = acks["824"].content
    ted = [s for s in advice.split("~\n") if s.startswith("TED*")]
    assert len(ted) == 1 and "ZZ/Q7" in ted[0] and "*AT7*" in ted[0], ted
    assert "OTI*TR*TN*0001" in advice and acks["824"].delivered_to == "mailbox"
    done = rt.ledger.get_file(file_id)
    assert done is not None and done.state is FileState.DONE


def test_replay_of_an_sftp_file_answers_in_the_sftp_outbox(tmp_path: Path) -> None:
    rt = runtime(tmp_path)
    file_id, path, sha256 = rt.store.store(b"ISA")
    rt.ledger.record_file(partner_id="demo", transport="sftp", name="in.edi", sha256=sha256,
                          size=3, stored_path=str(path), file_id=file_id)  # fmt: skip
    replay_id, path, sha256 = rt.store.store(b"ISA")
    rt.ledger.record_file(partner_id="demo", transport="replay", name="in.edi", sha256=sha256,
                          size=3, stored_path=str(path), replay_of=file_id,
                          file_id=replay_id)  # fmt: skip
    from gateway.ledger.translation import NewAck, add_acks

    add_acks(rt.ledger, replay_id, [NewAck("997", "ISA*...~", "000000001")])
    replay = rt.ledger.get_file(replay_id)
    assert replay is not None and arrival_transport(rt, replay) == "sftp"
    assert deliver_acks(rt, replay) == 1
    [ack] = rt.ledger.acks_for_file(replay_id)
    assert ack.delivered_to is not None and Path(ack.delivered_to).parent == rt.outbox("demo")
    assert Path(ack.delivered_to).read_text() == "ISA*...~"


def test_startup_refuses_a_partner_without_a_seller_and_logs_no_secret(tmp_path: Path) -> None:
    rt = runtime(tmp_path)
    settings = rt.settings.model_copy(update={"sellers": {"other": ACCOUNT}})
    partners = rt.partners
    with pytest.raises(StartupError, match="partner 'demo' needs seller 'demo'"):
        check_partners(partners, settings)
    ok = settings.model_copy(update={"sellers": {"demo": ACCOUNT}})
    check_partners(partners, ok)
    summary = startup_summary(partners, ok)
    assert set(summary["partners"]) == set(partners)  # type: ignore[arg-type]
    assert "demo" in summary["sellers"]  # type: ignore[operator]
    assert SECRET not in str(summary) and "refresh-secret" not in str(summary)


def test_operator_commands_list_and_decide_unconfirmed(tmp_path: Path) -> None:
    import json

    from typer.testing import CliRunner

    from gateway.cli import app

    rt = runtime(tmp_path)
    call_id = accepted_call(events(rt, a_file(rt)), rt, "tx-9")
    rt.ledger.settle_by_policy(call_id, TransactionStatus.UNCONFIRMED)
    runner = CliRunner()
    listed = runner.invoke(app, ["transactions", "unconfirmed", "--data-dir", str(tmp_path)])
    assert listed.exit_code == 0, listed.output
    [line] = [json.loads(x) for x in listed.output.splitlines()]
    assert (line["call"], line["transaction_id"], line["purchase_orders"]) == (
        call_id, "tx-9", ["PO0", "PO1"])  # fmt: skip
    decided = runner.invoke(app, ["transactions", "decide", str(call_id), "--failed", "--by",
                                  "carol", "--data-dir", str(tmp_path)])  # fmt: skip
    assert decided.exit_code == 0, decided.output
    assert json.loads(decided.output) == {"call": call_id, "succeeded": False, "by": "carol",
                                          "events": 2}  # fmt: skip
    assert {e.state for e in rt.ledger.events_of_call(call_id)} == {EventState.FAILURE}
    again = runner.invoke(app, ["transactions", "decide", str(call_id), "--succeeded", "--by",
                                "dave", "--data-dir", str(tmp_path)])  # fmt: skip
    assert again.exit_code == 2 and "carol" in again.output


def test_demo_keeps_the_settings_files_demo_seller_except_the_emulators_fields(
    tmp_path: Path,
) -> None:
    settings_file = tmp_path / "settings.yaml"
    settings_file.write_text(
        "sellers:\n"
        "  demo:\n    region: EU\n    client_id: mine\n    client_secret: not-the-emulators\n"
        "    refresh_token: Atzr|mine\n    endpoint: https://example.invalid\n"
        "    assume_success_after: 5\n    processing_policy: confirm\n"
        f"  other:\n    client_id: o\n    client_secret: {SECRET}\n    refresh_token: r\n"
        "    assume_success_after: 7\n",
        encoding="utf-8",
    )  # fmt: skip
    loaded = ServiceSettings.load(settings_file, data_dir=tmp_path)
    demo = demo_settings(loaded, 8765)
    seller = demo.sellers["demo"]
    assert (seller.assume_success_after, seller.processing_policy, seller.region) == (
        5.0, "confirm", "EU")  # fmt: skip
    emulator = EmulatorConfig()
    assert seller.endpoint == "http://127.0.0.1:8765"
    assert seller.base_url(sandbox=True) == "http://127.0.0.1:8765/sandbox"
    assert seller.token_url == "http://127.0.0.1:8765/auth/o2/token"
    assert (seller.client_id, seller.client_secret.get_secret_value(),
            seller.refresh_token.get_secret_value()) == (
        emulator.client_id, emulator.client_secret, emulator.refresh_token)  # fmt: skip
    assert demo.sellers["other"] == loaded.sellers["other"]
    unnamed = demo_settings(ServiceSettings(data_dir=tmp_path), 8765).sellers["demo"]
    assert (unnamed.assume_success_after, unnamed.processing_policy) == (1800.0, "assume_success")
