"""Memory does not grow with the number of transaction sets / messages (issues 9 and 11).

An interchange of N sets and one of 4N are read; what the envelope reader holds when the
trailer (IEA / UNZ) comes, what its result still holds afterwards (the acks are built from
it) and what building the 997 / CONTRL that lists every set takes must grow by a few bytes
per extra set at most. Counted with tracemalloc, so the figures do not depend on the
machine's load: a `SetOutcome` object kept per set costs ~260 bytes and an ack built as
segment objects ~400, the ack's own text per set (`AK2*214*000000001~AK5*A~`) ~26.

The inputs repeat one body (only the control numbers change) so that the parse stage's
bounded memos hold the same after the warm-up in every run, and they are read in 16 KiB
pieces so that the reader's one buffered chunk is small beside what is measured.
"""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from gateway.ack.context import AckContext
from gateway.ack.contrl import contrl_acks
from gateway.ack.model import Acknowledgement
from gateway.ack.x12 import x12_acks
from gateway.envelope.edifact import read_edifact
from gateway.envelope.outcome import InterchangeOutcome
from gateway.envelope.x12 import read_x12
from gateway.origin import Origin
from gateway.parse.records import Document
from gateway.problems import Problem
from gateway.profile import AckPreferences, PartnerProfile

N = 1000
PER_SET = 80  # bytes a reader may hold more per extra set (its ack text is ~26)
PER_SET_ACK = 120  # bytes building the ack may take more per extra set (text + its copy)
PROFILE = PartnerProfile(
    selling_party="999US",
    ship_from="ABCD",
    ack=AckPreferences(contrl=True, positive_advice=True),  # a UCM for every message
)
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

_ISA = (
    "ISA*00*          *00*          *ZZ*DEMOCARRIER    *ZZ*AMAZONDF       "
    "*261124*1830*U*00401*000000101*0*P*>~\n"
)
_BODY_214 = [
    "B10*7000001*PO00000001*DEMO",
    "L11*PO00000001*PO",
    "N1*SH*DEMO VENDOR DISTRIBUTION CENTER",
    "N3*1200 INDUSTRIAL PARKWAY",
    "N4*ALLENTOWN*PA*18106*US",
    "LX*1",
    "AT7*D1*NS***20261124*1642*ET",
    "MS1*SEATTLE*WA*US",
    "L11*1Z0000000001*2I",
]
_BODY_IFTSTA = [
    "BGM+23+ST1+9",
    "CNI+1+TRK0000000001",
    "STS+1+301:::Status text+000",
    "RFF+ON:PO00000001",
    "DTM+334:202611241000UTC:303",
    "LOC+175+USSEA::6:Seattle",
]


def x12_214(sets: int) -> bytes:
    """One interchange, one GS*QM group of `sets` 214s."""
    body = "~\n".join(_BODY_214)
    out = [_ISA, "GS*QM*DEMOCARRIER*AMAZONDF*20261124*1830*1*X*004010~\n"]
    for n in range(1, sets + 1):
        out.append(f"ST*214*{n:09d}~\n{body}~\nSE*{len(_BODY_214) + 2}*{n:09d}~\n")
    out.append(f"GE*{sets}*1~\nIEA*1*000000101~\n")
    return "".join(out).encode("ascii")


def iftsta(messages: int) -> bytes:
    """One interchange of `messages` IFTSTA messages outside any group."""
    body = "'\n".join(_BODY_IFTSTA)
    out = ["UNA:+.? '\nUNB+UNOA:3+CARRIER:ZZ+AMAZON:ZZ+261124:1830+IC1'\n"]
    for n in range(1, messages + 1):
        out.append(f"UNH+{n:09d}+IFTSTA:D:01B:UN'\n{body}'\nUNT+{len(_BODY_IFTSTA) + 2}"
                   f"+{n:09d}'\n")  # fmt: skip
    out.append(f"UNZ+{messages}+IC1'\n")
    return "".join(out).encode("ascii")


class _SmallReads(io.RawIOBase):
    """`data` handed out at most 16 KiB per read (the reader's chunk stays small)."""

    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        return self._data.read(min(size, 1 << 14) if size >= 0 else 1 << 14)


class _Sink:
    """Takes every document and maps nothing; notes the memory held at each trailer."""

    def __init__(self) -> None:
        self.at_trailer: list[int] = []

    def document(self, origin: Origin, document: Document) -> list[Problem]:
        return []

    def end_interchange(self, outcome: InterchangeOutcome[Any]) -> None:
        self.at_trailer.append(tracemalloc.get_traced_memory()[0])


Read = Callable[[Any, _Sink, PartnerProfile], Any]
Acks = Callable[[Any, AckPreferences, AckContext], list[Acknowledgement]]


def _measure(read: Read, acks: Acks, data: bytes) -> tuple[int, int, int, str]:
    """(held at the trailer, held by the result, taken by the acks, the last ack's text)."""
    sink = _Sink()
    tracemalloc.start(1)
    try:
        base = tracemalloc.get_traced_memory()[0]
        result = read(_SmallReads(data), sink, PROFILE)
        held = tracemalloc.get_traced_memory()[0] - base
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        built = acks(result.interchanges, PROFILE.ack, AckContext(now=NOW))
        taken = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert result.problems == [] and all(ic.accepted for ic in result.interchanges)
    (trailer,) = sink.at_trailer
    return trailer - base, held, taken, built[-1].content


@pytest.mark.parametrize(
    ("read", "acks", "make", "listed"),
    [(read_x12, x12_acks, x12_214, "AK2*214*"), (read_edifact, contrl_acks, iftsta, "UCM+")],
    ids=["x12-214-997", "edifact-iftsta-contrl"],
)
def test_memory_does_not_grow_with_the_sets(
    read: Read, acks: Acks, make: Callable[[int], bytes], listed: str
) -> None:
    small, large = make(N), make(4 * N)
    acks(read(_SmallReads(make(20)), _Sink(), PROFILE).interchanges, PROFILE.ack, AckContext())
    # (a warm-up: imports, memos, caches)
    trailer1, held1, taken1, ack1 = _measure(read, acks, small)
    trailer4, held4, taken4, ack4 = _measure(read, acks, large)
    # the ack lists every set: the measurement is of the real thing
    assert ack1.count(listed) == N and ack4.count(listed) == 4 * N
    extra = 3 * N
    assert trailer4 - trailer1 < extra * PER_SET, (trailer1, trailer4)
    assert held4 - held1 < extra * PER_SET, (held1, held4)
    assert taken4 - taken1 < extra * PER_SET_ACK, (taken1, taken4)
