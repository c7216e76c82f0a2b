"""Nothing long from a file stays in memory after it (reviewer, stop 19): the memos that
speed up mailbags (issue 11: the ack writers' copied values, ISA and GS checks, the UNB
stamp check, the ack delimiters with the line breaks after an ISA) kept the inbound text
itself, whatever its length, for the life of a translation worker: a partner's megabyte
GS03, UNB date or run of line breaks stayed after its file was done. They now keep short
values only."""

from __future__ import annotations

import gc
import io
import tracemalloc
from collections.abc import Callable
from typing import Any

from gateway.ack.context import AckContext
from gateway.pipeline import translate_stream
from tests.test_broken_headers import (
    NOW,
    PROFILE,
    TABLES,
    edifact_interchange,
    isa,
    translate,
    x12_interchange,
)
from tests.test_memory_per_set import _BODY_214

_BIG = 200_000  # characters of one oversized value; 12 of them: 2.4 MB


def _whole(data: bytes) -> object:
    """translate_stream over one BytesIO (the small reads of `translate` take minutes over
    hundreds of thousands of line breaks)."""
    requests: list[object] = []
    return translate_stream(io.BytesIO(data), PROFILE, TABLES, AckContext(now=NOW), requests.append)


def _held_after(make: list[bytes], read: Callable[[bytes], object] | None = None) -> int:
    """Bytes traced still allocated after translating each file of `make` and dropping it."""
    tracemalloc.start()
    try:
        gc.collect()
        base = tracemalloc.get_traced_memory()[0]
        for data in make:
            if read is not None:
                read(data)
                continue
            outcome, requests = translate(data)
            del outcome, requests
        del make[:]
        gc.collect()
        return tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()


def _x12_big_receiver(n: int) -> str:
    body = "~\n".join(_BODY_214)
    receiver = f"R{n:08d}" + "X" * _BIG  # GS03, AN 2/15: refused, never copied into an ack
    return (
        isa(n) + f"GS*QM*DEMOCARRIER*{receiver}*20261124*1830*{n}*X*004010~\n"
        f"ST*214*0001~\n{body}~\nSE*{len(_BODY_214) + 2}*0001~\nGE*1*{n}~\nIEA*1*{n:09d}~\n"
    )


def test_oversized_gs_values_are_not_kept_after_the_file() -> None:
    files = [
        "".join(_x12_big_receiver(f * 100 + n) for n in range(1, 5)).encode("latin-1")
        for f in range(3)
    ]
    held = _held_after(files)
    assert held < 1_000_000, f"{held:,} bytes of 12 refused GS03 values stay in memory"


def test_oversized_unb_dates_are_not_kept_after_the_file() -> None:
    def interchange(n: int) -> str:
        date = f"2611{n:08d}" + "4" * _BIG  # UNB 0017: 6 or 8 digits
        return edifact_interchange(n).replace("+261124:1830+", f"+{date}:1830+", 1)

    files = [
        "".join(interchange(f * 100 + n) for n in range(1, 5)).encode("latin-1") for f in range(3)
    ]
    held = _held_after(files)
    assert held < 1_000_000, f"{held:,} bytes of 12 refused UNB dates stay in memory"


_HUGE = "9" * 5000  # more digits than int() converts (sys.get_int_max_str_digits: 4300)


def test_line_breaks_after_an_isa_are_not_kept_after_the_file() -> None:
    """1b. The ISA's `suffix` (every CR / LF after its terminator, any number) is part of
    the inbound Delimiters, which two new caches keep after the file: x12_header._CLEAN
    (its key holds the Delimiters, up to 1,024) and ack_delimiters' memo (up to 4,096, by
    id). Blank lines after each ISA of accepted interchanges stay in memory. Passes with
    6004cd0's x12_header.py, x12_envelope.py and x12.py."""

    def interchange(n: int) -> str:
        text = x12_interchange(n)
        return text[:106] + "\n" * (_BIG + n) + text[107:]

    files = [
        "".join(interchange(f * 100 + n) for n in range(1, 5)).encode("latin-1") for f in range(3)
    ]
    held = _held_after(files, _whole)
    assert held < 1_000_000, f"{held:,} bytes of line breaks after 12 ISAs stay in memory"


def test_refused_sets_do_not_fill_the_ack_memo() -> None:
    """Each refused set's AK2 copies its control number (ST02), which no other set shares:
    `fit` remembered each one (up to 4,096 entries, ~600 bytes a set), so the memory of a
    file of refused sets grew with its sets (tests/test_memory_recording.py). Now a set's
    control number goes through `fit_unique`, which remembers nothing."""
    from gateway.ack import x12_envelope
    from tests.test_memory_per_set import x12_214

    x12_envelope._FITS.clear()
    data = x12_214(3000).replace(b"AT7*D1*NS", b"AT7*ZZ*Q7")  # a status no table maps
    outcome: Any = _whole(data)
    (ack,) = [a for a in outcome.acknowledgements if a.type == "997"]
    assert "AK2*214*000003000" in ack.content
    assert len(x12_envelope._FITS) < 50, len(x12_envelope._FITS)
