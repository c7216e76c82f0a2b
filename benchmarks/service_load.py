"""Big files through a running `edigw serve` (used by benchmarks/service.py, or on its own).

For each size: one generated X12 214 (benchmarks/translate.py's carrier-shaped file) goes in
over HTTP and then over SFTP to a fresh gateway; the peak RSS of every gateway process (the
service and its translation workers) and of all of them together is sampled every 0.1 s
until the file is translated, and for files up to `--done-mb` on until it is done (submitted,
settled, its advices built from the ledger page by page). Then, for as long as a 20 MB
file's HTTP upload is in flight (received, translated, answered with its 997), another
partner uploads a small 214 over HTTP every 0.2 s: the p50/p95 of the time until its answer,
which carries its 997, came back. Each gateway's log is kept in its folder (gateway.log) and
the figures start once its translation workers are ready.

    .venv/bin/python benchmarks/service_load.py [--mb 2 20 100] [--done-mb 20] [--no-small]
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncssh
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from service import _port, _wait_http, _wait_log
from translate import write_214

from tests.integration.rss import RssSampler  # service put the checkout on the path

ROOT = Path(__file__).resolve().parents[1]
BULK_KEY, SMALL_KEY = "bulk-key", "small-key"
PASSWORD_HASH = (  # scrypt of "demo" (gateway.inbound.credentials.hash_password)
    "scrypt$16384$8$1$tkzblJ5jLdiVUvByV+uUzQ==$/uN+VaAwUuB5cGsXxnxbsApPw3q1pswYwdRdagWmNhE="
)
SMALL_214 = (
    "ISA*00*          *00*          *02*SMALLCAR       *ZZ*AMAZONDF       "
    "*261125*1200*U*00401*{n:09d}*0*P*>~GS*QM*SMALLCAR*AMAZONDF*20261125*1200*{n}*X*004010~"
    "ST*214*0001~B10*1Z{n:08d}*PO{n:08d}*SCAC~LX*1~AT7*X1*NS***20261124*1200*ET~"
    "MS1*SEATTLE*WA*US~L11*1ZS{n:08d}*2I~SE*7*0001~GE*1*{n}~IEA*1*{n:09d}~"
)


def _profile(name: str, sender: str, key: str, sftp: bool) -> str:
    text = (  # max_file_mb: the generated "100 MB" file is a few bytes over 100,000,000
        f"name: {name}\nx12_sender_ids: [{sender}]\nseller: demo\nselling_party: 999US\n"
        f"max_file_mb: 110\n"
        f"ship_from: ABCD\ntimezone: America/Chicago\nship_method: UPS_GR_RES\n"
        f"transports:\n  http:\n    api_key_sha256: {hashlib.sha256(key.encode()).hexdigest()}\n"
    )
    if sftp:
        text += f'  sftp:\n    username: {name}\n    password_hash: "{PASSWORD_HASH}"\n'
    return text


@dataclass
class Gateway:
    http_port: int
    sftp_port: int
    proc: subprocess.Popen[bytes]
    rss: RssSampler = field(init=False)  # the service and its translation workers

    def __post_init__(self) -> None:
        self.rss = RssSampler(self.proc.pid)


@contextmanager
def running_gateway(tmp: Path, rate: float) -> Iterator[Gateway]:
    """Emulator + gateway with two partners: `bulk` (HTTP + SFTP) and `small` (HTTP)."""
    mappings = tmp / "mappings"
    shutil.copytree(ROOT / "mappings", mappings, ignore=shutil.ignore_patterns("partners"))
    (mappings / "partners").mkdir()
    (mappings / "partners" / "bulk.yaml").write_text(_profile("bulk", "SCAC", BULK_KEY, True))
    (mappings / "partners" / "small.yaml").write_text(
        _profile("small", "SMALLCAR", SMALL_KEY, False)
    )
    emu_port, http_port, sftp_port = _port(), _port(), _port()
    base = f"http://127.0.0.1:{emu_port}"
    settings = tmp / "settings.yaml"
    settings.write_text(
        f"poll_interval: 0.5\nworker_interval: 0.05\nmappings_dir: {mappings}\n"
        f"sellers:\n  demo:\n    client_id: edigw-demo-client\n"
        f"    client_secret: edigw-demo-secret\n    refresh_token: edigw-demo-refresh\n"
        f"    endpoint: {base}\n    sandbox_endpoint: {base}/sandbox\n"
        f"    token_url: {base}/auth/o2/token\n"
        f"submit: {{rate: {rate}, burst: {int(rate)}, poll_interval: 0.5}}\n"
    )
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    log = (tmp / "gateway.log").open("wb")  # kept for a look at what the gateway did
    emulator = subprocess.Popen([sys.executable, "-m", "gateway", "emulator", "--port",
                                 str(emu_port), "--rate", str(rate), "--burst", str(int(rate)),
                                 "--settle", "success", "--settle-after", "0.5"],
                                **quiet)  # type: ignore[call-overload]  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-m", "gateway", "serve", "--settings",
                             str(settings), "--data-dir", str(tmp / "data"), "--http-port",
                             str(http_port), "--sftp-port", str(sftp_port)],
                            stdout=log, stderr=log)  # fmt: skip
    try:
        _wait_http(f"{base}/_emulator/requests")
        _wait_http(f"http://127.0.0.1:{http_port}/readyz")
        _wait_log(tmp / "gateway.log", "translation workers ready", 120)
        yield Gateway(http_port, sftp_port, proc)
    finally:
        log.close()
        proc.terminate()
        emulator.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
        emulator.wait(timeout=30)


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as source:
        while chunk := source.read(1 << 16):
            yield chunk


def _upload_http(gw: Gateway, path: Path) -> httpx.Response:
    url = f"http://127.0.0.1:{gw.http_port}/v1/partners/bulk/interchanges"
    return httpx.post(url, content=_chunks(path), timeout=3600,
                      headers={"X-API-Key": BULK_KEY, "X-File-Name": path.name})  # fmt: skip


def _upload_sftp(gw: Gateway, path: Path) -> None:
    import asyncio

    async def put() -> None:
        async with (
            asyncssh.connect("127.0.0.1", gw.sftp_port, username="bulk", password="demo",
                             known_hosts=None, client_keys=None) as conn,
            conn.start_sftp_client() as sftp,
        ):  # fmt: skip
            await sftp.put(str(path), f"/inbox/{path.name}")

    asyncio.run(put())


def _measure(gw: Gateway, send: threading.Thread, done: threading.Event,
             timeout: float) -> float:  # fmt: skip
    start = time.monotonic()
    send.start()
    while not done.is_set() and time.monotonic() - start < timeout:
        gw.rss.sample()
        time.sleep(0.1)
    send.join(timeout=1)
    return time.monotonic() - start


def _sample_until_done(gw: Gateway, data_dir: Path, transport: str, timeout: float) -> float:
    """Go on sampling while the file is submitted, settled and advised: seconds until every
    file of `transport` is final (done, quarantined, duplicate), NaN past `timeout`."""
    from gateway.ledger import FileState, Ledger

    final = (FileState.DONE, FileState.QUARANTINED, FileState.DUPLICATE)
    ledger = Ledger(f"sqlite:///{data_dir / 'ledger.sqlite'}")
    start = last = time.monotonic()
    try:
        while time.monotonic() - start < timeout:
            gw.rss.sample()
            if time.monotonic() - last >= 1.0:
                last = time.monotonic()
                files = [f for f in ledger.files_in_state(*FileState) if f.transport == transport]
                if files and all(f.state in final for f in files):
                    return time.monotonic() - start
            time.sleep(0.1)
        return float("nan")
    finally:
        ledger.close()


def _wait_translated(data_dir: Path, transport: str, timeout: float) -> bool:
    from gateway.ledger import FileState, Ledger

    ledger = Ledger(f"sqlite:///{data_dir / 'ledger.sqlite'}")
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            files = [f for f in ledger.files_in_state(*FileState) if f.transport == transport]
            if files and all(f.state not in (FileState.RECEIVED, FileState.FAILED)
                             for f in files):  # fmt: skip
                return True
            time.sleep(0.2)
        return False
    finally:
        ledger.close()


def _send(gw: Gateway, transport: str, big: Path, data_dir: Path, timeout: float,
          status: list[str], done: threading.Event) -> None:  # fmt: skip
    """Upload `big`; status gets the HTTP status or whether the SFTP upload was translated."""
    try:
        if transport == "http":
            status.append(str(_upload_http(gw, big).status_code))
        else:
            _upload_sftp(gw, big)
            ok = _wait_translated(data_dir, "sftp", timeout)
            status.append("translated" if ok else "not translated")
    except Exception as exc:
        status.append(f"{type(exc).__name__}: {exc}")
    finally:
        done.set()


def big_file_figures(sizes: list[float], rate: float = 500.0, timeout: float = 7200.0,
                     small: bool = True, done_mb: float = 20.0,
                     transports: tuple[str, ...] = ("http", "sftp")) -> None:  # fmt: skip
    """Print peak RSS per size and transport, then the small-upload p95 (see module doc).
    Files up to `done_mb` are followed on until done (submitted, settled, advised): the
    peaks of that phase are printed too."""
    for mb in sizes:
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            big = tmp / f"big-{mb:g}mb.edi"
            events = write_214(big, mb)
            for transport in transports:
                with running_gateway(tmp / transport, rate) as gw:
                    done = threading.Event()
                    status: list[str] = []
                    args = (gw, transport, big, tmp / transport / "data", timeout, status, done)
                    gw.rss.reset()
                    seconds = _measure(gw, threading.Thread(target=_send, args=args), done, timeout)
                    worst = max(gw.rss.peaks.values(), default=float("nan"))
                    service = gw.rss.peaks.get(gw.proc.pid, float("nan"))
                    workers = max((rss for pid, rss in gw.rss.peaks.items() if pid != gw.proc.pid),
                                  default=float("nan"))  # fmt: skip
                    print(f"{mb:g} MB 214 ({big.stat().st_size / 1e6:.1f} MB, {events} events) "
                          f"over {transport}: {status[0] if status else 'timeout'} after "
                          f"{seconds:.1f} s; peak RSS per process max {worst:.0f} MB "
                          f"(service {service:.0f} MB, translation workers {workers:.0f} MB, "
                          f"{len(gw.rss.peaks)} processes), "
                          f"all together {gw.rss.total:.0f} MB",
                          flush=True)  # fmt: skip
                    if mb > done_mb or not status or status[0] not in ("201", "translated"):
                        continue
                    gw.rss.reset()
                    until = _sample_until_done(gw, tmp / transport / "data", transport, timeout)
                    print(f"  ... then submitted, settled and advised (done) after {until:.1f} s; "
                          f"peak RSS per process max {max(gw.rss.peaks.values()):.0f} MB, all "
                          f"together {gw.rss.total:.0f} MB", flush=True)  # fmt: skip
    if small:
        small_upload_p95(rate, timeout)


def small_upload_p95(rate: float = 500.0, timeout: float = 1800.0, mb: float = 20.0,
                     count: int = 1000) -> None:  # fmt: skip
    """Another partner's small uploads, one every 0.2 s, for as long as a big file's upload
    (received, translated, its 997 in the answer) is in flight, at most `count`: p50 / p95
    of the time until the answer, counting only the answers that came while it was."""
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        big = tmp / "big.edi"
        write_214(big, mb)
        with running_gateway(tmp / "gw", rate) as gw, httpx.Client(timeout=120) as client:
            url = f"http://127.0.0.1:{gw.http_port}/v1/partners/small/interchanges"
            done = threading.Event()

            def send_big() -> None:
                try:
                    _upload_http(gw, big)
                finally:
                    done.set()

            sender = threading.Thread(target=send_big)
            started = time.monotonic()
            sender.start()
            times: list[float] = []
            acked = sent = 0
            while not done.is_set() and sent < count:
                time.sleep(0.2)
                sent += 1
                start = time.monotonic()
                answer = client.post(url, content=SMALL_214.format(n=sent).encode(),
                                     headers={"X-API-Key": SMALL_KEY})  # fmt: skip
                if done.is_set():
                    break
                times.append(time.monotonic() - start)
                acks = answer.json().get("acknowledgements", []) if answer.is_success else []
                acked += any(a["type"] == "997" for a in acks)
            big_seconds = time.monotonic() - started
            sender.join(timeout)
    if len(times) < 2:
        print(f"small uploads: only {len(times)} while the {mb:g} MB file was in flight")
        return
    q = statistics.quantiles(times, n=20)
    print(f"small uploads of another partner while a {mb:g} MB file is uploaded and "
          f"translated ({big_seconds:.0f} s): {len(times)} uploads, "
          f"p50 {statistics.median(times):.3f} s, p95 {q[18]:.3f} s, max {max(times):.3f} s; "
          f"{acked}/{len(times)} answers carried their 997", flush=True)  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, nargs="*", default=[2, 20, 100])
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--small-only", action="store_true")
    parser.add_argument("--small-mb", type=float, default=20.0)
    parser.add_argument(
        "--done-mb",
        type=float,
        default=20.0,
        help="follow files up to this size until done (submission, advices)",
    )
    parser.add_argument("--transports", nargs="*", default=["http", "sftp"])
    parser.add_argument("--no-small", action="store_true", help="skip the small-upload p95")
    args = parser.parse_args()
    if args.small_only:
        small_upload_p95(args.rate, mb=args.small_mb)
    else:
        big_file_figures(args.mb, args.rate, small=not args.no_small, done_mb=args.done_mb,
                         transports=tuple(args.transports))  # fmt: skip


if __name__ == "__main__":
    main()
