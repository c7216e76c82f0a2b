"""The service's memory while it submits a big file, settles it and builds its advice stays
flat (issue 9): a carrier's 214 of tens of thousands of status updates for orders Amazon
never saw confirmed fails event by event, each error naming its order. The old service
repeated each of a call's 100 errors for each of the call's sets in the 824 (hundreds of MB
of advice text) and peaked near 600 MB for 10,000 events; the advice now goes out in parts
(gateway.ack.advice_parts); every gateway process must stay
under 250 MB RSS and all of them together under 600 MB (the issue's bounds).

Real processes on loopback: `edigw serve` with its translation workers, the SP-API emulator
(production rule: a status update before its order's confirmation fails), httpx; the RSS of
the service and its children is read with psutil every 50 ms."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx

from gateway.ack.advice_parts import MAX_CHARS, MAX_SETS
from gateway.ledger import EventState, FileState
from tests.integration.rss import RssSampler
from tests.integration.service import API_KEY, emulator_process, running_service

SETS = 5_000  # two status updates each: 10,000 events, about 1.7 MB
SERVICE_MB, TOTAL_MB = 250.0, 600.0


def _214(control: int, sets: int) -> Iterator[bytes]:
    """A carrier-shaped 214 from DEMOCARRIER: one shipment per set, two status events."""
    yield (f"ISA*00*          *00*          *ZZ*DEMOCARRIER    *ZZ*AMAZONDF       *261125*1200*"
           f"U*00401*{control:09d}*0*P*>~\nGS*QM*DEMOCARRIER*AMAZONDF*20261125*1200*{control}*X*"
           "004010~\n").encode()  # fmt: skip
    for n in range(1, sets + 1):
        yield (f"ST*214*{n:06d}~\nB10*{n:09d}*PO{control}M{n}*SCAC~L11*PO{control}M{n}*PO~"
               f"N1*SH*VENDOR DISTRIBUTION CENTER~N4*ALLENTOWN*PA*18106*US~\n"
               f"LX*1~AT7*OD*NS***20261124*0800*ET~MS1*ALLENTOWN*PA*US~L11*1Z{control}M{n}*2I~\n"
               f"LX*2~AT7*D1*NS***20261124*1700*ET~MS1*SEATTLE*WA*US~L11*1Z{control}M{n}*2I~\n"
               f"SE*14*{n:06d}~\n").encode()  # fmt: skip
    yield f"GE*{sets}*{control}~\nIEA*1*{control:09d}~\n".encode()


def test_submitting_settling_and_advising_a_big_file_keeps_memory_flat(tmp_path: Path) -> None:
    data = b"".join(_214(951, SETS))
    with emulator_process(tmp_path / "emu", settle_after=0.2, rate=400, burst=400) as emu:
        extra = "submit: {backoff_base: 0.05, poll_interval: 0.2, rate: 400, burst: 400}\n"
        with running_service(tmp_path / "gw", emu.port, extra_settings=extra) as service:
            with RssSampler(service.proc.pid) as rss:
                answer = httpx.post(f"{service.base}/v1/partners/demo/interchanges",
                                    content=data, timeout=300,
                                    headers={"X-API-Key": API_KEY})  # fmt: skip
                assert answer.status_code == 201, answer.text
                file_id = answer.json()["file_id"]
                assert answer.json()["events"] == {"pending": 2 * SETS}
                service.wait_file(file_id, FileState.DONE, timeout=300)
            ledger = service.ledger()
            counts = ledger.counts()
            advices = [a for a in ledger.acks_for_file(file_id) if a.type == "824"]
    service_peak = rss.peaks[service.proc.pid]
    print(f"peak RSS MB: service {service_peak:.0f}, per process {rss.peaks}, "
          f"all together {rss.total:.0f}")  # fmt: skip
    assert len(rss.peaks) >= 2, rss.peaks  # the service and its translation worker(s)
    assert service_peak < SERVICE_MB, rss.peaks
    assert max(rss.peaks.values()) < SERVICE_MB, rss.peaks
    assert rss.total < TOTAL_MB, rss.total
    assert counts["events"] == {EventState.FAILURE.value: 2 * SETS}, counts
    # the 824 in parts (at most MAX_SETS sets / about MAX_CHARS each), numbered one after
    # the other: one OTI loop per set, each with its own two errors (its events' order named)
    assert len(advices) >= -(-SETS // MAX_SETS), [len(a.content) for a in advices]
    assert all(len(a.content) < 2 * MAX_CHARS for a in advices)
    controls = [int(a.content[90:99]) for a in advices]  # ISA13
    assert controls == list(range(controls[0], controls[0] + len(advices)))
    assert sum(a.content.count("OTI*TR*TN*") for a in advices) == SETS
    assert sum(a.content.count("\nTED*") for a in advices) == 2 * SETS
    last = f"PO951M{SETS}/1Z951M{SETS}: InvalidPurchaseOrderNumber"
    assert sum(last in a.content for a in advices) == 1
