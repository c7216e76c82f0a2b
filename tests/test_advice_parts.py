"""A big application advice goes out in parts (issue 9): each part a complete 824 / APERAK
interchange that the gateway's own envelope readers accept, numbered with the partner's next
control numbers without gaps, every original set in exactly one part and every refused event
advised exactly once across the parts, also when the advice was interrupted between two
parts. And what the service holds while advising does not grow with the file: tracemalloc's
peak while finishing a file of 4N sets is no higher than for N sets, plus a few hundred bytes
a set (the old service kept the whole advice text, about 450 characters a set, its sets,
the joined copy and every ack's text when delivering: ~2,700 bytes a set; a compiled regex
per call, kept in the `re` module's cache, added ~170)."""

from __future__ import annotations

import io
import re
import tracemalloc
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import pytest

from gateway.ack import advice_parts
from gateway.ack.advice import AdviceItem, application_advices
from gateway.ack.context import AckContext
from gateway.envelope.edifact import read_edifact
from gateway.envelope.outcome import InterchangeOutcome
from gateway.envelope.x12 import read_x12
from gateway.ledger import FileState
from gateway.ledger import advising as ledger_advising
from gateway.ledger import translation as ledger_translation
from gateway.ledger.records import AckRecord
from gateway.origin import Origin
from gateway.parse.records import Document
from gateway.problems import Problem
from gateway.profile import PartnerProfile
from gateway.service import advising
from gateway.service.finishing import finish_file_sync
from gateway.service.runtime import Runtime
from gateway.spapi import ApiError, CallResult
from tests.ack_checks import check_x12_ack
from tests.test_service_advising import _214, _receive, _translate
from tests.test_service_jobs import runtime

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
OPERATION: Literal["submitShipmentStatusUpdates"] = "submitShipmentStatusUpdates"


class _NullSink:
    def document(self, origin: Origin, document: Document) -> list[Problem]:
        return []

    def end_interchange(self, outcome: InterchangeOutcome[Any]) -> None:
        pass


def _read_x12(content: str) -> tuple[int, list[str]]:
    """One 824 interchange read back by the gateway's reader and the test's own checks:
    (ISA13, the original ST02 of each OTI loop in order)."""
    x12 = read_x12(io.BytesIO(content.encode()), _NullSink(), PartnerProfile())
    assert not x12.problems and len(x12.interchanges) == 1, x12.problems
    for group in x12.interchanges[0].groups:
        assert not group.problems and group.functional_id == "AG"
        assert all(s.type_code == "824" and not s.problems for s in group.sets)
    segments = check_x12_ack(content)  # SE01 counts, IEA01 groups, IEA02 = ISA13
    return int(segments[0][13]), [s[3] for s in segments if s[0] == "OTI"]


def _read_aperak(content: str) -> tuple[int, list[str]]:
    """One APERAK interchange read back: (UNB 0020, each message's RFF+ACW original ref)."""
    edifact = read_edifact(io.BytesIO(content.encode()), _NullSink(), PartnerProfile())
    assert not edifact.problems and len(edifact.interchanges) == 1, edifact.problems
    (interchange,) = edifact.interchanges
    assert not interchange.problems
    messages = [s for g in interchange.groups for s in g.sets]
    assert all(s.type_code == "APERAK" and not s.problems for s in messages)
    control = re.search(r"\nUNZ\+(\d+)\+(\d+)'", content)
    assert control is not None and int(control[1]) == len(messages)
    assert content.startswith("UNB+") and f"+{control[2]}" in content.split("'", 1)[0]
    return int(control[2]), re.findall(r"\nRFF\+ACW:([^']+)'", content)


@pytest.mark.parametrize("syntax", ["x12", "edifact"])
def test_an_advice_over_the_bound_is_split_into_complete_interchanges(
    syntax: Literal["x12", "edifact"], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(advice_parts, "MAX_SETS", 3)
    items = []
    for n in range(1, 8):  # 7 sets, each refused: 3 + 3 + 1
        origin = Origin(syntax, "CARRIER", "AMAZONDF", "000000123", "45", f"{n:04d}",
                        "214" if syntax == "x12" else "IFTSTA",
                        "004010" if syntax == "x12" else "D:01B", False)  # fmt: skip
        error = ApiError("InvalidInput", f"tracking 1Z{n} was never confirmed")
        items.append(AdviceItem(origin, (f"PO{n}",), (f"1Z{n}",), False, (error,)))
    acks = application_advices(items, False, AckContext(NOW, 40, references_per_interchange=True))
    read = _read_x12 if syntax == "x12" else _read_aperak
    parts = [read(a.content) for a in acks]
    assert [a.acknowledges for a in acks] == ["000000123"] * 3
    assert [control for control, _ in parts] == [40, 41, 42]  # consecutive, no gap
    assert [sets for _, sets in parts] == [["0001", "0002", "0003"], ["0004", "0005", "0006"],
                                           ["0007"]]  # fmt: skip
    assert [advice_parts.sets_in(a.type, a.content) for a in acks] == [3, 3, 1]
    for n in range(1, 8):
        assert sum(a.content.count(f"tracking 1Z{n} was") for a in acks) == 1

    monkeypatch.setattr(advice_parts, "MAX_SETS", 1000)
    monkeypatch.setattr(advice_parts, "MAX_CHARS", 1)  # each set crosses it: a part each
    acks = application_advices(items, False, AckContext(NOW, 1, references_per_interchange=True))
    assert [read(a.content)[1] for a in acks] == [[f"{n:04d}"] for n in range(1, 8)]


def test_an_advice_under_the_bound_is_one_interchange_as_before() -> None:
    origin = Origin("x12", "CARRIER", "AMAZONDF", "000000123", "45", "0001", "214", "004010",
                    False)  # fmt: skip
    items = [AdviceItem(replace_control(origin, n), (f"PO{n}",), (f"1Z{n}",), False,
                        (ApiError("InvalidInput", "no"),)) for n in range(1, 40)]  # fmt: skip
    (ack,) = application_advices(items, False, AckContext(NOW, 7))
    assert _read_x12(ack.content)[1] == [f"{n:04d}" for n in range(1, 40)]


def replace_control(origin: Origin, n: int) -> Origin:
    return Origin(origin.syntax, origin.sender, origin.receiver, origin.interchange_control,
                  origin.group_control, f"{n:04d}", origin.transaction_type, origin.version,
                  origin.test)  # fmt: skip


def _refused_by_amazon(tmp_path: Path, sets: int, per_call: int = 3) -> tuple[Runtime, str]:
    """A 214 of `sets` sets (two events each; in set 2 the gateway refuses the second event's
    status pair), every call refused by Amazon with one error naming each event's tracking
    number."""
    rt = runtime(tmp_path)
    file_id = _receive(rt, _214(31, sets, unmapped_in=2).encode("ascii"))
    _translate(rt, file_id)
    events = rt.ledger.events_for_file(file_id)
    assert len(events) == 2 * sets - 1
    for start in range(0, len(events), per_call):
        batch = events[start : start + per_call]
        call_id = rt.ledger.mark_sending([e.id for e in batch])
        errors = tuple(ApiError("InvalidInput", f"tracking number {e.tracking_number} was "
                                f"never confirmed", None) for e in batch)  # fmt: skip
        rt.ledger.record_call(call_id, CallResult(OPERATION, "http://x", 400, 1, (), None,
                                                  errors))  # fmt: skip
    rt.ledger.advance(file_id, FileState.SUBMITTED)
    return rt, file_id


def _finish(rt: Runtime, file_id: str) -> bool:
    record = rt.ledger.get_file(file_id)
    assert record is not None
    return finish_file_sync(rt, record)


def _check_parts(advices: list[AckRecord], sets: int) -> None:
    """Every part well formed, numbered 1, 2, ... (the partner's first acks: this file's 997
    went over HTTP with control 1), every set in exactly one part, every event once."""
    read = [_read_x12(a.content) for a in advices]
    assert [control for control, _ in read] == list(range(2, 2 + len(advices)))
    reported = Counter(st02 for _, found in read for st02 in found)
    assert reported == Counter(f"{n:04d}" for n in range(1, sets + 1))
    text = "".join(a.content for a in advices)
    teds = [line for line in text.split("~\n") if line.startswith("TED*")]
    for n in range(1, sets + 1):
        for tracking in (f"1Z31A{n}", f"1Z31B{n}"):
            if n == 2 and tracking.startswith("1Z31B"):  # the one the gateway refused
                assert sum("status ZZ/Q7" in t for t in teds) == 1
                continue
            assert sum(f"/{tracking}: InvalidInput" in t for t in teds) == 1, tracking
    # set 2: the gateway's refusal merged with Amazon's verdict on its other event
    assert "OTI*TR*TN*0002" in text and text.index("OTI*TR*TN*0002") < text.index("TN*0001")


def test_a_big_advice_is_recorded_in_parts(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setattr(advice_parts, "MAX_SETS", 4)
    rt, file_id = _refused_by_amazon(tmp_path, 11)
    assert _finish(rt, file_id)
    advices = [a for a in rt.ledger.acks_for_file(file_id) if a.type == "824"]
    assert len(advices) == 3  # 11 sets: 4 + 4 + 3
    assert {a.acknowledges for a in advices} == {"000000031"}
    _check_parts(advices, 11)


def test_an_advice_interrupted_between_parts_goes_on_where_it_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(advice_parts, "MAX_SETS", 3)
    rt, file_id = _refused_by_amazon(tmp_path, 10)
    real = ledger_translation.add_acks
    recorded: list[int] = []

    def crash_at_third(*args: Any, **kwargs: Any) -> list[int]:
        if len(recorded) == 2:
            raise RuntimeError("the process died")
        recorded.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(advising, "add_acks", crash_at_third)
    with pytest.raises(RuntimeError):
        _finish(rt, file_id)
    assert len([a for a in rt.ledger.acks_for_file(file_id) if a.type == "824"]) == 2
    monkeypatch.setattr(advising, "add_acks", real)
    assert _finish(rt, file_id)
    advices = [a for a in rt.ledger.acks_for_file(file_id) if a.type == "824"]
    assert len(advices) == 4  # 3 + 3 + 3 + 1, the first two from before
    _check_parts(advices, 10)
    done = rt.ledger.get_file(file_id)
    assert done is not None and done.state is FileState.DONE


def _peak_while_finishing(tmp_path: Path, sets: int) -> int:
    rt, file_id = _refused_by_amazon(tmp_path, sets, per_call=100)
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        assert _finish(rt, file_id)
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
        rt.ledger.close()


def test_advising_memory_does_not_grow_with_the_sets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(advice_parts, "MAX_SETS", 100)
    monkeypatch.setattr(ledger_advising, "PAGE", 100)  # pages as full for N sets as for 4N
    _peak_while_finishing(tmp_path / "warm", 150)  # caches, compiled statements
    small = _peak_while_finishing(tmp_path / "small", 600)
    big = _peak_while_finishing(tmp_path / "big", 2400)
    per_set = (big - small) / 1800
    print(f"advising peak: {small} B for 600 sets, {big} B for 2400 sets, {per_set:.0f} B/set")
    assert per_set < 400, (small, big)  # today ~200; the old service ~2,700


def test_acks_are_read_one_text_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Listing undelivered or webhook-pending acks reads no text; a mailbox page stops once
    its texts reach the page's size, and the cursor goes on from there."""
    from gateway.ledger import mailbox
    from gateway.ledger.mailbox import MAILBOX
    from tests.test_service_jobs import a_file

    rt = runtime(tmp_path)
    file_id = a_file(rt)
    ids = [rt.ledger.add_ack(file_id, "824", f"ISA*{n}*" + "x" * 1000, "000000001")
           for n in range(5)]  # fmt: skip
    assert [a.id for a in rt.ledger.undelivered_acks()] == ids
    assert not any(hasattr(a, "content") for a in rt.ledger.undelivered_acks())
    for ack_id in ids:
        rt.ledger.mark_delivered(ack_id, MAILBOX)
    assert not any(hasattr(a, "content") for a in rt.ledger.webhook_pending("demo", 9))
    monkeypatch.setattr(mailbox, "PAGE_CHARS", 2500)
    first = rt.ledger.mailbox("demo", 0, 100)
    assert [a.id for a in first] == ids[:2] and first[1].content.startswith("ISA*1*")
    second = rt.ledger.mailbox("demo", first[-1].id, 100)
    assert [a.id for a in second] == ids[2:4]
    monkeypatch.setattr(mailbox, "PAGE_CHARS", 10)  # one message even if it is bigger
    assert [a.id for a in rt.ledger.mailbox("demo", ids[3], 100)] == ids[4:]


def _iftsta(messages: int) -> bytes:
    """An IFTSTA interchange from the demo carrier: one message per order, two events each."""
    out = ["UNA:+.? '\nUNB+UNOC:3+DEMOCARRIER:ZZ+AMAZONDF:ZZ+261124:1830+IC77'\n"]
    for n in range(1, messages + 1):
        body = [f"UNH+M{n}+IFTSTA:D:01B:UN", f"BGM+77+ST{n}+9", "DTM+137:202611241830:203"]
        for leg, code in (("A", "302"), ("B", "301")):
            body += [f"CNI+1+1ZE{leg}{n}", f"STS+1+{code}::6+000", f"RFF+ON:POE{n}",
                     "DTM+334:20261124164200:204", "LOC+175+USCHI::6:Chicago"]  # fmt: skip
        out.append("'\n".join([*body, f"UNT+{len(body) + 1}+M{n}"]) + "'\n")
    out.append(f"UNZ+{messages}+IC77'\n")
    return "".join(out).encode("ascii")


def test_a_big_aperak_is_recorded_in_parts(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setattr(advice_parts, "MAX_SETS", 3)
    rt = runtime(tmp_path)
    file_id = _receive(rt, _iftsta(8))
    _translate(rt, file_id)
    events = rt.ledger.events_for_file(file_id)
    assert len(events) == 16
    for start in range(0, 16, 5):
        batch = events[start : start + 5]
        call_id = rt.ledger.mark_sending([e.id for e in batch])
        errors = tuple(ApiError("InvalidInput", f"tracking number {e.tracking_number} was "
                                "never confirmed", None) for e in batch)  # fmt: skip
        rt.ledger.record_call(call_id, CallResult(OPERATION, "http://x", 400, 1, (), None,
                                                  errors))  # fmt: skip
    rt.ledger.advance(file_id, FileState.SUBMITTED)
    assert _finish(rt, file_id)
    advices = [a for a in rt.ledger.acks_for_file(file_id) if a.type == "APERAK"]
    read = [_read_aperak(a.content) for a in advices]
    assert [control for control, _ in read] == [2, 3, 4]  # the file's CONTRL took 1
    assert [refs for _, refs in read] == [["M1", "M2", "M3"], ["M4", "M5", "M6"], ["M7", "M8"]]
    text = "".join(a.content for a in advices)
    for n in range(1, 9):
        for leg in "AB":
            assert text.count(f"tracking number 1ZE{leg}{n} was") == 1
