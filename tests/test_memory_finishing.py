"""The serving process's memory for a mailbag's acks and advices does not grow with its
interchanges (issue 11, "flat memory"; a reviewer saw the service's main process grow by
~130 MB per big mailbag).

A mailbag of `N` interchanges of one 214 each is translated and recorded; its events are then
sent and settled as Amazon's Success through the ledger calls the service makes, and the two
main-process steps that walk every interchange are measured with tracemalloc: the delivery of
its 997s (`deliver_acks`) and its finishing (`finish_file_sync`: a positive 824 per
interchange, with the sets the gateway refused, the interchanges rejected whole, the last
deliveries). Each once listed every ack of the file (`AckInfo`, ~500 bytes each) or every
interchange row and control number (~600 bytes each) for the whole step; now they read a
page at a time. The ledger's pages are made small here, so what one page holds is small
beside what a list of the file's rows would.
"""

from __future__ import annotations

import asyncio
import gc
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

import gateway.ledger.advising as ledger_advising
import gateway.service.delivering as delivering
from gateway.ledger import AckState, EventState, FileState, Ledger
from gateway.ledger.records import FileRecord
from gateway.mapping.codes import load_code_tables
from gateway.profile import PartnerProfile
from gateway.service.config import ServiceSettings
from gateway.service.delivering import deliver_acks
from gateway.service.finishing import finish_file_sync
from gateway.service.metrics import Metrics
from gateway.service.runtime import Runtime
from gateway.service.storage import FileStore
from gateway.service.translating import translate_received
from gateway.service.worker import Gateway
from gateway.spapi import CallResult, TransactionStatus
from tests.test_memory_per_interchange import x12_mailbag

N = 3_000
REFUSED, REJECTED = 20, 30
PAGE = 50  # rows per ledger read (events, interchanges, acks)
EVERY = 200  # ledger transactions between two samples of the live memory
# what each step may hold at a sample: a page's rows, an interchange's advice, the ledger's
# statement caches (now ~0.15 MB delivering, ~0.55 MB finishing, mostly the caches); a list
# of the file's 3,000 acks or interchange rows alone takes more than the bound (old code:
# ~1.4 MB delivering, ~2.4 MB finishing)
DELIVERING_BOUND, FINISHING_BOUND = 600_000, 1_200_000
PROFILE = PartnerProfile.model_validate({
    "id": "bulk", "x12_sender_ids": ["DEMOCARRIER"], "seller": "demo", "selling_party": "999US",
    "ship_from": "ABCD", "ship_method": "UPS_GR_RES",
})  # fmt: skip


class SamplingLedger(Ledger):
    """The ledger, sampling what is live (traced after a full collection: the cyclic garbage
    of the ledger's sessions, freed at the collector's pace, is not held) at every `EVERY`th
    transaction while `measure` runs; `live`: the most, above what was held before."""

    transactions, base, live = 0, 0, 0

    def _sample(self) -> None:
        self.transactions += 1
        if tracemalloc.is_tracing() and self.transactions % EVERY == 0:
            gc.collect()
            self.live = max(self.live, tracemalloc.get_traced_memory()[0] - self.base)

    @contextmanager
    def _read(self) -> Iterator[Session]:
        self._sample()
        with super()._read() as session:
            yield session

    @contextmanager
    def _tx(self, durable: bool = True) -> Iterator[Session]:
        self._sample()
        with super()._tx(durable) as session:
            yield session

    def measure(self, step: Callable[[], object]) -> int:
        """The most live memory sampled while `step` ran, above what was held before."""
        gc.collect()
        tracemalloc.start(1)
        try:
            self.transactions, self.live = 0, 0
            self.base = tracemalloc.get_traced_memory()[0]
            step()
            assert self.transactions >= 10 * EVERY, self.transactions  # sampled enough
            return self.live
        finally:
            tracemalloc.stop()


def runtime(ledger: Ledger, tmp_path: Path) -> Runtime:
    return Runtime(settings=ServiceSettings(data_dir=tmp_path), ledger=ledger,
                   store=FileStore(tmp_path), partners={"bulk": PROFILE},
                   tables=load_code_tables(), metrics=Metrics(),
                   default_seller="demo")  # fmt: skip


@pytest.fixture
def small_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ledger_advising, "PAGE", PAGE)
    monkeypatch.setattr(delivering, "_PAGE", PAGE)


def _settle(rt: Runtime, file_id: str) -> int:
    """Every pending event of the file sent and settled as Success, 100 per call."""
    settled = 0
    while pending := rt.ledger.events_for_files([file_id], [EventState.PENDING], 100):
        call_id = rt.ledger.mark_sending([e.id for e in pending])
        rt.ledger.record_call(call_id, CallResult("submitShipmentStatusUpdates", "http://x", 202,
                                                  1, ("r",), f"t-{call_id}"))  # fmt: skip
        rt.ledger.update_transaction_status(call_id, TransactionStatus.SUCCESS)
        settled += len(pending)
    return settled


def _mailbag() -> bytes:
    """`N` interchanges of one 214 each; every `REFUSED`th one's status is one the code tables
    do not map (its set refused: an 824 with the refusal), every `REJECTED`th one's IEA
    names another control number (rejected whole: no 824)."""
    interchanges = x12_mailbag(N).decode("ascii").split("ISA*")[1:]
    for index, text in enumerate(interchanges):
        n = index + 1
        if n % REFUSED == 0:
            text = text.replace("AT7*D1*NS", "AT7*ZZ*Q7")
        if n % REJECTED == 0:
            text = text.replace(f"IEA*1*{n:09d}", f"IEA*1*{n + 1:09d}")
        interchanges[index] = "ISA*" + text
    return "".join(interchanges).encode("ascii")


def _file(rt: Runtime, file_id: str) -> FileRecord:
    record = rt.ledger.get_file(file_id)
    assert record is not None
    return record


def delivering_and_finishing(ledger: SamplingLedger, tmp_path: Path) -> tuple[int, int]:
    """The live memory sampled while a mailbag's 997s were delivered and while it was
    finished (module doc), bytes; checks what they recorded."""
    rt = runtime(ledger, tmp_path)
    file_id = asyncio.run(Gateway(rt).receive("bulk", "http", "bag.edi", _mailbag())).id
    summary = translate_received(rt, _file(rt, file_id))  # its 997s recorded, not delivered
    assert summary.state is FileState.TRANSLATED
    acks = rt.ledger.ack_infos_for_file(file_id)
    assert len(acks) == N and {a.type for a in acks} == {"997", "TA1"}

    translated = _file(rt, file_id)  # (with the problems it lists: up to 1,000, ~0.4 MB)
    delivering_live = ledger.measure(lambda: deliver_acks(rt, translated))
    assert {a.state for a in rt.ledger.ack_infos_for_file(file_id)} == {AckState.DELIVERED}

    sent = [n for n in range(1, N + 1) if n % REFUSED and n % REJECTED]
    assert _settle(rt, file_id) == len(sent)
    rt.ledger.advance(file_id, FileState.SUBMITTED)
    submitted = _file(rt, file_id)
    finishing_live = ledger.measure(lambda: finish_file_sync(rt, submitted))

    assert _file(rt, file_id).state is FileState.DONE
    advices = [a for a in rt.ledger.ack_infos_for_file(file_id) if a.type == "824"]
    refused = [n for n in range(1, N + 1) if n % REFUSED == 0 and n % REJECTED]
    assert [a.acknowledges for a in advices] == [f"{n:09d}" for n in refused]
    assert {a.state for a in advices} == {AckState.DELIVERED}
    return delivering_live, finishing_live


def test_delivering_and_finishing_a_mailbag_hold_no_list_of_its_interchanges(
    tmp_path: Path, small_pages: None
) -> None:
    ledger = SamplingLedger(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    ledger.migrate()
    try:
        delivering_live, finishing_live = delivering_and_finishing(ledger, tmp_path)
    finally:
        ledger.close()
    assert delivering_live < DELIVERING_BOUND, delivering_live
    assert finishing_live < FINISHING_BOUND, finishing_live
