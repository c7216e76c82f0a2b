"""The service's recording of a big file does not grow with its transaction sets (issue 9).

`translate_received` (what a translation worker runs) is given one interchange of N 214s
and one of 4N: the peak of what it allocates may grow by a few hundred bytes per extra set
at most (the 997 it records lists every set, ~26 bytes each, and is built and stored whole).
Recording every set's row and id at once (at the interchange's trailer) took ~830 bytes per
set: a set's row to insert (a dict) alone is ~400. The batch sizes of the ledger writes, of
the pipeline's request spool and of the envelope's set spool are made small, and the file
is read in small pieces, so that what they hold (a constant) is small beside what is
measured. Counted with tracemalloc, so the figures do not depend on the machine's load.
"""

from __future__ import annotations

import asyncio
import gc
import tracemalloc
from pathlib import Path

import pytest

import gateway.envelope.outcome as envelope_outcome
import gateway.envelope.x12 as x12
import gateway.ledger.streaming as streaming
import gateway.pipeline as pipeline
from gateway.envelope.decode import decoded_chunks
from gateway.ledger import EventState, FileState, Ledger
from gateway.ledger.streaming import event_counts
from gateway.mapping.codes import load_code_tables
from gateway.profile import PartnerProfile
from gateway.service.config import ServiceSettings
from gateway.service.metrics import Metrics
from gateway.service.runtime import Runtime
from gateway.service.storage import FileStore
from gateway.service.translating import translate_received
from gateway.service.worker import Gateway
from tests.test_memory_per_set import x12_214

N = 400
# bytes the recording may take more per extra set at its peak: ~200 now, most of it tuples
# parked on CPython's free lists (traced as held until a full collection; bounded)
PER_SET = 400
PROFILE = PartnerProfile(id="bulk", x12_sender_ids=("DEMOCARRIER",), selling_party="999US",
                         ship_from="ABCD", seller="demo")  # fmt: skip


@pytest.fixture
def rt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Runtime:
    for module, name in ((streaming, "BATCH"), (pipeline, "_SPILL_AFTER"),
                         (envelope_outcome, "_BATCH")):  # fmt: skip
        monkeypatch.setattr(module, name, 32)
    # the collector at its default pace: what a translation leaves for it to free (a bounded
    # amount: see pipeline._fewer_collections) is not counted as held
    monkeypatch.setattr(pipeline, "_GC_THRESHOLDS", gc.get_threshold())
    # read in 16 KiB pieces: the reader's one chunk of text is small beside what is measured
    monkeypatch.setattr(x12, "decoded_chunks", lambda stream: decoded_chunks(stream, 1 << 14))
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    ledger.migrate()
    return Runtime(settings=ServiceSettings(data_dir=tmp_path), ledger=ledger,
                   store=FileStore(tmp_path), partners={"bulk": PROFILE},
                   tables=load_code_tables(), metrics=Metrics(),
                   default_seller="demo")  # fmt: skip


def _peak(rt: Runtime, sets: int) -> int:
    """Bytes allocated at the peak of recording a file of `sets` 214s (one event each)."""
    data = x12_214(sets).replace(b"*000000101*", f"*{sets:09d}*".encode())  # ISA13
    data = data.replace(b"IEA*1*000000101~", f"IEA*1*{sets:09d}~".encode())
    file_id = asyncio.run(Gateway(rt).receive("bulk", "http", f"{sets}.edi", data)).id
    record = rt.ledger.get_file(file_id)
    assert record is not None
    tracemalloc.start(1)
    try:
        base = tracemalloc.get_traced_memory()[0]
        summary = translate_received(rt, record)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    # the real thing: every set and event recorded, each event with its set
    assert summary.state is FileState.TRANSLATED and summary.events == sets
    assert event_counts(rt.ledger, file_id) == {EventState.PENDING.value: sets}
    transactions = {t.id: t for t in rt.ledger.transactions_for_file(file_id)}
    assert len(transactions) == sets
    events = rt.ledger.events_for_file(file_id)
    assert [transactions[e.transaction_id].control for e in events if e.transaction_id] == [
        f"{n:09d}" for n in range(1, sets + 1)
    ]
    (ack,) = rt.ledger.acks_for_file(file_id)
    assert ack.content.count("AK2*214*") == sets
    return peak


def test_recording_memory_does_not_grow_with_the_sets(rt: Runtime) -> None:
    _peak(rt, 40)  # a warm-up: imports, memos, the ledger's compiled statements
    small, large = _peak(rt, N), _peak(rt, 4 * N)
    assert large - small < 3 * N * PER_SET, (small, large, (large - small) / (3 * N))
