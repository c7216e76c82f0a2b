"""`edigw serve`: one process with the HTTP API, the hosted SFTP server, the work loop and the
scheduler jobs (and, with --demo, the SP-API emulator as the target)."""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import uvicorn
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from pydantic import SecretStr

from gateway.emulator.app import create_app as create_emulator
from gateway.emulator.config import EmulatorConfig
from gateway.inbound.sftp import SftpAccount, start_sftp_server
from gateway.ledger.store import Ledger
from gateway.mapping.codes import load_code_tables
from gateway.profile import load_partners
from gateway.service.api import create_api
from gateway.service.config import ServiceSettings
from gateway.service.jobs import check_alerts, purge_archive, purge_parts, retry_failed
from gateway.service.logs import setup_logging
from gateway.service.metrics import Metrics
from gateway.service.pool import TranslationPool
from gateway.service.runtime import Runtime
from gateway.service.storage import FileStore
from gateway.service.uploads import TimedH11Protocol
from gateway.service.worker import Gateway, SftpIntake
from gateway.settings import SellerAccount
from gateway.submit.client import SpApiClient
from gateway.submit.submitter import Submitter

__all__ = ["DEMO_SELLER", "demo_settings", "run_service"]

log = logging.getLogger("edigw.service")
DEMO_SELLER = "demo"


def demo_settings(settings: ServiceSettings, emulator_port: int) -> ServiceSettings:
    """The demo seller, pointed at the in-process emulator with its default credentials."""
    base = f"http://127.0.0.1:{emulator_port}"
    config = EmulatorConfig()
    seller = SellerAccount(client_id=config.client_id,
                           client_secret=SecretStr(config.client_secret),
                           refresh_token=SecretStr(config.refresh_token),
                           endpoint=base, sandbox_endpoint=f"{base}/sandbox",
                           token_url=f"{base}/auth/o2/token")  # fmt: skip
    submit = settings.submit.model_copy(update={"poll_interval": 0.5})
    sellers = {**settings.sellers, DEMO_SELLER: seller}
    update = {"sellers": sellers, "emulator_port": emulator_port, "submit": submit}
    return settings.model_copy(update=update)


@contextmanager
def _emulator_thread(port: int) -> Iterator[None]:
    """The SP-API emulator on 127.0.0.1:port in a thread of this process."""
    server = uvicorn.Server(uvicorn.Config(create_emulator(EmulatorConfig()), host="127.0.0.1",
                                           port=port, log_level="warning", lifespan="off",
                                           access_log=False))  # fmt: skip
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


async def _serve(settings: ServiceSettings) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    partners = load_partners(settings.mappings_dir)
    ledger = Ledger(settings.url)
    ledger.migrate()
    client = SpApiClient(settings.submit, settings.sellers) if settings.sellers else None
    default_seller = next(iter(settings.sellers), None)
    rt = Runtime(settings=settings, ledger=ledger, store=FileStore(settings.data_dir),
                 partners=partners, tables=load_code_tables(settings.mappings_dir),
                 metrics=Metrics(),
                 submitter=Submitter(client, settings.submit) if client else None,
                 default_seller=default_seller)  # fmt: skip
    pool = TranslationPool(settings, partners, rt.tables, settings.translation_workers)
    warming = asyncio.create_task(pool.warm_up())  # in the background: start-up not delayed
    gateway = Gateway(rt, pool)
    gateway.recover()
    await gateway.sweep_inboxes()
    acceptor = await start_sftp_server(settings.sftp_host, settings.sftp_port, rt.sftp_root,
                                       _accounts(rt), SftpIntake(gateway),
                                       settings.data_dir / "ssh_host_key")  # fmt: skip
    scheduler = AsyncIOScheduler()
    scheduler.add_job(gateway.poll, "interval", seconds=settings.poll_interval,
                      max_instances=1, coalesce=True, id="poll-transactions")  # fmt: skip
    scheduler.add_job(check_alerts, "interval", args=[rt], seconds=settings.alert_interval,
                      max_instances=1, coalesce=True, id="alerts")  # fmt: skip
    scheduler.add_job(retry_failed, "interval", args=[gateway], seconds=300, max_instances=1,
                      coalesce=True, id="retry-failed")  # fmt: skip
    scheduler.add_job(purge_archive, "interval", args=[rt], hours=24, max_instances=1,
                      id="archive-retention")  # fmt: skip
    scheduler.add_job(purge_parts, "interval", args=[rt], hours=1, max_instances=1,
                      next_run_time=datetime.now(UTC), id="part-retention")  # fmt: skip
    scheduler.start()
    api = _Server(uvicorn.Config(create_api(gateway), host=settings.http_host,
                                        port=settings.http_port, log_level="warning",
                                        lifespan="off", access_log=False,
                                        http=TimedH11Protocol.with_header_timeout(
                                            settings.http_timeout),
                                        limit_concurrency=settings.http_max_connections,
                                        timeout_keep_alive=5,
                                        timeout_graceful_shutdown=3))  # fmt: skip
    stop = asyncio.Event()
    worker = asyncio.create_task(gateway.run(stop))
    log.info("edigw serving", extra={"http": f"{settings.http_host}:{settings.http_port}",
                                     "sftp": f"{settings.sftp_host}:{settings.sftp_port}",
                                     "data_dir": str(settings.data_dir),
                                     "partners": sorted(partners)})  # fmt: skip
    loop = asyncio.get_running_loop()

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
        await worker
        warming.cancel()
        pool.close()
        scheduler.shutdown(wait=False)
        acceptor.close()
        await acceptor.wait_closed()
        if client is not None:
            await client.aclose()
        ledger.close()


def run_service(settings: ServiceSettings, demo: bool) -> None:
    """Run until SIGTERM / SIGINT."""
    setup_logging()
    if demo:
        settings = demo_settings(settings, settings.emulator_port or 8700)
    if settings.emulator_port is not None:
        with _emulator_thread(settings.emulator_port):
            asyncio.run(_serve(settings))
    else:
        asyncio.run(_serve(settings))
