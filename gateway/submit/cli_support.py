"""Glue for `edigw submit`: settings and credentials, the client's lifetime, JSON output."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import typer
from pydantic import SecretStr, ValidationError

from gateway.ack.context import AckContext
from gateway.mapping.codes import load_code_tables
from gateway.profile import PartnerProfile
from gateway.settings import SellerAccount, Settings
from gateway.submit.client import SpApiClient
from gateway.submit.run import submit_files
from gateway.submit.submitter import Submitter

__all__ = ["run_submit"]

ENV_SELLER = "default"


def _seller(
    settings: Settings,
    seller: str | None,
    endpoint: str | None,
    sandbox_endpoint: str | None,
    token_url: str | None,
) -> tuple[str, dict[str, SellerAccount]]:
    """The seller to submit for: a configured one, or one from LWA_* environment variables."""
    if seller is not None:
        if seller not in settings.sellers:
            known = ", ".join(sorted(settings.sellers)) or "none configured"
            raise typer.BadParameter(f"unknown seller {seller!r} ({known})", param_hint="--seller")
        account = settings.sellers[seller]
        update = {k: v for k, v in (("endpoint", endpoint), ("sandbox_endpoint", sandbox_endpoint),
                                    ("token_url", token_url)) if v}  # fmt: skip
        return seller, {**settings.sellers, seller: account.model_copy(update=update)}
    missing = [n for n in ("LWA_CLIENT_ID", "LWA_CLIENT_SECRET", "LWA_REFRESH_TOKEN")
               if not os.environ.get(n)]  # fmt: skip
    if missing:
        raise typer.BadParameter(
            "no --seller given and no credentials in the environment: set " + ", ".join(missing),
            param_hint="--seller",
        )
    account = SellerAccount(
        client_id=os.environ["LWA_CLIENT_ID"],
        client_secret=SecretStr(os.environ["LWA_CLIENT_SECRET"]),
        refresh_token=SecretStr(os.environ["LWA_REFRESH_TOKEN"]),
        endpoint=endpoint,
        sandbox_endpoint=sandbox_endpoint or endpoint,
        **({"token_url": token_url} if token_url else {}),
    )
    return ENV_SELLER, {ENV_SELLER: account}


def run_submit(
    files: list[Path],
    profile: PartnerProfile,
    *,
    seller: str | None,
    endpoint: str | None,
    sandbox_endpoint: str | None,
    token_url: str | None,
    settings_file: Path | None,
    wait: float | None,
    out: Path,
    ack_control: int,
    assume_success_after: float | None = None,
) -> int:
    """Run the submission and print one JSON line per file; the exit status.

    `wait`: seconds to wait for final outcomes (None: do not wait; negative: the seller's
    assume_success_after + 60 s). `assume_success_after` overrides the seller's deadline."""
    try:
        settings = Settings.from_file(settings_file)
    except (OSError, ValidationError) as exc:
        raise typer.BadParameter(f"cannot load settings: {exc}", param_hint="--settings") from exc
    name, sellers = _seller(settings, seller, endpoint, sandbox_endpoint, token_url)
    if assume_success_after is not None:
        account = sellers[name].model_copy(update={"assume_success_after": assume_success_after})
        sellers = {**sellers, name: account}
    if wait is not None and wait < 0:  # no --wait-timeout: long enough for the deadline
        wait = sellers[name].assume_success_after + 60.0

    async def main() -> int:
        async with SpApiClient(settings.submit, sellers) as client:
            submitter = Submitter(client, settings.submit)
            results = await submit_files(
                files,
                profile,
                load_code_tables(),
                AckContext(next_control=ack_control),
                submitter,
                name,
                wait,
                out,
            )
        for result in results:
            sys.stdout.write(json.dumps(result.report()) + "\n")
        return 0 if all(r.succeeded for r in results) else 1

    return asyncio.run(main())
