"""`edigw sellers ...` and `edigw transactions ...`: operators' commands on the ledger.

sellers check NAME: LWA with the seller's current credentials; when they work its blocked
  events resume (`gateway.service.sellers.check_seller`).
transactions unconfirmed / decide: the work list of transactions still Processing at their
  seller's deadline under policy `confirm`, and a person's decision on one (with who).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

__all__ = ["MAX_ID", "sellers_app", "transactions_app"]

# = gateway.ledger.tables.MAX_ID (the largest row id), not imported: the CLI starts light
MAX_ID = 2**31 - 1

sellers_app = typer.Typer(help="Sellers' SP-API credentials (operators).")
transactions_app = typer.Typer(help="Transactions waiting for an operator's decision.")
SettingsOption = Annotated[Path | None, typer.Option("--settings")]
DataDirOption = Annotated[Path | None, typer.Option("--data-dir")]
DatabaseOption = Annotated[str | None, typer.Option("--database-url")]


def _service_settings(settings_file: Path | None, data_dir: Path | None,
                      database_url: str | None) -> Any:  # fmt: skip
    from pydantic import ValidationError

    from gateway.service.config import ServiceSettings

    try:
        return ServiceSettings.load(settings_file, data_dir=data_dir, database_url=database_url)
    except (OSError, ValidationError) as exc:
        raise typer.BadParameter(f"cannot load settings: {exc}", param_hint="--settings") from exc


@sellers_app.command("check")
def sellers_check(
    name: Annotated[str, typer.Argument(help="the seller's name in the settings")],
    settings_file: SettingsOption = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Ask LWA for a token with the seller's credentials in these settings; when they work,
    its blocked events resume (nothing already sent is sent again). When LWA refuses them,
    the refusal is reported (exit 1), but the seller is marked `reauthorization needed` only
    if they are the credentials the running service uses (those of the service's --settings
    file and environment); checking other ones never blocks a working service. JSON line;
    exit 0 when they work."""
    from gateway.service.sellers import check_seller

    settings = _service_settings(settings_file, data_dir, database_url)
    if name not in settings.sellers:
        known = ", ".join(sorted(settings.sellers)) or "none configured"
        raise typer.BadParameter(f"unknown seller {name!r} ({known})", param_hint="NAME")
    code, report = check_seller(settings, name)
    sys.stdout.write(json.dumps(report) + "\n")
    raise typer.Exit(code)


@transactions_app.command("unconfirmed")
def transactions_unconfirmed(
    settings_file: SettingsOption = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """The operators' work list: transactions still Processing at their seller's deadline
    (policy `confirm`), one JSON line each."""
    from gateway.ledger.store import Ledger

    ledger = Ledger(_service_settings(settings_file, data_dir, database_url).url)
    try:
        ledger.migrate()
        for call in ledger.unconfirmed_calls():
            events = ledger.events_of_call(call.id)
            sys.stdout.write(json.dumps({
                "call": call.id, "seller": call.seller, "transaction_id": call.transaction_id,
                "operation": call.operation, "accepted_at": str(call.finished_at),
                "purchase_orders": sorted({e.purchase_order for e in events if e.purchase_order}),
                "tracking_numbers": sorted({e.tracking_number for e in events
                                            if e.tracking_number})}) + "\n")  # fmt: skip
    finally:
        ledger.close()


@transactions_app.command("decide")
def transactions_decide(
    call: Annotated[
        int,
        typer.Argument(min=1, max=MAX_ID, help="the call id from `edigw transactions unconfirmed`"),
    ],
    by: Annotated[str, typer.Option("--by", help="who checked Vendor Central")],
    succeeded: Annotated[bool, typer.Option("--succeeded/--failed")],
    settings_file: SettingsOption = None,
    data_dir: DataDirOption = None,
    database_url: DatabaseOption = None,
) -> None:
    """Record an operator's decision on an Unconfirmed transaction (with who made it); the
    running gateway then advises the partner and finishes the file."""
    from gateway.ledger.states import StateError
    from gateway.ledger.store import Ledger

    ledger = Ledger(_service_settings(settings_file, data_dir, database_url).url)
    try:
        ledger.migrate()
        moved = ledger.resolve_unconfirmed(call, succeeded, by)
    except StateError as exc:
        raise typer.BadParameter(str(exc), param_hint="CALL") from exc
    finally:
        ledger.close()
    sys.stdout.write(json.dumps({"call": call, "succeeded": succeeded, "by": by,
                                 "events": moved}) + "\n")  # fmt: skip
