"""Checks of interchange claims (gateway.ledger.claims) through the translation path, shared by
the SQLite (tests/test_interchange_claims.py) and PostgreSQL
(tests/integration/test_interchange_claims_postgres.py) tests. Each check gets a freshly
migrated, empty ledger URL and a data folder.

The race is forced, not hoped for: the duplicate lookup of each of the two translations,
once run, waits (a barrier, `_LOOK_TOGETHER` seconds at most) until the other translation
has looked too, so a lookup that is not one step with the insert lets both find nothing
before either records; a claim holds the other one off until its row is recorded.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from gateway.ledger import (
    FileRecord,
    FileState,
    InterchangeRecord,
    Ledger,
    LedgerError,
    NewEvent,
)
from gateway.ledger.streaming import TranslationWriter, begin_attempt
from gateway.ledger.translation import NewInterchange, NewTransaction
from gateway.mapping.codes import CodeTables, load_code_tables
from gateway.profile import PartnerProfile
from gateway.service.config import ServiceSettings
from gateway.service.metrics import Metrics
from gateway.service.runtime import Runtime
from gateway.service.storage import FileStore
from gateway.service.translating import translate_received
from gateway.service.worker import Gateway

__all__ = ["CLAIM_CHECKS", "ClaimCheck", "x12_214"]

ClaimCheck = Callable[[str, Path], None]  # (ledger URL, data folder)
SENDER = "CLAIMCAR"
PROFILE = PartnerProfile(id="claims", x12_sender_ids=(SENDER,), edifact_sender_ids=(SENDER,),
                         selling_party="999US", ship_from="ABCD", seller="demo")  # fmt: skip
_LOOK_TOGETHER = 3.0  # seconds a duplicate lookup waits for the other translation's
_TABLES: list[CodeTables] = []  # loaded once


def _tables() -> CodeTables:
    if not _TABLES:
        _TABLES.append(load_code_tables())
    return _TABLES[0]


def _runtime(url: str, data: Path) -> Runtime:
    """A Runtime with its own Ledger (engine, pool, SQLite writer lock): two of them on one
    database stand for two processes."""
    ledger = Ledger(url)
    return Runtime(settings=ServiceSettings(data_dir=data), ledger=ledger,
                   store=FileStore(data), partners={PROFILE.id: PROFILE}, tables=_tables(),
                   metrics=Metrics(), default_seller="demo")  # fmt: skip


def x12_214(control: int, tracking: str, sets: int = 2, sender: str = SENDER) -> str:
    """An X12 214 interchange from `sender` with `sets` status updates (one event each:
    purchase order PO<tracking><n>, tracking number 1Z<tracking>X<n>)."""
    text = (f"ISA*00*          *00*          *ZZ*{sender:<15}*ZZ*AMAZONDF       *261125*"
            f"1200*U*00401*{control:09d}*0*P*>~GS*QM*{sender}*AMAZONDF*20261125*1200*{control}*"
            "X*004010~")  # fmt: skip
    for n in range(1, sets + 1):
        text += (f"ST*214*{n:04d}~B10*T{n}*PO{tracking}{n}*SCAC~L11*PO{tracking}{n}*PO~LX*1~"
                 f"AT7*D1*NS***20261124*1700*ET~MS1*SEATTLE*WA*US~L11*1Z{tracking}X{n}*2I~"
                 f"SE*8*{n:04d}~")  # fmt: skip
    return text + f"GE*{sets}*{control}~IEA*1*{control:09d}~"


def _iftsta(reference: str, tracking: str, events: int = 2) -> str:
    """An IFTSTA D01B interchange from SENDER: one message, `events` status events."""
    body = [f"BGM+77+ST{reference}+9", "DTM+137:202611251200:203", f"NAD+CA+{SENDER}::9"]
    for n in range(1, events + 1):
        body += [f"CNI+{n}+1Z{tracking}X{n}", "STS+1+301::6+000", f"RFF+ON:PO{tracking}{n}",
                 f"DTM+334:2026112417{n:02d}00:204", "LOC+175+USCHI::6:Chicago"]  # fmt: skip
    return "'".join([f"UNA:+.? 'UNB+UNOC:3+{SENDER}:ZZ+AMAZONDF:ZZ+261125:1200+{reference}",
                     "UNH+1+IFTSTA:D:01B:UN", *body, f"UNT+{len(body) + 2}+1",
                     f"UNZ+1+{reference}'"])  # fmt: skip


def _receive(rt: Runtime, text: str, name: str, replay_of: str | None = None) -> FileRecord:
    data = text.encode("ascii")
    file_id, path, sha256 = rt.store.store(data)
    rt.ledger.record_file(partner_id=PROFILE.id, transport="replay" if replay_of else "http",
                          name=name, sha256=sha256, size=len(data), stored_path=str(path),
                          file_id=file_id, replay_of=replay_of)  # fmt: skip
    record = rt.ledger.get_file(file_id)
    assert record is not None
    return record


def _state(ledger: Ledger, file_id: str) -> FileState:
    record = ledger.get_file(file_id)
    assert record is not None
    return record.state


def _rows(ledger: Ledger, *file_ids: str) -> list[InterchangeRecord]:
    return [i for f in file_ids for i in ledger.interchanges_for_file(f)]


def _processed(ledger: Ledger, control: str, *file_ids: str) -> list[InterchangeRecord]:
    """The rows that processed interchange `control` among these files' (not duplicates)."""
    return [i for i in _rows(ledger, *file_ids) if i.control == control and not i.replay
            and i.duplicate_of is None]  # fmt: skip


def _is_rejected_duplicate(ledger: Ledger, file_id: str, control: int) -> None:
    """What a duplicate file gets today: state duplicate, the problem code, a TA1 that
    rejects the interchange with code 025 (duplicate control number), no events."""
    record = ledger.get_file(file_id)
    assert record is not None and record.state is FileState.DUPLICATE, record
    assert [e["code"] for e in record.errors] == ["duplicate_interchange"], record.errors
    acks = ledger.acks_for_file(file_id)
    assert [a.type for a in acks] == ["TA1"], acks
    assert f"TA1*{control:09d}*261125*1200*R*025~" in acks[0].content
    assert ledger.events_for_file(file_id) == []


@contextmanager
def _looking_together(ledgers: list[Ledger]) -> Iterator[threading.Barrier]:
    """Once each thread's first duplicate lookup (the SELECT of the first interchange
    processed with a key) has run, it waits at a two-party barrier, at most `_LOOK_TOGETHER`
    s (then goes on): after, not before, so both have read before either records."""
    barrier = threading.Barrier(2, timeout=_LOOK_TOGETHER)
    waited: set[int] = set()

    def looked(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        lookup = "min(interchanges.id)" in statement.lower() and "SELECT" in statement
        me = threading.get_ident()
        if not lookup or me in waited or threading.current_thread().name != "claimant":
            return
        waited.add(me)
        with suppress(threading.BrokenBarrierError):  # the other could not look meanwhile
            barrier.wait()

    engines = {id(ledger.engine): ledger.engine for ledger in ledgers}.values()
    for engine in engines:
        event.listen(engine, "after_cursor_execute", looked)
    try:
        yield barrier
    finally:
        for engine in engines:
            event.remove(engine, "after_cursor_execute", looked)


def _race(url: str, data: Path, *, processes: bool) -> None:
    """Two translations of the same interchange (a redelivered file: the same bytes under a
    new file id) at once; `processes`: each with its own Ledger, as in two processes, else
    two workers sharing one. Exactly one processes it; the other is a duplicate of it."""
    first = _runtime(url, data)
    second = _runtime(url, data) if processes else first
    try:
        text = x12_214(800, "RACE")
        files = [_receive(first, text, "a.edi"), _receive(first, text, "again.edi")]
        errors: list[BaseException] = []

        def translate(rt: Runtime, record: FileRecord) -> None:
            try:
                translate_received(rt, record)
            except BaseException as exc:  # reported below
                errors.append(exc)

        with _looking_together([first.ledger, second.ledger]):
            threads = [threading.Thread(target=translate, args=(rt, record), name="claimant")
                       for rt, record in zip((first, second), files, strict=True)]  # fmt: skip
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(60)
        assert errors == [] and not any(t.is_alive() for t in threads), errors
        ledger = first.ledger
        ids = [f.id for f in files]
        [winner] = _processed(ledger, "000000800", *ids)
        [loser] = [f for f in ids if f != winner.file_id]
        assert _state(ledger, winner.file_id) is FileState.TRANSLATED
        assert len(ledger.events_for_file(winner.file_id)) == 2
        _is_rejected_duplicate(ledger, loser, 800)
        [duplicate] = ledger.interchanges_for_file(loser)
        assert duplicate.duplicate_of == winner.id
    finally:
        first.ledger.close()
        if second is not first:
            second.ledger.close()


def check_race_two_workers_one_process(url: str, data: Path) -> None:
    _race(url, data, processes=False)


def check_race_two_processes(url: str, data: Path) -> None:
    _race(url, data, processes=True)


def _died_after_recording(ledger: Ledger, file_id: str, control: int) -> None:
    """What an attempt of `file_id` that died (SIGKILL) after recording its interchange
    leaves: the interchange row with a set and an event, the file still `received`."""
    writer = TranslationWriter(ledger, file_id, batch=1)
    one = (NewTransaction("0001", "214", True, str(control)),)
    sets = writer.interchange(NewInterchange(
        syntax="x12", sender=SENDER, receiver="AMAZONDF", control=f"{control:09d}", test=False,
        accepted=True, transactions=one))  # fmt: skip
    writer.add_events(sets[str(control), "0001"], [NewEvent("submitShipmentStatusUpdates",
                                                            "demo", {})])  # fmt: skip
    assert _state(ledger, file_id) is FileState.RECEIVED


def check_crashed_claim_is_taken_over_by_its_retry(url: str, data: Path) -> None:
    """A file's attempt died after it recorded its interchange; a copy translated meanwhile
    is a duplicate of it; the file's retry then processes the interchange (once: a single
    row, its events), and the copy stays its duplicate. A replay of the file after that is
    processed again, as always."""
    rt = _runtime(url, data)
    try:
        ledger, text = rt.ledger, x12_214(801, "RETRY")
        crashed = _receive(rt, text, "crashed.edi")
        _died_after_recording(ledger, crashed.id, 801)
        copy = _receive(rt, text, "copy.edi")
        translate_received(rt, copy)
        _is_rejected_duplicate(ledger, copy.id, 801)
        translate_received(rt, crashed)  # the retry after the restart
        assert _state(ledger, crashed.id) is FileState.TRANSLATED
        [row] = ledger.interchanges_for_file(crashed.id)
        assert (row.duplicate_of, len(ledger.events_for_file(crashed.id))) == (None, 2)
        assert _processed(ledger, "000000801", crashed.id, copy.id) == [row]
        assert [i.duplicate_of for i in ledger.interchanges_for_file(copy.id)] == [row.id]
        replay = _receive(rt, text, "replay.edi", replay_of=crashed.id)
        translate_received(rt, replay)
        assert _state(ledger, replay.id) is FileState.TRANSLATED
        assert len(ledger.events_for_file(replay.id)) == 2
        assert _processed(ledger, "000000801", crashed.id, copy.id, replay.id) == [row]
    finally:
        rt.ledger.close()


def check_quarantined_claim_does_not_block(url: str, data: Path) -> None:
    """A file whose attempts all died is quarantined: its claim is given up, so the next copy
    of its interchange is processed, whether or not a copy was rejected as its duplicate
    while it held the claim."""
    rt = _runtime(url, data)
    try:
        ledger = rt.ledger
        for control, copy_meanwhile in ((802, True), (803, False)):
            text = x12_214(control, f"Q{control}")
            dying = _receive(rt, text, f"dying{control}.edi")
            _died_after_recording(ledger, dying.id, control)
            early: list[str] = []
            if copy_meanwhile:
                copy = _receive(rt, text, f"early{control}.edi")
                translate_received(rt, copy)
                _is_rejected_duplicate(ledger, copy.id, control)
                early.append(copy.id)
            for _ in range(rt.settings.translation_attempts):
                begin_attempt(ledger, dying.id)
            assert asyncio.run(Gateway(rt).translate(dying.id)) is None
            assert _state(ledger, dying.id) is FileState.QUARANTINED
            assert ledger.events_for_file(dying.id) == []
            if not copy_meanwhile:  # nothing points at its row: gone
                assert ledger.interchanges_for_file(dying.id) == []
            late = _receive(rt, text, f"late{control}.edi")
            translate_received(rt, late)
            assert _state(ledger, late.id) is FileState.TRANSLATED
            assert len(ledger.events_for_file(late.id)) == 2
            [row] = ledger.interchanges_for_file(late.id)
            assert row.duplicate_of is None
            for copy_id in early:
                assert _state(ledger, copy_id) is FileState.DUPLICATE
                [rejected] = ledger.interchanges_for_file(copy_id)
                assert rejected.duplicate_of is not None
    finally:
        rt.ledger.close()


def check_claim_scope(url: str, data: Path) -> None:
    """A claim lives in `claiming()`: outside it LedgerError; an exception before its row is
    recorded leaves nothing (and lets the next claim of the interchange in at once)."""
    rt = _runtime(url, data)
    try:
        ledger = rt.ledger
        record = _receive(rt, x12_214(804, "SCOPE"), "scope.edi")
        writer = TranslationWriter(ledger, record.id)
        with pytest.raises(LedgerError, match="outside claiming"):
            writer.claim(sender=SENDER, control="000000804")
        with pytest.raises(RuntimeError, match="died"), writer.claiming():
            assert writer.claim(sender=SENDER, control="000000804") is None
            with pytest.raises(LedgerError, match="twice"):
                writer.claim(sender=SENDER, control="000000804")
            raise RuntimeError("the translation died before recording the interchange")
        assert ledger.interchanges_for_file(record.id) == []
        other = TranslationWriter(ledger, _receive(rt, x12_214(804, "SCOPE"), "other.edi").id)
        with other.claiming():  # not waiting for the lock of the claim rolled back
            assert other.claim(sender=SENDER, control="000000804") is None
    finally:
        rt.ledger.close()


def _repeats(ledger: Ledger, file_id: str, control: str) -> list[InterchangeRecord]:
    """The rows of `file_id` with `control`, checked: the first processed it, each later one is
    its duplicate (the repeat of an interchange in one file)."""
    first, *later = [i for i in ledger.interchanges_for_file(file_id) if i.control == control]
    assert first.duplicate_of is None and later, (first, later)
    assert [i.duplicate_of for i in later] == [first.id] * len(later)
    return [first, *later]


def _said_repeated(ledger: Ledger, file_id: str, count: int) -> None:
    """The file's errors name each repeat as one, not as an interchange of another file."""
    record = ledger.get_file(file_id)
    assert record is not None
    repeats = [e for e in record.errors if e["code"] == "duplicate_interchange"]
    assert len(repeats) == count, record.errors
    assert all("earlier in this file" in e["message"] for e in repeats), repeats


def check_interchange_twice_in_one_file(url: str, data: Path) -> None:
    """An interchange repeated in one file (next to itself, after another one, three times;
    X12 and EDIFACT) is processed once: the first copy's events only, each repeat recorded
    as its duplicate and rejected in the acks (TA1 code 025 / CONTRL UCI action 4), the
    file translated, its other interchanges as usual."""
    rt = _runtime(url, data)
    try:
        ledger = rt.ledger
        twice = x12_214(805, "TWICE")
        x12 = _receive(rt, twice * 2 + x12_214(806, "OTHER") + twice, "twice.edi")
        translate_received(rt, x12)
        assert _state(ledger, x12.id) is FileState.TRANSLATED
        assert len(_repeats(ledger, x12.id, "000000805")) == 3
        assert len(_processed(ledger, "000000806", x12.id)) == 1
        assert len(ledger.events_for_file(x12.id)) == 4  # two of 805, two of 806
        _said_repeated(ledger, x12.id, 2)
        acks = "".join(a.content for a in ledger.acks_for_file(x12.id))
        assert acks.count("TA1*000000805*261125*1200*R*025~") == 2, acks
        edifact = _receive(rt, _iftsta("EDI9", "REP") * 3, "twice.edifact")
        translate_received(rt, edifact)
        assert _state(ledger, edifact.id) is FileState.TRANSLATED
        assert len(_repeats(ledger, edifact.id, "EDI9")) == 3
        assert len(ledger.events_for_file(edifact.id)) == 2
        _said_repeated(ledger, edifact.id, 2)
        contrl = [a.content for a in ledger.acks_for_file(edifact.id) if a.type == "CONTRL"]
        assert sum("+EDI9+" in c and "UCI+" in c and "+4+" in c for c in contrl) == 2, contrl
    finally:
        rt.ledger.close()


def check_interchange_twice_in_a_retried_file(url: str, data: Path) -> None:
    """A file's attempt died after recording the first copy of an interchange the file holds
    twice: the retry takes that row over (it does not count as processed before) and still
    processes the interchange once, the second copy its duplicate."""
    rt = _runtime(url, data)
    try:
        ledger, text = rt.ledger, x12_214(807, "RETWICE")
        crashed = _receive(rt, text * 2, "crashed-twice.edi")
        _died_after_recording(ledger, crashed.id, 807)
        [old] = ledger.interchanges_for_file(crashed.id)
        translate_received(rt, crashed)
        assert _state(ledger, crashed.id) is FileState.TRANSLATED
        first, _ = _repeats(ledger, crashed.id, "000000807")
        assert first.id != old.id and len(ledger.events_for_file(crashed.id)) == 2
        _said_repeated(ledger, crashed.id, 1)
    finally:
        rt.ledger.close()


def check_interchange_twice_in_a_replay(url: str, data: Path) -> None:
    """An operator's replay sends its interchanges again on purpose, but one it holds twice
    still goes once."""
    rt = _runtime(url, data)
    try:
        ledger, text = rt.ledger, x12_214(808, "REPLAYTWICE")
        original = _receive(rt, text, "once.edi")
        translate_received(rt, original)
        replay = _receive(rt, text * 2, "replay-twice.edi", replay_of=original.id)
        translate_received(rt, replay)
        assert _state(ledger, replay.id) is FileState.TRANSLATED
        first, _ = _repeats(ledger, replay.id, "000000808")
        assert first.replay and len(ledger.events_for_file(replay.id)) == 2
        _said_repeated(ledger, replay.id, 1)
    finally:
        rt.ledger.close()


def check_a_copy_rejected_whole_does_not_make_the_next_a_duplicate(url: str, data: Path) -> None:
    """An interchange rejected whole (TA1 R: here its IEA missing, or counting the wrong
    number of groups) was not processed: its corrected copy under the same control number,
    later in the same file or in another file, is processed, not rejected as a duplicate."""
    rt = _runtime(url, data)
    try:
        ledger, good = rt.ledger, x12_214(809, "FIXED")
        no_iea = good[: good.index("IEA*")]
        same_file = _receive(rt, no_iea + good, "fixed-after.edi")
        translate_received(rt, same_file)
        first, second = ledger.interchanges_for_file(same_file.id)
        assert (first.accepted, second.accepted, second.duplicate_of) == (False, True, None)
        assert len(ledger.events_for_file(same_file.id)) == 2
        wrong_count = x12_214(810, "REFIXED").replace("IEA*1*", "IEA*2*")
        rejected = _receive(rt, wrong_count, "wrong-count.edi")
        translate_received(rt, rejected)
        [row] = ledger.interchanges_for_file(rejected.id)
        assert row.accepted is False and ledger.events_for_file(rejected.id) == []
        corrected = _receive(rt, x12_214(810, "REFIXED"), "corrected.edi")
        translate_received(rt, corrected)
        assert _state(ledger, corrected.id) is FileState.TRANSLATED
        assert len(ledger.events_for_file(corrected.id)) == 2
        resent = _receive(rt, x12_214(810, "REFIXED"), "resent.edi")  # processed: a duplicate
        translate_received(rt, resent)
        _is_rejected_duplicate(ledger, resent.id, 810)
    finally:
        rt.ledger.close()


CLAIM_CHECKS: dict[str, ClaimCheck] = {
    name.removeprefix("check_"): check
    for name, check in sorted(globals().items())
    if name.startswith("check_") and callable(check)
}
