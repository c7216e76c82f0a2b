"""What a broken interchange costs does not grow with what follows it (issue 11).

Before, an X12 interchange whose ISA declared delimiters its segments do not use was read
to the end of the file: every later interchange became segments of it, each one a problem
held in its outcome (a 21 MB mailbag took 1.2 GB), and a terminator that never came made
the tokenizer hold the rest of the file as one "segment". EDIFACT held the rest of the file
(up to its 1 MiB segment limit) as one segment. Now the reader goes on at the next
interchange header, text without a terminator is skipped past MAX_SEGMENT_LENGTH, and an
interchange lists at most STRUCTURE_FAULTS control-structure faults.

Each test translates an input of N and of 4N units (interchanges after the broken one,
characters of a segment that never ends, stray segments) and compares the peak that
tracemalloc counted during the translation: it may grow by a few bytes per extra unit, far
less than the unit itself. The inputs are read in 16 KiB pieces and what is held whatever
the size (acks before they spill, problems listed) is made small (`small`).
"""

from __future__ import annotations

import gc
import tracemalloc
from collections.abc import Callable
from typing import BinaryIO, cast

import pytest

import gateway.envelope.x12_syntax as x12_syntax
from gateway.ack.context import AckContext
from gateway.pipeline import TranslationOutcome, translate_stream
from gateway.problems import ProblemCode
from tests.test_broken_headers import (
    _blank_terminator,
    _cut_isa,
    _isa_names_another_terminator,
    _una,
    edifact_interchange,
    isa,
    x12_interchange,
)
from tests.test_memory_per_interchange import NOW, PROFILE, TABLES, _SmallReads, small

__all__ = ["small"]  # the fixture, used by name

N = 300
PER_UNIT = 100  # bytes the peak may grow per extra unit (each unit is 200-500 bytes of text)


def _peak(data: bytes) -> tuple[int, TranslationOutcome]:
    """(the most bytes traced at once while `data` was translated, the outcome)."""
    gc.collect()
    tracemalloc.start(1)
    try:
        base = tracemalloc.get_traced_memory()[0]
        outcome = translate_stream(
            cast(BinaryIO, _SmallReads(data)), PROFILE, TABLES, AckContext(now=NOW),
            lambda _request: None,
        )  # fmt: skip
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return peak - base, outcome


def _grows_by(make: Callable[[int], bytes]) -> tuple[int, TranslationOutcome, TranslationOutcome]:
    """(peak of make(4N) - peak of make(N), their outcomes), after a warm-up."""
    _peak(make(20))
    peak1, outcome1 = _peak(make(N))
    peak4, outcome4 = _peak(make(4 * N))
    return peak4 - peak1, outcome1, outcome4


def _mailbag(
    interchange: Callable[[int], str], broken: Callable[[str], str] | None
) -> Callable[[int], bytes]:
    """A mailbag maker: the first interchange (`broken` if given), then `tail` more."""

    def make(tail: int) -> bytes:
        first = interchange(1) if broken is None else broken(interchange(1))
        return (first + "".join(interchange(n) for n in range(2, tail + 2))).encode()

    return make


def _tail_cost(interchange: Callable[[int], str], broken: Callable[[str], str]) -> int:
    """How much more the peak of a mailbag grows from N to 4N interchanges after a broken
    first one than after a clean one (the clean one's growth is that of the bounded memos
    and caches filling up, the same for both), checked to be a few bytes per interchange
    at most; and that every interchange after the broken one was read and released."""
    clean_growth, _, _ = _grows_by(_mailbag(interchange, None))
    growth, outcome1, outcome4 = _grows_by(_mailbag(interchange, broken))
    extra = growth - clean_growth
    assert extra < 3 * N * PER_UNIT, extra
    for outcome, count in ((outcome1, N), (outcome4, 4 * N)):
        assert outcome.interchange_count == count + 1
        assert outcome.events == count  # every later interchange released
    return extra


X12_BREAKS = {
    "blank terminator": _blank_terminator,
    "ISA terminator not the segments'": _isa_names_another_terminator,
    "ISA cut off": _cut_isa,
}


@pytest.mark.parametrize("case", sorted(X12_BREAKS))
def test_x12_broken_interchange_does_not_hold_the_tail(small: None, case: str) -> None:
    extra = _tail_cost(x12_interchange, X12_BREAKS[case])
    assert extra < 3 * N * PER_UNIT, extra


def test_edifact_broken_interchange_does_not_hold_the_tail(small: None) -> None:
    broken = _una(":+.? |")  # a terminator that none of its segments end with
    extra = _tail_cost(edifact_interchange, broken)
    assert extra < 3 * N * PER_UNIT, extra


def test_x12_segment_that_never_ends_is_not_held(
    small: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An ISA naming "|" as terminator, then text with none and no further ISA: skipped in
    chunks once MAX_SEGMENT_LENGTH is passed (made 16 KiB here), not held whole."""
    monkeypatch.setattr(x12_syntax, "MAX_SEGMENT_LENGTH", 1 << 14, raising=False)
    unit = "N1*SH*DEMO VENDOR DISTRIBUTION CENTER~\n"  # 39 characters, none a "|"

    def make(units: int) -> bytes:
        return (isa(1, "*0*P*>|\n") + unit * (units * 20)).encode()

    growth, outcome1, outcome4 = _grows_by(make)
    assert growth < 3 * N * PER_UNIT, growth  # a unit: 20 x 39 characters
    for outcome in (outcome1, outcome4):
        (problem,) = [p for p in outcome.problems if p.interchange == "000000001"]
        assert problem.code is ProblemCode.SEGMENT_TERMINATOR_MISSING
        assert "up to the end of the file are skipped" in problem.message


def test_x12_interchange_of_stray_segments_is_bounded(small: None) -> None:
    """No IEA, and segments whose element separator is not the ISA's: each is out of
    place; the interchange's outcome lists STRUCTURE_FAULTS of them and counts the rest."""

    def make(units: int) -> bytes:
        body = "".join(f"N1|SH|PARTY {n}~\nN3|{n} MAIN STREET~\n" for n in range(units))
        return (isa(1) + body).encode()

    growth, _, outcome4 = _grows_by(make)
    assert growth < 3 * N * PER_UNIT, growth
    # the ones listed, the count of the rest, and the IEA missing: the file's count holds
    # each of the 2 x 4N stray segments, as the one that counts them stands for the rest
    assert outcome4.problem_count == 2 * 4 * N + 1


def test_x12_text_between_interchanges_is_not_held(small: None) -> None:
    """Megabytes of text that is no EDI between two interchanges (a mail body pasted into
    a mailbag): passed over chunk by chunk, its first 200 characters the sample in the
    file's problem; the interchange after it is read."""

    def make(units: int) -> bytes:
        junk = "".join(f"see the attached file, line {n}\n" for n in range(units * 20))
        return (x12_interchange(1) + junk + x12_interchange(2)).encode()

    growth, outcome1, outcome4 = _grows_by(make)
    assert growth < 3 * N * PER_UNIT, growth  # a unit: 20 lines of ~35 characters
    for outcome in (outcome1, outcome4):
        assert outcome.interchange_count == 2 and outcome.events == 2
        (problem,) = [p for p in outcome.problems if p.level.value == "file"]
        assert "see the attached file, line 0" in problem.message
