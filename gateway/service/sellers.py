"""Sellers' credentials in the service: blocked after LWA refused them for good, resumed once
they work again, never retried in a loop and never logged.

- `check_seller` (`edigw sellers check NAME`): asks LWA for a token with the credentials in
  the settings; when LWA answers, the seller is `ok` in the ledger and its blocked events go
  back to `pending` (they were never sent, so nothing is sent twice). When LWA refuses them
  for good, the refusal is reported, and the seller is marked `reauthorization_needed` only
  when they are the credentials the running service uses (the ledger keeps the SHA-256 of
  those, `record_in_use`): a check with another settings file (or environment) leaves a
  service whose own calls succeed alone.
- `resume_sellers` (a scheduler job, and SIGHUP / start-up): sellers the ledger says are ok
  again, or whose credentials in the settings file changed, are unblocked in the running
  client with the credentials reloaded from the settings.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import httpx

from gateway.ledger.settling import REAUTHORIZATION_NEEDED, SELLER_OK
from gateway.ledger.store import Ledger
from gateway.service.config import ServiceSettings
from gateway.service.runtime import Runtime
from gateway.settings import SellerAccount
from gateway.submit.lwa import LwaError, LwaTokens

__all__ = ["check_seller", "record_in_use", "reload_accounts", "resume_sellers"]

log = logging.getLogger("edigw.service")


async def _token(name: str, account: SellerAccount) -> LwaError | None:
    async with httpx.AsyncClient(timeout=30.0) as http:
        try:
            await LwaTokens(http, {name: account}, 60.0).token(name)
        except LwaError as exc:
            return exc
    return None


def check_seller(settings: ServiceSettings, name: str) -> tuple[int, dict[str, Any]]:
    """(exit status, JSON report) of checking a seller's credentials against LWA; resumes its
    blocked events when they work. Raises KeyError for a seller that is not configured."""
    account = settings.sellers[name]
    error = asyncio.run(_token(name, account))
    ledger = Ledger(settings.url)
    try:
        ledger.migrate()
        if error is None:
            resumed = ledger.resume_seller(name)
            return 0, {"seller": name, "state": SELLER_OK, "resumed_events": resumed}
        code = f"lwa_{error.code}".lower()
        report = {"seller": name, "error": {"code": code, "message": error.message}}
        if error.transient:  # LWA could not be asked: nothing is known, nothing changes
            return 1, {**report, "state": "unchanged"}
        in_use = ledger.service_credentials(name)
        if in_use != account.credentials_sha256():  # someone else's: the service's may work
            why = "not the credentials the service uses (see its --settings file)"
            if in_use is None:
                why = "no service has used credentials for this seller yet"
            return 1, {**report, "state": "unchanged", "note": why}
        ledger.set_seller_state(name, REAUTHORIZATION_NEEDED, code)
        return 1, {**report, "state": REAUTHORIZATION_NEEDED}
    finally:
        ledger.close()


def record_in_use(ledger: Ledger, accounts: dict[str, SellerAccount]) -> None:
    """The service now uses these sellers' credentials (start-up, reload): their SHA-256."""
    for seller, account in accounts.items():
        ledger.record_service_credentials(seller, account.credentials_sha256())


def reload_accounts(rt: Runtime) -> dict[str, SellerAccount]:
    """The sellers as the settings file (and environment) say now; the running ones when
    there is no file or it cannot be read."""
    current = dict(rt.submitter.client.sellers) if rt.submitter else {}
    path: Path | None = rt.settings_file
    if path is None:
        return current
    try:
        fresh = ServiceSettings.load(path).sellers
    except Exception as exc:
        log.error("cannot reload the settings", extra={"error": type(exc).__name__})
        return current
    return {**current, **fresh}


async def resume_sellers(rt: Runtime) -> list[str]:
    """Unblock the sellers whose credentials were fixed (ledger `ok` after `edigw sellers
    check`) or changed in the settings file; their blocked events go back to pending. The
    names of the sellers resumed."""
    if rt.submitter is None:
        return []
    client = rt.submitter.client
    states = await asyncio.to_thread(rt.ledger.seller_states)
    accounts = await asyncio.to_thread(reload_accounts, rt)
    resumed: list[str] = []
    for seller, (state, _reason) in states.items():
        account = accounts.get(seller)
        changed = account is not None and account != client.sellers.get(seller)
        if seller in client.blocked and (state == SELLER_OK or changed):
            client.unblock(seller, account)
        elif state == REAUTHORIZATION_NEEDED and changed and seller not in client.blocked:
            client.unblock(seller, account)  # restarted since: the new credentials go in
        else:
            continue
        if account is not None:
            await asyncio.to_thread(record_in_use, rt.ledger, {seller: account})
        moved = await asyncio.to_thread(rt.ledger.resume_seller, seller)
        log.warning("seller resumed", extra={"seller": seller, "events": moved})
        resumed.append(seller)
    return resumed
