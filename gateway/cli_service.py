"""`edigw serve`, `edigw emulator` and `edigw hash-secret`: running the gateway and the local
SP-API emulator, and hashing the secrets its settings and partner profiles hold. Registered
on the `edigw` app by gateway.cli; each imports what it runs when it runs."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

if TYPE_CHECKING:
    from gateway.emulator.config import Settle

__all__ = ["emulator", "hash_secret_command", "serve"]


def _settle(value: str) -> Settle:
    if value not in ("never", "success", "failure"):
        raise typer.BadParameter("one of never, success, failure", param_hint="--settle")
    return cast("Settle", value)


def emulator(
    port: Annotated[int, typer.Option("--port")] = 8700,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    client_id: Annotated[str, typer.Option("--client-id")] = "edigw-demo-client",
    client_secret: Annotated[str, typer.Option("--client-secret")] = "edigw-demo-secret",
    refresh_token: Annotated[str, typer.Option("--refresh-token")] = "edigw-demo-refresh",
    rate: Annotated[float, typer.Option("--rate", help="requests/s per operation")] = 10.0,
    burst: Annotated[int, typer.Option("--burst")] = 10,
    settle: Annotated[
        str,
        typer.Option(
            "--settle",
            help="never | success | failure: what becomes of a "
            "valid V1 transaction (never: Processing forever, like production)",
        ),
    ] = "never",
    settle_after: Annotated[
        float,
        typer.Option("--settle-after", min=0, max=86400.0, help="seconds before success/failure"),
    ] = 2.0,
) -> None:
    """Run the local SP-API emulator (LWA token endpoint + DF Shipping/Transactions V1)."""
    from gateway.emulator.run import serve_emulator

    serve_emulator(
        port,
        host,
        client_id=client_id,
        client_secret=client_secret,
        refresh_token=refresh_token,
        rate=rate,
        burst=burst,
        settle=_settle(settle),
        settle_after=settle_after,
    )


def hash_secret_command(
    kind: Annotated[
        str,
        typer.Option(
            "--for",
            help="operator: argon2id for `operators:` "
            "(password_hash / api_key_hash); sftp: scrypt for a partner profile's "
            "transports.sftp.password_hash; api-key: SHA-256 hex for a partner "
            "profile's transports.http.api_key_sha256",
        ),
    ] = "operator",
) -> None:
    """Print the hash of a password or API key (read hidden from the terminal, or from
    standard input) for the settings or a partner profile; never the secret itself."""
    import hashlib

    from gateway.auth.operators import hash_secret
    from gateway.inbound.credentials import hash_password

    def sha256(key: str) -> str:
        return hashlib.sha256(key.encode("utf-8")).hexdigest()

    hashers: dict[str, Callable[[str], str]] = {"operator": hash_secret, "sftp": hash_password,
                                                "api-key": sha256}  # fmt: skip
    if kind not in hashers:
        raise typer.BadParameter(f"one of {', '.join(hashers)}", param_hint="--for")
    if sys.stdin.isatty():
        secret = typer.prompt("secret", hide_input=True, confirmation_prompt=True)
    else:
        secret = sys.stdin.readline().rstrip("\n")
    if not secret:
        raise typer.BadParameter("an empty secret cannot be hashed")
    typer.echo(hashers[kind](secret))


def serve(
    demo: Annotated[
        bool,
        typer.Option(
            "--demo",
            help="add the demo partner `demo` (SFTP "
            "demo/demo, API key demo-key), the demo operator `ops` (password ops, API "
            "key ops-key) and the SP-API emulator in this process; never in "
            "production",
        ),
    ] = False,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help="ledger, received files, "
            "SFTP homes, archive, host key [default: data; EDIGW_DATA_DIR]",
        ),
    ] = None,
    http_port: Annotated[
        int | None,
        typer.Option("--http-port", help="HTTP API port [default: 8080; EDIGW_HTTP_PORT]"),
    ] = None,
    sftp_port: Annotated[
        int | None,
        typer.Option("--sftp-port", help="hosted SFTP port [default: 2222; EDIGW_SFTP_PORT]"),
    ] = None,
    emulator_port: Annotated[
        int | None,
        typer.Option(
            "--emulator-port",
            help="run the SP-API emulator on 127.0.0.1 at this port [--demo: 8700]",
        ),
    ] = None,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="SQLAlchemy URL of "
            "the ledger, e.g. postgresql+psycopg://... [default: SQLite in "
            "the data folder; EDIGW_DATABASE_URL]",
        ),
    ] = None,
    settings_file: Annotated[
        Path | None,
        typer.Option(
            "--settings",
            help="YAML settings file (EDIGW_* variables and these options take precedence)",
        ),
    ] = None,
    emulator_settle: Annotated[
        str,
        typer.Option(
            "--emulator-settle",
            help="the in-process emulator's --settle "
            "(never, like production; `make run` uses success for a snappy demo)",
        ),
    ] = "never",
) -> None:
    """Run the gateway: HTTP API, hosted SFTP, workers and scheduler jobs.

    Exit status 2 when the settings are invalid or a port is taken (nothing is written)."""
    from pydantic import ValidationError

    from gateway.service.config import ServiceSettings
    from gateway.service.serve import run_service
    from gateway.service.startup import StartupError

    try:
        settings = ServiceSettings.load(
            settings_file, data_dir=data_dir, http_port=http_port, sftp_port=sftp_port,
            emulator_port=emulator_port, database_url=database_url,
        )  # fmt: skip
    except (OSError, ValidationError) as exc:
        typer.echo(f"edigw: cannot load settings: {' '.join(str(exc).split())}", err=True)
        raise typer.Exit(2) from None
    try:
        run_service(settings, demo, settings_file, _settle(emulator_settle))
    except StartupError as exc:
        typer.echo(f"edigw serve: {exc}", err=True)
        raise typer.Exit(2) from None
