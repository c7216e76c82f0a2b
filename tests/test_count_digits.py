"""A count element of thousands of digits (GE01, UNT 0074, UNZ 0036; Python's int() stops
at 4,300) raised ValueError out of the translation: the file was retried, quarantined, and
its good interchanges got no ack (reviewer, stop 19). It is a count mismatch like any other."""

from __future__ import annotations

import gc
import io
import tracemalloc
from collections.abc import Callable

import pytest

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


_HUGE = "9" * 5000  # more digits than int() converts (sys.get_int_max_str_digits: 4300)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("GE01", x12_interchange(1) + x12_interchange(2).replace("GE*1*1", f"GE*{_HUGE}*1")),
        (
            "UNZ 0036",
            edifact_interchange(1) + edifact_interchange(2).replace("UNZ+1+", f"UNZ+{_HUGE}+"),
        ),
        (
            "UNT 0074",
            edifact_interchange(1) + edifact_interchange(2).replace("UNT+", f"UNT+{_HUGE}", 1),
        ),
    ],
)
def test_a_count_of_thousands_of_digits_is_a_count_mismatch_not_a_crash(
    name: str, text: str
) -> None:
    outcome, requests = translate(text.encode("latin-1"))  # raised ValueError
    first, _second = outcome.interchanges
    assert first.accepted, name
    assert len(requests) >= 1
