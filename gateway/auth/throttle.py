"""Failed-login throttling: per account and per peer address, a growing delay and then a
temporary lockout (SSH passwords, the console's passwords, partner and operator API keys).

`LoginThrottle(limits)` counts failures per key (`"account:sftp:demo"`, `"peer:10.0.0.7"`, ...;
an IPv6 peer is keyed by its /64, `gateway.auth.peers`)
within `limits.window_seconds`. After `free_failures` failures of a key every further failure
costs `delay_base * 2**k` seconds (capped at `delay_max`) before the refusal is answered; at
`lockout_after` failures the key is locked for `lockout_seconds` (`locked(key)` tells how long).
A success forgets the account's failures (a peer's count stays). Keys are opaque strings; the
throttle never sees a secret.

Concurrent guesses: a check that takes time (a password hash) is an attempt reserved before
it starts, `attempt = throttle.begin(*counted, lock=(...))`, and ended by `attempt.failed()`
(counted: the delay to wait) or `attempt.succeeded(account)` (or `attempt.close()`, e.g. on
cancellation). A lock key whose failures plus attempts still running reach `lockout_after`
refuses further attempts (`LockedOut`, with the seconds to wait) before any check starts, so
at most `lockout_after` guesses per account or address are checked per lockout, however many
arrive at once. Reserving costs nothing for other keys: other accounts are not slowed.

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

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["LockedOut", "LoginAttempt", "LoginLimits", "LoginThrottle"]

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
    # SSH connections not yet logged in, at once (OpenSSH's MaxStartups / PerSourceMaxStartups):
    # past either limit a new connection is refused at once
    ssh_max_startups: int = Field(default=100, ge=1)
    ssh_max_startups_per_peer: int = Field(default=10, ge=1)


@dataclass
class _Failures:
    count: int = 0
    first: float = 0.0
    locked_until: float = 0.0


class LockedOut(Exception):
    """An attempt refused before any check: a lock key is locked, or as many attempts as it
    has left before the lockout are already running. `wait`: seconds (Retry-After)."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"locked out for {wait:.0f} s")
        self.wait = wait


@dataclass
class LoginAttempt:
    """A reserved login attempt (`LoginThrottle.begin`); ends once, by `failed`, `succeeded`
    or `close` (a `with` block closes it)."""

    throttle: LoginThrottle
    counted: tuple[str, ...]  # counted when it fails
    held: tuple[str, ...]  # the lock keys reserved
    _open: bool = True

    def close(self) -> None:
        """Give the reservation back without counting (idempotent)."""
        if self._open:
            self._open = False
            self.throttle._release(self.held)

    def failed(self) -> float:
        """Count the failure (`LoginThrottle.failed`); the delay (seconds) before refusing."""
        self.close()
        return self.throttle.failed(*self.counted)

    def succeeded(self, *keys: str) -> None:
        """Forget the failures of `keys` (the account, not the peer)."""
        self.close()
        self.throttle.succeeded(*keys)

    def __enter__(self) -> LoginAttempt:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


@dataclass
class LoginThrottle:
    limits: LoginLimits = field(default_factory=LoginLimits)
    clock: Callable[[], float] = time.monotonic
    _keys: dict[str, _Failures] = field(default_factory=dict)
    _running: dict[str, int] = field(default_factory=dict)  # lock key -> attempts being checked

    def locked(self, *keys: str) -> float:
        """Seconds until the longest lock among `keys` ends (0.0: none is locked). A key whose
        failures plus running attempts reach `lockout_after` counts as locked for
        `lockout_seconds` (what its lockout will be if they fail)."""
        now, limits = self.clock(), self.limits
        waits = [0.0]
        for key in keys:
            entry = self._keys.get(key)
            recent = entry.count if entry and now - entry.first <= limits.window_seconds else 0
            if entry is not None:
                waits.append(entry.locked_until - now)
            if (running := self._running.get(key, 0)) and recent + running >= limits.lockout_after:
                waits.append(limits.lockout_seconds)
        return max(waits)

    def begin(self, *counted: str, lock: tuple[str, ...] | None = None) -> LoginAttempt:
        """Reserve an attempt before a slow check: raises LockedOut when one of `lock` (default:
        all of `counted`) is `locked`, else holds a place on each lock key until the attempt
        ends. A failure is counted for all of `counted`."""
        held = counted if lock is None else lock
        if wait := self.locked(*held):
            raise LockedOut(wait)
        for key in held:
            self._running[key] = self._running.get(key, 0) + 1
        return LoginAttempt(self, counted, held)

    def _release(self, keys: tuple[str, ...]) -> None:
        for key in keys:
            left = self._running.get(key, 0) - 1
            if left > 0:
                self._running[key] = left
            else:
                self._running.pop(key, None)

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
