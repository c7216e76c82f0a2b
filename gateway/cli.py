"""`edigw` commands.

translate: one JSON object per input file, one per line (the scripted-use contract):
  {"file", "syntax", "requests": [{"operation", "body"}], "acknowledgements": [{"type",
  "content"}], "errors": [{"code", "message", "segment", "position", ...}], "accepted"}
Exit 0 when every file was accepted, 1 when any had errors, 2 for usage errors.
demo: translates the bundled samples and shows the result (what `make run` does for now).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO, cast

import typer

from gateway.ops_cli import ops_app

if TYPE_CHECKING:  # the commands import what they use: `edigw --help` and a small file start fast
    from gateway.ack.context import AckContext
    from gateway.ack.model import Acknowledgement
    from gateway.emulator.config import Settle
    from gateway.mapping.codes import CodeTables
    from gateway.mapping.result import TranslatedRequest
    from gateway.profile import PartnerProfile

__all__ = ["app", "main"]

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)


def _show_version(value: bool) -> None:
    if value:
        from importlib.metadata import PackageNotFoundError, version

        try:
            typer.echo(f"edigw {version('edigw')}")
        except PackageNotFoundError:  # run from a checkout that was never installed
            typer.echo("edigw (not installed)")
        raise typer.Exit(0)


@app.callback()
def _options(
    show_version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="print the version and exit"
        ),
    ] = False,
) -> None:
    """EDI-to-API translation gateway."""


def _profile(
    partner: str | None, selling_party: str | None, ship_from: str | None, timezone: str | None
) -> PartnerProfile:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from pydantic import ValidationError

    from gateway.profile import load_profile

    try:
        profile = load_profile(partner)
    except FileNotFoundError as exc:
        raise typer.BadParameter(str(exc), param_hint="--partner") from exc
    except ValidationError as exc:
        raise typer.BadParameter(f"invalid profile: {exc}", param_hint="--partner") from exc
    update: dict[str, Any] = {}
    if selling_party:
        update["selling_party"] = selling_party
    if ship_from:
        update["ship_from"] = ship_from
    if timezone:
        try:
            ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise typer.BadParameter(
                f"unknown time zone {timezone!r}", param_hint="--timezone"
            ) from exc
        update["timezone"] = timezone
    return profile.model_copy(update=update) if update else profile


def _request_json(request: TranslatedRequest, lineage: bool) -> str:
    """The request's JSON text, exactly `json.dumps({"operation", "body"[, "lineage"]})`:
    the lineage objects are written as text directly (`TranslatedRequest.lineage_json`)."""
    text = json.dumps({"operation": request.operation, "body": request.body_json()})
    if not lineage:
        return text
    return f'{text[:-1]}, "lineage": [{", ".join(request.lineage_json())}]}}'


def translate_file(
    path: Path,
    profile: PartnerProfile,
    tables: CodeTables,
    context: AckContext,
    out: TextIO,
    lineage: bool = False,
) -> bool:
    """Translate one file, writing its JSON line to `out` as it goes; True when accepted."""
    from gateway.pipeline import TranslationOutcome, detect_syntax, translate_stream, unreadable
    from gateway.problems import Level, Problem, ProblemCode

    first = True

    def emit(request: TranslatedRequest) -> None:
        nonlocal first
        out.write(("" if first else ",") + _request_json(request, lineage))
        first = False

    try:
        stream = path.open("rb")
    except OSError as exc:
        outcome = unreadable(exc)
        out.write(json.dumps({"file": str(path), "syntax": None})[:-1] + ', "requests": [')
    else:
        with stream:
            head = stream.read(4096)
            stream.seek(0)
            syntax, _ = detect_syntax(head)
            out.write(json.dumps({"file": str(path), "syntax": syntax})[:-1] + ', "requests": [')
            try:
                outcome = translate_stream(stream, profile, tables, context, emit)
            except Exception as exc:  # a bug must not become a traceback for the partner
                outcome = TranslationOutcome(syntax=syntax)
                outcome.problems.append(
                    Problem(
                        code=ProblemCode.INTERNAL_ERROR,
                        message=f"internal error while translating: {type(exc).__name__}: {exc}",
                        level=Level.FILE,
                    )
                )
    out.write('], "acknowledgements": [')
    for number, ack in enumerate(outcome.acknowledgements):
        _write_ack(out, ack, ", " if number else "")
    errors = json.dumps([problem.to_report() for problem in outcome.problems])
    out.write(f'], "errors": {errors}, "accepted": {json.dumps(outcome.accepted)}}}\n')
    out.flush()
    return outcome.accepted


_ESCAPED = 1 << 16  # characters of an ack's text escaped at a time


def _write_ack(out: TextIO, ack: Acknowledgement, before: str) -> None:
    """`json.dumps(ack.to_report())` written in pieces: the 997 listing every set of a big
    file is not copied whole (JSON escapes one character at a time, so the pieces join up
    to the same text)."""
    report = ack.to_report()
    content = report.pop("content")
    out.write(f'{before}{json.dumps(report)[:-1]}, "content": "')
    for start in range(0, len(content), _ESCAPED):
        out.write(json.dumps(content[start : start + _ESCAPED])[1:-1])
    out.write('"}')


@app.command()
def translate(
    files: Annotated[list[Path], typer.Argument(help="EDI files to translate")],
    selling_party: Annotated[str | None, typer.Option("--selling-party")] = None,
    ship_from: Annotated[str | None, typer.Option("--ship-from")] = None,
    partner: Annotated[str | None, typer.Option("--partner")] = None,
    timezone: Annotated[str | None, typer.Option("--timezone")] = None,
    lineage: Annotated[bool, typer.Option("--lineage", help="add each value's lineage")] = False,
    ack_control: Annotated[int, typer.Option("--ack-control", min=1)] = 1,
) -> None:
    """Translate EDI files into SP-API requests and acknowledgements (JSON lines)."""
    from gateway.ack.context import AckContext
    from gateway.mapping.codes import load_code_tables

    profile = _profile(partner, selling_party, ship_from, timezone)
    tables = load_code_tables()
    context = AckContext(next_control=ack_control)
    accepted = [
        translate_file(path, profile, tables, context, sys.stdout, lineage) for path in files
    ]
    raise typer.Exit(0 if all(accepted) else 1)


@app.command()
def demo(
    samples: Annotated[Path, typer.Option(help="folder of sample files")] = Path("samples"),
) -> None:
    """Translate the bundled samples with the demo partner and show what came out."""
    from gateway.demo import run_demo

    raise typer.Exit(run_demo(samples))


def main() -> None:
    app()


def _settle(value: str) -> Settle:
    if value not in ("never", "success", "failure"):
        raise typer.BadParameter("one of never, success, failure", param_hint="--settle")
    return cast("Settle", value)


app.add_typer(ops_app, name="ops", help="Search, show and replay files of a running gateway")


@app.command()
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


@app.command()
def submit(
    files: Annotated[list[Path], typer.Argument(help="EDI files to translate and submit")],
    seller: Annotated[str | None, typer.Option("--seller", help="seller in settings")] = None,
    endpoint: Annotated[str | None, typer.Option("--endpoint")] = None,
    sandbox_endpoint: Annotated[str | None, typer.Option("--sandbox-endpoint")] = None,
    token_url: Annotated[str | None, typer.Option("--token-url")] = None,
    settings_file: Annotated[Path | None, typer.Option("--settings")] = None,
    selling_party: Annotated[str | None, typer.Option("--selling-party")] = None,
    ship_from: Annotated[str | None, typer.Option("--ship-from")] = None,
    partner: Annotated[str | None, typer.Option("--partner")] = None,
    timezone: Annotated[str | None, typer.Option("--timezone")] = None,
    wait: Annotated[bool, typer.Option("--wait", help="poll until transactions are final")] = False,
    wait_timeout: Annotated[
        float | None, typer.Option("--wait-timeout", help="default: the deadline + 60 s")
    ] = None,
    assume_success_after: Annotated[
        float | None,
        typer.Option(
            "--assume-success-after",
            min=0.001,
            max=30 * 86400.0,  # gateway.settings.MAX_DEADLINE
            help="seconds a transaction may stay Processing before the "
            "seller's policy settles it (default 1800)",
        ),
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="folder for acks and advices")] = Path("out"),
    ack_control: Annotated[int, typer.Option("--ack-control", min=1)] = 1,
) -> None:
    """Translate EDI files, submit them to the SP-API and print one JSON line per file."""
    from gateway.submit.cli_support import run_submit

    profile = _profile(partner, selling_party, ship_from, timezone)
    code = run_submit(
        files,
        profile,
        seller=seller,
        endpoint=endpoint,
        sandbox_endpoint=sandbox_endpoint,
        token_url=token_url,
        settings_file=settings_file,
        wait=(wait_timeout or -1.0) if wait else None,
        out=out,
        ack_control=ack_control,
        assume_success_after=assume_success_after,
    )
    raise typer.Exit(code)


@app.command("hash-secret")
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


@app.command()
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


from gateway.cli_operators import sellers_app, transactions_app  # noqa: E402

app.add_typer(sellers_app, name="sellers")
app.add_typer(transactions_app, name="transactions")
