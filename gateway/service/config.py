"""`edigw serve` configuration: pydantic-settings, built once at start-up and passed down.

Precedence (pydantic-settings' usual order): command-line options, then EDIGW_* environment
variables (nested with `__`, e.g. EDIGW_SUBMIT__RATE), then the YAML settings file, then the
defaults below. Every setting is listed in the README."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    YamlConfigSettingsSource,
)

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
    webhook_interval: float = 5.0  # partner webhook deliveries job
    files_waiting_alert: float = 600.0  # a file received but untranslated this long: alert
    confirmation_deadline_hours: float = 4.0  # Amazon: confirm within 4 h of the ship date
    retention_days: int = 30  # archive/ and stored files/ clean-up
    # load limits (issue 9): translation workers, poison files, upload sizes, slow clients
    translation_workers: int | None = None  # processes; None: the CPU count, at least 2
    translation_timeout: float = 900.0  # seconds one file may take in a worker, plus:
    translation_seconds_per_mb: float = 30.0  # more time per MB of the file (big files)
    translation_memory_mb: int = 2048  # address-space limit of each worker (0: none)
    translation_attempts: int = 3  # tries per file (a crash, MemoryError or time-out each)
    max_file_mb: float = 100.0  # per upload, HTTP and SFTP (a partner profile may differ)
    http_timeout: float = 30.0  # seconds without a byte of headers or body: connection closed
    http_max_connections: int = 200  # concurrent HTTP connections (beyond them: 503)
    # of those, open at once from one peer address (beyond them: 503); behind a reverse proxy
    # every client shares its address: set it to http_max_connections there
    http_max_connections_per_peer: int = Field(50, ge=1)
    # the addresses whose X-Forwarded-For / -Proto the service believes (a reverse proxy's,
    # comma-separated; "" believes none): the client address the login throttle counts and
    # the logs name. uvicorn's own default is 127.0.0.1; here none, so a process on the host
    # cannot pose as any address (review 20): a reverse proxy's address is set explicitly
    http_trusted_proxies: str = ""
    http_uploads_per_partner: int = Field(4, ge=1)  # one partner's uploads in flight (then 429)
    part_retention_hours: float = 72.0  # unrenamed *.part uploads in /inbox are removed after
    replay_preview_mb: float = 10.0  # largest file whose replay the ops side previews, MB
    mappings_dir: Path | None = None  # code tables; default: the installed / checkout copy
    partners_dir: Path | None = None  # partner profiles; default: <mappings>/partners
    metrics_token: SecretStr | None = None  # /metrics needs `Authorization: Bearer <token>`
    operators: dict[str, OperatorAccount] = Field(default_factory=dict)  # people, by name
    login: LoginLimits = Field(default_factory=LoginLimits)  # failed-login delays, lockout

    @field_validator("http_trusted_proxies")
    @classmethod
    def _proxies(cls, value: str) -> str:
        """Comma-separated IP addresses or networks; not "*" (every client could then name
        any address in X-Forwarded-For)."""
        entries = [entry.strip() for entry in value.split(",") if entry.strip()]
        for entry in entries:
            if entry == "*":
                raise ValueError('"*" would believe every client: name the reverse proxies')
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                why = f"{entry!r} is no IP address or network (comma-separated)"
                raise ValueError(why) from None
        return ",".join(entries)

    @field_validator("operators")
    @classmethod
    def _operator_names(cls, value: dict[str, OperatorAccount]) -> dict[str, OperatorAccount]:
        """Names of 1 to 64 printable characters (the ledger records who did what)."""
        for name in value:
            if not 0 < len(name) <= 64 or not name.isprintable():
                raise ValueError(f"operator name {name[:70]!r}: 1 to 64 printable characters")
        return value

    def translation_limit(self, size_bytes: int) -> float:
        """Seconds a file of `size_bytes` may take to translate in a worker:
        `translation_timeout` plus `translation_seconds_per_mb` per MB (10^6 bytes), so a
        legitimate big file on a slow or busy machine is not taken for a poison file."""
        return self.translation_timeout + self.translation_seconds_per_mb * size_bytes / 1e6

    @property
    def url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'ledger.sqlite'}"

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return init_settings, env_settings, YamlConfigSettingsSource(settings_cls)

    @classmethod
    def load(cls, path: Path | None, **overrides: object) -> ServiceSettings:
        """`overrides` (command-line options; None: not given), then EDIGW_* environment, then
        the YAML file `path` (FileNotFoundError if it is missing), then the defaults."""
        given: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
        if path is None:
            return cls(**given)
        if not path.is_file():
            raise FileNotFoundError(f"no settings file {path}")

        class FromFile(cls):  # type: ignore[valid-type,misc]
            model_config = SettingsConfigDict(yaml_file=path, yaml_file_encoding="utf-8")

        loaded = FromFile(**given)
        # a plain ServiceSettings (the local class cannot be pickled for translation workers)
        values = {name: getattr(loaded, name) for name in cls.model_fields}
        return cls.model_construct(_fields_set=loaded.model_fields_set, **values)
