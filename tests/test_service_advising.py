"""A big file's advices are built from the ledger a page at a time, an operator's replay
asks the ledger about events already sent once per batch, not once per event, a file's sets
and events are written in few statements, and settling reads no event bodies (issue 9).

The SQL the ledger runs is watched: every read of a file's events while it is finished
carries a LIMIT of the page size, so a return to loading every event at once fails here; the
advices read page by page are the same as read in one page."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Literal

import pytest
from sqlalchemy import event

from gateway.ledger import EventState, FileState, Ledger, advising, streaming
from gateway.ledger.replays import record_replay_file
from gateway.service.finishing import finish_file_sync
from gateway.service.runtime import Runtime
from gateway.service.settling import poll_transactions
from gateway.service.translating import translate_received
from gateway.spapi import ApiError, CallResult, TransactionStatus
from tests.test_service_jobs import runtime

OPERATION: Literal["submitShipmentStatusUpdates"] = "submitShipmentStatusUpdates"


def _214(control: int, sets: int, unmapped_in: int | None = None) -> str:
    """A 214 interchange of `sets` sets with two status events each; in set `unmapped_in`
    the second event's status pair is one the gateway refuses (ZZ/Q7)."""
    text = (f"ISA*00*          *00*          *ZZ*DEMOCARRIER    *ZZ*AMAZONDF       *261124*"
            f"1830*U*00401*{control:09d}*0*P*>~GS*QM*DEMOCARRIER*AMAZONDF*20261124*1830*"
            f"{control}*X*004010~")  # fmt: skip
    for n in range(1, sets + 1):
        second = "ZZ*Q7" if n == unmapped_in else "XB*NS"
        text += (f"ST*214*{n:04d}~B10*B{control}X{n}*P{control}X{n}*DEMO~L11*P{control}X{n}*PO~"
                 f"LX*1~AT7*D1*NS***20261124*0700*CT~MS1*CHICAGO*IL*US~L11*1Z{control}A{n}*2I~"
                 f"LX*2~AT7*{second}***20261124*0900*CT~MS1*CHICAGO*IL*US~"
                 f"L11*1Z{control}B{n}*2I~SE*12*{n:04d}~")  # fmt: skip
    return text + f"GE*{sets}*{control}~IEA*1*{control:09d}~"


def _receive(rt: Runtime, data: bytes, name: str = "big.edi") -> str:
    file_id, path, sha256 = rt.store.store(data)
    rt.ledger.record_file(partner_id="demo", transport="http", name=name, sha256=sha256,
                          size=len(data), stored_path=str(path), file_id=file_id)  # fmt: skip
    return file_id


def _translate(rt: Runtime, file_id: str) -> None:
    record = rt.ledger.get_file(file_id)
    assert record is not None
    translate_received(rt, record)


@contextmanager
def _statements(ledger: Ledger) -> Iterator[list[tuple[str, Any]]]:
    """The SQL statements (and parameters) the ledger runs meanwhile."""
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, params: Any, *args: Any) -> None:
        seen.append((statement, params))

    event.listen(ledger.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(ledger.engine, "before_cursor_execute", record)


def _submitted(tmp_path: Path) -> tuple[Runtime, str]:
    """Two interchanges (5 and 4 sets, two events a set, one refused event in set 2 of the
    first), sent in calls of 3 events: Amazon refuses every other call, the rest succeed."""
    rt = runtime(tmp_path)
    data = (_214(21, 5, unmapped_in=2) + "\n" + _214(22, 4)).encode("ascii")
    file_id = _receive(rt, data)
    _translate(rt, file_id)
    ids = [e.id for e in rt.ledger.events_for_file(file_id)]
    assert len(ids) == 17  # 18 status events, one refused by the gateway
    for n, start in enumerate(range(0, len(ids), 3)):
        call_id = rt.ledger.mark_sending(ids[start : start + 3])
        if n % 2:
            refused = (ApiError("InvalidInput", f"refused call {n}", None),)
            rt.ledger.record_call(call_id, CallResult(OPERATION, "http://x", 400, 1, (), None,
                                                      refused))  # fmt: skip
        else:
            rt.ledger.record_call(call_id, CallResult(OPERATION, "http://x", 202, 1, (),
                                                      f"tx-{n}", ()))  # fmt: skip
            rt.ledger.update_transaction_status(call_id, TransactionStatus.SUCCESS)
    rt.ledger.advance(file_id, FileState.SUBMITTED)
    return rt, file_id


def _advices(rt: Runtime, file_id: str) -> dict[str, list[str]]:
    """{interchange advised: its 824's segments without the envelope's dates, nor BGN's
    (the clock's minute: two runs may straddle one)}."""
    return {a.acknowledges or "": [s.rsplit("*", 2)[0] if s.startswith("BGN") else s
                                   for s in a.content.split("~\n")
                                   if not s.startswith(("ISA", "GS"))]
            for a in rt.ledger.acks_for_file(file_id) if a.type == "824"}  # fmt: skip


def test_advices_are_built_from_pages_of_events(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole_rt, whole_id = _submitted(tmp_path / "whole")
    record = whole_rt.ledger.get_file(whole_id)
    assert record is not None and finish_file_sync(whole_rt, record)
    expected = _advices(whole_rt, whole_id)

    monkeypatch.setattr(advising, "PAGE", 4)
    rt, file_id = _submitted(tmp_path / "paged")
    record = rt.ledger.get_file(file_id)
    assert record is not None
    with _statements(rt.ledger) as seen:
        assert finish_file_sync(rt, record)
    # the file's events: in pages; the items of a page's failed calls (to tell which of a
    # call's errors is about which set) are bounded by the batch size, not the file
    event_reads = [(s, p) for s, p in seen if "FROM events" in s and "count(" not in s
                   and "WHERE events.batch_id IN" not in s]  # fmt: skip
    assert event_reads and all("LIMIT" in s and 4 in p for s, p in event_reads), event_reads
    assert len(event_reads) >= math.ceil(17 / 4)
    assert not [s for s, _ in seen if "FROM transactions" in s and "LIMIT" not in s]

    advices = _advices(rt, file_id)
    assert advices == expected
    assert sorted(advices) == ["000000021", "000000022"]
    first = "\n".join(advices["000000021"])
    assert "ZZ/Q7" in first and "refused call 1" in first  # the refusal and Amazon's verdict
    assert "OTI*TE*TN*0002" in first  # set 2: one refused, the other accepted: partial
    done = rt.ledger.get_file(file_id)
    assert done is not None and done.state is FileState.DONE


def test_a_replay_asks_about_sent_events_once_per_batch(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An operator's unsent-only replay of a file of 20 events, 12 of which succeeded: the
    8 others are recorded again, with one already-sent query per batch of 5 events."""
    rt = runtime(tmp_path)
    data = _214(31, 10).encode("ascii")
    original = _receive(rt, data)
    _translate(rt, original)
    events = rt.ledger.events_for_file(original)
    assert len(events) == 20
    sent = rt.ledger.mark_sending([e.id for e in events[:12]])
    rt.ledger.record_call(sent, CallResult(OPERATION, "http://x", 202, 1, (), "tx-1", ()))
    rt.ledger.update_transaction_status(sent, TransactionStatus.SUCCESS)
    refused = rt.ledger.mark_sending([e.id for e in events[12:]])
    rt.ledger.record_call(refused, CallResult(OPERATION, "http://x", 400, 1, (), None,
                                              (ApiError("InvalidInput", "no"),)))  # fmt: skip
    copy_id, path, sha256 = rt.store.store(data)
    replay = record_replay_file(rt.ledger, original_id=original, requested_by="ops",
                                resend="unsent", sha256=sha256, size=len(data),
                                stored_path=str(path), file_id=copy_id)  # fmt: skip
    monkeypatch.setattr(streaming, "BATCH", 5)
    with _statements(rt.ledger) as seen:
        _translate(rt, replay)
    lookups = [s for s, _ in seen if "JOIN received_files" in s and "events.payload" in s]
    assert 1 <= len(lookups) <= math.ceil(20 / 5)
    again = rt.ledger.events_for_file(replay)
    assert [(e.purchase_order, e.tracking_number) for e in again] == [
        (e.purchase_order, e.tracking_number) for e in events[12:]]  # fmt: skip
    assert {e.state for e in again} == {EventState.PENDING}


def test_a_files_sets_and_events_are_written_in_few_statements(tmp_path: Path) -> None:
    """30 transaction sets and their 60 status events: one INSERT (executemany) for the sets
    and one for the events, not one statement per row."""
    rt = runtime(tmp_path)
    file_id = _receive(rt, _214(41, 30).encode("ascii"))
    with _statements(rt.ledger) as seen:
        _translate(rt, file_id)
    inserts = [s.split("(")[0].strip() for s, _ in seen if s.startswith("INSERT")]
    assert inserts.count("INSERT INTO transactions") == 1, inserts
    assert inserts.count("INSERT INTO events") == 1, inserts
    assert len(rt.ledger.transactions_for_file(file_id)) == 30
    events = rt.ledger.events_for_file(file_id)
    assert len(events) == 60
    sets = {t.id: t.control for t in rt.ledger.transactions_for_file(file_id)}
    assert [sets[e.transaction_id] for e in events if e.transaction_id] == [
        f"{n:04d}" for n in range(1, 31) for _ in range(2)]  # fmt: skip


class _Answers:
    """An SP-API client whose every transaction settled Success."""

    def __init__(self) -> None:
        self.sellers: dict[str, object] = {}

    async def transaction_status(self, seller: str, transaction_id: str, sandbox: bool) -> Any:
        return SimpleNamespace(status=TransactionStatus.SUCCESS, errors=())


def test_polling_reads_no_event_bodies(tmp_path: Path) -> None:
    """Settling 3 calls of 4 events: the poll round moves them to success and names their
    file, without reading any event's body or lineage (a round may settle thousands of calls
    at once: holding their events' bodies was hundreds of MB)."""
    rt = runtime(tmp_path)
    file_id = _receive(rt, _214(51, 6).encode("ascii"))
    _translate(rt, file_id)
    ids = [e.id for e in rt.ledger.events_for_file(file_id)]
    for n, start in enumerate(range(0, 12, 4)):
        call_id = rt.ledger.mark_sending(ids[start : start + 4])
        rt.ledger.record_call(call_id, CallResult(OPERATION, "http://x", 202, 1, (),
                                                  f"tx-{n}", ()))  # fmt: skip
    rt.submitter = SimpleNamespace(client=_Answers())  # type: ignore[assignment]
    with _statements(rt.ledger) as seen:
        moved = asyncio.run(poll_transactions(rt))
    assert moved == {file_id}
    assert {e.state for e in rt.ledger.events_for_file(file_id)} == {EventState.SUCCESS}
    reads = [s for s, _ in seen if s.startswith("SELECT") and "FROM events" in s]
    assert reads and not [s for s in reads if "payload" in s or "lineage" in s], reads


def test_a_failed_calls_errors_are_advised_for_the_sets_they_name(tmp_path: Path) -> None:
    """One call of 12 status events (6 sets) ends in Failure with one error per event (each
    naming its tracking number, as Amazon does) and one about the whole call: each set's
    OTI loop carries its own two errors and the call's, not all 13 (a big file's advice
    grew with events x batch size: 100 MB for 10,000 events)."""
    rt = runtime(tmp_path)
    file_id = _receive(rt, _214(51, 6).encode("ascii"))
    _translate(rt, file_id)
    events = rt.ledger.events_for_file(file_id)
    assert len(events) == 12
    call_id = rt.ledger.mark_sending([e.id for e in events])
    rt.ledger.record_call(call_id, CallResult(OPERATION, "http://x", 202, 1, (), "tx-51", ()))
    errors = [ApiError("InvalidTrackingNumber", f"Tracking number {e.tracking_number} was "
                       f"never confirmed for purchase order {e.purchase_order}", "")
              for e in events]  # fmt: skip
    whole = ApiError("InvalidInput", "Request rejected for the whole batch", None)
    rt.ledger.update_transaction_status(call_id, TransactionStatus.FAILURE, [*errors, whole])
    rt.ledger.advance(file_id, FileState.SUBMITTED)
    record = rt.ledger.get_file(file_id)
    assert record is not None and finish_file_sync(rt, record)

    segments = _advices(rt, file_id)["000000051"]
    loops: list[list[str]] = []
    for segment in segments:
        if segment.startswith("OTI"):
            loops.append([])
        elif loops and segment.startswith(("TED", "NTE")):
            loops[-1].append(segment)
    assert len(loops) == 6
    for n, loop in enumerate(loops, start=1):
        text = " ".join(loop)
        teds = [s for s in loop if s.startswith("TED")]
        assert len(teds) == 3, loop
        assert f"1Z51A{n} " in text and f"1Z51B{n} " in text and "whole batch" in text
        others = {f"1Z51A{m} " for m in range(1, 7) if m != n}
        assert not [o for o in others if o in text], loop


def test_a_group_without_events_is_advised_in_its_own_version(tmp_path: Path) -> None:
    """A 005010 group whose every set the gateway refused has no event to read its version
    from: its 824 named the default 004010 in GS08 and OTI10, and an 824 interchange made
    of such groups ISA12 00401. The version is recorded with each set (0006)."""
    rt = runtime(tmp_path)
    text = _214(31, 1).replace("*00401*", "*00501*").replace("*X*004010~", "*X*005010X214~")
    refused = _214(32, 1, unmapped_in=1).replace("AT7*D1*NS", "AT7*ZZ*Q7")
    group = refused[refused.index("GS*") : refused.index("IEA*")]  # its group, both refused
    group = group.replace("*X*004010~", "*X*005010X214~")
    text = text.replace("IEA*1*", group + "IEA*2*")
    file_id = _receive(rt, text.encode("ascii"))
    _translate(rt, file_id)
    sets = rt.ledger.transactions_for_file(file_id)
    assert [s.version for s in sets] == ["005010X214", "005010X214"]
    ids = [e.id for e in rt.ledger.events_for_file(file_id)]
    assert len(ids) == 2  # the first group's; the second's were all refused
    call_id = rt.ledger.mark_sending(ids)
    rt.ledger.record_call(call_id, CallResult(OPERATION, "http://x", 202, 1, (), "tx-1", ()))
    rt.ledger.update_transaction_status(call_id, TransactionStatus.SUCCESS)
    rt.ledger.advance(file_id, FileState.SUBMITTED)
    record = rt.ledger.get_file(file_id)
    assert record is not None and finish_file_sync(rt, record)
    (advice,) = [a.content for a in rt.ledger.acks_for_file(file_id) if a.type == "824"]
    assert "*X*005010X214~" in advice and "004010" not in advice, advice
    assert "*00501*" in advice.split("~")[0]  # ISA12


def test_a_sets_version_is_recorded_as_its_events_origins_name_it() -> None:
    """X12 GS08, else ISA12; EDIFACT UNH S009 0052:0054 (`message_version`), from the parts
    `read_unh` joined."""
    from gateway.envelope.edifact_header import read_unh
    from gateway.envelope.edifact_lexer import tokenize
    from gateway.envelope.edifact_messages import message_version
    from gateway.envelope.x12_header import IsaHeader
    from gateway.envelope.x12_syntax import Delimiters
    from gateway.service.translating import _version

    elements = ("ISA", *([""] * 11), "00501", "000000001", "0", "P", ">")
    isa = IsaHeader(elements, Delimiters("*", ">", None, "~", "\n"))
    assert _version(isa, "005010X214", None) == "005010X214"
    assert _version(isa, None, None) == "00501"
    for s009 in ("IFTSTA:D:01B:UN", "IFTSTA:D:96A:UN:EAN005", "IFTSTA:1:911:UN", "IFTSTA:S:93A:UN"):
        unh = tokenize(f"UNH+1+{s009}")
        assert not isinstance(unh, str)
        outcome, _ = read_unh(unh)
        assert _version(None, None, outcome.version) == message_version(unh)  # (UNB: any)
    assert _version(None, None, None) is None
