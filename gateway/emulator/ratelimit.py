"""A token bucket: `burst` requests at once, refilled at `rate` per second."""

from __future__ import annotations

__all__ = ["TokenBucket"]


class TokenBucket:
    """Not thread-safe on its own: the emulator state calls it under its lock."""

    __slots__ = ("burst", "rate", "tokens", "updated")

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate = rate
        self.burst = burst
        self.tokens = float(burst)
        self.updated = now

    def take(self, now: float) -> bool:
        """Spend one token if there is one (True); False means throttle (429)."""
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(float(self.burst), self.tokens + elapsed * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False
