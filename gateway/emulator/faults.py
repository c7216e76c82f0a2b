"""Fault injection, switchable at runtime: random 500s, added latency, 500/503 bursts and
dropped connections, drawn from a seedable RNG.

A dropped connection is made by starting the response and then raising `ConnectionDropped`:
uvicorn then closes the socket mid-response, which an HTTP client sees as a transport error.
`quiet_dropped_connections` keeps that deliberate exception out of uvicorn's error log.
"""

from __future__ import annotations

import logging
import random
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ConnectionDropped",
    "FaultInjector",
    "FaultKind",
    "Faults",
    "quiet_dropped_connections",
]

FaultKind = Literal["drop", "503", "500"]


class Faults(BaseModel):
    """POST /_emulator/faults body; it replaces the previous settings as a whole.

    error_rate: share (0..1) of SP-API calls answered 500 at random.
    latency_ms: added before every SP-API response.
    burst_500 / burst_503 / drop: the next N SP-API calls answer 500 / 503 / lose the connection
      (drops first, then 503s, then 500s).
    deny_role: every SP-API call answers the role 403 (`Unauthorized`, details "").
    seed: reseeds the RNG behind error_rate.
    """

    model_config = ConfigDict(extra="forbid")

    error_rate: float = Field(default=0.0, ge=0.0, le=1.0)
    latency_ms: float = Field(default=0.0, ge=0.0)
    burst_500: int = Field(default=0, ge=0)
    burst_503: int = Field(default=0, ge=0)
    drop: int = Field(default=0, ge=0)
    deny_role: bool = False
    seed: int | None = None


class ConnectionDropped(Exception):
    """Raised after the response started, so that the server closes the connection."""


class FaultInjector:
    """The current fault settings and what is left of the bursts (callers hold a lock)."""

    def __init__(self, seed: int | None = None) -> None:
        self.faults = Faults(seed=seed)
        self.rng = random.Random(seed)

    def configure(self, faults: Faults) -> None:
        self.faults = faults.model_copy()
        if faults.seed is not None:
            self.rng.seed(faults.seed)

    def next_fault(self) -> FaultKind | None:
        """The fault the next SP-API call gets (spending one of a burst), or None."""
        f = self.faults
        if f.drop:
            f.drop -= 1
            return "drop"
        if f.burst_503:
            f.burst_503 -= 1
            return "503"
        if f.burst_500:
            f.burst_500 -= 1
            return "500"
        if f.error_rate and self.rng.random() < f.error_rate:
            return "500"
        return None

    @property
    def latency(self) -> float:
        """Seconds to wait before answering an SP-API call."""
        return self.faults.latency_ms / 1000.0


class _DropFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, ConnectionDropped)


def quiet_dropped_connections() -> None:
    """Keep deliberate drops out of uvicorn's error log (idempotent)."""
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _DropFilter) for f in logger.filters):
        logger.addFilter(_DropFilter())
