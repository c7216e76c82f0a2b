"""Translation in worker processes, fairly shared between partners.

Translating is CPU-bound: run on the event loop's side (a thread) it holds the GIL and every
other partner's upload, the SFTP server and the HTTP API wait. `TranslationPool` runs each
translation in a process of a `pebble.ProcessPool` (sized from the CPU count, at least two),
which also gives each translation a time limit (the worker is killed and replaced) and
reports a worker that died (out of memory, a crash) as `ProcessExpired`. Each worker has an
address-space limit (RLIMIT_AS), so a file that would need more raises MemoryError there
instead of taking the host down.

Fairness (gateway.service.fairness): per-partner queues; a partner's big files use at most
`size - 1` workers at once, so they always leave a worker for the others; its short files
may use every free worker (a burst of small files is not held to one worker on a two-core
host); all partners then wait for a worker in arrival order.

Workers are started with `spawn` (a fresh interpreter, not a fork of the serving process with
its threads, sockets and memory) and build their own ledger connection from the settings.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import io
import logging
import multiprocessing
import os
import resource
import signal
import time

from pebble import ProcessExpired, ProcessPool

from gateway.ack.context import AckContext
from gateway.ledger.store import Ledger
from gateway.mapping.codes import CodeTables
from gateway.mapping.result import TranslatedRequest
from gateway.pipeline import translate_stream
from gateway.profile import PartnerProfile
from gateway.service.config import ServiceSettings
from gateway.service.fairness import FairShare
from gateway.service.metrics import Metrics
from gateway.service.runtime import Runtime
from gateway.service.storage import FileStore
from gateway.service.translating import TranslationSummary, translate_received

__all__ = ["ProcessExpired", "TranslationPool", "default_workers"]

log = logging.getLogger("edigw.service")
_MB = 1 << 20
_PR_SET_PDEATHSIG = 1
_worker_rt: Runtime | None = None  # set in each worker process by _start_worker


def default_workers() -> int:
    """Translation workers when the settings do not say: the CPU count, at least two (one
    partner's big file must never occupy the only worker)."""
    return max(2, os.cpu_count() or 1)


def _die_with(parent: int) -> None:
    """A worker must not outlive the service (a SIGKILL of the service included): an orphan
    would go on writing the translation of a file the restarted service translates again.
    Linux prctl(PR_SET_PDEATHSIG, SIGKILL)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):  # not Linux: the parent check below still holds
        log.warning("translation worker cannot follow its parent's death")
    if os.getppid() != parent:  # the service died before the line above
        os._exit(1)


def _start_worker(
    settings: ServiceSettings,
    partners: dict[str, PartnerProfile],
    tables: CodeTables,
    memory_mb: int,
    parent: int,
) -> None:
    """Worker process set-up: dies with the service, memory limit, logging, its own ledger
    connection."""
    global _worker_rt
    from gateway.service.logs import setup_logging

    _die_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C: the service shuts the pool down
    if memory_mb > 0:
        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = memory_mb * _MB if hard == resource.RLIM_INFINITY else min(hard, memory_mb * _MB)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    setup_logging()
    _worker_rt = Runtime(settings=settings, ledger=Ledger(settings.url),
                         store=FileStore(settings.data_dir), partners=partners, tables=tables,
                         metrics=Metrics(),
                         default_seller=next(iter(settings.sellers), None))  # fmt: skip
    _warm_up(tables)


_WARM_UP = (  # a one-event 214: translated once at worker start, so the first partner file
    # does not pay for what the first translation of a process sets up (validators, caches)
    "ISA*00*          *00*          *ZZ*WARMUP         *ZZ*AMAZONDF       *261125*1200*U*"
    "00401*000000001*0*P*>~GS*QM*WARMUP*AMAZONDF*20261125*1200*1*X*004010~ST*214*0001~"
    "B10*1Z1*PO1*SCAC~L11*PO1*PO~LX*1~AT7*D1*NS***20261124*1700*ET~MS1*SEATTLE*WA*US~"
    "L11*1ZWARMUP*2I~SE*8*0001~GE*1*1~IEA*1*000000001~"
)


def _discard(request: TranslatedRequest) -> None:
    request.body_json()


def _warm_up(tables: CodeTables) -> None:
    profile = PartnerProfile(selling_party="999US", ship_from="ABCD", ship_method="UPS_GR_RES")
    try:
        translate_stream(io.BytesIO(_WARM_UP.encode("ascii")), profile, tables, AckContext(),
                         _discard)  # fmt: skip
    except Exception:  # only a warm-up: the real files report their own problems
        log.warning("translation warm-up failed", exc_info=True)


def _translate_in_worker(file_id: str, profile: PartnerProfile | None = None) -> TranslationSummary:
    rt = _worker_rt
    assert rt is not None, "worker not initialised"
    if profile is not None:  # the serving process's current profile (operators' overrides)
        rt.partners[profile.id] = profile
    record = rt.ledger.get_file(file_id)
    if record is None:
        raise LookupError(f"no file {file_id} in the ledger")
    return translate_received(rt, record)


def _ready(hold: float) -> bool:
    time.sleep(hold)
    return _worker_rt is not None


class TranslationPool:
    """Worker processes for `translate_received`; `await pool.translate(partner, file_id)`."""

    def __init__(
        self,
        settings: ServiceSettings,
        partners: dict[str, PartnerProfile],
        tables: CodeTables,
        workers: int | None = None,
    ) -> None:
        self.size = workers or default_workers()
        self.settings = settings
        self._pool = ProcessPool(
            max_workers=self.size,
            initializer=_start_worker,
            initargs=(settings, partners, tables, settings.translation_memory_mb, os.getpid()),
            context=multiprocessing.get_context("spawn"),
        )
        self._share = FairShare(self.size)

    async def warm_up(self) -> None:
        """Start the workers (a spawned worker takes seconds to import the gateway) and log
        "translation workers ready" once they answer, so the first files do not wait for
        them. Each probe holds its worker a moment, so the probes reach different workers."""
        probes = [self._pool.schedule(_ready, args=(0.5,)) for _ in range(self.size)]
        await asyncio.gather(*(asyncio.wrap_future(p) for p in probes))
        log.info("translation workers ready", extra={"workers": self.size})

    def timeout(self, size_bytes: int) -> float:
        """The time limit of a file of `size_bytes`, seconds (ServiceSettings.translation_limit)."""
        return self.settings.translation_limit(size_bytes)

    async def translate(self, partner_id: str, file_id: str,
                        profile: PartnerProfile | None = None,
                        size_bytes: int = 0) -> TranslationSummary:  # fmt: skip
        """Translate and record one file of `size_bytes` in a worker, with `profile` as the
        partner's profile when given (the workers start with the profiles loaded at start-up;
        operators' code-table overrides come later). Raises what the translation raised,
        TimeoutError past the time limit (`timeout(size_bytes)`: the worker was killed),
        ProcessExpired if the worker died; cancelling stops the worker."""
        async with self._share.slot(partner_id, size_bytes):
            future = self._pool.schedule(_translate_in_worker, args=(file_id, profile),
                                         timeout=self.timeout(size_bytes))  # fmt: skip
            return await asyncio.wrap_future(future)

    def close(self) -> None:
        """Stop the workers now (a translation in flight is redone at the next start)."""
        self._pool.stop()  # type: ignore[no-untyped-call]
        self._pool.join(timeout=5)
