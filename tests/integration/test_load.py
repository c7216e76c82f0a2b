"""The service under load (issue 9): flat memory for a big file over HTTP and SFTP, another
partner's small uploads answered promptly meanwhile, poison files quarantined after a bounded
number of attempts, upload size limits, slow-client timeouts, upload temp-file clean-up and
a prompt SIGTERM during a long submission round. Real processes on loopback: the gateway,
the SP-API emulator, OpenSSH sftp, httpx and plain sockets."""

from __future__ import annotations

import asyncio
import hashlib
import shutil
import signal
import socket
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import asyncssh
import httpx
import pytest

from gateway.ledger import EventState, FileState
from tests.integration.rss import RssSampler
from tests.integration.service import (
    REPO,
    SFTP,
    EmulatorProcess,
    Service,
    emulator_process,
    running_service,
    wait_until,
)

pytestmark = pytest.mark.skipif(SFTP is None, reason="OpenSSH sftp client not installed")

BULK_KEY, OTHER_KEY = "bulk-key-9a", "other-key-9a"
# scrypt hash of the password "demo" (gateway.inbound.credentials.hash_password)
DEMO_HASH = "scrypt$16384$8$1$tkzblJ5jLdiVUvByV+uUzQ==$/uN+VaAwUuB5cGsXxnxbsApPw3q1pswYwdRdagWmNhE="
MB = 1_000_000


def _partner(name: str, sender: str, key: str, extra: str = "") -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()
    return (f"name: {name}\nx12_sender_ids: [{sender}]\nseller: demo\nselling_party: 999US\n"
            f"ship_from: ABCD\ntimezone: America/Chicago\nship_method: UPS_GR_RES\n{extra}"
            f"transports:\n  http:\n    api_key_sha256: {digest}\n"
            f"  sftp:\n    username: {name}\n    password_hash: \"{DEMO_HASH}\"\n")  # fmt: skip


def mappings(folder: Path, bulk_extra: str = "") -> Path:
    """Code tables of the repository, and two partners: `bulk` (sender BULKCAR, SFTP user
    `bulk`) and `other` (sender OTHERCAR, SFTP user `other`), both with password demo."""
    target = folder / "mappings"
    shutil.copytree(REPO / "mappings", target, ignore=shutil.ignore_patterns("partners"))
    (target / "partners").mkdir()
    (target / "partners" / "bulk.yaml").write_text(
        _partner("bulk", "BULKCAR", BULK_KEY, bulk_extra)
    )
    (target / "partners" / "other.yaml").write_text(_partner("other", "OTHERCAR", OTHER_KEY))
    return target


def status_214(sender: str, control: int, sets: int, start: int = 0) -> Iterator[str]:
    """A 214 interchange of `sets` shipments with two status events each, piece by piece."""
    yield (f"ISA*00*          *00*          *ZZ*{sender:<15}*ZZ*AMAZONDF       *261125*1200*U*"
           f"00401*{control:09d}*0*P*>~\nGS*QM*{sender}*AMAZONDF*20261125*1200*{control}*X*"
           "004010~\n")  # fmt: skip
    for n in range(start + 1, start + sets + 1):
        yield (f"ST*214*{n:09d}~\nB10*{sender[:4]}{n:09d}*PO{control}X{n}*SCAC~L11*PO{control}X"
               f"{n}*PO~N1*SH*VENDOR DISTRIBUTION CENTER~N3*1200 INDUSTRIAL PARKWAY~"
               f"N4*ALLENTOWN*PA*18106*US~N1*CN*AMAZON CUSTOMER~N4*SEATTLE*WA*98109*US~\n"
               f"LX*1~AT7*OD*NS***20261124*0800*ET~MS1*ALLENTOWN*PA*US~L11*1Z{control}T{n}*2I~\n"
               f"LX*2~AT7*D1*NS***20261124*1700*ET~MS1*SEATTLE*WA*US~L11*1Z{control}T{n}*2I~\n"
               f"SE*17*{n:09d}~\n")  # fmt: skip
    yield f"GE*{sets}*{control}~\nIEA*1*{control:09d}~\n"


def write_214(path: Path, sender: str, control: int, megabytes: float) -> int:
    """A 214 of about `megabytes` at `path`; its number of status events."""
    per_set = len(list(status_214(sender, control, 1))[1])
    sets = int(megabytes * MB / per_set) + 1
    with path.open("w", encoding="ascii") as out:
        for piece in status_214(sender, control, sets):
            out.write(piece)
    return 2 * sets


def small_214(sender: str, control: int) -> bytes:
    return "".join(status_214(sender, control, 1)).encode("ascii")


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    with emulator_process(tmp_path_factory.mktemp("emulator"), rate=200, burst=200) as emu:
        yield emu


def _settings(folder: Path, extra: str = "", bulk_extra: str = "") -> str:
    tables = mappings(folder, bulk_extra)  # its partners replace the demo ones
    return f"mappings_dir: {tables}\npartners_dir: {tables / 'partners'}\n{extra}"


def _post(service: Service, partner: str, key: str, data: bytes | Iterator[bytes],
          name: str = "upload.edi", timeout: float = 600) -> httpx.Response:  # fmt: skip
    return httpx.post(f"{service.base}/v1/partners/{partner}/interchanges", content=data,
                      headers={"X-API-Key": key, "X-File-Name": name}, timeout=timeout)  # fmt: skip


def _chunks(path: Path) -> Iterator[bytes]:
    with path.open("rb") as source:
        while chunk := source.read(1 << 16):
            yield chunk


def test_big_files_flat_memory_and_other_partner_answered(
    tmp_path: Path, emulator: EmulatorProcess
) -> None:
    """A 4 MB 214 over SFTP and an 8 MB one over HTTP (tens of thousands of events; the old
    service grew by ~200 MB per 2 MB): every gateway process stays under 250 MB RSS and all
    together under 600 MB. Meanwhile another partner's small uploads get their answer with
    the 997 within 2 s (p95): translation runs in worker processes, per-partner queues.
    The small uploads go on for as long as the big upload is unanswered, so the overlap does
    not depend on how fast the machine translates; only those answered while the big one was
    still in flight count, and there must be at least five."""
    extra = _settings(tmp_path, "translation_workers: 2\n")
    big_sftp, big_http = tmp_path / "big-sftp.edi", tmp_path / "big-http.edi"
    write_214(big_sftp, "BULKCAR", 901, 4)
    events = write_214(big_http, "BULKCAR", 902, 8)
    with running_service(tmp_path / "gw", emulator.port, extra_settings=extra) as service:
        wait_until(lambda: "translation workers ready" in service.logs(), 60, "the workers")
        with RssSampler(service.proc.pid) as rss:
            shutil.copy(big_sftp, service.client_dir / big_sftp.name)
            result = service.sftp(f"put {big_sftp.name} /inbox/{big_sftp.name}", user="bulk")
            assert result.rc == 0, result
            answer: list[httpx.Response] = []
            sender = threading.Thread(
                target=lambda: answer.append(_post(service, "bulk", BULK_KEY, _chunks(big_http)))
            )
            sender.start()
            times: list[float] = []  # answered while the big upload was in flight
            n = 0
            while sender.is_alive() and n < 200:
                time.sleep(0.2)
                n += 1
                start = time.monotonic()
                small = _post(service, "other", OTHER_KEY, small_214("OTHERCAR", 100 + n))
                elapsed = time.monotonic() - start
                assert small.status_code == 201, small.text
                body = small.json()
                assert body["state"] == "translated", body
                assert [a["type"] for a in body["acknowledgements"]] == ["997"]
                if sender.is_alive():
                    times.append(elapsed)
            sender.join(600)
        assert len(times) >= 5, f"only {len(times)} small uploads overlapped the big one"
        assert answer and answer[0].status_code == 201, answer
        assert answer[0].json()["events"] == {"pending": events}
        sftp_files = [f for f in service.ledger().files_in_state(*FileState, partner_id="bulk")
                      if f.transport == "sftp"]  # fmt: skip
        assert [f.name for f in sftp_files] == [big_sftp.name]
        service.wait_file(sftp_files[0].id, FileState.TRANSLATED, FileState.SUBMITTED,
                          FileState.DONE, timeout=600)  # fmt: skip
    p95 = statistics.quantiles(times, n=20)[18]
    print(
        f"small p95 {p95:.2f} s over {len(times)}; peak RSS MB {rss.peaks}, "
        f"together {rss.total:.0f}"
    )
    assert p95 < 2.0, f"small uploads p95 {p95:.2f} s while a big file translated: {times}"
    assert len(rss.peaks) >= 3, rss.peaks  # the service and its translation workers
    assert max(rss.peaks.values()) < 250, rss.peaks
    assert rss.total < 600, rss.total


def test_poison_file_quarantined_after_three_attempts(
    tmp_path: Path, emulator: EmulatorProcess
) -> None:
    """A file whose translation exceeds the time limit is tried three times (the worker
    killed each time), then quarantined with the reason; the service stays up and other
    files are translated."""
    # 24 MB in 1 s would take 24 MB/s with the ledger's writes, three times what this
    # translation does compiled (benchmarks/translate.py); 3 MB in 1.5 s passed on a fast
    # host (CI, stop 19) and the file was translated, not quarantined
    extra = _settings(tmp_path, "translation_timeout: 1\ntranslation_seconds_per_mb: 0\n")
    big = tmp_path / "slow.edi"
    write_214(big, "BULKCAR", 903, 24)
    with running_service(tmp_path / "gw", emulator.port, extra_settings=extra) as service:
        answer = _post(service, "bulk", BULK_KEY, big.read_bytes())
        assert answer.status_code == 201, answer.text
        file_id = answer.json()["file_id"]
        others = [s for s in FileState if s != FileState.RECEIVED]
        record = service.wait_file(file_id, *others, timeout=60)
        assert record.state == FileState.QUARANTINED, (record.state, "translated in time?")
        assert record.state_reason is not None
        assert "longer than the limit of 1 s" in record.state_reason
        assert "(3 attempts)" in record.state_reason
        assert service.ledger().events_for_file(file_id) == []  # no partial rows kept
        assert service.proc.poll() is None
        small = _post(service, "other", OTHER_KEY, small_214("OTHERCAR", 904))
        assert small.status_code == 201 and small.json()["state"] == "translated", small.text
        logs = service.logs(10_000_000)  # all of it: a loaded host logs skipped poll jobs
        assert logs.count('"translation failed"') == 3, logs[-3000:]


def test_upload_size_limit_http_413_and_sftp_error(
    tmp_path: Path, emulator: EmulatorProcess
) -> None:
    """Beyond the partner's limit: HTTP 413 with the limit named, an SFTP write error that
    says so; nothing is stored, recorded or left in the inbox. At the limit: accepted."""
    extra = _settings(tmp_path, "max_file_mb: 1\n", bulk_extra="max_file_mb: 0.05\n")
    with running_service(tmp_path / "gw", emulator.port, extra_settings=extra) as service:
        too_big = b"".join(piece.encode() for piece in status_214("BULKCAR", 905, 200))
        assert len(too_big) > 50_000
        answer = _post(service, "bulk", BULK_KEY, too_big)
        assert answer.status_code == 413, answer.text
        assert "50,000 bytes" in answer.json()["detail"]
        chunked = _post(service, "bulk", BULK_KEY, iter([too_big[:30_000], too_big[30_000:]]))
        assert chunked.status_code == 413, chunked.text  # no Content-Length: counted
        (service.client_dir / "big.edi").write_bytes(too_big)
        result = service.sftp("put big.edi /inbox/big.edi", user="bulk")
        assert result.rc != 0
        assert 'write remote "/inbox/big.edi": Failure' in result.err, result
        # OpenSSH's sftp shows only the status code; the message is in the status (other
        # clients show it) and in the service's log
        assert "File too large: the limit for this account is 50,000 bytes" in service.logs()
        with pytest.raises(asyncssh.SFTPFailure, match=r"File too large.*50,000 bytes"):
            asyncio.run(_asyncssh_put(service, "big2.edi", too_big))
        inbox = service.data_dir / "sftp" / "bulk" / "inbox"
        assert list(inbox.iterdir()) == []
        assert service.ledger().files_in_state(*FileState) == []
        assert [p.name for p in (service.data_dir / "files").iterdir()] == []
        fits = small_214("BULKCAR", 906)
        assert _post(service, "bulk", BULK_KEY, fits).status_code == 201
        # the other partner has the service's limit (1 MB): 60 kB is fine for it
        other = b"".join(piece.encode() for piece in status_214("OTHERCAR", 907, 200))
        assert 50_000 < len(other) < 1_000_000
        assert _post(service, "other", OTHER_KEY, other).status_code == 201


async def _asyncssh_put(service: Service, name: str, data: bytes) -> None:
    async with (
        asyncssh.connect("127.0.0.1", service.sftp_port, username="bulk", password="demo",
                         known_hosts=None, client_keys=None) as conn,
        conn.start_sftp_client() as sftp,
        sftp.open(f"/inbox/{name}", "wb") as handle,
    ):  # fmt: skip
        await handle.write(data)


def _closed_within(sock: socket.socket, seconds: float) -> tuple[float, bytes]:
    """Seconds until the server closed the connection, and what it sent before."""
    start, received = time.monotonic(), b""
    sock.settimeout(seconds)
    while True:
        try:
            data = sock.recv(4096)
        except TimeoutError:
            raise AssertionError(f"still open after {seconds} s") from None
        except ConnectionResetError:
            return time.monotonic() - start, received
        if not data:
            return time.monotonic() - start, received
        received += data


def test_slow_clients_are_closed(tmp_path: Path, emulator: EmulatorProcess) -> None:
    """With http_timeout 2 s: a connection whose request head never completes is closed; an
    upload that trickles its body a byte at a time gets 408 and is closed."""
    extra = _settings(tmp_path, "http_timeout: 2\n")
    with running_service(tmp_path / "gw", emulator.port, extra_settings=extra) as service:
        head = socket.create_connection(("127.0.0.1", service.http_port))
        head.sendall(b"POST /v1/partners/bulk/interchanges HTTP/1.1\r\nHost: x\r\n")
        for _ in range(3):  # a header line now and then: still no complete head
            time.sleep(0.5)
            head.sendall(b"X-Slow: 1\r\n")
        seconds, _ = _closed_within(head, 10)
        assert seconds < 4
        head.close()

        body = socket.create_connection(("127.0.0.1", service.http_port))
        key = BULK_KEY.encode()
        body.sendall(b"POST /v1/partners/bulk/interchanges HTTP/1.1\r\nHost: x\r\n"
                     b"X-API-Key: " + key + b"\r\nContent-Length: 5000\r\n\r\nISA")  # fmt: skip
        stop = threading.Event()

        def trickle() -> None:
            while not stop.wait(0.5):
                try:
                    body.sendall(b"*")
                except OSError:
                    return

        threading.Thread(target=trickle, daemon=True).start()
        seconds, received = _closed_within(body, 15)
        stop.set()
        body.close()
        assert received.startswith(b"HTTP/1.1 408"), received
        assert seconds < 8
        assert service.ledger().files_in_state(*FileState) == []
        assert [p.name for p in (service.data_dir / "files").iterdir()] == []


def test_failed_sftp_upload_leaves_no_temp_file_and_parts_can_be_deleted(
    tmp_path: Path, emulator: EmulatorProcess
) -> None:
    """A name the file system refuses fails the upload without a hidden `.upload-*` file
    left behind; a partner may delete its own *.part upload."""
    extra = _settings(tmp_path)
    with running_service(tmp_path / "gw", emulator.port, extra_settings=extra) as service:
        long_name = "x" * 300 + ".edi"
        (service.client_dir / "small.edi").write_bytes(small_214("BULKCAR", 908))
        result = service.sftp(f"put small.edi /inbox/{long_name}", user="bulk")
        assert result.rc != 0
        inbox = service.data_dir / "sftp" / "bulk" / "inbox"
        assert list(inbox.iterdir()) == []
        result = service.sftp("put small.edi /inbox/half.edi.part", "rm /inbox/half.edi.part",
                              user="bulk")  # fmt: skip
        assert result.rc == 0, result
        assert list(inbox.iterdir()) == []
        result = service.sftp("put small.edi /inbox/kept.edi", "rm /inbox/kept.edi",
                              user="bulk")  # fmt: skip
        assert result.rc != 0  # a received file is not the partner's to delete
        assert [p.name for p in inbox.iterdir()] in (["kept.edi"], [])


def test_sigterm_during_a_long_submission_round(tmp_path: Path) -> None:
    """One call per event at 2 calls/s: a round of 40 calls. SIGTERM stops the gateway
    within 10 s with exit code 0; the calls made are recorded (none left `sending`, so none
    become `unknown`), the rest stay pending and go out after the restart, once each."""
    with emulator_process(tmp_path / "emu", rate=2, burst=1) as emu:
        extra = _settings(tmp_path, "submit: {backoff_base: 0.05, poll_interval: 0.2, "
                          "batch_max: 1, rate: 2, burst: 1}\n")  # fmt: skip
        data = "".join(status_214("BULKCAR", 909, 20)).encode()
        with running_service(tmp_path / "gw", emu.port, extra_settings=extra) as service:
            answer = _post(service, "bulk", BULK_KEY, data)
            assert answer.status_code == 201, answer.text
            file_id = answer.json()["file_id"]
            ledger = service.ledger()

            def calls_started() -> bool:
                return len(ledger.calls_for_file(file_id)) >= 3

            wait_until(calls_started, 30, "the submission round to start")
            start = time.monotonic()
            code = service.stop(signal.SIGTERM, timeout=20)
            took = time.monotonic() - start
            assert code == 0, service.logs()
            assert took < 10, f"SIGTERM took {took:.1f} s"
            events = service.ledger().events_for_file(file_id)
            states = {e.state for e in events}
            assert EventState.SENDING not in states
            assert EventState.PENDING in states, states  # the rest: for the next start
        with running_service(tmp_path / "gw", emu.port, extra_settings=extra) as service:
            service.wait_file(file_id, FileState.DONE, timeout=120)
            events = service.ledger().events_for_file(file_id)
            # every event settled by Amazon's verdict; none left unknown by the stop
            assert {e.state for e in events} <= {EventState.SUCCESS, EventState.FAILURE}
        sent = [u["statusUpdateDetails"]["trackingNumber"]
                for u in emu.accepted("shipmentStatusUpdates")]  # fmt: skip
        assert sorted(sent) == sorted(f"1Z909T{n}" for n in range(1, 21) for _ in range(2))
