"""A finished group's sets stay in memory while its interchange's finished groups hold few
of them (`SetSpool.hold`): a mailbag's interchange of one set was written to the set spool
and read back twice (its ack, its problem list) before it was dropped: 8-13 % of a mailbag's
translation. What is held stays bounded: an interchange of many small groups moves them to
the spool once they hold `_BATCH` sets in all, and reading gives every set, in order."""

from __future__ import annotations

import io
from typing import Any

import pytest

import gateway.envelope.outcome as envelope_outcome
from gateway.envelope.edifact import read_edifact
from gateway.envelope.outcome import InterchangeOutcome, SetOutcome, SetOutcomes, SetSpool
from gateway.envelope.x12 import read_x12
from gateway.problems import Level, Problem, ProblemCode
from gateway.profile import PartnerProfile
from tests.sinks import RecordingSink
from tests.test_memory_per_interchange import _translate, edifact_mailbag, x12_mailbag


@pytest.fixture
def writes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of every write to a set spool."""
    made: list[int] = []
    write = SetSpool.write

    def counted(self: SetSpool, data: bytes) -> tuple[int, int]:
        made.append(len(data))
        return write(self, data)

    monkeypatch.setattr(SetSpool, "write", counted)
    return made


@pytest.mark.parametrize("mailbag", [x12_mailbag, edifact_mailbag], ids=["x12", "edifact"])
def test_a_mailbags_one_set_interchanges_are_not_spooled(
    writes: list[int], mailbag: object
) -> None:
    assert callable(mailbag)
    outcome = _translate(mailbag(300, fault=True))
    assert outcome.interchange_count == 300
    assert not outcome.accepted  # the faults were found and listed all the same
    assert writes == []


def _group(spool: SetSpool, number: int, sets: int) -> SetOutcomes:
    group = SetOutcomes(spool=spool)
    for n in range(sets):
        fault = [Problem(code=ProblemCode.ELEMENT_TOO_SHORT, message=f"{number}/{n}",
                         level=Level.ELEMENT)]  # fmt: skip
        group.append(SetOutcome(control=f"{number}-{n}", type_code="214",
                                problems=fault if n % 2 else []))  # fmt: skip
    group.close()
    return group


def test_an_interchange_of_many_small_groups_holds_a_batch_at_most(
    monkeypatch: pytest.MonkeyPatch, writes: list[int]
) -> None:
    monkeypatch.setattr(envelope_outcome, "_BATCH", 16)
    spool = SetSpool()
    groups = []
    for number in range(200):
        groups.append(_group(spool, number, 1 + number % 3))
        assert sum(g.unflushed for g in groups) < 16 + 3  # a batch, and the group just ended
    assert writes  # moved to the spool as they came
    for number, group in enumerate(groups):  # every set, in order, its problems kept
        read = list(group)
        assert [s.control for s in read] == [f"{number}-{n}" for n in range(1 + number % 3)]
        assert [bool(s.problems) for s in read] == [n % 2 == 1 for n in range(len(read))]
    spool.close()


def test_the_groups_of_an_ended_interchange_are_held_no_longer(
    monkeypatch: pytest.MonkeyPatch, writes: list[int]
) -> None:
    monkeypatch.setattr(envelope_outcome, "_BATCH", 16)
    spool = SetSpool()
    for interchange in range(100):  # 100 interchanges of 10 sets: none reaches a batch
        group = _group(spool, interchange, 10)
        spool.release()
        assert group.unflushed == 10
    assert writes == []
    spool.close()


@pytest.mark.parametrize("mailbag", [x12_mailbag, edifact_mailbag], ids=["x12", "edifact"])
def test_kept_outcomes_hold_no_sets_in_memory(mailbag: object) -> None:
    """An outcome kept to the end of the file (`keep_interchanges`, `edigw submit`; a
    reader's own `keep`) has its sets in the spool, as before: a kept mailbag of faulty
    sets held each set's problems in memory (a reviewer's 20,000: 75 -> 100 MB)."""
    assert callable(mailbag)
    data = mailbag(40, fault=True)
    kept = _translate(data, keep=True).interchanges
    assert len(kept) == 40
    assert all(g.sets.unflushed == 0 for ic in kept for g in ic.groups)
    assert sum(len(g.sets) for ic in kept for g in ic.groups) == 40
    read = (read_x12 if mailbag is x12_mailbag else read_edifact)(
        io.BytesIO(data), RecordingSink(), PartnerProfile(), keep=True
    )
    assert len(read.interchanges) == 40
    assert all(g.sets.unflushed == 0 for ic in read.interchanges for g in ic.groups)


class _Failing(RecordingSink):
    """A sink whose third interchange fails (a ledger error in the service's check)."""

    def end_interchange(self, outcome: InterchangeOutcome[Any]) -> None:
        super().end_interchange(outcome)
        if len(self.ended) == 3:
            raise RuntimeError("the ledger is gone")


@pytest.mark.parametrize("mailbag", [x12_mailbag, edifact_mailbag], ids=["x12", "edifact"])
def test_a_failed_interchange_leaves_no_group_held(mailbag: object) -> None:
    """The groups are released even when the sink fails: the spool held them, and they
    the spool (a cycle only the collector frees, with the spool's file)."""
    assert callable(mailbag)
    sink = _Failing()
    reader = read_x12 if mailbag is x12_mailbag else read_edifact
    with pytest.raises(RuntimeError):
        reader(io.BytesIO(mailbag(5)), sink, PartnerProfile(), keep=False)
    spool = sink.ended[-1].groups[0].sets.spool
    assert spool is not None
    assert spool._held == []
