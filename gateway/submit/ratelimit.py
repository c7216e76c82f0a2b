"""Client-side token buckets per (seller, operation), mirroring the SP-API usage plans.

Why our own bucket rather than `aiolimiter.AsyncLimiter`: the rate must change at run time
(`x-amzn-RateLimit-Limit`), which AsyncLimiter has no public way to do; waiters must be served
first come, first served so paced calls keep their order; and we keep one token of headroom.

Headroom: Amazon's bucket is full when our first call arrives, so our bucket starts (and caps)
at burst - 1. That one spare token absorbs 1/rate seconds of latency jitter between our send
time and Amazon's arrival time, at the cost of one call per idle period. Pacing uses the
monotonic clock and a FIFO lock, so N calls take (N - burst + 1) / rate seconds.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable, Mapping

__all__ = ["RATE_LIMIT_HEADER", "RateLimits", "TokenBucket"]

log = logging.getLogger(__name__)

RATE_LIMIT_HEADER = "x-amzn-RateLimit-Limit"
_EPSILON = 1e-9


class TokenBucket:
    """Token bucket: `rate` tokens per second, at most `capacity`; FIFO waiters."""

    def __init__(
        self, rate: float, capacity: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._rate = rate
        self._capacity = max(1.0, capacity)
        self._tokens = self._capacity
        self._clock = clock
        self._stamp = clock()
        self._lock = asyncio.Lock()

    @property
    def rate(self) -> float:
        return self._rate

    @property
    def capacity(self) -> float:
        return self._capacity

    def _refill(self) -> None:
        now = self._clock()
        self._tokens = min(self._capacity, self._tokens + (now - self._stamp) * self._rate)
        self._stamp = now

    async def acquire(self) -> None:
        """Wait until a token is available and take it (callers served in arrival order)."""
        async with self._lock:
            self._refill()
            while self._tokens < 1.0 - _EPSILON:
                await asyncio.sleep((1.0 - self._tokens) / self._rate)
                self._refill()  # the rate may have changed while we slept
            self._tokens -= 1.0

    def set_rate(self, rate: float) -> None:
        """Use a new rate from now on (tokens earned so far are kept)."""
        if rate <= 0 or abs(rate - self._rate) < _EPSILON:
            return
        self._refill()
        log.info("rate limit %.3f -> %.3f req/s", self._rate, rate)
        self._rate = rate

    def drain(self) -> None:
        """The server throttled us: its bucket is empty, so treat ours as empty too."""
        self._refill()
        self._tokens = min(self._tokens, 0.0)


class RateLimits:
    """One TokenBucket per (seller, operation), created on first use."""

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._rate = rate
        self._capacity = max(1, burst - 1)  # one token of headroom, see the module docstring
        self._clock = clock
        self._buckets: dict[tuple[str, str], TokenBucket] = {}

    def bucket(self, seller: str, operation: str) -> TokenBucket:
        key = (seller, operation)
        found = self._buckets.get(key)
        if found is None:
            found = self._buckets[key] = TokenBucket(self._rate, self._capacity, self._clock)
        return found

    def observe(self, seller: str, operation: str, headers: Mapping[str, str]) -> None:
        """Adjust the bucket to the rate Amazon says it applied, when it says so."""
        value = headers.get(RATE_LIMIT_HEADER)
        if value is None:
            return
        try:
            rate = float(value)
        except ValueError:
            return
        if rate > 0 and math.isfinite(rate):
            self.bucket(seller, operation).set_rate(rate)
