"""Settings read from a YAML file reach the translation worker processes: the loaded value is
a plain ServiceSettings that pickles (a settings file once crashed `edigw serve`)."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from gateway.service.config import ServiceSettings


def test_settings_from_a_file_pickle_with_their_values(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "settings.yaml"
    path.write_text(
        "retention_days: 7\nsellers:\n  s1:\n    client_id: cid\n    client_secret: s3cr3t-value\n"
        "    refresh_token: tok\n    assume_success_after: 5\nsubmit: {rate: 3}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("EDIGW_HTTP_PORT", "18123")  # the environment beats the file
    settings = ServiceSettings.load(path, sftp_port=18124)
    assert type(settings) is ServiceSettings
    again = pickle.loads(pickle.dumps(settings))
    assert type(again) is ServiceSettings
    assert (again.retention_days, again.http_port, again.sftp_port) == (7, 18123, 18124)
    assert again.submit.rate == 3
    seller = again.sellers["s1"]
    assert seller.assume_success_after == 5
    assert seller.client_secret.get_secret_value() == "s3cr3t-value"
    assert "s3cr3t-value" not in repr(again)
