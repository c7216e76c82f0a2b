"""A long ack (a 997 / CONTRL naming every set of a big group of faulty sets: about 20 MB
for 100 MB of them) goes to the ack spool's file alone, as its text encoded a chunk at a
time: pickled with the others, it was a second copy in memory (100 MB of faulty 214 sets
peaked at 107 MB, the pickle the last 20). Short and long acks read back in file order,
by iteration and by index, whatever their characters."""

from __future__ import annotations

import tracemalloc

import pytest

import gateway.ack.spool as ack_spool
from gateway.ack.model import Acknowledgement
from gateway.ack.spool import AckSpool

# characters an inbound file's values may bring into an ack: Latin-1, other Unicode, and a
# lone surrogate (text decoded with surrogateescape somewhere upstream)
ODD = "Müller \u20ac \U0001f69a \udcff"


def _acks(count: int, chunk: int) -> list[Acknowledgement]:
    acks = []
    for n in range(count):
        length = (n * 37) % (4 * chunk)  # shorter and longer than a chunk, some exactly it
        length = chunk if n % 11 == 5 else length
        text = (f"ISA*{n}*{ODD}*" * (length // 8 + 1))[:length]
        acks.append(Acknowledgement("997" if n % 2 else "CONTRL", text, str(n)))
    return acks


@pytest.mark.parametrize("budget", [0, 100, 1_000])
def test_long_and_short_acks_read_back_in_order(
    budget: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ack_spool, "CHUNK", 64)
    acks = _acks(300, 64)
    assert any(len(a.content) > 64 for a in acks) and any(len(a.content) <= 64 for a in acks)
    spool = AckSpool(budget=budget)
    for ack in acks:
        spool.append(ack)
    assert any(count == 0 for _, _, count in spool._batches)  # long ones went alone
    assert any(count > 1 for _, _, count in spool._batches) or budget == 0
    assert len(spool) == 300 and list(spool) == acks and spool == acks
    for i in (0, 1, 5, 16, 137, 298, 299, -1, -300):
        assert spool[i] == acks[i], i
    assert spool[40:60] == acks[40:60] and spool[::-13] == acks[::-13]
    with pytest.raises(IndexError):
        spool[300]


def test_a_long_ack_is_spilled_without_a_second_copy() -> None:
    """Appending a 12-million-character ack past the budget holds it and a chunk, not a
    pickle of it too."""
    text = "AK2*214*0001~AK3*MS2*14**2~AK4*1**5*SCACXX~AK5*R*5~\n" * 240_000
    assert len(text) > 12_000_000
    ack = Acknowledgement("997", text, "000000001")
    spool = AckSpool()
    spool.append(Acknowledgement("TA1", "TA1*000000001*261125*1200*A*000~", "000000001"))
    tracemalloc.start()
    try:
        spool.append(ack)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert spool._batches and not spool._held
    assert peak < 4 * ack_spool.CHUNK, f"{peak / 2**20:.1f} MB traced"
    assert list(spool)[1] == ack and spool[-1] == ack
