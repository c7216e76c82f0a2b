"""`edigw serve` configuration: pydantic-settings (EDIGW_* environment, optional YAML file),
built once at start-up and passed down."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from gateway.auth.operators import OperatorAccount
from gateway.auth.throttle import LoginLimits
from gateway.settings import SellerAccount, SubmitSettings

__all__ = ["ServiceSettings"]


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="EDIGW_", env_nested_delimiter="__")

    data_dir: Path = Path("data")
    database_url: str | None = None  # default: SQLite in the data folder
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    sftp_host: str = "127.0.0.1"
    sftp_port: int = 2222
    sellers: dict[str, SellerAccount] = Field(default_factory=dict)
    submit: SubmitSettings = Field(default_factory=SubmitSettings)
    emulator_port: int | None = None  # run the SP-API emulator in this process (demo)
    worker_interval: float = 0.2  # seconds between looks for new work
    poll_interval: float = 1.0  # transaction status polling job
    alert_interval: float = 60.0  # stuck-work alerts job
    files_waiting_alert: float = 600.0  # a file received but untranslated this long: alert
    confirmation_deadline_hours: float = 4.0  # Amazon: confirm within 4 h of the ship date
    retention_days: int = 30  # archive/ clean-up
    mappings_dir: Path | None = None
    operators: dict[str, OperatorAccount] = Field(default_factory=dict)  # people, by name
    login: LoginLimits = Field(default_factory=LoginLimits)  # failed-login delays, lockout

    @property
    def url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'ledger.sqlite'}"

    @classmethod
    def load(cls, path: Path | None, **overrides: object) -> ServiceSettings:
        """A YAML settings file (if given), then EDIGW_* environment, then `overrides`."""
        import yaml

        data = yaml.safe_load(path.read_text(encoding="utf-8")) if path else {}
        merged = {**(data or {}), **{k: v for k, v in overrides.items() if v is not None}}
        return cls(**merged)
