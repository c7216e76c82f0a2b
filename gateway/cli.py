"""`edigw` commands.

translate: one JSON object per input file, one per line (the scripted-use contract):
  {"file", "syntax", "requests": [{"operation", "body"}], "acknowledgements": [{"type",
  "content"}], "errors": [{"code", "message", "segment", "position", ...}], "unlisted",
  "accepted"}; `unlisted`: problems past the 1,000 listed in `errors` (counted, not listed)
Exit 0 when every file was accepted, 1 when any had errors, 2 for usage errors.
demo: translates the bundled samples and shows the result (`make demo`; `make run` serves).
"""

from __future__ import annotations

import json
import sys
from json.encoder import encode_basestring_ascii as _esc
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TextIO

import typer

from gateway.ack.context import MAX_CONTROL
from gateway.ops_cli import ops_app

if TYPE_CHECKING:  # the commands import what they use: `edigw --help` and a small file start fast
    from gateway.ack.context import AckContext
    from gateway.ack.model import Acknowledgement
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
    the body and the lineage objects are written as text directly
    (`TranslatedRequest.body_dumps`, `lineage_text`)."""
    # (json.dumps of a str is encode_basestring_ascii's text: called directly, once per
    # request, without json.dumps' layers)
    text = f'{{"operation": {_esc(request.operation)}, "body": {request.body_dumps()}}}'
    if not lineage:
        return text
    return f'{text[:-1]}, "lineage": [{request.lineage_text()}]}}'


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
    unlisted = outcome.unlisted  # problems past the ones listed: counted, not kept
    out.write(f'], "errors": {errors}, "unlisted": {unlisted}, '
              f'"accepted": {json.dumps(outcome.accepted)}}}\n')  # fmt: skip
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
    ack_control: Annotated[int, typer.Option("--ack-control", min=1, max=MAX_CONTROL)] = 1,
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
    """The `edigw` command. A ledger migrated by a newer release (`SchemaTooNew`) ends any
    command that opens it with one line and exit status 2, not a traceback."""
    try:
        app()
    except Exception as exc:
        # only a command that opened the ledger has imported it: `translate` starts without
        # SQLAlchemy and Alembic (their import is half a second)
        migrate = sys.modules.get("gateway.ledger.migrate")
        too_new = getattr(migrate, "SchemaTooNew", None)
        if too_new is None or not isinstance(exc, too_new):
            raise
        typer.echo(f"edigw: {exc}", err=True)
        raise SystemExit(2) from None


app.add_typer(ops_app, name="ops", help="Search, show and replay files of a running gateway")


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
    ack_control: Annotated[int, typer.Option("--ack-control", min=1, max=MAX_CONTROL)] = 1,
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


from gateway.cli_operators import sellers_app, transactions_app  # noqa: E402
from gateway.cli_service import emulator, hash_secret_command, serve  # noqa: E402

app.add_typer(sellers_app, name="sellers")
app.add_typer(transactions_app, name="transactions")
app.command()(emulator)
app.command("hash-secret")(hash_secret_command)
app.command()(serve)
