"""The emulator's configuration: credentials it accepts, its usage plan and its timing."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["EmulatorConfig", "Settle"]

Settle = Literal["never", "success", "failure"]


class EmulatorConfig(BaseModel):
    """What `edigw emulator` accepts and how it behaves; every field has a usable default.

    client_id / client_secret / refresh_token: the only LWA credentials the token endpoint
      accepts (demo values, also the CLI's defaults).
    rate / burst: token bucket per (client, operation), the DF usage plan (10 req/s, burst 10);
      `rate` is also sent as x-amzn-RateLimit-Limit.
    settle: what becomes of a valid V1 transaction. `never` (the default, like production:
      vendors report V1 transactions in Processing for days, selling-partner-api-docs#1653,
      jlevers/selling-partner-api#415) keeps it Processing; `success` / `failure` settle it
      after `settle_after` seconds (`failure` with Amazon's retryable INTERNAL_SERVER_ERROR).
      A transaction that breaks a business rule ends in Failure after `settle_after` in every
      mode.
    token_lifetime: seconds an access token lives (expires_in); tests make it tiny.
    seed: seeds the fault-injection RNG (None: unseeded).
    request_log: how many of the latest requests `GET /_emulator/requests` keeps (older ones
      are forgotten, so a long-running demo's memory stays bounded).
    transactions_kept / errors_kept: the most transactions, and errors in all of them, whose
      status the emulator keeps; the oldest are forgotten first, and getTransactionStatus
      then answers them 404 as for an id never issued. Amazon does not document how long a
      transaction's status stays readable: this is the emulator's own bound, so that a
      long-running demo, whose every refused status update adds an error (~200 bytes), does
      not grow without end (the demo's serving process grew ~10 MB a 10 MB file).
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    client_id: str = "edigw-demo-client"
    client_secret: str = "edigw-demo-secret"
    refresh_token: str = "edigw-demo-refresh"
    rate: float = Field(default=10.0, gt=0)
    burst: int = Field(default=10, ge=1)
    settle: Settle = "never"
    settle_after: float = Field(default=2.0, ge=0, le=86400.0)
    token_lifetime: float = Field(default=3600.0, gt=0)
    seed: int | None = None
    request_log: int = Field(default=20_000, ge=1)
    transactions_kept: int = Field(default=20_000, ge=1)
    errors_kept: int = Field(default=200_000, ge=1)
