"""`edigw sellers check NAME` against LWA (the emulator over HTTP): a refusal of the
credentials the running service uses marks the seller; a refusal of other credentials (another
settings file) is reported but leaves the service's seller alone; working ones resume it."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import SecretStr
from typer.testing import CliRunner

from gateway.cli import app
from gateway.emulator import EmulatorConfig, running_emulator
from gateway.ledger import Ledger
from gateway.service.config import ServiceSettings
from gateway.service.sellers import record_in_use
from gateway.settings import SellerAccount

CONFIG = EmulatorConfig()


def account(base: str, refresh_token: str) -> SellerAccount:
    return SellerAccount(client_id=CONFIG.client_id, client_secret=SecretStr(CONFIG.client_secret),
                         refresh_token=SecretStr(refresh_token), endpoint=base,
                         token_url=f"{base}/auth/o2/token")  # fmt: skip


def settings_file(path: Path, data_dir: Path, seller: SellerAccount) -> Path:
    """A settings file (YAML is JSON) naming seller demo with these credentials."""
    demo = {"client_id": seller.client_id,
            "client_secret": seller.client_secret.get_secret_value(),
            "refresh_token": seller.refresh_token.get_secret_value(),
            "endpoint": seller.endpoint, "token_url": seller.token_url}  # fmt: skip
    path.write_text(json.dumps({"data_dir": str(data_dir), "sellers": {"demo": demo}}))
    return path


def check(settings: Path) -> tuple[int, dict[str, object]]:
    result = CliRunner().invoke(app, ["sellers", "check", "demo", "--settings", str(settings)])
    return result.exit_code, json.loads(result.stdout.strip().splitlines()[-1])


def test_only_a_refusal_of_the_services_own_credentials_marks_the_seller(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    with running_emulator(CONFIG) as base:
        right, revoked = account(base, CONFIG.refresh_token), account(base, "revoked-token")
        service_file = settings_file(tmp_path / "service.yaml", data_dir, right)
        other_file = settings_file(tmp_path / "other.yaml", data_dir, revoked)
        ledger = Ledger(ServiceSettings.load(service_file).url)
        ledger.migrate()
        try:
            # nothing known of the service yet: reported, not marked
            code, report = check(other_file)
            assert code == 1 and report["state"] == "unchanged"
            assert report["error"] == {"code": "lwa_invalid_grant",
                                       "message": report["error"]["message"]}  # type: ignore[index]  # fmt: skip
            assert ledger.seller_states() == {}
            # the service runs with the right credentials: a check of others leaves it alone
            record_in_use(ledger, {"demo": right})
            code, report = check(other_file)
            assert code == 1 and report["state"] == "unchanged"
            assert "not the credentials the service uses" in str(report["note"])
            assert ledger.seller_states() == {}
            assert "revoked-token" not in json.dumps(report)
            # the service's own credentials work: ok
            code, report = check(service_file)
            assert code == 0 and report["state"] == "ok"
            # the service uses the revoked ones (they were its settings): marked
            record_in_use(ledger, {"demo": revoked})
            code, report = check(other_file)
            assert code == 1 and report["state"] == "reauthorization_needed"
            assert ledger.seller_states()["demo"] == ("reauthorization_needed",
                                                      "lwa_invalid_grant")  # fmt: skip
        finally:
            ledger.close()


def test_the_help_says_when_a_refusal_marks_the_seller() -> None:
    result = CliRunner().invoke(app, ["sellers", "check", "--help"], env={"COLUMNS": "200"})
    text = " ".join(result.output.replace("│", " ").split())
    assert "marked `reauthorization needed` only if they are the credentials the running " \
        "service uses" in text  # fmt: skip
