"""Benchmark: 1,000 files (214 / 856 / IFTSTA / DESADV, a quarter each) dropped into a running
`edigw serve`, half over SFTP, half over HTTP, against the SP-API emulator.

Prints files/s (first upload to the last file final), p50/p95 time from upload complete to the
SP-API call (from the ledger: file received_at -> first call started_at), and the gateway
process's peak RSS (VmHWM). Then (`benchmarks/service_load.py`, skip with --no-big) peak RSS
of every gateway process and of all together while one big X12 214 (2, 20, 100 MB) goes in
over HTTP and over SFTP, and the p95 of another partner's small uploads (answer with its 997)
while a 20 MB file translates. The emulator runs as its own process; its rate is set high by
default (`--rate`) so the figure measures the gateway, not Amazon's usage plan (at 10 calls/s
1,000 files need several minutes by the plan alone).

    .venv/bin/python benchmarks/service.py [--files 1000] [--rate 500] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import asyncssh
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.integration.rss

from gateway.ledger import FileState, Ledger
from tests.integration.rss import RssSampler

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = {
    "214": ROOT / "samples/01-x12-214-delivered/input.edi",
    "856": ROOT / "samples/08-x12-856-asn/input.edi",
    "IFTSTA": ROOT / "samples/10-edifact-iftsta-d01b/input.edi",
    "DESADV": ROOT / "samples/13-edifact-desadv-d96a-latin1/input.edi",
}
FINAL = (FileState.DONE, FileState.QUARANTINED, FileState.DUPLICATE, FileState.FAILED)


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


# tracking numbers and POs in the samples, made unique per file: one package's updates go
# out strictly in order, so a benchmark reusing them would measure that queue, not the gateway
_UNIQUE = (b"1Z999AA10123456784", b"1Z999AA10123456793", b"1Z4711A", b"1Z4711B", b"PO4711")


def make_file(kind: str, n: int) -> bytes:
    """A sample with its own interchange control number (never a duplicate), its own POs
    and tracking numbers."""
    data = SAMPLES[kind].read_bytes()
    for index, value in enumerate(_UNIQUE):
        data = data.replace(value, value[:-3] + f"{n % 1000:03d}".encode() + bytes([65 + index])
                            if len(value) > 8 else value + f"{n:05d}".encode())  # fmt: skip
    if kind in ("214", "856"):
        text = data.decode("ascii")
        isa13 = text[90:99]
        text = text[:90] + f"{n:09d}" + text[99:]
        text = re.sub(rf"IEA\*(\d+)\*{isa13}", lambda m: f"IEA*{m[1]}*{n:09d}", text)
        return text.encode("ascii")
    ref = re.search(rb"UNB\+[^']*\+([A-Z0-9]+)'", data)
    assert ref is not None
    new = f"B{n:08d}".encode()
    return data.replace(b"+" + ref[1] + b"'", b"+" + new + b"'")


def _wait_http(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


def _peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _wait_log(path: Path, line: str, seconds: float) -> None:
    """Wait until the gateway logged `line` (its translation workers take seconds to start:
    start-up, not what the figures measure)."""
    deadline = time.monotonic() + seconds
    while line not in path.read_text(errors="replace"):
        if time.monotonic() > deadline:
            raise TimeoutError(f"the gateway did not log {line!r} within {seconds:g} s")
        time.sleep(0.2)


async def _upload(files: list[tuple[str, bytes]], http_port: int, sftp_port: int,
                  concurrency: int) -> float:  # fmt: skip
    """Half over SFTP (one connection per worker), half over HTTP; the start time."""
    queue: asyncio.Queue[tuple[int, str, bytes]] = asyncio.Queue()
    for index, (name, data) in enumerate(files):
        queue.put_nowait((index, name, data))

    async def sftp_worker() -> None:
        async with (
            asyncssh.connect("127.0.0.1", sftp_port, username="demo", password="demo",
                             known_hosts=None, client_keys=None) as conn,
            conn.start_sftp_client() as sftp,
        ):  # fmt: skip
            while not queue.empty():
                _, name, data = queue.get_nowait()
                async with sftp.open(f"/inbox/{name}", "wb") as handle:
                    await handle.write(data)

    async def http_worker() -> None:
        url = f"http://127.0.0.1:{http_port}/v1/partners/demo/interchanges"
        async with httpx.AsyncClient(timeout=60) as client:
            while not queue.empty():
                _, name, data = queue.get_nowait()
                answer = await client.post(url, content=data, headers={
                    "X-API-Key": "demo-key", "X-File-Name": name})  # fmt: skip
                answer.raise_for_status()

    start = time.monotonic()
    workers = [sftp_worker() for _ in range(concurrency // 2)]
    workers += [http_worker() for _ in range(concurrency - concurrency // 2)]
    await asyncio.gather(*workers)
    return start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=500.0, help="emulator calls/s")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--no-big", action="store_true", help="skip the big-file figures")
    parser.add_argument("--big-mb", type=float, nargs="*", default=[2, 20, 100])
    parser.add_argument("--no-burst", action="store_true", help="skip the 1,000-file burst")
    args = parser.parse_args()
    if not args.no_big:
        from service_load import big_file_figures

        big_file_figures(args.big_mb, args.rate)
    if args.no_burst:
        return
    kinds = list(SAMPLES)
    files = [(f"bench-{n:05d}.{kinds[n % 4].lower()}.edi", make_file(kinds[n % 4], n + 1))
             for n in range(args.files)]  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        data_dir, emu_port, http_port, sftp_port = Path(tmp) / "data", _port(), _port(), _port()
        base = f"http://127.0.0.1:{emu_port}"
        settings = Path(tmp) / "settings.yaml"
        settings.write_text(
            f"partners_dir: {ROOT / 'mappings' / 'demo' / 'partners'}\n"
            f"poll_interval: 0.5\nworker_interval: 0.05\nsellers:\n  demo:\n"
            f"    client_id: edigw-demo-client\n    client_secret: edigw-demo-secret\n"
            f"    refresh_token: edigw-demo-refresh\n    endpoint: {base}\n"
            f"    sandbox_endpoint: {base}/sandbox\n    token_url: {base}/auth/o2/token\n"
            f"submit: {{rate: {args.rate}, burst: {int(args.rate)}, poll_interval: 0.5}}\n"
        )
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        log_path = Path(tmp) / "gateway.log"
        log = log_path.open("wb")
        emulator = subprocess.Popen([sys.executable, "-m", "gateway", "emulator", "--port",
                                     str(emu_port), "--rate", str(args.rate), "--burst",
                                     str(int(args.rate)), "--settle", "success",
                                     "--settle-after", "0.5"],
                                    **quiet)  # type: ignore[call-overload]  # fmt: skip
        gateway = subprocess.Popen([sys.executable, "-m", "gateway", "serve", "--settings",
                                    str(settings), "--data-dir", str(data_dir), "--http-port",
                                    str(http_port), "--sftp-port", str(sftp_port)],
                                   env={**os.environ}, stdout=log, stderr=log)  # fmt: skip
        try:
            _wait_http(f"{base}/_emulator/requests")
            _wait_http(f"http://127.0.0.1:{http_port}/readyz")
            _wait_log(log_path, "translation workers ready", 120)
            with RssSampler(gateway.pid, interval=0.2) as rss:
                start = asyncio.run(_upload(files, http_port, sftp_port, args.concurrency))
                uploaded = time.monotonic()
                ledger = Ledger(f"sqlite:///{data_dir / 'ledger.sqlite'}")
                deadline = time.monotonic() + args.timeout
                while time.monotonic() < deadline:
                    if len(ledger.files_in_state(*FINAL)) >= len(files):
                        break
                    time.sleep(0.5)
                finished = time.monotonic()
            peak = _peak_rss_mb(gateway.pid)
            waits: list[float] = []
            for record in ledger.files_in_state(*FileState):
                calls = ledger.calls_for_file(record.id)
                if calls:
                    first = min(c.started_at for c in calls)
                    waits.append((first - record.received_at).total_seconds())
            done = len(ledger.files_in_state(*FINAL))
            states = ledger.counts()["files"]
            ledger.close()
        finally:
            gateway.terminate()
            emulator.terminate()
            gateway.wait(timeout=30)
            emulator.wait(timeout=30)
            log.close()
    q = statistics.quantiles(waits, n=20) if len(waits) >= 2 else [float("nan")] * 19
    print(f"files: {len(files)} ({args.files // 2} SFTP, {args.files - args.files // 2} HTTP), "
          f"{done} final {states}")  # fmt: skip
    print(f"upload phase: {uploaded - start:.1f} s; all final after {finished - start:.1f} s "
          f"-> {done / (finished - start):.1f} files/s")  # fmt: skip
    print(f"upload complete -> SP-API call: p50 {statistics.median(waits):.3f} s, "
          f"p95 {q[18]:.3f} s over {len(waits)} files with calls")  # fmt: skip
    children = [mb for pid, mb in rss.peaks.items() if pid != gateway.pid]
    print(f"gateway peak RSS: service {peak:.0f} MB (VmHWM), largest child process "
          f"(translation workers) {max(children, default=float('nan')):.0f} MB "
          f"({len(children)} children), all together {rss.total:.0f} MB "
          f"(emulator rate {args.rate:g}/s)")  # fmt: skip


if __name__ == "__main__":
    main()
