"""A service stop halts ack delivery between two acks (reviewer: a SIGTERM during the delivery
of a mailbag's 50,000 acks took 208 s, one file written and one ledger write per ack). The
acks left behind stay `created` and the file unarchived: the next start delivers them.
Two deliveries of one file at once (the translation's and the work loop's) write each ack
once."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from gateway.ledger import FileState
from gateway.service.delivering import deliver_acks
from gateway.service.worker import Gateway
from tests.integration.conftest import orders, x12_status
from tests.test_service_jobs import runtime

INTERCHANGES = 6


class _HaltAfterFirst(logging.Handler):
    """Sets the gateway's halt once the first ack was delivered: the stop comes mid-file."""

    def __init__(self, gateway: Gateway) -> None:
        super().__init__()
        self.gateway = gateway

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage() == "ack delivered":
            self.gateway.halt.set()


def _mailbag() -> bytes:
    shipments = orders("HALT", 1, packs=1)
    return "".join(x12_status(shipments, control=900 + n) for n in range(INTERCHANGES)).encode()


@pytest.mark.parametrize("state", [FileState.TRANSLATED, FileState.DUPLICATE])
def test_a_stop_halts_delivery_between_acks(tmp_path: Path, state: FileState) -> None:
    rt = runtime(tmp_path)
    gateway = Gateway(rt)
    record = asyncio.run(gateway.receive("demo", "http", "bag.edi", _mailbag()))
    handler = _HaltAfterFirst(gateway)
    service_log = logging.getLogger("edigw.service")
    service_log.addHandler(handler)
    level = service_log.level
    service_log.setLevel(logging.INFO)
    try:
        if state is FileState.TRANSLATED:  # halted in the translation's own delivery
            assert asyncio.run(gateway.translate(record.id)) is not None
        else:  # a final file: halted in the intake round's, which then must not archive it
            gateway.halt.set()
            assert asyncio.run(gateway.translate(record.id)) is not None
            rt.ledger.advance(record.id, state)
            gateway.halt.clear()
            asyncio.run(gateway.intake_round())
    finally:
        service_log.removeHandler(handler)
        service_log.setLevel(level)
    acks = rt.ledger.ack_infos_for_file(record.id)
    assert len(acks) == INTERCHANGES
    assert [a.state.value for a in acks] == ["delivered"] + ["created"] * (INTERCHANGES - 1)
    after = rt.ledger.get_file(record.id)
    assert after is not None and after.archived_at is None
    # the next start: a new gateway delivers the rest, in order
    assert deliver_acks(rt, after, Gateway(rt).halt) == INTERCHANGES - 1
    assert {a.state.value for a in rt.ledger.ack_infos_for_file(record.id)} == {"delivered"}


class _Slow(logging.Handler):
    """Counts each ack delivered (by its `acknowledges`) and makes the first delivery slow,
    so a second delivery of the file starts while the first is under way."""

    def __init__(self) -> None:
        super().__init__()
        self.delivered: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        if record.getMessage() == "ack delivered":
            self.delivered[str(getattr(record, "acknowledges", ""))] += 1
            if sum(self.delivered.values()) == 1:
                time.sleep(0.3)


def test_two_deliveries_of_a_file_at_once_deliver_each_ack_once(tmp_path: Path) -> None:
    rt = runtime(tmp_path)
    gateway = Gateway(rt)
    record = asyncio.run(gateway.receive("demo", "sftp", "bag.edi", _mailbag()))
    gateway.halt.set()  # translated, its acks left `created`
    assert asyncio.run(gateway.translate(record.id)) is not None
    translated = rt.ledger.get_file(record.id)
    assert translated is not None
    handler = _Slow()
    service_log = logging.getLogger("edigw.service")
    service_log.addHandler(handler)
    level = service_log.level
    service_log.setLevel(logging.INFO)
    try:
        counts: list[int] = []
        threads = [threading.Thread(target=lambda: counts.append(deliver_acks(rt, translated)))
                   for _ in range(2)]  # fmt: skip
        for thread in threads:
            thread.start()
            time.sleep(0.05)
        for thread in threads:
            thread.join(30)
    finally:
        service_log.removeHandler(handler)
        service_log.setLevel(level)
    assert sorted(counts) == [0, INTERCHANGES]
    assert len(handler.delivered) == INTERCHANGES and set(handler.delivered.values()) == {1}
    outbox = sorted(p.name for p in rt.outbox("demo").iterdir())
    assert len(outbox) == INTERCHANGES, outbox
