"""`edigw ops search / show / replay` print what the console shows, over /v1/ops."""

from __future__ import annotations

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from gateway.cli import app as cli
from gateway.ledger import FileState
from gateway.service.worker import Gateway
from tests.ops_support import OPERATOR, VIEWER, scan_214, upload

runner = CliRunner()


def ops(
    client: TestClient, key: dict[str, str], *args: str, stdin: str | None = None
) -> tuple[int, str]:
    client.headers.update(key)
    result = runner.invoke(cli, ["ops", *args], obj=client, input=stdin)
    return result.exit_code, result.output


def test_search_and_show(app: tuple[TestClient, Gateway]) -> None:
    client, _ = app
    bad = upload(client, scan_214(61, "1ZCLI", "POC1", se_count=6))
    good = upload(client, scan_214(62, "1ZCLI", "POC2"))
    code, out = ops(client, VIEWER, "search", "--tracking", "1ZCLI")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["received", "(UTC)", "file"]
    assert good in lines[2] and "accepted" in lines[2] and "pending:1" in lines[2]
    assert bad in lines[3] and "rejected" in lines[3] and "set_count_mismatch" in lines[3]
    code, out = ops(client, VIEWER, "search", "--control", "62")
    assert code == 0 and good in out and bad not in out
    code, out = ops(client, VIEWER, "show", bad)
    assert code == 0
    assert "line 10 SE el 1: set_count_mismatch [4]" in out
    assert ">>   10  SE*6*0001" in out and "      9  L11*1ZCLI*2I" in out
    assert "997 delivered -> mailbox" in out
    code, out = ops(client, VIEWER, "show", "no-such-file")
    assert code == 1 and "404" in out


def test_replay_shows_the_diff_and_asks(app: tuple[TestClient, Gateway]) -> None:
    client, gateway = app
    odd = upload(client, scan_214(63, "1ZREP", "POR1", status="ZZ", reason="QQ"))
    client.post(
        "/v1/ops/partners/demo/overrides",
        headers=OPERATOR,
        json={"syntax": "x12", "status": "ZZ", "event": "DELIVERED", "note": "t"},
    )
    code, out = ops(client, VIEWER, "replay", odd, "--yes")
    assert code == 1 and "403" in out  # a viewer sees the diff but cannot replay
    assert "added  status PO POR1 / 1ZREP" in out
    assert "/statusUpdateDetails/statusCode: None -> 'D1'" in out
    code, out = ops(client, OPERATOR, "replay", odd, stdin="n\n")
    assert code == 1 and "not replayed" in out
    assert len(gateway.rt.ledger.files_in_state(*FileState)) == 1
    code, out = ops(
        client, OPERATOR, "replay", odd, "--only-failed", "--note", "mapped", stdin="y\n"
    )
    assert code == 0 and "replayed as file" in out
    new_id = out.strip().rsplit(" ", 1)[1]
    new = gateway.rt.ledger.get_file(new_id)
    assert new is not None and new.replay_of == odd
