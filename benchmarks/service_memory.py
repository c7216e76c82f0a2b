"""Benchmark: the serving process's memory over several big mailbags in a row (issue 11, "flat
memory"). A reviewer saw the main process of `make run` grow with each big mailbag: 152 MB at
start, 280 MB after one 13k-interchange X12 214, 393 MB after two 8 MB ones.

This drives what the service does with a dropped file, in this process, on SQLite in a
temporary folder: the file is received (`Gateway.receive_path`), translated in a translation
worker process (`TranslationPool`, as `edigw serve` does) and its acks delivered
(`Gateway.translate`), its events sent and settled as Amazon's `Success` (the ledger's calls
as `submit_files` and the poll job record them: `mark_sending`, `record_call`,
`update_transaction_status`, 100 events per call), then finished (`finish_file_sync`: the
advices, the last deliveries, done, archived). The files are `write_214(mailbag=True)`
mailbags: one interchange per 214 shipment, 1-3 status events each, under a partner that asks
for positive advices (an 824 per interchange, the most the finishing step records).

Printed per file: this (main) process's RSS after the file, and the tracemalloc peak of each
main-process step above what was held before it (MB = 10^6 bytes). An RSS that grows file
after file is a leak; one that grows with the first file and then stays is a high-water mark
(memory the allocator keeps for reuse). `--no-trace` leaves tracemalloc off (the RSS without
its own bookkeeping).

`--service` measures `make run` itself instead: `edigw serve --demo --emulator-settle success`
in a temporary data folder (the SP-API emulator in the serving process, as there), each file
uploaded over HTTP as the demo partner's (senders made DEMOCARRIER) and waited for until it is
done; printed: the serving process's RSS after each file (its translation workers are its
children, not counted).

    .venv/bin/python benchmarks/service_memory.py [--files 4] [--mb 8] [--no-trace] [--service]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))  # translate.write_214

from translate import write_214

from gateway.ledger import EventState, FileState, Ledger
from gateway.ledger.records import FileRecord
from gateway.mapping.codes import load_code_tables
from gateway.profile import PartnerProfile
from gateway.service.config import ServiceSettings
from gateway.service.finishing import finish_file_sync
from gateway.service.metrics import Metrics
from gateway.service.pool import TranslationPool
from gateway.service.runtime import Runtime
from gateway.service.storage import FileStore
from gateway.service.worker import Gateway
from gateway.spapi import CallResult, TransactionStatus

T = TypeVar("T")
MB = 1e6
CALL = 100  # events per SP-API call (submit.batch_max)


def _profile(positive: bool) -> PartnerProfile:
    return PartnerProfile.model_validate({
        "id": "bulk", "x12_sender_ids": ["SCAC"], "seller": "demo", "selling_party": "999US",
        "ship_from": "ABCD", "ship_method": "UPS_GR_RES", "max_file_mb": 200,
        "ack": {"positive_advice": positive},
    })  # fmt: skip


def _rss() -> float:
    return psutil.Process().memory_info().rss / MB


def _traced(step: Callable[[], T], trace: bool) -> tuple[T, float]:
    """Run `step`; (its result, its tracemalloc peak above what was held before, MB)."""
    if not trace:
        return step(), 0.0
    gc.collect()
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    result = step()
    return result, (tracemalloc.get_traced_memory()[1] - before) / MB


def settle(rt: Runtime, file_id: str) -> int:
    """Send and settle every pending event of the file as Amazon's Success, `CALL` per call,
    through the ledger calls the service makes for them; how many."""
    done = 0
    while True:
        pending = rt.ledger.events_for_files([file_id], [EventState.PENDING], CALL)
        if not pending:
            return done
        call_id = rt.ledger.mark_sending([e.id for e in pending])
        rt.ledger.record_call(call_id, CallResult(
            "submitShipmentStatusUpdates", "http://127.0.0.1/", 202, 1, (f"r-{call_id}",),
            f"t-{call_id}"))  # fmt: skip
        rt.ledger.update_transaction_status(call_id, TransactionStatus.SUCCESS)
        done += len(pending)


def _one_file(gateway: Gateway, path: Path, trace: bool) -> dict[str, float]:
    rt = gateway.rt
    record = asyncio.run(gateway.receive_path("bulk", "sftp", path.name, path))
    started = time.monotonic()
    # the translation in a worker process; this process records the outcome, delivers acks
    summary, translated = _traced(lambda: asyncio.run(gateway.translate(record.id)), trace)
    assert summary is not None and summary.state is FileState.TRANSLATED, summary
    events, settled = _traced(lambda: settle(rt, record.id), trace)
    rt.ledger.advance(record.id, FileState.SUBMITTED)
    submitted = rt.ledger.get_file(record.id)
    assert isinstance(submitted, FileRecord)
    finished, finishing = _traced(lambda: finish_file_sync(rt, submitted), trace)
    after = rt.ledger.get_file(record.id)
    assert finished and after is not None and after.state is FileState.DONE
    gc.collect()
    return {"events": events, "translate+deliver": translated, "settle": settled,
            "finish": finishing, "rss": _rss(), "seconds": time.monotonic() - started}  # fmt: skip


def _demo_file(path: Path, mb: float, n: int) -> int:
    """A `write_214` mailbag from the demo partner's sender (ISA06 / GS02 DEMOCARRIER), its
    control numbers its own (`n` 1-9: no interchange a duplicate of another file's); how
    many interchanges."""
    write_214(path, mb, mailbag=True)
    text = path.read_text("ascii").replace("*02*SCAC           *", "*ZZ*DEMOCARRIER    *")
    text = text.replace("GS*QM*SCAC*", "GS*QM*DEMOCARRIER*")
    text = text.replace("*U*00401*0", f"*U*00401*{n % 10}").replace("IEA*1*0", f"IEA*1*{n % 10}")
    path.write_text(text, "ascii")
    return text.count("ISA*")


def service(files: int, mb: float, timeout: float = 3600.0) -> None:
    """`--service` (module doc)."""
    import subprocess

    import httpx
    from service import _port, _wait_http, _wait_log

    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        http, sftp, emulator = _port(), _port(), _port()
        log = (tmp / "gateway.log").open("wb")
        proc = subprocess.Popen([sys.executable, "-m", "gateway", "serve", "--demo", "--data-dir",
                                 str(tmp / "data"), "--http-port", str(http), "--sftp-port",
                                 str(sftp), "--emulator-port", str(emulator),
                                 "--emulator-settle", "success"],
                                stdout=log, stderr=log)  # fmt: skip
        try:
            _wait_http(f"http://127.0.0.1:{http}/readyz")
            _wait_log(tmp / "gateway.log", "translation workers ready", 120)
            main = psutil.Process(proc.pid)
            print(f"start: rss {main.memory_info().rss / MB:.0f} MB", flush=True)
            key = {"X-API-Key": "demo-key"}
            for n in range(1, files + 1):
                path = tmp / f"bag{n}.edi"
                interchanges = _demo_file(path, mb, n)
                started, peak = time.monotonic(), 0.0
                with path.open("rb") as body:
                    answer = httpx.post(f"http://127.0.0.1:{http}/v1/partners/demo/interchanges",
                                        content=body.read(), headers=key,
                                        timeout=timeout)  # fmt: skip
                answer.raise_for_status()
                file_id = answer.json()["file_id"]
                state = ""
                while time.monotonic() - started < timeout:
                    peak = max(peak, main.memory_info().rss / MB)
                    state = httpx.get(f"http://127.0.0.1:{http}/v1/files/{file_id}", headers=key,
                                      timeout=60).json()["state"]  # fmt: skip
                    if state in ("done", "quarantined", "failed", "duplicate"):
                        break
                    time.sleep(1.0)
                path.unlink()
                rss = main.memory_info().rss / MB
                print(f"file {n}: {interchanges} interchanges, {state} after "
                      f"{time.monotonic() - started:.0f} s; rss {rss:.0f} MB "
                      f"(peak while it went through {peak:.0f} MB)", flush=True)  # fmt: skip
        finally:
            log.close()
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=4, help="mailbags in a row")
    parser.add_argument("--mb", type=float, default=8.0, help="size of each mailbag, MB")
    parser.add_argument("--no-trace", action="store_true", help="tracemalloc off")
    parser.add_argument("--failures-only", action="store_true",
                        help="the partner asks for no positive advices")  # fmt: skip
    parser.add_argument("--service", action="store_true",
                        help="measure `edigw serve --demo` (make run) instead")  # fmt: skip
    args = parser.parse_args()
    if args.service:
        service(args.files, args.mb)
        return
    trace = not args.no_trace
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        settings = ServiceSettings(data_dir=tmp / "data")
        settings.data_dir.mkdir()
        ledger = Ledger(settings.url)
        ledger.migrate()
        partners = {"bulk": _profile(not args.failures_only)}
        rt = Runtime(settings=settings, ledger=ledger, store=FileStore(settings.data_dir),
                     partners=partners, tables=load_code_tables(), metrics=Metrics(),
                     default_seller="demo")  # fmt: skip
        (rt.sftp_root / "bulk" / "inbox").mkdir(parents=True)
        pool = TranslationPool(settings, partners, rt.tables, 2)
        asyncio.run(pool.warm_up())
        gateway = Gateway(rt, pool)
        if trace:
            tracemalloc.start(1)
        gc.collect()
        print(f"start: rss {_rss():.0f} MB (pool workers are other processes)", flush=True)
        try:
            for n in range(1, args.files + 1):
                path = tmp / f"bag{n}.edi"
                write_214(path, args.mb, mailbag=True)
                text = path.read_text("ascii")  # ISA13 / IEA02 of each file its own
                text = text.replace("*U*00401*0", f"*U*00401*{n % 10}")
                path.write_text(text.replace("IEA*1*0", f"IEA*1*{n % 10}"), "ascii")
                interchanges = text.count("ISA*")
                inbox = rt.sftp_root / "bulk" / "inbox" / path.name
                path.replace(inbox)
                row = _one_file(gateway, inbox, trace)
                print(
                    f"file {n}: {interchanges} interchanges, {row['events']:.0f} events, "
                    f"{row['seconds']:.0f} s; rss {row['rss']:.0f} MB; traced peaks MB: "
                    f"translate+deliver {row['translate+deliver']:.1f}, "
                    f"settle {row['settle']:.1f}, finish {row['finish']:.1f}",
                    flush=True,
                )
        finally:
            pool.close()
            ledger.close()


if __name__ == "__main__":
    main()
