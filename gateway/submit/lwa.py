"""Login with Amazon (LWA): refresh token -> access token, cached per seller.

One POST per seller while the cached token is fresh; concurrent callers wait on a per-seller
lock so only one refresh happens. Secrets (client secret, refresh token, access token) never
appear in logs, reprs or exception messages.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import httpx

from gateway.settings import SellerAccount

__all__ = ["LwaError", "LwaTokens", "SubmitError"]

log = logging.getLogger(__name__)


class SubmitError(Exception):
    """Root of the submit stage's infrastructure errors (never raised for bad data)."""


class LwaError(SubmitError):
    """The LWA token endpoint refused or could not be reached. Carries no secret."""

    def __init__(self, seller: str, status_code: int | None, code: str, message: str) -> None:
        super().__init__(f"LWA token for seller {seller!r}: {code}: {message}")
        self.seller = seller
        self.status_code = status_code
        self.code = code
        self.message = message

    @property
    def transient(self) -> bool:
        """Worth retrying: transport error, throttling or a server fault."""
        return self.status_code is None or self.status_code == 429 or self.status_code >= 500


@dataclass(slots=True)
class _Cached:
    token: str
    refresh_at: float  # monotonic time after which the token is refreshed

    def __repr__(self) -> str:  # never show the token
        return f"_Cached(refresh_at={self.refresh_at:.1f})"


class LwaTokens:
    """Access tokens per seller, refreshed `margin` seconds before they expire."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        sellers: Mapping[str, SellerAccount],
        margin: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._sellers = sellers
        self._margin = margin
        self._clock = clock
        self._cache: dict[str, _Cached] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self.refreshes = 0  # token requests sent, for tests and metrics

    async def token(self, seller: str) -> str:
        """A valid access token for `seller`; refreshes at most once under concurrency."""
        cached = self._cache.get(seller)
        if cached is not None and self._clock() < cached.refresh_at:
            return cached.token
        lock = self._locks.setdefault(seller, asyncio.Lock())
        async with lock:
            cached = self._cache.get(seller)  # another caller may have refreshed meanwhile
            if cached is not None and self._clock() < cached.refresh_at:
                return cached.token
            cached = await self._refresh(seller)
            self._cache[seller] = cached
            return cached.token

    def forget(self, seller: str) -> None:
        """Drop the seller's cached token (its credentials changed)."""
        self._cache.pop(seller, None)

    def invalidate(self, seller: str, token: str) -> None:
        """Drop `token` (the API said it is expired/invalid) unless already replaced."""
        cached = self._cache.get(seller)
        if cached is not None and cached.token == token:
            del self._cache[seller]

    async def _refresh(self, seller: str) -> _Cached:
        account = self._sellers[seller]
        form = {  # secrets only in the form body, never in a log line or an error
            "grant_type": "refresh_token",
            "refresh_token": account.refresh_token.get_secret_value(),
            "client_id": account.client_id,
            "client_secret": account.client_secret.get_secret_value(),
        }
        self.refreshes += 1
        started = self._clock()
        try:
            response = await self._http.post(account.token_url, data=form)
        except httpx.HTTPError as exc:
            raise LwaError(seller, None, "TransportError", type(exc).__name__) from None
        try:
            data = response.json()
        except ValueError:
            data = None
        if not isinstance(data, dict):
            data = {}
        token = data.get("access_token")
        if response.status_code != 200 or not isinstance(token, str) or not token:
            code = str(data.get("error") or f"HTTP {response.status_code}")
            message = str(data.get("error_description") or "no access token in the response")
            raise LwaError(seller, response.status_code, code, message)
        expires_in = data.get("expires_in")
        lifetime = float(expires_in) if isinstance(expires_in, int | float) else 3600.0
        # Refresh `margin` early; a short-lived token (tests, emulator) keeps at least half.
        usable = max(lifetime - self._margin, lifetime / 2)
        log.info("LWA access token for seller %s, valid %.0f s", seller, lifetime)
        return _Cached(token=token, refresh_at=started + usable)
