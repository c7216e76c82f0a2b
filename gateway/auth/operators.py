"""Operator accounts: the people who run the gateway. People are not partners.

Interface (the ops console builds its login on it):

- `OperatorAccount`: one entry of the `operators:` setting, by name:
  `{role: viewer|operator, password_hash: ..., api_key_hash: ...}`; both hashes are argon2id
  PHC strings made by `hash_secret` (`edigw hash-secret` prints one). Never the secrets.
- `Operator(name, role)`: who was authenticated; `role` is `viewer` (read) or `operator`
  (read and act: replay, ...). `Operator.may_operate` tells them apart.
- `Operators(accounts)`: built once at start-up.
  `authenticate_password(name, password) -> Operator | None` and
  `authenticate_api_key(key) -> Operator | None` (argon2 verification; blocking, ~50 ms and
  64 MiB: async callers use `gateway.auth.hashing.run_check`, at most 2 at a time);
  `known_key(key) -> Operator | None` answers from the keys verified before, without argon2.
- FastAPI dependencies on the `X-API-Key` header, as `Annotated` aliases:
  `ViewerKey` (a viewer or operator key) and `OperatorKey` (an operator key). No key or an
  unknown key: 401; a known key without the role (a viewer key, or a partner's key when the app
  says so): 403; a wrong key while the client's address is locked out: 429 with Retry-After,
  before any argon2 work (a key verified before is served from any address; no key is not
  counted: gateway.auth.throttle).
  They read `request.app.state.operators` (an `Operators`), optionally
  `request.app.state.partner_key` (a `key -> bool` telling partner keys) and
  `request.app.state.throttle` (a `gateway.auth.throttle.LoginThrottle`).
- `await password_login(request, name, password) -> Operator` for a login form: the same
  state, throttled per account and per client address (delay), failures logged; HTTPException
  401 (wrong name or password, one message for both) or 429 (account locked out, Retry-After).
- `await refuse_key(request, throttle, account, *keys)`: the refusal of a wrong API key (an
  operator's key verified before, sent to a partner route, is 403 and not a failed login).
- Under `edigw serve --demo` only: operator `ops`, password `ops`, API key `ops-key`
  (`demo_operators()`).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, ConfigDict

from gateway.auth.hashing import run_check
from gateway.auth.peers import peer_block
from gateway.auth.throttle import LockedOut, LoginAttempt, LoginThrottle

# The `X-API-Key` header as an OpenAPI security scheme (an Authorize button in /docs); the
# key is checked by the dependencies below, so no automatic 401 here.
API_KEY = APIKeyHeader(
    name="X-API-Key",
    scheme_name="APIKeyHeader",
    description="A partner's, operator's or viewer's API key",
    auto_error=False,
)

__all__ = [
    "API_KEY",
    "DEMO_OPERATOR",
    "Operator",
    "OperatorAccount",
    "OperatorKey",
    "Operators",
    "Role",
    "ViewerKey",
    "authenticated",
    "demo_operators",
    "hash_secret",
    "password_login",
    "refuse_key",
    "verify_secret",
]

log = logging.getLogger("edigw.auth")
Role = Literal["viewer", "operator"]
DEMO_OPERATOR = "ops"
_hasher = PasswordHasher()  # argon2id, the library's RFC 9106 low-memory profile


def hash_secret(secret: str) -> str:
    """An argon2id hash (PHC string with salt and parameters) of a password or API key."""
    return _hasher.hash(secret)


def verify_secret(encoded: str, secret: str) -> bool:
    """True when `secret` matches `encoded` (a `hash_secret` result); a malformed stored value
    verifies as False, never raises."""
    try:
        return _hasher.verify(encoded, secret)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


class OperatorAccount(BaseModel):
    """One operator in the settings: role and the argon2id hashes of password and API key."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    role: Role = "viewer"
    password_hash: str | None = None
    api_key_hash: str | None = None


@dataclass(frozen=True, slots=True)
class Operator:
    """An authenticated operator."""

    name: str
    role: Role

    @property
    def may_operate(self) -> bool:
        """Whether this operator may act (replay, ...), not only look."""
        return self.role == "operator"


class Operators:
    """The operator accounts of the settings, checked by password or by API key.

    A key that verified once is remembered (in memory, by a keyed SHA-256 of it, never the key)
    so later requests skip the argon2 work; a wrong key is never remembered. The memory belongs
    to this object: settings loaded again make a new `Operators`, which starts empty, and an
    entry counts only while the account's `api_key_hash` is the one it was verified against."""

    def __init__(self, accounts: Mapping[str, OperatorAccount]) -> None:
        self._accounts = dict(accounts)
        self._salt = secrets.token_bytes(16)
        self._known_keys: dict[bytes, tuple[str, str]] = {}  # digest -> (name, api_key_hash)

    def __bool__(self) -> bool:
        return bool(self._accounts)

    def __contains__(self, name: object) -> bool:
        return name in self._accounts

    def _operator(self, name: str) -> Operator:
        return Operator(name, self._accounts[name].role)

    def authenticate_password(self, name: str, password: str) -> Operator | None:
        """The operator `name` if `password` is theirs, else None (unknown names too)."""
        account = self._accounts.get(name)
        if account is None or account.password_hash is None:
            verify_secret(_dummy_hash(), password)  # the same time as a wrong password
            return None
        return self._operator(name) if verify_secret(account.password_hash, password) else None

    def _digest(self, key: str) -> bytes:
        return hashlib.sha256(self._salt + key.encode("utf-8")).digest()

    def known_key(self, key: str | None) -> Operator | None:
        """The operator of `key` if it verified before (no argon2 work), else None."""
        if not key:
            return None
        known = self._known_keys.get(self._digest(key))
        if known is None:
            return None
        account = self._accounts.get(known[0])
        if account is None or account.api_key_hash != known[1]:
            return None
        return self._operator(known[0])

    def authenticate_api_key(self, key: str) -> Operator | None:
        """The operator whose API key `key` is, else None (argon2 against every account with
        a key, unless `known_key` knows it)."""
        if not key:
            return None
        if (operator := self.known_key(key)) is not None:
            return operator
        for name, account in self._accounts.items():
            if account.api_key_hash and verify_secret(account.api_key_hash, key):
                self._known_keys[self._digest(key)] = (name, account.api_key_hash)
                return self._operator(name)
        return None


_dummy: list[str] = []


def _dummy_hash() -> str:
    if not _dummy:
        _dummy.append(hash_secret("edigw-no-such-operator"))
    return _dummy[0]


def demo_operators() -> dict[str, OperatorAccount]:
    """The demo operator (`edigw serve --demo` only): `ops`, password `ops`, key `ops-key`."""
    return {DEMO_OPERATOR: OperatorAccount(role="operator", password_hash=hash_secret("ops"),
                                           api_key_hash=hash_secret("ops-key"))}  # fmt: skip


def _peer(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _log_failure(request: Request, account: str, locked: bool, **extra: str) -> None:
    log.warning("failed login", extra={"account": account, "peer": _peer(request),
                                       "transport": "http", "locked_out": locked,
                                       **extra})  # fmt: skip


def _too_many(wait: float) -> HTTPException:
    return HTTPException(429, "too many failed logins; try again later",
                         headers={"Retry-After": str(int(wait) + 1)})  # fmt: skip


async def authenticated(request: Request, key: str | None) -> Operator:
    """The operator (any role) of `key`, or HTTPException 401 / 403 / 429 as the module
    docstring says (for routes with their own rules, e.g. /metrics). A key verified before is
    served even from a throttled address; otherwise a locked address gets 429 before any
    argon2 work, and at most as many keys as the address has failures left are verified at
    once (gateway.auth.throttle); no key is a plain 401, not a failed login.
    """
    state = request.app.state
    operators: Operators = state.operators
    throttle: LoginThrottle | None = getattr(state, "throttle", None)
    partner_key: Callable[[str], bool] | None = getattr(state, "partner_key", None)
    if not key:
        raise HTTPException(401, "missing X-API-Key")
    if (operator := operators.known_key(key)) is not None:
        return operator
    if partner_key is not None and partner_key(key):  # a SHA-256 compare: no argon2 for it
        raise HTTPException(403, "this action needs an operator's X-API-Key, not a partner's")
    attempt: LoginAttempt | None = None
    if throttle is not None:
        try:
            attempt = throttle.begin(f"peer:{peer_block(_peer(request))}")
        except LockedOut as exc:
            _log_failure(request, "operator-api-key", True)
            raise _too_many(exc.wait) from None
    try:
        operator = await run_check(operators.authenticate_api_key, key)
    finally:
        if attempt is not None:
            attempt.close()  # a valid key leaves the address's count as it is
    if operator is not None:
        return operator
    _log_failure(request, "operator-api-key", False)
    if attempt is not None:
        await asyncio.sleep(attempt.failed())
    raise HTTPException(401, "wrong X-API-Key")


async def refuse_key(
    request: Request, throttle: LoginThrottle | None, account: str, *keys: str
) -> None:
    """Refuse a wrong API key or token (never a missing one) as gateway.auth.throttle says:
    logged at warning with `account` and the peer; counted for `keys` and the peer; 429 with
    Retry-After while one of them is locked, else 401 after the delay. An operator's key that
    verified before (`Operators.known_key`, no argon2 work) is no failed login: 403, neither
    logged nor counted. Always raises."""
    operators: Operators | None = getattr(request.app.state, "operators", None)
    if operators is not None and operators.known_key(request.headers.get("X-API-Key")):
        raise HTTPException(403, "an operator's X-API-Key is not a partner's: operators use "
                                 "/v1/ops/... and the console")  # fmt: skip
    counted = (*keys, f"peer:{peer_block(_peer(request))}")
    wait = throttle.locked(*counted) if throttle is not None else 0.0
    _log_failure(request, account, bool(wait))
    if wait:
        raise _too_many(wait)
    if throttle is not None:
        await asyncio.sleep(throttle.failed(*counted))
    raise HTTPException(401, "wrong X-API-Key")


async def password_login(request: Request, name: str, password: str) -> Operator:
    """An operator's login by name and password (the ops console); see the module docstring.
    Counted per account and per address (growing delay); only the account is locked out. The
    attempt is reserved before the password is checked (gateway.auth.throttle), so parallel
    guesses get no more than `lockout_after` checks per lockout."""
    state = request.app.state
    operators: Operators = state.operators
    throttle: LoginThrottle | None = getattr(state, "throttle", None)
    account = f"account:operator:{name}"
    attempt: LoginAttempt | None = None
    if throttle is not None:
        try:
            attempt = throttle.begin(account, f"peer:{peer_block(_peer(request))}", lock=(account,))
        except LockedOut as exc:
            _log_failure(request, name, True, method="password")
            raise _too_many(exc.wait) from None
    try:
        operator = await run_check(operators.authenticate_password, name, password)
    except BaseException:  # cancelled: the attempt was not checked
        if attempt is not None:
            attempt.close()
        raise
    if operator is not None:
        if attempt is not None:
            attempt.succeeded(account)
        return operator
    delay = attempt.failed() if attempt is not None else 0.0
    _log_failure(request, name, False, method="password")
    await asyncio.sleep(delay)
    raise HTTPException(401, "wrong name or password")


async def _viewer(
    request: Request, x_api_key: Annotated[str | None, Security(API_KEY)] = None
) -> Operator:
    return await authenticated(request, x_api_key)


async def _operator(
    request: Request, x_api_key: Annotated[str | None, Security(API_KEY)] = None
) -> Operator:
    operator = await authenticated(request, x_api_key)
    if not operator.may_operate:
        raise HTTPException(403, f"operator {operator.name!r} may view but not act")
    return operator


ViewerKey = Annotated[Operator, Depends(_viewer)]
OperatorKey = Annotated[Operator, Depends(_operator)]
