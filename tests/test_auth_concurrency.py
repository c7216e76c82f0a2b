"""Logins arriving at once: parallel guesses get no more than `lockout_after` checks per
account / address (SSH passwords, console passwords, operator API keys), password hashes are
checked a few at a time in the process, a locked address costs no hashing, and an operator's
key on a partner route is not a failed login."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.security import APIKeyHeader

from gateway.auth import operators as operators_module
from gateway.auth.hashing import MAX_CHECKS, run_check
from gateway.auth.operators import (
    OperatorAccount,
    Operators,
    ViewerKey,
    hash_secret,
    password_login,
    refuse_key,
)
from gateway.auth.throttle import LockedOut, LoginLimits, LoginThrottle
from gateway.inbound import sftp as sftp_module
from gateway.inbound.credentials import hash_password, verify_password
from gateway.inbound.sftp import SftpAccount, _AccountServer

LIMITS = LoginLimits(free_failures=2, delay_base=0.001, delay_max=0.002, lockout_after=6)


class Checks:
    """Wraps a hash check: how many ran, and the most running at the same time."""

    def __init__(self, real: Callable[[str, str], bool]) -> None:
        self.real, self.calls, self.running, self.most = real, 0, 0, 0
        self.lock = threading.Lock()

    def __call__(self, encoded: str, secret: str) -> bool:
        with self.lock:
            self.calls += 1
            self.running += 1
            self.most = max(self.most, self.running)
        try:
            return self.real(encoded, secret)
        finally:
            with self.lock:
                self.running -= 1


def _failed(caplog: pytest.LogCaptureFixture) -> list[bool]:
    """`locked_out` of every "failed login" logged."""
    return [r.locked_out for r in caplog.records if r.getMessage() == "failed login"]  # type: ignore[attr-defined]


class _Conn:
    def get_extra_info(self, name: str) -> tuple[str, int]:
        return ("10.1.2.3", 50000)

    def disconnect(self, code: int, reason: str) -> None:
        pass


def test_parallel_ssh_guesses_get_lockout_after_checks(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """45 connections guess `acme` at once, the right password 38th: only `lockout_after`
    guesses are checked, the right one is refused; `beta` logs in meanwhile."""
    checks = Checks(verify_password)
    monkeypatch.setattr(sftp_module, "verify_password", checks)
    throttle = LoginThrottle(LIMITS)
    accounts = {name: SftpAccount(name, name, password_hash=hash_password(f"{name}-pw"))
                for name in ("acme", "beta")}  # fmt: skip
    tries = [("acme", f"guess-{n}") for n in range(45)]
    tries[37] = ("acme", "acme-pw")
    tries.insert(20, ("beta", "beta-pw"))

    async def one(name: str, password: str) -> bool:
        server = _AccountServer(accounts, {}, throttle, max_auth_tries=6)
        server.connection_made(_Conn())  # type: ignore[arg-type]
        return await server.validate_password(name, password)

    async def all_at_once() -> list[bool]:
        return await asyncio.gather(*(one(name, pw) for name, pw in tries))

    results = asyncio.run(all_at_once())
    assert results == [name == "beta" for name, _ in tries]  # acme's right password too: no
    assert checks.calls == LIMITS.lockout_after + 1  # acme's allowance, and beta's login
    assert checks.most <= MAX_CHECKS
    assert throttle.locked("account:sftp:acme") > 0 and not throttle.locked("account:sftp:beta")
    locked = _failed(caplog)
    assert locked.count(False) == LIMITS.lockout_after and locked.count(True) == 45 - 6


def _app(throttle: LoginThrottle, operators: Operators) -> FastAPI:
    app = FastAPI()
    app.state.operators = operators
    app.state.throttle = throttle
    app.state.partner_key = lambda key: key == "partner-key"
    header = APIKeyHeader(name="X-API-Key", auto_error=False)

    @app.get("/look")
    async def look(operator: ViewerKey) -> dict[str, str]:
        return {"name": operator.name}

    @app.post("/login")
    async def login(request: Request, name: str, password: str) -> dict[str, str]:
        return {"name": (await password_login(request, name, password)).name}

    @app.get("/partner")
    async def partner(request: Request) -> dict[str, str]:
        if await header(request) == "partner-key":
            return {"partner": "acme"}
        await refuse_key(request, throttle, "partner-api-key", "account:partner:acme")
        raise AssertionError("unreachable")

    return app


def _operators() -> Operators:
    return Operators({
        "ann": OperatorAccount(role="operator", password_hash=hash_secret("ann-pw"),
                               api_key_hash=hash_secret("ann-key")),
        "vic": OperatorAccount(role="viewer", api_key_hash=hash_secret("vic-key")),
    })  # fmt: skip


async def _at_once(app: FastAPI, requests: list[tuple[str, str, dict[str, str]]]) -> list[int]:
    """Send every (method, path, params-or-headers) at the same time; the status codes."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:

        async def one(method: str, path: str, extra: dict[str, str]) -> int:
            if method == "POST":
                return (await client.post(path, params=extra)).status_code
            return (await client.get(path, headers=extra)).status_code

        return list(await asyncio.gather(*(one(*r) for r in requests)))


def test_parallel_console_guesses_get_lockout_after_checks(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    checks = Checks(operators_module.verify_secret)
    monkeypatch.setattr(operators_module, "verify_secret", checks)
    app = _app(LoginThrottle(LIMITS), _operators())
    tries = [("POST", "/login", {"name": "ann", "password": f"nope-{n}"}) for n in range(25)]
    tries[19] = ("POST", "/login", {"name": "ann", "password": "ann-pw"})
    codes = asyncio.run(_at_once(app, tries))
    assert codes.count(401) == LIMITS.lockout_after and codes[19] == 429
    assert codes.count(429) == 25 - LIMITS.lockout_after
    assert checks.calls == LIMITS.lockout_after and checks.most <= MAX_CHECKS
    assert _failed(caplog).count(False) == LIMITS.lockout_after


def test_parallel_wrong_operator_keys_hash_little_and_a_locked_address_none(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """Wrong keys at once: at most `lockout_after` of them are hashed (each against every
    operator), at most MAX_CHECKS at a time; then the locked address costs no argon2."""
    checks = Checks(operators_module.verify_secret)
    monkeypatch.setattr(operators_module, "verify_secret", checks)
    app = _app(LoginThrottle(LIMITS), _operators())
    codes = asyncio.run(_at_once(app, [("GET", "/look", {"X-API-Key": f"k{n}"})
                                       for n in range(40)]))  # fmt: skip
    assert codes.count(401) == LIMITS.lockout_after and codes.count(429) == 40 - 6
    assert checks.calls == 2 * LIMITS.lockout_after  # two operators have keys
    assert checks.most <= MAX_CHECKS
    checks.calls = 0
    codes = asyncio.run(_at_once(app, [("GET", "/look", {"X-API-Key": "vic-key"}),
                                       ("GET", "/look", {"X-API-Key": "k99"})]))  # fmt: skip
    assert codes == [429, 429] and checks.calls == 0  # locked: 429 before any hashing
    assert _failed(caplog).count(True) == 40 - 6 + 2


def test_a_known_operator_key_costs_no_argon2_and_is_no_failed_login_on_partner_routes(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    checks = Checks(operators_module.verify_secret)
    monkeypatch.setattr(operators_module, "verify_secret", checks)
    throttle = LoginThrottle(LIMITS)
    app = _app(throttle, _operators())
    ann, vic = {"X-API-Key": "ann-key"}, {"X-API-Key": "vic-key"}
    assert asyncio.run(_at_once(app, [("GET", "/look", ann)])) == [200]
    first = checks.calls
    assert asyncio.run(_at_once(app, [("GET", "/look", ann)] * 5)) == [200] * 5
    assert checks.calls == first  # remembered: no argon2 for a known key
    assert asyncio.run(_at_once(app, [("GET", "/partner", ann)] * 3)) == [403] * 3
    assert _failed(caplog) == [] and throttle.locked("peer:127.0.0.1") == 0.0
    assert not throttle._keys  # not counted for the address nor for the partner
    # a key not verified since the start is not recognised there (no argon2 on partner routes)
    assert asyncio.run(_at_once(app, [("GET", "/partner", vic)])) == [401]
    assert _failed(caplog) == [False]
    assert not any(k in str(vars(r)) for r in caplog.records for k in ("ann-key", "vic-key"))
    # another Operators (settings loaded again) does not know the key until it verifies again
    app.state.operators = _operators()
    assert asyncio.run(_at_once(app, [("GET", "/partner", ann)])) == [401]


def test_throttle_reserves_attempts_until_they_end() -> None:
    limits = LoginLimits(lockout_after=3, lockout_seconds=60)
    now = [0.0]
    throttle = LoginThrottle(limits, lambda: now[0])
    first = throttle.begin("account:a", "peer:p", lock=("account:a",))
    second = throttle.begin("account:a", "peer:p", lock=("account:a",))
    throttle.failed("account:a")
    with pytest.raises(LockedOut) as refused:  # 1 failure + 2 running: no more room
        throttle.begin("account:a", lock=("account:a",))
    assert refused.value.wait == 60
    assert throttle.locked("account:a") == 60 and throttle.locked("account:b", "peer:p") == 0.0
    other = throttle.begin("account:b", "peer:p", lock=("account:b",))  # others unaffected
    second.close()  # e.g. the connection went away: not counted, the room is back
    second.close()  # once only
    with throttle.begin("account:a") as third:
        assert throttle._running == {"account:a": 2, "account:b": 1}
    assert throttle._running == {"account:a": 1, "account:b": 1} and third
    first.succeeded("account:a")
    other.failed()
    assert throttle._running == {} and "account:a" not in throttle._keys
    assert throttle._keys["peer:p"].count == 1 and throttle._keys["account:b"].count == 1


def test_hash_checks_run_at_most_max_checks_at_a_time() -> None:
    """Checks that block until released: only MAX_CHECKS start, the rest wait their turn."""
    release = threading.Event()
    checks = Checks(lambda encoded, secret: release.wait(30))

    async def burst() -> list[bool]:
        tasks = [asyncio.create_task(run_check(checks, "h", str(n))) for n in range(3 * MAX_CHECKS)]
        for _ in range(500):  # until the pool has started what it can
            if checks.running >= MAX_CHECKS:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.1)  # room for a wrongly started extra check
        running = checks.running
        release.set()
        done = await asyncio.gather(*tasks)
        assert running == MAX_CHECKS
        return list(done)

    assert asyncio.run(burst()) == [True] * (3 * MAX_CHECKS)
    assert checks.most == MAX_CHECKS and checks.calls == 3 * MAX_CHECKS
