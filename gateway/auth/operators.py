"""Operator accounts: the people who run the gateway. People are not partners.

Interface (the ops console builds its login on it):

- `OperatorAccount`: one entry of the `operators:` setting, by name:
  `{role: viewer|operator, password_hash: ..., api_key_hash: ...}`; both hashes are argon2id
  PHC strings made by `hash_secret` (`edigw hash-secret` prints one). Never the secrets.
- `Operator(name, role)`: who was authenticated; `role` is `viewer` (read) or `operator`
  (read and act: replay, ...). `Operator.may_operate` tells them apart.
- `Operators(accounts)`: built once at start-up.
  `authenticate_password(name, password) -> Operator | None` and
  `authenticate_api_key(key) -> Operator | None` (argon2 verification; blocking, ~50 ms:
  async callers use a thread).
- FastAPI dependencies on the `X-API-Key` header, as `Annotated` aliases:
  `ViewerKey` (a viewer or operator key) and `OperatorKey` (an operator key). No key or an
  unknown key: 401; a known key without the role (a viewer key, or a partner's key when the app
  says so): 403; a wrong key while the client's address is locked out: 429 with Retry-After (a
  valid key is served from any address; no key is not counted: gateway.auth.throttle).
  They read `request.app.state.operators` (an `Operators`), optionally
  `request.app.state.partner_key` (a `key -> bool` telling partner keys) and
  `request.app.state.throttle` (a `gateway.auth.throttle.LoginThrottle`).
- `await password_login(request, name, password) -> Operator` for a login form: the same
  state, throttled per account and per client address (delay), failures logged; HTTPException
  401 (wrong name or password, one message for both) or 429 (account locked out, Retry-After).
- `await refuse_key(request, throttle, account, *keys)`: the refusal of a wrong API key.
- Under `edigw serve --demo` only: operator `ops`, password `ops`, API key `ops-key`
  (`demo_operators()`).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Annotated, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from fastapi import Depends, HTTPException, Request, Security
from fastapi.security import APIKeyHeader
from pydantic import BaseModel, ConfigDict

from gateway.auth.throttle import LoginThrottle

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

    A key that verified once is remembered by its SHA-256 so later requests skip the argon2
    work; a wrong key is never remembered and always pays the full verification."""

    def __init__(self, accounts: Mapping[str, OperatorAccount]) -> None:
        self._accounts = dict(accounts)
        self._known_keys: dict[str, str] = {}  # sha256(key) -> operator name

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

    def authenticate_api_key(self, key: str) -> Operator | None:
        """The operator whose API key `key` is, else None."""
        if not key:
            return None
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        name = self._known_keys.get(digest)
        if name is not None and name in self._accounts:
            return self._operator(name)
        for name, account in self._accounts.items():
            if account.api_key_hash and verify_secret(account.api_key_hash, key):
                self._known_keys[digest] = name
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


async def authenticated(request: Request, key: str | None) -> Operator:
    """The operator (any role) of `key`, or HTTPException 401 / 403 / 429 as the module
    docstring says (for routes with their own rules, e.g. /metrics). A valid key is served even
    from a throttled address; no key is a plain 401, not a failed login (gateway.auth.throttle).
    """
    state = request.app.state
    operators: Operators = state.operators
    throttle: LoginThrottle | None = getattr(state, "throttle", None)
    partner_key: Callable[[str], bool] | None = getattr(state, "partner_key", None)
    if not key:
        raise HTTPException(401, "missing X-API-Key")
    operator = await asyncio.to_thread(operators.authenticate_api_key, key)
    if operator is not None:
        return operator
    if partner_key is not None and partner_key(key):
        raise HTTPException(403, "this action needs an operator's X-API-Key, not a partner's")
    await refuse_key(request, throttle, "operator-api-key")
    raise AssertionError("unreachable")


async def refuse_key(
    request: Request, throttle: LoginThrottle | None, account: str, *keys: str
) -> None:
    """Refuse a wrong API key or token (never a missing one) as gateway.auth.throttle says:
    logged at warning with `account` and the peer; counted for `keys` and the peer; 429 with
    Retry-After while one of them is locked, else 401 after the delay. Always raises."""
    peer = _peer(request)
    counted = (*keys, f"peer:{peer}")
    wait = throttle.locked(*counted) if throttle is not None else 0.0
    log.warning("failed login", extra={"account": account, "peer": peer, "transport": "http",
                                       "locked_out": bool(wait)})  # fmt: skip
    if wait:
        raise HTTPException(429, "too many failed logins; try again later",
                            headers={"Retry-After": str(int(wait) + 1)})  # fmt: skip
    if throttle is not None:
        await asyncio.sleep(throttle.failed(*counted))
    raise HTTPException(401, "wrong X-API-Key")


async def password_login(request: Request, name: str, password: str) -> Operator:
    """An operator's login by name and password (the ops console); see the module docstring.
    Counted per account and per address (growing delay); only the account is locked out."""
    state = request.app.state
    operators: Operators = state.operators
    throttle: LoginThrottle | None = getattr(state, "throttle", None)
    peer = _peer(request)
    keys = (f"account:operator:{name}", f"peer:{peer}")
    if throttle is not None and (wait := throttle.locked(keys[0])):
        log.warning("failed login", extra={"account": name, "peer": peer, "transport": "http",
                                           "method": "password", "locked_out": True})  # fmt: skip
        raise HTTPException(429, "too many failed logins; try again later",
                            headers={"Retry-After": str(int(wait) + 1)})  # fmt: skip
    operator = await asyncio.to_thread(operators.authenticate_password, name, password)
    if operator is not None:
        if throttle is not None:
            throttle.succeeded(keys[0])
        return operator
    log.warning("failed login", extra={"account": name, "peer": peer, "transport": "http",
                                       "method": "password", "locked_out": False})  # fmt: skip
    if throttle is not None:
        await asyncio.sleep(throttle.failed(*keys))
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
