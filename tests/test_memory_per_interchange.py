"""A mailbag's translation does not grow with its number of interchanges (issue 11).

Partners send mailbags: tens of MB of small interchanges, one per shipment. Each interchange
is answered (TA1 / 997 / CONTRL) and listed for its problems as it ends; its outcome is not
kept (`translate_stream`'s `keep_interchanges`) and its acks past a budget wait in a
temporary file (`gateway.ack.spool.AckSpool`). Before, every outcome and every ack was held
to the end of the file: ~1,500 bytes per interchange, 94 MB of a 20 MB mailbag.

A mailbag of N interchanges and one of 4N are translated: what the translation holds at
the last interchange's trailer, and what its outcome still holds at the end, may grow by a
few bytes per extra interchange at most. The ack budget, the problems listed and the spool
batches are made small so that what they hold (a constant) is small beside what is
measured; tracemalloc counts, so the figures do not depend on the machine's load. The
interchanges repeat one body (only their control numbers change) so that the parse stage's
bounded memos hold the same after the warm-up in every run (`test_memory_per_set`). The
same mailbags, each interchange with a fault of its own, show that the acks and the problem
list are those of reading every outcome at the end.
"""

from __future__ import annotations

import gc
import io
import tracemalloc
from datetime import UTC, datetime
from typing import Any, BinaryIO, cast

import pytest

import gateway.ack.spool as ack_spool
import gateway.envelope.edifact as edifact
import gateway.envelope.outcome as envelope_outcome
import gateway.parse.edifact_checks as edifact_checks
import gateway.parse.edifact_common as edifact_common
import gateway.parse.edifact_iftsta as edifact_iftsta
import gateway.pipeline as pipeline
from gateway.ack.context import AckContext
from gateway.ack.contrl import contrl_acks
from gateway.ack.model import Acknowledgement
from gateway.ack.spool import AckSpool
from gateway.ack.x12 import x12_acks
from gateway.envelope.outcome import InterchangeOutcome
from gateway.mapping.codes import load_code_tables
from gateway.pipeline import InterchangeCheck, TranslationOutcome, translate_stream
from gateway.problems import Level, Problem
from gateway.profile import AckPreferences, PartnerProfile
from tests.test_memory_per_set import _BODY_214, _BODY_IFTSTA

N = 300
PER_INTERCHANGE = 100  # bytes the translation may hold more per extra interchange (~0-50 now,
# the fill of the bounded memos moves it; keeping every outcome and ack took ~1,500)
PROFILE = PartnerProfile(
    selling_party="999US",
    ship_from="ABCD",
    ack=AckPreferences(ta1="always", contrl=True, positive_advice=True),  # 2 acks per ISA
)
TABLES = load_code_tables()
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def x12_mailbag(interchanges: int, fault: bool = False) -> bytes:
    """`interchanges` interchanges of one 214 each; with `fault`, every third one's status
    is one the code tables do not map, every fifth one's SE count is wrong and every
    seventh one's IEA names another control number."""
    out = []
    for n in range(1, interchanges + 1):
        body = "~\n".join(_BODY_214)
        if fault and n % 3 == 0:
            body = body.replace("AT7*D1*NS", "AT7*ZZ*Q7")
        count = len(_BODY_214) + 2 + (1 if fault and n % 5 == 0 else 0)
        iea = n + 1 if fault and n % 7 == 0 else n
        out.append(
            "ISA*00*          *00*          *ZZ*DEMOCARRIER    *ZZ*AMAZONDF       "
            f"*261124*1830*U*00401*{n:09d}*0*P*>~\n"
            "GS*QM*DEMOCARRIER*AMAZONDF*20261124*1830*1*X*004010~\n"
            f"ST*214*0001~\n{body}~\nSE*{count}*0001~\nGE*1*1~\nIEA*1*{iea:09d}~\n"
        )
    return "".join(out).encode("ascii")


def edifact_mailbag(interchanges: int, fault: bool = False) -> bytes:
    """`interchanges` interchanges of one IFTSTA each; with `fault`, every third one's UNT
    count is wrong and every seventh one's UNZ names another reference."""
    out = []
    for n in range(1, interchanges + 1):
        body = "'\n".join(_BODY_IFTSTA)
        count = len(_BODY_IFTSTA) + 2 + (1 if fault and n % 3 == 0 else 0)
        unz = f"IC{n + 1}" if fault and n % 7 == 0 else f"IC{n}"
        out.append(
            f"UNB+UNOA:3+CARRIER:ZZ+AMAZON:ZZ+261124:1830+IC{n}'\n"
            f"UNH+1+IFTSTA:D:01B:UN'\n{body}'\nUNT+{count}+1'\nUNZ+1+{unz}'\n"
        )
    return ("UNA:+.? '\n" + "".join(out)).encode("ascii")


class _SmallReads(io.BytesIO):
    """`data` whose reads return 16 KiB at most (the reader's one chunk stays small)."""

    def read(self, size: int | None = -1) -> bytes:
        return super().read(1 << 14 if size is None or size < 0 else min(size, 1 << 14))


def _translate(
    data: bytes | _SmallReads, keep: bool = False, check: InterchangeCheck | None = None
) -> TranslationOutcome:
    """`data` translated, read in 16 KiB pieces."""
    stream = data if isinstance(data, _SmallReads) else _SmallReads(data)
    return translate_stream(cast(BinaryIO, stream), PROFILE, TABLES, AckContext(now=NOW),
                            lambda _request: None, check, keep)  # fmt: skip


@pytest.fixture
def small(monkeypatch: pytest.MonkeyPatch) -> None:
    """What is held whatever the size (acks before they spill, problems listed, set batches)
    made small beside what is measured; the collector at its default pace."""
    monkeypatch.setattr(ack_spool, "BUDGET", 4096)
    monkeypatch.setattr(pipeline, "LISTED_PROBLEMS", 16)
    monkeypatch.setattr(envelope_outcome, "_BATCH", 16)
    monkeypatch.setattr(pipeline, "_GC_THRESHOLDS", gc.get_threshold())
    # the bounded memos of the EDIFACT stages (what the IFTSTA reader read per message, the
    # segments found clean, the reader's distinct segments: each a constant, but above the
    # N measured here, and each emptied when full, so what it holds depends on the tests run
    # before)
    for module, name in ((edifact_iftsta, "_READS_MAX"), (edifact_checks, "_CLEAN_MAX"),
                         (edifact, "_KNOWN_MAX"), (edifact_common, "_DTM_CACHE_MAX")):  # fmt: skip
        monkeypatch.setattr(module, name, 16)


def _measure(data: bytes, last: str) -> tuple[int, int, TranslationOutcome]:
    """(bytes held at the trailer of the interchange with control number `last`, bytes the
    outcome holds at the end, the outcome). Each after a full collection: what is garbage
    or parked on CPython's free lists (up to 2,000 objects per tuple size) is not counted."""
    stream, at_trailer = _SmallReads(data), []

    def check(outcome: InterchangeOutcome[Any]) -> list[Problem]:
        if (outcome.control or "").strip() == last:
            gc.collect()
            at_trailer.append(tracemalloc.get_traced_memory()[0])
        return []

    gc.collect()
    tracemalloc.start(1)
    try:
        base = tracemalloc.get_traced_memory()[0]
        outcome = _translate(stream, check=check)
        gc.collect()
        held = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    (trailer,) = at_trailer
    return trailer - base, held - base, outcome


@pytest.mark.parametrize("fault", [False, True], ids=["clean", "faults"])
@pytest.mark.parametrize(
    ("make", "answer"), [(x12_mailbag, "997"), (edifact_mailbag, "CONTRL")], ids=["x12", "edifact"]
)
def test_memory_does_not_grow_with_the_interchanges(
    small: None, make: Any, answer: str, fault: bool
) -> None:
    _translate(make(20, fault))  # a warm-up: imports, memos, caches
    last = "IC{}" if make is edifact_mailbag else "{:09d}"
    trailer1, held1, outcome1 = _measure(make(N, fault), last.format(N))
    trailer4, held4, outcome4 = _measure(make(4 * N, fault), last.format(4 * N))
    # the real thing: every interchange read and answered, none kept
    for outcome, count in ((outcome1, N), (outcome4, 4 * N)):
        assert outcome.interchange_count == count and outcome.interchanges == []
        types = [ack.type for ack in outcome.acknowledgements]
        assert types.count("TA1") == (count if answer == "997" else 0)
        assert types.count(answer) >= count * (6 / 7 if fault else 1) - 1
        assert outcome.accepted is not fault
        assert len(outcome.problems) == (pipeline.LISTED_PROBLEMS if fault else 0)
        assert (outcome.unlisted > 0) is fault
    extra = 3 * N
    assert trailer4 - trailer1 < extra * PER_INTERCHANGE, (trailer1, trailer4)
    assert held4 - held1 < extra * PER_INTERCHANGE, (held1, held4)


@pytest.mark.parametrize("make", [x12_mailbag, edifact_mailbag], ids=["x12", "edifact"])
def test_answered_as_it_ends_is_answered_as_at_the_end(
    monkeypatch: pytest.MonkeyPatch, make: Any
) -> None:
    """The acks and problems of a mailbag answered interchange by interchange, its acks
    spilled to a file, are those of every outcome read at the end (as before)."""
    monkeypatch.setattr(pipeline, "LISTED_PROBLEMS", 40)
    data = make(200, fault=True) + b"\nJUNK~\n" + make(3, fault=True)  # a file problem too
    kept = _translate(data, keep=True)
    assert kept.interchange_count == len(kept.interchanges) == 203
    build = x12_acks if make is x12_mailbag else contrl_acks
    at_the_end = build(kept.interchanges, PROFILE.ack, AckContext(now=NOW))
    assert list(kept.acknowledgements) == at_the_end and len(at_the_end) > 200
    listed = list(pipeline._flatten(kept.interchanges))
    own = [p for p in kept.problems if p.level is Level.FILE]
    assert own and kept.problems[: len(own)] == own  # the file's own problems first
    assert kept.problems[len(own) :] == listed[: 40 - len(own)]
    assert kept.unlisted == len(listed) - (40 - len(own))
    assert kept.unlisted_error
    monkeypatch.setattr(ack_spool, "BUDGET", 1000)  # a batch every few acks
    spilled = _translate(data)
    assert spilled.acknowledgements == kept.acknowledgements
    assert spilled.problems == kept.problems and spilled.unlisted == kept.unlisted


def test_ack_spool_reads_back_as_a_list() -> None:
    acks = [Acknowledgement("997" if n % 2 else "TA1", f"ISA*{n}*" + "x" * (n % 50), str(n))
            for n in range(500)]  # fmt: skip
    spool = AckSpool(budget=700)
    for ack in acks:
        spool.append(ack)
    assert spool._batches and len(spool._held) < 50  # most went to the file
    assert len(spool) == 500 and list(spool) == acks and spool == acks
    assert [spool[i] for i in (0, 1, 137, 498, 499, -1, -500)] == [
        acks[i] for i in (0, 1, 137, 498, 499, -1, -500)
    ]
    assert spool[10:20] == acks[10:20] and spool[::-97] == acks[::-97]
    for wrong in (500, -501):
        with pytest.raises(IndexError):
            spool[wrong]
    assert AckSpool() == [] and not AckSpool() and AckSpool(acks[:3], budget=0) == acks[:3]
