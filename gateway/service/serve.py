"""`edigw serve`: one process with the HTTP API, the hosted SFTP server, the work loop and the
scheduler jobs (and, with --demo, the SP-API emulator as the target)."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import signal
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvicorn
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from pydantic import SecretStr

from gateway.auth.operators import Operators, demo_operators
from gateway.auth.throttle import LoginThrottle
from gateway.durable import write_durably
from gateway.emulator.app import create_app as create_emulator
from gateway.emulator.config import EmulatorConfig, Settle
from gateway.emulator.state import EmulatorState
from gateway.inbound.sftp import SftpAccount, start_sftp_server
from gateway.ledger.migrate import SchemaTooNew, check_schema
from gateway.ledger.settling import REAUTHORIZATION_NEEDED
from gateway.ledger.store import Ledger
from gateway.mapping.codes import load_code_tables
from gateway.profile import PartnerProfile, ProfileError, load_partners, mappings_dir
from gateway.service.api import create_api
from gateway.service.config import ServiceSettings
from gateway.service.jobs import check_alerts, purge_archive, purge_parts, retry_failed
from gateway.service.logs import setup_logging
from gateway.service.metrics import Metrics
from gateway.service.pool import TranslationPool
from gateway.service.runtime import Runtime
from gateway.service.sellers import record_in_use, resume_sellers
from gateway.service.startup import (
    Listener,
    StartupError,
    check_demo_hosts,
    check_ports,
    lock_data_dir,
    make_private,
)
from gateway.service.storage import FileStore
from gateway.service.uploads import TimedH11Protocol
from gateway.service.webhooks import WebhookPusher
from gateway.service.worker import Gateway, SftpIntake
from gateway.settings import SellerAccount
from gateway.submit.client import SpApiClient
from gateway.submit.submitter import Submitter

__all__ = [
    "DEMO_SELLER",
    "StartupError",
    "check_partners",
    "demo_settings",
    "run_service",
    "startup_summary",
]

log = logging.getLogger("edigw.service")
_DEMO_REQUEST_LOG = 200  # requests the in-process emulator keeps for GET /_emulator/requests
DEMO_SELLER = "demo"
# the demo seller's fields that point it at the in-process emulator (replaced by --demo)
EMULATOR_FIELDS = frozenset({"client_id", "client_secret", "refresh_token", "endpoint",
                             "sandbox_endpoint", "token_url"})  # fmt: skip


def check_partners(partners: dict[str, PartnerProfile], settings: ServiceSettings) -> None:
    """Every partner's seller is configured (no silent pending); StartupError names them."""
    default = next(iter(settings.sellers), None)
    missing = sorted(f"partner {pid!r} needs seller {(p.seller or default)!r}"
                     for pid, p in partners.items()
                     if (p.seller or default) not in settings.sellers)  # fmt: skip
    if missing:
        known = ", ".join(sorted(settings.sellers)) or "none"
        raise StartupError("sellers not configured: " + "; ".join(missing) +
                           f" (configured sellers: {known}; add them under `sellers:` in the "
                           "settings file or EDIGW_SELLERS__<NAME>__...)")  # fmt: skip


def startup_summary(partners: dict[str, PartnerProfile], settings: ServiceSettings
                    ) -> dict[str, object]:  # fmt: skip
    """What the start-up log says: partners (with seller and transports), sellers (with
    endpoints and settling policy), ports. Never a secret."""
    return {
        "partners": {pid: {"seller": p.seller or next(iter(settings.sellers), None),
                           "sftp": p.transports.sftp is not None,
                           "http": p.transports.http is not None,
                           "webhook": bool(p.transports.http and p.transports.http.webhook_url)}
                     for pid, p in sorted(partners.items())},
        "sellers": {name: {"region": a.region, "endpoint": a.base_url(False),
                           "sandbox_endpoint": a.base_url(True), "token_url": a.token_url,
                           "assume_success_after": a.assume_success_after,
                           "processing_policy": a.processing_policy}
                    for name, a in sorted(settings.sellers.items())},
        "http": f"{settings.http_host}:{settings.http_port}",
        "sftp": f"{settings.sftp_host}:{settings.sftp_port}",
        "emulator_port": settings.emulator_port,
    }  # fmt: skip


def demo_settings(settings: ServiceSettings, emulator_port: int) -> ServiceSettings:
    """The demo seller, pointed at the in-process emulator with its default credentials, and
    the demo operator `ops` (password `ops`, API key `ops-key`).

    Only what concerns the emulator is replaced (`EMULATOR_FIELDS`: its endpoints and
    credentials); anything else the settings give for seller `demo` (the settling deadline
    and policy, the region) is kept."""
    base = f"http://127.0.0.1:{emulator_port}"
    config = EmulatorConfig()
    emulator = {"client_id": config.client_id, "client_secret": SecretStr(config.client_secret),
                "refresh_token": SecretStr(config.refresh_token), "endpoint": base,
                "sandbox_endpoint": f"{base}/sandbox",
                "token_url": f"{base}/auth/o2/token"}  # fmt: skip
    assert set(emulator) == EMULATOR_FIELDS
    configured = settings.sellers.get(DEMO_SELLER)
    seller = (configured.model_copy(update=emulator) if configured is not None
              else SellerAccount.model_validate(emulator))  # fmt: skip
    submit = settings.submit.model_copy(update={"poll_interval": 0.5})
    sellers = {**settings.sellers, DEMO_SELLER: seller}
    operators = {**demo_operators(), **settings.operators}
    update = {
        "sellers": sellers,
        "emulator_port": emulator_port,
        "submit": submit,
        "operators": operators,
    }
    return settings.model_copy(update=update)


@contextmanager
def _emulator_thread(port: int, settle: Settle = "never",
                     state_file: Path | None = None) -> Iterator[None]:  # fmt: skip
    """The SP-API emulator on 127.0.0.1:port in a thread of this process; with `state_file`
    its confirmations, transactions and request record are read from it at start and written
    back at the end (the demo keeps them in the data folder across restarts)."""
    # the demo's memory stays flat: each request is recorded with its parsed body, ~165 KB
    # for a call of 100 status updates; 2,000 of them grew the serving process by ~45 MB per
    # 13,000-interchange mailbag (benchmarks/service_memory.py --service), up to ~330 MB
    config = EmulatorConfig(settle=settle, request_log=_DEMO_REQUEST_LOG)
    if settle != "never":
        log.warning("the in-process SP-API emulator settles transactions as %r after %g s "
                    "(a snappy demo; Amazon's production leaves V1 transactions Processing)",
                    settle, config.settle_after)  # fmt: skip
    app = create_emulator(config)
    state: EmulatorState = app.state.emulator
    if state_file is not None and state_file.is_file():
        state.restore(json.loads(state_file.read_text(encoding="utf-8")))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off", access_log=False))  # fmt: skip
    thread = threading.Thread(target=server.run, name="edigw-emulator", daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and thread.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    try:
        yield
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        if state_file is not None:
            write_durably(state_file, json.dumps(state.snapshot()).encode("utf-8"))


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: it would re-raise SIGTERM after its own
    shutdown and kill the process before the worker, SFTP server and ledger are closed."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _accounts(rt: Runtime) -> list[SftpAccount]:
    partners, accounts = rt.partners, []
    for partner_id, profile in partners.items():
        sftp = profile.transports.sftp
        if sftp is not None:
            accounts.append(SftpAccount(partner_id=partner_id, username=sftp.username,
                                        password_hash=sftp.password_hash,
                                        public_keys=sftp.public_keys,
                                        max_file_bytes=rt.max_file_bytes(partner_id)))  # fmt: skip
    return accounts


def http_config(app: Any, settings: ServiceSettings) -> uvicorn.Config:
    """The HTTP server's uvicorn configuration: the limits of `settings` (header time,
    connections in all and per peer) and the reverse proxies whose X-Forwarded-For is
    believed (`http_trusted_proxies`; none: no header is, not even 127.0.0.1's)."""
    trusted = settings.http_trusted_proxies.strip()
    return uvicorn.Config(app, host=settings.http_host, port=settings.http_port,
                          log_level="warning", lifespan="off", access_log=False,
                          http=TimedH11Protocol.with_limits(
                              settings.http_timeout, settings.http_max_connections_per_peer),
                          limit_concurrency=settings.http_max_connections,
                          proxy_headers=bool(trusted), forwarded_allow_ips=trusted or None,
                          timeout_keep_alive=5, timeout_graceful_shutdown=3)  # fmt: skip


async def _serve(settings: ServiceSettings, partners: dict[str, PartnerProfile],
                 settings_file: Path | None = None) -> None:  # fmt: skip
    make_private(settings.data_dir)
    ledger = Ledger(settings.url)
    try:
        ledger.migrate()
    except SchemaTooNew as exc:
        ledger.close()
        raise StartupError(str(exc)) from None
    for seller, (state, _) in ledger.seller_states().items():  # tried again once per start
        if state == REAUTHORIZATION_NEEDED and seller in settings.sellers:
            ledger.resume_seller(seller)
    record_in_use(ledger, dict(settings.sellers))  # what `edigw sellers check` compares with
    client = SpApiClient(settings.submit, settings.sellers) if settings.sellers else None
    default_seller = next(iter(settings.sellers), None)
    rt = Runtime(settings=settings, ledger=ledger, store=FileStore(settings.data_dir),
                 partners=partners, tables=load_code_tables(settings.mappings_dir),
                 metrics=Metrics(),
                 submitter=Submitter(client, settings.submit) if client else None,
                 default_seller=default_seller, settings_file=settings_file,
                 operators=Operators(settings.operators),
                 throttle=LoginThrottle(settings.login))  # fmt: skip
    pool = TranslationPool(settings, partners, rt.tables, settings.translation_workers)
    warming = asyncio.create_task(pool.warm_up())  # in the background: start-up not delayed
    gateway = Gateway(rt, pool)
    gateway.recover()
    await gateway.sweep_inboxes()
    limits = settings.login
    acceptor = await start_sftp_server(
        settings.sftp_host, settings.sftp_port, rt.sftp_root, _accounts(rt), SftpIntake(gateway),
        settings.data_dir / "ssh_host_key", throttle=rt.throttle,
        max_auth_tries=limits.ssh_max_auth_tries, login_grace_time=limits.ssh_login_grace_time,
        max_startups=limits.ssh_max_startups,
        max_startups_per_peer=limits.ssh_max_startups_per_peer,
    )  # fmt: skip
    scheduler = AsyncIOScheduler()
    scheduler.add_job(_job(gateway.poll), "interval", seconds=settings.poll_interval,
                      max_instances=1, coalesce=True, id="poll-transactions")  # fmt: skip
    scheduler.add_job(_job(check_alerts), "interval", args=[rt, {}],
                      seconds=settings.alert_interval, max_instances=1, coalesce=True,
                      id="alerts")  # fmt: skip
    scheduler.add_job(_job(retry_failed), "interval", args=[gateway], seconds=300, max_instances=1,
                      coalesce=True, id="retry-failed")  # fmt: skip
    scheduler.add_job(_job(purge_archive), "interval", args=[rt], hours=24, max_instances=1,
                      id="archive-retention")  # fmt: skip
    webhooks = WebhookPusher(rt, interval=settings.webhook_interval)
    scheduler.add_job(_job(webhooks.tick), "interval", seconds=settings.webhook_interval,
                      max_instances=1, coalesce=True, id="webhooks")  # fmt: skip
    scheduler.add_job(_job(_resume), "interval", args=[gateway], seconds=settings.poll_interval,
                      max_instances=1, coalesce=True, id="resume-sellers")  # fmt: skip
    scheduler.add_job(_job(purge_parts), "interval", args=[rt], hours=1, max_instances=1,
                      next_run_time=datetime.now(UTC), id="part-retention")  # fmt: skip
    scheduler.start()
    api = _Server(http_config(create_api(gateway), settings))
    stop = asyncio.Event()
    worker = asyncio.create_task(gateway.run(stop))
    ports = {what.lower(): f"{host}:{port}" for what, host, port in _listeners(settings)}
    log.info("edigw serving", extra={**startup_summary(partners, settings), **ports,
                                     "data_dir": str(settings.data_dir)})  # fmt: skip
    if not partners:
        folder = settings.partners_dir or (settings.mappings_dir or mappings_dir()) / "partners"
        log.warning(f"no partner configured: nobody can send files. Add a profile to {folder} "
                    "(see its README.md) and restart, or try `edigw serve --demo`")  # fmt: skip
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGHUP, lambda: asyncio.ensure_future(_resume(gateway)))

    def shut_down(sig: int) -> None:  # the API and the work loop stop side by side
        log.info("edigw shutting down", extra={"signal": signal.Signals(sig).name})
        stop.set()
        api.handle_exit(sig, None)

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, shut_down, sig)
    try:
        await api.serve()  # until SIGTERM / SIGINT, then a clean shutdown of everything
    finally:
        stop.set()
        scheduler.shutdown(wait=False)  # no new job; a running one is cancelled (see _job)
        await worker
        if not warming.done():  # workers still starting: stopped now, a spawned child may
            await asyncio.wait({warming}, timeout=_WARMING_WAIT)  # find its lock gone
        warming.cancel()
        pool.close()
        await webhooks.aclose()
        acceptor.close()
        await acceptor.wait_closed()
        if client is not None:
            await client.aclose()
        ledger.close()
        log.info("edigw stopped")


# seconds a stop waits for translation workers still starting (they take a few to import
# the gateway): stopping the pool while one is spawned left it without the semaphore it
# unpickles, and its traceback on stderr (multiprocessing spawn); within the 10 s stop
_WARMING_WAIT = 5.0


def _job(func: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[None]]:
    """A scheduled job that the service's stop may cancel: the cancellation ends it quietly
    (it runs again after the next start) instead of being logged as the job's failure."""

    @functools.wraps(func)
    async def run(*args: Any) -> None:
        try:
            await func(*args)
        except asyncio.CancelledError:
            log.info("job stopped with the service", extra={"job": func.__name__})

    return run


def _listeners(settings: ServiceSettings) -> list[Listener]:
    listeners = [("HTTP", settings.http_host, settings.http_port),
                 ("SFTP", settings.sftp_host, settings.sftp_port)]  # fmt: skip
    if settings.emulator_port is not None:
        listeners.append(("emulator", "127.0.0.1", settings.emulator_port))
    return listeners


async def _resume(gateway: Gateway) -> None:
    """Sellers whose credentials work again (or changed in the settings file) resume."""
    if await resume_sellers(gateway.rt):
        gateway.notify()


def run_service(settings: ServiceSettings, demo: bool, settings_file: Path | None = None,
                emulator_settle: Settle = "never") -> None:  # fmt: skip
    """Run until SIGTERM / SIGINT (SIGHUP: reload the sellers' credentials). StartupError
    before anything is written when a partner profile is invalid, a partner's seller is not
    configured or a port is taken (PortBusy)."""
    setup_logging()
    if demo:
        settings = demo_settings(settings, settings.emulator_port or 8700)
    try:
        partners = load_partners(settings.mappings_dir, partners_dir=settings.partners_dir,
                                 demo=demo)  # fmt: skip
    except (OSError, ProfileError) as exc:
        raise StartupError(f"cannot load the partner profiles: {exc}") from exc
    check_partners(partners, settings)
    if demo:
        check_demo_hosts(_listeners(settings))
    check_ports(_listeners(settings))
    settings.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    data_lock = lock_data_dir(settings.data_dir)  # held until the process ends
    ledger = Ledger(settings.url)
    try:  # a ledger from a newer release: refused before anything starts or is written
        check_schema(ledger.engine)
    except SchemaTooNew as exc:
        raise StartupError(str(exc)) from None
    finally:
        ledger.close()
    if settings.emulator_port is not None:
        state_file = settings.data_dir / "emulator-state.json" if demo else None
        with _emulator_thread(settings.emulator_port, emulator_settle, state_file):
            asyncio.run(_serve(settings, partners, settings_file))
    else:
        asyncio.run(_serve(settings, partners, settings_file))
    os.close(data_lock)
