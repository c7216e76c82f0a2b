"""Console sessions: a random token in an `HttpOnly`, `SameSite=Strict` cookie names a
server-side session (the operator and a CSRF token for its forms). Sessions live in the
process and end after `ttl` seconds of inactivity, at logout or at a restart."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass, field

from gateway.auth.operators import Operator

__all__ = ["COOKIE", "LOGIN_COOKIE", "ConsoleSession", "SessionStore"]

COOKIE = "edigw_session"
LOGIN_COOKIE = "edigw_login_csrf"  # the login form's CSRF token (signed double submit)


@dataclass
class ConsoleSession:
    operator: Operator
    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    seen: float = field(default_factory=time.monotonic)


class SessionStore:
    """Token -> session, thread-safe; `ttl` seconds of inactivity end a session."""

    def __init__(self, ttl: float = 8 * 3600) -> None:
        self.ttl = ttl
        self._key = secrets.token_bytes(32)  # signs login CSRF tokens; a restart voids them
        self._sessions: dict[str, ConsoleSession] = {}
        self._lock = threading.Lock()

    def open(self, operator: Operator) -> str:
        """A new session for `operator`; its token (the cookie's value)."""
        token = secrets.token_urlsafe(32)
        now = time.monotonic()
        with self._lock:  # forget the expired ones while here
            for stale in [t for t, s in self._sessions.items() if now - s.seen > self.ttl]:
                del self._sessions[stale]
            self._sessions[token] = ConsoleSession(operator)
        return token

    def get(self, token: str | None) -> ConsoleSession | None:
        """The live session of `token` (touched), None when unknown or expired."""
        if not token:
            return None
        now = time.monotonic()
        with self._lock:
            session = self._sessions.get(token)
            if session is None:
                return None
            if now - session.seen > self.ttl:
                del self._sessions[token]
                return None
            session.seen = now
            return session

    def login_token(self) -> str:
        """A fresh login CSRF token, `nonce.signature` (HMAC-SHA256 with this process's key):
        sent both as the LOGIN_COOKIE cookie and in the login form (signed double submit,
        OWASP CSRF Prevention Cheat Sheet), so a foreign site cannot log a browser in."""
        nonce = secrets.token_urlsafe(24)
        return f"{nonce}.{self._sign(nonce)}"

    def check_login_token(self, cookie: str | None, form: str | None) -> bool:
        """Whether the login form's token equals the cookie's and carries our signature."""
        if not cookie or not form or not hmac.compare_digest(cookie, form):
            return False
        nonce, _, signature = cookie.partition(".")
        return hmac.compare_digest(signature, self._sign(nonce))

    def _sign(self, nonce: str) -> str:
        return hmac.new(self._key, nonce.encode(), hashlib.sha256).hexdigest()

    def close(self, token: str | None) -> None:
        """End the session of `token` (nothing when there is none)."""
        with self._lock:
            self._sessions.pop(token or "", None)
