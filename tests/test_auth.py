"""Operator accounts (argon2 hashes, roles, the X-API-Key dependencies) and the failed-login
throttle (growing delay, lockout, forgetting)."""

from __future__ import annotations

import asyncio

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from gateway.auth.operators import (
    Operator,
    OperatorAccount,
    OperatorKey,
    Operators,
    ViewerKey,
    demo_operators,
    hash_secret,
    password_login,
    verify_secret,
)
from gateway.auth.throttle import LoginLimits, LoginThrottle
from gateway.inbound.credentials import hash_password
from gateway.inbound.sftp import SftpAccount, _AccountServer


def test_hash_is_argon2id_salted_and_verifies() -> None:
    first, second = hash_secret("s3cret-words"), hash_secret("s3cret-words")
    assert first.startswith("$argon2id$") and first != second and "s3cret" not in first
    assert verify_secret(first, "s3cret-words") and verify_secret(second, "s3cret-words")
    assert not verify_secret(first, "s3cret-word")
    assert not verify_secret("not-a-hash", "s3cret-words")
    assert not verify_secret("", "")


def _operators() -> Operators:
    return Operators({
        "ann": OperatorAccount(role="operator", password_hash=hash_secret("ann-pw"),
                               api_key_hash=hash_secret("ann-key")),
        "vic": OperatorAccount(role="viewer", password_hash=hash_secret("vic-pw"),
                               api_key_hash=hash_secret("vic-key")),
    })  # fmt: skip


def test_authenticate_by_password_and_by_key() -> None:
    operators = _operators()
    assert operators.authenticate_password("ann", "ann-pw") == Operator("ann", "operator")
    assert operators.authenticate_password("ann", "ann-key") is None
    assert operators.authenticate_password("vic", "") is None
    assert operators.authenticate_password("nobody", "ann-pw") is None
    assert operators.authenticate_api_key("ann-key") == Operator("ann", "operator")
    assert operators.authenticate_api_key("vic-key") == Operator("vic", "viewer")
    assert operators.authenticate_api_key("vic-key") == Operator("vic", "viewer")  # remembered
    assert operators.authenticate_api_key("ann-pw") is None
    assert operators.authenticate_api_key("") is None
    assert not Operators({}) and "ann" in operators


def test_demo_operator() -> None:
    operators = Operators(demo_operators())
    assert operators.authenticate_password("ops", "ops") == Operator("ops", "operator")
    assert operators.authenticate_api_key("ops-key") == Operator("ops", "operator")
    assert operators.authenticate_api_key("ops") is None


def _client(throttle: LoginThrottle | None = None) -> TestClient:
    app = FastAPI()
    app.state.operators = _operators()
    app.state.partner_key = lambda key: key == "partner-key"
    if throttle is not None:
        app.state.throttle = throttle

    @app.get("/look")
    async def look(operator: ViewerKey) -> dict[str, str]:
        return {"name": operator.name}

    @app.post("/act")
    async def act(operator: OperatorKey) -> dict[str, str]:
        return {"name": operator.name}

    @app.post("/login")
    async def login(request: Request, name: str, password: str) -> dict[str, str]:
        operator = await password_login(request, name, password)
        return {"name": operator.name, "role": operator.role}

    return TestClient(app)


def test_dependencies_answer_401_403_by_role() -> None:
    client = _client()

    def call(method: str, path: str, key: str | None) -> tuple[int, str | None]:
        headers = {"X-API-Key": key} if key is not None else {}
        answer = client.request(method, path, headers=headers)
        return answer.status_code, answer.json().get("name")

    assert call("GET", "/look", "vic-key") == (200, "vic")
    assert call("GET", "/look", "ann-key") == (200, "ann")
    assert call("POST", "/act", "ann-key") == (200, "ann")
    assert call("POST", "/act", "vic-key")[0] == 403
    assert call("POST", "/act", "partner-key")[0] == 403
    assert call("GET", "/look", "partner-key")[0] == 403
    assert call("POST", "/act", "wrong")[0] == 401
    assert call("POST", "/act", None)[0] == 401


def test_wrong_operator_keys_lock_the_address_but_valid_keys_are_served(
    caplog: pytest.LogCaptureFixture,
) -> None:
    limits = LoginLimits(free_failures=1, delay_base=0.01, delay_max=0.02, lockout_after=3)
    throttle = LoginThrottle(limits)
    client = _client(throttle)
    assert client.get("/look", headers={"X-API-Key": "ann-key"}).json() == {"name": "ann"}
    codes = [client.post("/act", headers={"X-API-Key": f"guess-{n}"}).status_code
             for n in range(4)]  # fmt: skip
    assert codes == [401, 401, 401, 429]  # the third locks the address for wrong keys
    assert throttle.locked("peer:testclient") > 0
    # keys cannot be guessed: a key verified before is served from the locked address
    assert client.post("/act", headers={"X-API-Key": "ann-key"}).status_code == 200
    assert client.post("/act", headers={"X-API-Key": "partner-key"}).status_code == 403
    # a key not verified yet is not checked (no argon2) while the address is locked
    unseen = client.get("/look", headers={"X-API-Key": "vic-key"})
    assert unseen.status_code == 429 and int(unseen.headers["Retry-After"]) > 0
    wrong = client.get("/look", headers={"X-API-Key": "guess-9"})  # a wrong one still is not
    assert wrong.status_code == 429 and int(wrong.headers["Retry-After"]) > 0
    failed = [r for r in caplog.records if r.getMessage() == "failed login"]
    assert [r.locked_out for r in failed] == [False] * 3 + [True] * 3  # type: ignore[attr-defined]
    assert all(r.levelname == "WARNING" and r.peer == "testclient" for r in failed)  # type: ignore[attr-defined]
    assert not any("guess" in str(vars(r)) for r in caplog.records)


def test_no_key_is_not_a_failed_login(caplog: pytest.LogCaptureFixture) -> None:
    limits = LoginLimits(free_failures=0, delay_base=5.0, lockout_after=2)
    throttle = LoginThrottle(limits)
    client = _client(throttle)
    assert [client.post("/act").status_code for _ in range(5)] == [401] * 5  # no delay either
    assert client.get("/look", headers={"X-API-Key": ""}).status_code == 401
    assert throttle.locked("peer:testclient") == 0.0
    assert not [r for r in caplog.records if r.getMessage() == "failed login"]
    throttle.failed("peer:testclient")
    throttle.failed("peer:testclient")  # locked by real failures (e.g. passwords) ...
    assert client.post("/act").status_code == 401  # ... a missing key is still just 401


class _Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_throttle_delay_grows_then_locks_then_expires() -> None:
    clock = _Clock()
    limits = LoginLimits(free_failures=2, delay_base=0.5, delay_max=3.0, lockout_after=6,
                         lockout_seconds=60, window_seconds=600)  # fmt: skip
    throttle = LoginThrottle(limits, clock)
    delays = [throttle.failed("account:a", "peer:p") for _ in range(5)]
    assert delays == [0.0, 0.0, 0.5, 1.0, 2.0]
    assert throttle.locked("account:a") == 0.0
    assert throttle.failed("account:a", "peer:p") == 3.0  # capped; the sixth locks
    assert throttle.locked("account:a") == 60 and throttle.locked("peer:p") == 60
    assert throttle.locked("account:b", "peer:q") == 0.0
    clock.now += 30
    assert throttle.locked("account:b", "peer:p") == 30
    clock.now += 31
    assert throttle.locked("account:a", "peer:p") == 0.0


def test_throttle_success_forgets_the_account_and_window_forgets_old_failures() -> None:
    clock = _Clock()
    limits = LoginLimits(free_failures=1, delay_base=1.0, lockout_after=100, window_seconds=60)
    throttle = LoginThrottle(limits, clock)
    throttle.failed("account:a", "peer:p")
    assert throttle.failed("account:a", "peer:p") == 1.0
    throttle.succeeded("account:a")
    assert throttle.failed("account:a") == 0.0  # the account starts over
    assert throttle.failed("peer:p") == 2.0  # the address does not
    clock.now += 61
    assert throttle.failed("peer:p") == 0.0


def test_password_login_throttled_and_logged(caplog: pytest.LogCaptureFixture) -> None:
    """Passwords: delay per account and per address, lockout per account only."""
    limits = LoginLimits(free_failures=1, delay_base=0.01, delay_max=0.02, lockout_after=3)
    throttle = LoginThrottle(limits)
    client = _client(throttle)

    def login(name: str, password: str) -> int:
        return client.post("/login", params={"name": name, "password": password}).status_code

    assert client.post("/login", params={"name": "ann", "password": "ann-pw"}).json() == {
        "name": "ann", "role": "operator"}  # fmt: skip
    assert [login("ann", "nope-1"), login("nobody", "nope-2")] == [401, 401]
    assert login("ann", "nope-3") == 401
    assert login("nobody", "nope-4") == 401  # the address is past lockout_after, not locked
    assert login("ann", "nope-5") == 401  # ann's third failure locks ann
    assert login("ann", "ann-pw") == 429
    assert login("vic", "vic-pw") == 200  # another account's right password, same address
    assert login("vic", "nope-6") == 401  # its wrong ones get the address's delay, not 429
    assert throttle.failed("peer:testclient") == limits.delay_max  # the address's delay grew
    failed = [r for r in caplog.records if r.getMessage() == "failed login"]
    assert [r.account for r in failed] == [  # type: ignore[attr-defined]
        "ann",
        "nobody",
        "ann",
        "nobody",
        "ann",
        "ann",
        "vic",
    ]
    assert [r.locked_out for r in failed] == [False] * 5 + [True, False]  # type: ignore[attr-defined]
    assert all(r.levelname == "WARNING" and r.peer for r in failed)  # type: ignore[attr-defined]
    assert not any("nope" in str(vars(r)) or "-pw" in str(vars(r)) for r in caplog.records)


class _Conn:
    """The part of an asyncssh server connection `_AccountServer` uses."""

    def get_extra_info(self, name: str) -> tuple[str, int]:
        return ("10.9.8.7", 40000)

    def disconnect(self, code: int, reason: str) -> None:
        pass


def test_sftp_password_lockout_is_per_account_not_per_address() -> None:
    """Behind one NAT: guesses at `acme` lock `acme` only; `beta` still logs in."""
    limits = LoginLimits(free_failures=1, delay_base=0.01, delay_max=0.02, lockout_after=3)
    throttle = LoginThrottle(limits)
    accounts = {name: SftpAccount(name, name, password_hash=hash_password(f"{name}-pw"))
                for name in ("acme", "beta")}  # fmt: skip

    async def attempts(tries: list[tuple[str, str]]) -> list[bool]:
        server = _AccountServer(accounts, {}, throttle, max_auth_tries=100)
        server.connection_made(_Conn())  # type: ignore[arg-type]
        return [await server.validate_password(name, password) for name, password in tries]

    tries = [("acme", f"guess-{n}") for n in range(3)] + [("ghost", "guess-3")]
    tries += [("acme", "acme-pw"), ("beta", "beta-pw"), ("beta", "guess-4"), ("beta", "beta-pw")]
    assert asyncio.run(attempts(tries)) == [False] * 5 + [True, False, True]
    assert throttle.locked("account:sftp:acme") > 0
    assert throttle.locked("account:sftp:beta") == 0.0
