"""The service's recording of a big file does not grow with its transaction sets (issue 9).

`translate_received` (what a translation worker runs) is given one interchange of N 214s
and one of 4N: the peak of what it allocates may grow by a few hundred bytes per extra set
at most (the 997 it records lists every set, ~26 bytes each, and is built and stored whole).
Recording every set's row and id at once (at the interchange's trailer) took ~830 bytes per
set (a set's row to insert, a dict, alone is ~400), and a file whose every set has a
problem ~4,300 (every problem listed for the file, every refused set's row read back for
its search terms). The batch sizes of the ledger writes, of the pipeline's request spool
and of the envelope's set spool, the problems a file lists and the refused sets whose search
terms are read are made small, and the file is read in small pieces, so that what they hold
(a constant) is small beside what is measured. Counted with tracemalloc, so the figures do
not depend on the machine's load.
"""

from __future__ import annotations

import asyncio
import gc
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO, cast

import pytest

import gateway.ack.spool as ack_spool
import gateway.envelope.outcome as envelope_outcome
import gateway.ledger.streaming as streaming
import gateway.ops.hooks as hooks
import gateway.pipeline as pipeline
import gateway.request_spool as request_spool
import gateway.service.translating as translating
from gateway.envelope.outcome import InterchangeOutcome
from gateway.ledger import EventState, FileState, Ledger
from gateway.ledger.streaming import event_counts
from gateway.mapping.codes import load_code_tables
from gateway.pipeline import translate_stream
from gateway.problems import Problem
from gateway.profile import PartnerProfile
from gateway.service.config import ServiceSettings
from gateway.service.metrics import Metrics
from gateway.service.runtime import Runtime
from gateway.service.storage import FileStore
from gateway.service.translating import translate_received
from gateway.service.worker import Gateway
from tests.test_memory_per_interchange import x12_mailbag
from tests.test_memory_per_set import x12_214

N = 400
# bytes the recording may take more per extra set at its peak: 200-500 now, most of it
# objects parked on CPython's free lists (traced as held until a full collection; bounded)
PER_SET = 600
PROFILE = PartnerProfile(id="bulk", x12_sender_ids=("DEMOCARRIER",), selling_party="999US",
                         ship_from="ABCD", seller="demo")  # fmt: skip


def _pieces(stored: Path) -> Iterator[bytes]:
    with stored.open("rb") as stream:
        while chunk := stream.read(1 << 14):
            yield chunk


class _SmallReads:
    """A binary stream whose reads return 16 KiB at most (seek and the rest as the file's)."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream

    def read(self, size: int = -1) -> bytes:
        return self._stream.read(1 << 14 if size < 0 else min(size, 1 << 14))

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._stream.seek(offset, whence)


def _translate_in_pieces(stream: BinaryIO, *rest: Any) -> Any:
    return translate_stream(cast(BinaryIO, _SmallReads(stream)), *rest)


@pytest.fixture
def rt(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Runtime:
    for module, name in ((streaming, "BATCH"), (request_spool, "SPILL_AFTER"),
                         (envelope_outcome, "_BATCH"), (pipeline, "LISTED_PROBLEMS"),
                         (hooks, "_REJECTED_SETS")):  # fmt: skip
        monkeypatch.setattr(module, name, 32)
    # the search terms of refused sets: their file read in 16 KiB pieces too
    monkeypatch.setattr(hooks, "_chunks", lambda stored, limit: _pieces(stored))
    # the collector at its default pace: what a translation leaves for it to free (a bounded
    # amount: see pipeline._fewer_collections) is not counted as held
    monkeypatch.setattr(pipeline, "_GC_THRESHOLDS", gc.get_threshold())
    # read in 16 KiB pieces: the reader's one chunk of text is small beside what is measured
    # (capped at the stored file's stream, not by patching x12.decoded_chunks: a module that
    # mypyc compiled calls the function it imported directly, so `make unit-compiled` would
    # read 1 MiB chunks)
    monkeypatch.setattr(translating, "translate_stream", _translate_in_pieces)
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    ledger.migrate()
    return Runtime(settings=ServiceSettings(data_dir=tmp_path), ledger=ledger,
                   store=FileStore(tmp_path), partners={"bulk": PROFILE},
                   tables=load_code_tables(), metrics=Metrics(),
                   default_seller="demo")  # fmt: skip


def _peak(rt: Runtime, sets: int, refused: bool, mailbag: bool = False) -> int:
    """Bytes allocated at the peak of recording a file of `sets` 214s (one event each; with
    `refused` each event's status code is one the code tables do not map: no events, and a
    problem for every set; with `mailbag` each set in an interchange of its own)."""
    data = x12_214(sets).replace(b"*000000101*", f"*{sets:09d}*".encode())  # ISA13
    data = data.replace(b"IEA*1*000000101~", f"IEA*1*{sets:09d}~".encode())
    if mailbag:  # control numbers of their own: none is a duplicate of another file's
        data = x12_mailbag(sets).replace(b"*00401*00", f"*00401*{sets % 97:02d}".encode())
        data = data.replace(b"~\nIEA*1*00", f"~\nIEA*1*{sets % 97:02d}".encode())
    if refused:
        data = data.replace(b"AT7*D1*NS", b"AT7*ZZ*Q7")
    file_id = asyncio.run(Gateway(rt).receive("bulk", "http", f"{sets}.edi", data)).id
    record = rt.ledger.get_file(file_id)
    assert record is not None
    gc.collect()  # the same start for every run: no garbage, empty free lists
    tracemalloc.start(1)
    try:
        base = tracemalloc.get_traced_memory()[0]
        summary = translate_received(rt, record)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    # the real thing: every set and event recorded, each event with its set
    assert summary.state is FileState.TRANSLATED and summary.events == (0 if refused else sets)
    transactions = {t.id: t for t in rt.ledger.transactions_for_file(file_id)}
    assert len(transactions) == sets
    assert all(bool(t.errors) is refused for t in transactions.values())
    acks = rt.ledger.acks_for_file(file_id)
    assert [ack.content.count("AK2*214*") for ack in acks] == ([1] * sets if mailbag else [sets])
    done = rt.ledger.get_file(file_id)
    assert done is not None and done.accepted is not refused
    if refused:  # the file lists the first problems; each set keeps its own
        assert done.errors is not None and len(done.errors) == pipeline.LISTED_PROBLEMS
        return peak
    assert event_counts(rt.ledger, file_id) == {EventState.PENDING.value: sets}
    events = rt.ledger.events_for_file(file_id)
    controls = [transactions[e.transaction_id].control for e in events if e.transaction_id]
    assert controls == (["0001"] * sets if mailbag else [f"{n:09d}" for n in range(1, sets + 1)])
    return peak


@pytest.mark.parametrize("refused", [False, True], ids=["accepted", "every-set-refused"])
def test_recording_memory_does_not_grow_with_the_sets(rt: Runtime, refused: bool) -> None:
    _peak(rt, 40, refused)  # a warm-up: imports, memos, the ledger's compiled statements
    small, large = _peak(rt, N, refused), _peak(rt, 4 * N, refused)
    assert large - small < 3 * N * PER_SET, (small, large, (large - small) / (3 * N))


@pytest.mark.parametrize("refused", [False, True], ids=["accepted", "every-set-refused"])
def test_recording_memory_does_not_grow_with_the_interchanges(
    rt: Runtime, refused: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A mailbag of one set per interchange: each interchange's outcome and 997 are not held
    to the end of the file (they were: ~1,500 bytes per interchange). Measured at the last
    interchange's trailer after a full collection (which empties CPython's free lists: a
    peak counts up to 2,000 freed tuples of each size as held, ~600 bytes per interchange
    here), and whole at the peak, where the acks are recorded."""
    monkeypatch.setattr(ack_spool, "BUDGET", 4096)  # the acks held before they spill
    at_trailer: dict[int, int] = {}
    check, size = translating._Recorder.check, [0]

    def check_and_measure(self: Any, outcome: InterchangeOutcome[Any]) -> list[Problem]:
        if outcome.control is not None and int(outcome.control[2:]) == size[0]:  # the last
            gc.collect()
            at_trailer[size[0]] = tracemalloc.get_traced_memory()[0]
        return check(self, outcome)

    monkeypatch.setattr(translating._Recorder, "check", check_and_measure)
    peaks = {}
    for sets in (40, N, 4 * N):  # (40: a warm-up)
        size[0] = sets
        peaks[sets] = _peak(rt, sets, refused, mailbag=True)
    extra = 3 * N
    assert at_trailer[4 * N] - at_trailer[N] < extra * 100, at_trailer
    assert peaks[4 * N] - peaks[N] < extra * 1000, peaks
