"""Failed-login throttling: per account and per peer address, a growing delay and then a
temporary lockout (SSH passwords, the console's passwords, partner and operator API keys).

`LoginThrottle(limits)` counts failures per key (`"account:sftp:demo"`, `"peer:10.0.0.7"`, ...)
within `limits.window_seconds`. After `free_failures` failures of a key every further failure
costs `delay_base * 2**k` seconds (capped at `delay_max`) before the refusal is answered; at
`lockout_after` failures the key is locked for `lockout_seconds` (`locked(key)` tells how long).
A success forgets the account's failures (a peer's count stays). Keys are opaque strings; the
throttle never sees a secret.

The rule the callers follow (a shared address, e.g. a NAT, must not lock anyone else out):

- No credential at all (no `X-API-Key`, no token) is not a failed login: 401, not counted, not
  logged as a failure.
- Passwords (SFTP, console): counted per account and per address. Both give the growing delay;
  only the account's lockout refuses the right password (`locked(account)`), the address is
  never locked for passwords, so another account's right password from a busy address works.
- API keys (partner and operator keys, the metrics token): long random secrets that cannot be
  guessed, so a valid key is always served, whatever the address's or account's count. A wrong
  key is counted per address (and per partner on partner routes), answered after the delay,
  and with 429 and Retry-After while `locked(...)` of that address or partner is running.
- Every refused secret is logged at warning with account and peer (`locked_out` when a lock
  answered it), never the secret.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import BaseModel, ConfigDict

__all__ = ["LoginLimits", "LoginThrottle"]

_MAX_KEYS = 100_000  # forget stale entries beyond this many tracked keys


class LoginLimits(BaseModel):
    """The `login:` setting."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    free_failures: int = 3  # failures answered without delay
    delay_base: float = 0.5  # seconds; doubles with each further failure
    delay_max: float = 8.0
    lockout_after: int = 10  # failures within the window that lock the account / address
    lockout_seconds: float = 300.0
    window_seconds: float = 900.0  # failures older than this are forgotten
    ssh_max_auth_tries: int = 6  # authentication attempts per SSH connection
    ssh_login_grace_time: float = 60.0  # seconds to authenticate before the server hangs up


@dataclass
class _Failures:
    count: int = 0
    first: float = 0.0
    locked_until: float = 0.0


@dataclass
class LoginThrottle:
    limits: LoginLimits = field(default_factory=LoginLimits)
    clock: Callable[[], float] = time.monotonic
    _keys: dict[str, _Failures] = field(default_factory=dict)

    def locked(self, *keys: str) -> float:
        """Seconds until the longest lock among `keys` ends (0.0: none is locked)."""
        now = self.clock()
        waits = [f.locked_until - now for k in keys if (f := self._keys.get(k)) is not None]
        return max([0.0, *waits])

    def failed(self, *keys: str) -> float:
        """Count a failed login for every key; the delay (seconds) to wait before refusing."""
        now, limits = self.clock(), self.limits
        if len(self._keys) > _MAX_KEYS:
            self._forget_stale(now)
        delay = 0.0
        for key in keys:
            entry = self._keys.get(key)
            if entry is None or now - entry.first > limits.window_seconds:
                entry = self._keys[key] = _Failures(first=now)
            entry.count += 1
            if entry.count >= limits.lockout_after:
                entry.locked_until = max(entry.locked_until, now + limits.lockout_seconds)
            extra = entry.count - limits.free_failures
            if extra > 0:
                delay = max(delay, min(limits.delay_max, limits.delay_base * 2 ** (extra - 1)))
        return delay

    def succeeded(self, *keys: str) -> None:
        """Forget the failures of `keys` (pass the account, not the peer)."""
        for key in keys:
            self._keys.pop(key, None)

    def _forget_stale(self, now: float) -> None:
        window = self.limits.window_seconds
        stale = [k for k, f in self._keys.items()
                 if now - f.first > window and f.locked_until <= now]  # fmt: skip
        for key in stale:
            del self._keys[key]
