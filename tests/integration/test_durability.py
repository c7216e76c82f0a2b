"""SIGKILL durability of `edigw serve`: a crash at any point resumes on restart without losing a
file and without submitting any event twice.

The emulator runs as its own process, so its record of what it accepted (202 answers)
survives the gateway. For each crash point (EDIGW_CRASH_AT) an 856 and then a 214 go in over
SFTP (and over HTTP for the points inside the upload request); the gateway kills itself at
the point, is restarted without it, and the partner sends again whatever it was not told was
received.
A last test kills the gateway from outside at random moments while files arrive over HTTP.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import random
import shutil
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gateway.ledger.records import EventRecord, FileRecord
from gateway.ledger.states import AckState, EventState, FileState
from gateway.ledger.store import Ledger
from gateway.service import advising, finishing
from gateway.service.crash import CRASH_POINTS
from gateway.service.translating import translate_received
from gateway.spapi import ApiError, CallResult
from tests.integration.conftest import orders, x12_asn, x12_status
from tests.integration.durability_support import (
    FINAL,
    EmulatorProcess,
    GatewayProcess,
    Partner,
    in_process_runtime,
    wait_for,
)

pytestmark = pytest.mark.skipif(shutil.which("sftp") is None, reason="needs OpenSSH sftp")

_ITEM_KEYS = {"/shipmentConfirmations": ("submitShipmentConfirmations", "shipmentConfirmations"),
              "/shipmentStatusUpdates": ("submitShipmentStatusUpdates",
                                         "shipmentStatusUpdates")}  # fmt: skip
_SETTLED = {EventState.SUCCESS, EventState.FAILURE, EventState.REJECTED, EventState.UNKNOWN}
_prefixes = (f"K{n:02d}" for n in itertools.count(1))  # purchase orders unique per test


@pytest.fixture(scope="module")
def emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmulatorProcess]:
    process = EmulatorProcess(tmp_path_factory.mktemp("emulator") / "emulator.log")
    yield process
    process.stop()


@pytest.fixture
def gateway(tmp_path: Path, emulator: EmulatorProcess) -> Iterator[GatewayProcess]:
    process = GatewayProcess(tmp_path, emulator)
    yield process
    process.stop()


def ack_control(content: str) -> int:
    """The interchange control number of an ack: ISA13, or UNB 0020 (EDIFACT)."""
    if content.startswith("ISA"):
        return int(content.split(content[3])[13])
    element, terminator = ("+", "'")
    if content.startswith("UNA"):
        element, terminator = content[4], content[8]
        content = content[9:].lstrip()
    unb = content.split(terminator, 1)[0].split(element)
    assert unb[0] == "UNB", content
    return int(unb[5])


def _key(operation: str, item: Any) -> str:
    return json.dumps([operation, item], sort_keys=True)


def _accepted(emulator: EmulatorProcess, po_prefix: str) -> Counter[str]:
    """Items of this test's orders in submit calls the emulator answered 202."""
    found: Counter[str] = Counter()
    for record in emulator.records():
        kind = next((v for end, v in _ITEM_KEYS.items() if record["path"].endswith(end)), None)
        if record["method"] != "POST" or record["status"] != 202 or kind is None:
            continue
        operation, items = kind
        found.update(_key(operation, item) for item in record["body"][items]
                     if item["purchaseOrderNumber"].startswith(po_prefix))  # fmt: skip
    return found


@dataclass
class Checked:
    files: list[FileRecord]
    unknown: list[EventRecord]  # events left `sending` by a crash
    unknown_sent: int  # how many of those the emulator accepted anyway


def check_durable(gw: GatewayProcess, emulator: EmulatorProcess, partner: Partner,
                  po_prefix: str, controls: set[str]) -> Checked:  # fmt: skip
    """The invariants after the last restart, with the gateway stopped."""
    ledger = gw.ledger()
    try:
        files = gw.files()
        by_id = {f.id: f for f in files}
        # Zero lost files: everything the partner was told was received is in the ledger,
        # final, with its bytes stored.
        for transport, ref in partner.told:
            assert any(f.transport == transport and ref in (f.id, f.name) for f in files), ref
        for f in files:
            assert f.state.value in FINAL, (f.name, f.state, f.state_reason)
            stored = gw.data / "files" / f.id
            assert hashlib.sha256(stored.read_bytes()).hexdigest() == f.sha256
        # Each interchange processed exactly once; any other copy is a recorded duplicate.
        interchanges = [i for f in files for i in ledger.interchanges_for_file(f.id)]
        processed = Counter(i.control for i in interchanges if i.duplicate_of is None)
        assert processed == Counter(controls), interchanges
        for i in interchanges:
            assert i.duplicate_of is None or by_id[i.file_id].state.value == "duplicate"
        # Zero double submissions: each item at most once among the emulator's 202 answers,
        # exactly once unless its event is `unknown` (a crash between call and record).
        events = [e for f in files for e in ledger.events_for_file(f.id)]
        assert events and all(e.state in _SETTLED for e in events), events
        keys = Counter(_key(e.operation, e.payload) for e in events)
        assert max(keys.values()) == 1, "two events hold the same item"
        accepted = _accepted(emulator, po_prefix)
        assert set(accepted) <= set(keys), "the emulator holds an item the ledger does not"
        assert max(accepted.values(), default=0) <= 1, accepted
        unknown = [e for e in events if e.state is EventState.UNKNOWN]
        for e in events:
            sent = accepted[_key(e.operation, e.payload)]
            if e.state in (EventState.SUCCESS, EventState.FAILURE):
                assert sent == 1, e
            elif e.state is EventState.REJECTED:
                assert sent == 0, e
        # Unknown events are exactly the events of the calls a crash interrupted.
        calls = {e.batch_id for e in unknown}
        for call_id in calls:
            assert call_id is not None
            call = ledger.get_call(call_id)
            assert call is not None and call.finished_at is not None
            assert call.status_code is None and any(x["code"] == "Unknown" for x in call.errors)
            assert {e.id for e in ledger.events_of_call(call_id)} <= {e.id for e in unknown}
        # Acks: each record delivered; SFTP ones in /outbox with identical content, and the
        # outbox holds nothing else (a re-delivery after ack:written rewrites the same name).
        outbox = gw.data / "sftp" / "demo" / "outbox"
        expected: dict[str, str] = {}
        for f in files:
            for ack in ledger.acks_for_file(f.id):
                assert ack.state is AckState.DELIVERED, ack
                if f.transport == "http":
                    assert ack.delivered_to == "mailbox", ack
                    continue
                assert ack.delivered_to is not None
                path = Path(ack.delivered_to)
                assert path.parent == outbox and path.read_text() == ack.content
                expected[path.name] = ack.content
        on_disk = {p.name for p in outbox.iterdir() if not p.name.startswith(".")}
        assert on_disk == set(expected)
        # Ack interchange control numbers (ISA13): 1, 2, 3, ... crashes or not, no gap.
        numbers = sorted(ack_control(a.content) for f in files for a in ledger.acks_for_file(f.id))
        assert numbers == list(range(1, len(numbers) + 1)), numbers
        # Inbox copies archived once their outcome is recorded, none left behind.
        sftp_files = [f for f in files if f.transport == "sftp"]
        assert all(f.archived_at is not None for f in sftp_files)
        inbox = gw.data / "sftp" / "demo" / "inbox"
        assert [p.name for p in inbox.iterdir()] == []
        archived = Counter(hashlib.sha256(p.read_bytes()).hexdigest()
                           for p in (gw.data / "archive").rglob("*") if p.is_file())  # fmt: skip
        assert archived == Counter(f.sha256 for f in sftp_files)
        sent_unknown = sum(accepted[_key(e.operation, e.payload)] for e in unknown)
        return Checked(files, unknown, sent_unknown)
    finally:
        ledger.close()


def _cases() -> list[Any]:
    cases = [pytest.param(point, "sftp", id=f"{point}-sftp") for point in CRASH_POINTS]
    # over HTTP the points inside the upload request (the client's connection drops)
    inside = ("received:stored", "received:recorded", "translated:recorded")
    cases += [pytest.param(point, "http", id=f"{point}-http") for point in inside]
    return cases


@pytest.mark.parametrize(("point", "transport"), _cases())
def test_crash_point_resumes(gateway: GatewayProcess, emulator: EmulatorProcess,
                             tmp_path: Path, point: str, transport: str) -> None:  # fmt: skip
    prefix = next(_prefixes)
    shipments = orders(prefix, 1)
    asn = x12_asn(shipments, control=701).encode()
    status = x12_status(shipments, control=702).encode()
    partner = Partner(tmp_path / "partner", gateway)

    gateway.start(crash_at=point)
    told = partner.deliver(transport, "asn.edi", asn)
    assert gateway.wait_killed(20) == -9, f"{point} not reached\n{gateway.log_tail()}"
    if point.startswith("received:") or transport == "http":
        assert not told, "the sender was told 'received' before the crash point"

    gateway.start()
    assert gateway.returncode is None, gateway.log_tail()
    if not told:  # a real partner sends again what it was not told was received
        partner.deliver_until_told(transport, "asn.edi", asn, timeout=20)
    wait_for("the 856 to settle", gateway.settled, 20)
    assert partner.deliver(transport, "status.edi", status)
    wait_for("the 214 to settle", lambda: gateway.settled() and len(gateway.files()) >= 2, 20)
    gateway.stop()

    checked = check_durable(gateway, emulator, partner, f"PO{prefix}", {"000000701", "000000702"})
    if point.startswith("call:"):  # the interrupted call: its events unknown, never resent
        assert checked.unknown, "no event left unknown by a crash around the call"
        assert {e.operation for e in checked.unknown} == {"submitShipmentConfirmations"}
        assert checked.unknown_sent == (len(checked.unknown) if point == "call:sent" else 0)
    else:
        assert checked.unknown == []
    names = sorted((f.name, f.state.value) for f in checked.files)
    assert ("asn.edi", "done") in names and ("status.edi", "done") in names, names


def test_random_sigkills_while_files_arrive(gateway: GatewayProcess, emulator: EmulatorProcess,
                                           tmp_path: Path) -> None:  # fmt: skip
    seed = int(os.environ.get("EDIGW_KILL_SEED") or random.randrange(1_000_000))
    print(f"SIGKILL timing seed {seed} (EDIGW_KILL_SEED={seed} repeats it)")
    rng = random.Random(seed)
    prefix = next(_prefixes)
    documents: list[tuple[str, bytes]] = []
    for n, (po, tracking) in enumerate(orders(prefix, 5).items()):
        documents.append((f"asn{n}.edi", x12_asn({po: tracking}, control=800 + 2 * n).encode()))
        documents.append((f"st{n}.edi", x12_status({po: tracking}, control=801 + 2 * n).encode()))
    partner = Partner(tmp_path / "partner", gateway)
    pause = threading.Event()

    def send_all() -> None:  # one file after the other, each until it is acknowledged
        for name, data in documents:
            partner.deliver_until_told("http", name, data, timeout=60)
            pause.wait(0.2)

    gateway.start()
    sender = threading.Thread(target=send_all, name="partner", daemon=True)
    sender.start()
    for _ in range(4):  # some may land after the last upload: work is still in flight then
        pause.wait(rng.uniform(0.1, 1.2))
        gateway.kill()
        gateway.start()
        assert gateway.returncode is None, gateway.log_tail()
    sender.join(60)
    assert not sender.is_alive(), f"partner still sending (seed {seed})"
    wait_for(f"every file to settle (seed {seed})", gateway.settled, 30)
    gateway.stop()

    controls = {f"{800 + n:09d}" for n in range(len(documents))}
    checked = check_durable(gateway, emulator, partner, f"PO{prefix}", controls)
    assert len(checked.files) >= len(documents), seed


class _Crash(BaseException):
    """Stands for SIGKILL inside a step: nothing after it runs."""


def _refused_file(tmp_path: Path) -> tuple[Ledger, str]:
    """A file with two 214 interchanges whose status updates the SP-API refused."""
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}")
    ledger.migrate()
    rt = in_process_runtime(tmp_path, ledger)
    (po1, t1), (po2, t2) = orders("ADV", 2, packs=1).items()
    data = (x12_status({po1: t1}, control=11) + x12_status({po2: t2}, control=12)).encode()
    file_id, path, sha256 = rt.store.store(data)
    ledger.record_file(partner_id="demo", transport="http", name="two.edi", sha256=sha256,
                       size=len(data), stored_path=str(path), file_id=file_id)  # fmt: skip
    translate_received(rt, _file(ledger, file_id))
    events = ledger.events_for_file(file_id)
    call_id = ledger.mark_sending([e.id for e in events])
    refused = CallResult("submitShipmentStatusUpdates", "http://emulator", 400, 1, ("r1",),
                         None, (ApiError("InvalidInput", "refused", None),))  # fmt: skip
    ledger.record_call(call_id, refused)
    ledger.advance(file_id, FileState.SUBMITTED)
    return ledger, file_id


def test_crash_while_recording_advices_loses_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file with two interchanges needs two 824s; each is recorded in its own transaction
    with its control numbers, so a crash while recording the first leaves none, and the
    restart records both, once each."""
    ledger, file_id = _refused_file(tmp_path)
    rt = in_process_runtime(tmp_path, ledger)

    def dying(*args: object, **kwargs: object) -> None:
        raise _Crash

    with monkeypatch.context() as patch:
        patch.setattr(advising, "add_acks", dying)  # where the advice parts are recorded
        with pytest.raises(_Crash):
            finishing.finish_file_sync(rt, _file(ledger, file_id))
    assert [a for a in ledger.acks_for_file(file_id) if a.type == "824"] == []
    assert finishing.finish_file_sync(rt, _file(ledger, file_id))  # the restart carries on
    advices = [a for a in ledger.acks_for_file(file_id) if a.type == "824"]
    ledger.close()
    assert sorted(a.acknowledges or "" for a in advices) == ["000000011", "000000012"]


def test_an_interchange_already_advised_is_not_advised_again(tmp_path: Path) -> None:
    """Advices recorded before a crash (one interchange's) are kept; only the missing
    interchange is advised on restart."""
    ledger, file_id = _refused_file(tmp_path)
    before = "an 824 recorded before the crash~\nOTI*TR*TN*0001~\n"  # its one set's OTI loop
    ledger.add_ack(file_id, "824", before, "000000011")
    assert finishing.finish_file_sync(in_process_runtime(tmp_path, ledger),
                                      _file(ledger, file_id))  # fmt: skip
    advices = [a for a in ledger.acks_for_file(file_id) if a.type == "824"]
    ledger.close()
    assert sorted(a.acknowledges or "" for a in advices) == ["000000011", "000000012"]
    kept = [a.content for a in advices if a.acknowledges == "000000011"]
    assert kept == [before]


def _file(ledger: Ledger, file_id: str) -> FileRecord:
    record = ledger.get_file(file_id)
    assert record is not None
    return record
