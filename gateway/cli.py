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
from pathlib import Path
from typing import Annotated, Any, TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from pydantic import ValidationError

from gateway.ack.context import AckContext
from gateway.mapping.codes import CodeTables, load_code_tables
from gateway.mapping.result import TranslatedRequest
from gateway.pipeline import TranslationOutcome, detect_syntax, translate_stream
from gateway.problems import Level, Problem, ProblemCode
from gateway.profile import PartnerProfile, load_profile

__all__ = ["app", "main"]

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)


def _profile(
    partner: str | None, selling_party: str | None, ship_from: str | None, timezone: str | None
) -> PartnerProfile:
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


def _request_json(request: TranslatedRequest, lineage: bool) -> dict[str, Any]:
    item: dict[str, Any] = {"operation": request.operation, "body": request.body_json()}
    if lineage:
        item["lineage"] = [entry.to_report() for entry in request.lineage]
    return item


def translate_file(
    path: Path,
    profile: PartnerProfile,
    tables: CodeTables,
    context: AckContext,
    out: TextIO,
    lineage: bool = False,
) -> bool:
    """Translate one file, writing its JSON line to `out` as it goes; True when accepted."""
    first = True

    def emit(request: TranslatedRequest) -> None:
        nonlocal first
        out.write(("" if first else ",") + json.dumps(_request_json(request, lineage)))
        first = False

    try:
        stream = path.open("rb")
    except OSError as exc:
        outcome = TranslationOutcome(syntax=None)
        outcome.problems.append(
            Problem(
                code=ProblemCode.FILE_UNREADABLE,
                message=f"cannot read the file: {exc.strerror or exc}",
                level=Level.FILE,
            )
        )
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
    tail = {
        "acknowledgements": [ack.to_report() for ack in outcome.acknowledgements],
        "errors": [problem.to_report() for problem in outcome.problems],
        "accepted": outcome.accepted,
    }
    out.write("], " + json.dumps(tail)[1:] + "\n")
    out.flush()
    return outcome.accepted


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
