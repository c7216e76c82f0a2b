"""Operator accounts (argon2 hashes, roles, the X-API-Key dependencies) and the failed-login
throttle (growing delay, lockout, forgetting)."""

from __future__ import annotations

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
        "vic": OperatorAccount(role="viewer", api_key_hash=hash_secret("vic-key")),
    })  # fmt: skip


def test_authenticate_by_password_and_by_key() -> None:
    operators = _operators()
    assert operators.authenticate_password("ann", "ann-pw") == Operator("ann", "operator")
    assert operators.authenticate_password("ann", "ann-key") is None
    assert operators.authenticate_password("vic", "") is None  # no password set
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


def test_wrong_operator_keys_lock_the_address_out() -> None:
    limits = LoginLimits(free_failures=1, delay_base=0.01, delay_max=0.02, lockout_after=3)
    client = _client(LoginThrottle(limits))
    codes = [client.post("/act", headers={"X-API-Key": f"guess-{n}"}).status_code
             for n in range(3)]  # fmt: skip
    assert codes == [401, 401, 401]
    locked = client.post("/act", headers={"X-API-Key": "ann-key"})  # even the right key
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0


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
    limits = LoginLimits(free_failures=1, delay_base=0.01, delay_max=0.02, lockout_after=3)
    client = _client(LoginThrottle(limits))

    def login(name: str, password: str) -> int:
        return client.post("/login", params={"name": name, "password": password}).status_code

    assert client.post("/login", params={"name": "ann", "password": "ann-pw"}).json() == {
        "name": "ann", "role": "operator"}  # fmt: skip
    assert [login("ann", "nope-1"), login("nobody", "nope-2")] == [401, 401]
    assert login("ann", "nope-3") == 401  # the third failure from this address locks it
    assert login("ann", "ann-pw") == 429
    failed = [r for r in caplog.records if r.getMessage() == "failed login"]
    assert [r.account for r in failed][:3] == ["ann", "nobody", "ann"]  # type: ignore[attr-defined]
    assert all(r.levelname == "WARNING" and r.peer for r in failed)  # type: ignore[attr-defined]
    assert not any("nope" in str(vars(r)) for r in caplog.records)
