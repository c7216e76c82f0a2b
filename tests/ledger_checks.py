"""Repository checks shared by the SQLite (tests/test_ledger.py) and PostgreSQL
(tests/integration/test_ledger_postgres.py) ledger tests. Each check gets a freshly migrated,
empty ledger."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, update
from sqlalchemy.exc import SAWarning

from gateway.ledger import (
    AckState,
    EventState,
    FileState,
    Ledger,
    LedgerError,
    NewEvent,
    NotFoundError,
    StateError,
)
from gateway.ledger.alerting import late_confirmations, ledger_answers, unknown_events
from gateway.ledger.migrate import current_revision, head_revision
from gateway.ledger.states import Transport
from gateway.ledger.store import MAX_CONTROL
from gateway.ledger.tables import Base, Event
from gateway.spapi import ApiError, CallResult, Operation, TransactionStatus

__all__ = ["CHECKS", "Check"]

Check = Callable[[Ledger], None]
TABLES = {
    "received_files",
    "interchanges",
    "transactions",
    "events",
    "api_calls",
    "acks",
    "control_counters",
    "replays",
}
STATUS: Operation = "submitShipmentStatusUpdates"
CONFIRM: Operation = "submitShipmentConfirmations"


def _file(
    ledger: Ledger,
    partner: str = "demo",
    name: str = "in.edi",
    *,
    transport: Transport = "sftp",
    replay_of: str | None = None,
    received_at: datetime | None = None,
) -> str:
    return ledger.record_file(
        partner_id=partner,
        transport=transport,
        name=name,
        sha256="ab" * 32,
        size=42,
        stored_path=f"/d/{name}",
        replay_of=replay_of,
        received_at=received_at,
    )


def _event(po: str, tracking: str, operation: str = STATUS, seller: str = "demo") -> NewEvent:
    payload = {"purchaseOrderNumber": po, "statusUpdateDetails": {"trackingNumber": tracking}}
    return NewEvent(
        operation=operation,
        seller=seller,
        payload=payload,
        purchase_order=po,
        tracking_number=tracking,
        lineage={"trackingNumber": ["L11", 7, 1]},
    )


def _accepted(transaction_id: str | None, status: int = 202) -> CallResult:
    """How a status-update call ended: accepted with `transaction_id`, or refused."""
    return CallResult(
        operation=STATUS,
        url="http://sp/shipmentStatusUpdates",
        status_code=status,
        attempts=2,
        request_ids=("r1", "r2"),
        transaction_id=transaction_id,
        errors=() if transaction_id else (ApiError("InvalidInput", "bad"),),
        throttled=1,
    )


def check_migrated_schema(ledger: Ledger) -> None:
    """Migrating from empty reaches head and yields exactly the tables' metadata."""
    assert current_revision(ledger.engine) == head_revision() is not None
    assert set(inspect(ledger.engine).get_table_names()) >= TABLES
    with ledger.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
    ledger.migrate()  # idempotent
    assert current_revision(ledger.engine) == head_revision()


def check_file_lifecycle(ledger: Ledger) -> None:
    file_id = _file(ledger, received_at=datetime(2020, 11, 24, 18, 30, tzinfo=UTC))
    record = ledger.get_file(file_id)
    assert record is not None
    assert (record.state, record.accepted, record.errors, record.replay_of) == (
        FileState.RECEIVED,
        None,
        [],
        None,
    )
    assert record.received_at == datetime(2020, 11, 24, 18, 30, tzinfo=UTC)
    assert record.updated_at.utcoffset() == timedelta(0)
    other = _file(ledger, name="b.edi")
    assert [f.id for f in ledger.files_in_state(FileState.RECEIVED)] == [file_id, other]
    problems = [{"code": "invalid_date", "message": "bad", "segment": "DTM", "position": 4}]
    ledger.advance(file_id, FileState.TRANSLATED, syntax="x12", accepted=False, errors=problems)
    ledger.advance(file_id, FileState.TRANSLATED, "same state: fields only", accepted=True)
    record = ledger.get_file(file_id)
    assert record is not None
    assert (record.state, record.state_reason, record.syntax, record.accepted) == (
        FileState.TRANSLATED,
        "same state: fields only",
        "x12",
        True,
    )
    assert record.errors == problems
    ledger.advance(file_id, FileState.SUBMITTED)
    ledger.advance(file_id, FileState.DONE)
    ledger.mark_archived(file_id)
    record = ledger.get_file(file_id)
    assert record is not None and record.state == FileState.DONE
    assert record.state_reason is None and record.archived_at is not None
    assert [
        f.id for f in ledger.files_in_state(FileState.RECEIVED, FileState.DONE, partner_id="demo")
    ] == [file_id, other]
    assert ledger.files_in_state(FileState.DONE, partner_id="nobody") == []
    assert ledger.get_file("missing") is None
    with pytest.raises(NotFoundError):
        ledger.advance("missing", FileState.TRANSLATED)
    with pytest.raises(TypeError):
        ledger.advance(other, FileState.TRANSLATED, partner_id="evil")
    replay = _file(ledger, name="c.edi", transport="replay", replay_of=file_id)
    assert ledger.get_file(replay).replay_of == file_id  # type: ignore[union-attr]


def check_forward_only(ledger: Ledger) -> None:
    """Backward moves and moves out of final states raise StateError and change nothing."""
    file_id = _file(ledger)
    ledger.advance(file_id, FileState.SUBMITTED)
    for earlier in (FileState.RECEIVED, FileState.TRANSLATED):
        with pytest.raises(StateError):
            ledger.advance(file_id, earlier, accepted=True)
    record = ledger.get_file(file_id)
    assert record is not None and (record.state, record.accepted) == (FileState.SUBMITTED, None)
    ledger.advance(file_id, FileState.FAILED, "database hiccup")
    with pytest.raises(StateError):
        ledger.advance(file_id, FileState.RECEIVED)
    ledger.advance(file_id, FileState.TRANSLATED)  # the retry moves a failed file on
    ledger.advance(file_id, FileState.DONE)
    for final in (FileState.DONE, FileState.QUARANTINED, FileState.DUPLICATE):
        target = FileState.FAILED if final != FileState.DONE else FileState.QUARANTINED
        if final != FileState.DONE:
            file_id = _file(ledger)
            ledger.advance(file_id, final, "why")
        with pytest.raises(StateError):
            ledger.advance(file_id, target)
        assert ledger.get_file(file_id).state == final  # type: ignore[union-attr]


def check_interchanges_and_transactions(ledger: Ledger) -> None:
    file_id = _file(ledger)
    ic = ledger.record_interchange(
        file_id,
        syntax="x12",
        sender="DEMOCARRIER",
        receiver="AMAZONDF",
        control="000000101",
        test=True,
    )
    problem = {"code": "invalid_code_value", "segment": "AT7", "position": 5}
    t1 = ledger.record_transaction(
        ic, control="0001", type_code="214", accepted=True, group_control="101"
    )
    t2 = ledger.record_transaction(
        ic, control="0002", type_code="214", accepted=False, group_control="101", errors=[problem]
    )
    (record,) = ledger.interchanges_for_file(file_id)
    assert (record.id, record.partner_id, record.control, record.test, record.replay) == (
        ic,
        "demo",
        "000000101",
        True,
        False,
    )
    sets = ledger.transactions_for_file(file_id)
    assert [(t.id, t.accepted, t.errors) for t in sets] == [(t1, True, []), (t2, False, [problem])]
    with pytest.raises(NotFoundError):
        ledger.record_transaction(10_000, control="1", type_code="214", accepted=True)
    with pytest.raises(NotFoundError):
        ledger.record_interchange("missing", syntax="x12", sender="S", receiver="R", control="1")


def check_streamed_sets(ledger: Ledger) -> None:
    """TranslationWriter: an interchange's sets taken from a generator in batches, each set's
    id found again in file order a page at a time (two groups, a set control used twice:
    the walk gives each request the first set not yet passed)."""
    from gateway.ledger.streaming import TranslationWriter
    from gateway.ledger.translation import NewInterchange, NewTransaction

    file_id = _file(ledger)
    order = [("1", f"{n:04d}") for n in range(1, 6)] + [("2", "0001"), ("2", "0001")]
    sets = (NewTransaction(control, "214", True, group) for group, control in order)
    writer = TranslationWriter(ledger, file_id, batch=2)
    ids = writer.interchange(NewInterchange(syntax="x12", sender="S", receiver="R",
                                            control="000000009", test=False, accepted=True,
                                            transactions=sets))  # fmt: skip
    stored = ledger.transactions_for_file(file_id)
    assert [(t.group_control, t.control) for t in stored] == order
    assert ids["1", "0002"] == ids["1", "0002"] == stored[1].id  # several requests of a set
    assert ids.find("1", "0001") is None  # passed: nothing further on has it
    assert ids["2", "0001"] == stored[5].id and ids.find("3", "0001") is None
    assert ids["2", "0001"] == stored[5].id  # a miss leaves the walk where it was


def check_duplicate_lookup(ledger: Ledger) -> None:
    """Seen before = same partner, sender, control; replays, duplicates and the asking file
    itself do not count."""
    first = _file(ledger, name="first.edi")
    original = ledger.record_interchange(
        first, syntax="x12", sender="DEMOCARRIER", receiver="AMAZONDF", control="000000007"
    )
    second = _file(ledger, name="second.edi")
    found = ledger.find_processed_interchange(
        "demo", "DEMOCARRIER", "000000007", excluding_file=second
    )
    assert found == original
    dup = ledger.record_interchange(
        second,
        syntax="x12",
        sender="DEMOCARRIER",
        receiver="AMAZONDF",
        control="000000007",
        duplicate_of=found,
    )
    assert (
        ledger.find_processed_interchange("demo", "DEMOCARRIER", "000000007", excluding_file=first)
        is None
    )
    assert ledger.find_processed_interchange("demo", "DEMOCARRIER", "000000007") == original
    assert ledger.interchanges_for_file(second)[0].duplicate_of == original != dup
    assert ledger.find_processed_interchange("other", "DEMOCARRIER", "000000007") is None
    assert ledger.find_processed_interchange("demo", "SOMEONE", "000000007") is None
    replay = _file(ledger, name="replay.edi", transport="replay", replay_of=first)
    ledger.record_interchange(
        replay, syntax="x12", sender="DEMOCARRIER", receiver="AMAZONDF", control="000000008"
    )
    assert ledger.interchanges_for_file(replay)[0].replay is True
    assert ledger.find_processed_interchange("demo", "DEMOCARRIER", "000000008") is None
    ledger.record_interchange(
        first,
        syntax="x12",
        sender="DEMOCARRIER",
        receiver="AMAZONDF",
        control="000000009",
        replay=True,
    )
    assert ledger.find_processed_interchange("demo", "DEMOCARRIER", "000000009") is None


def check_claim_interchange(ledger: Ledger) -> None:
    """Recording + duplicate detection in one transaction; replays are never duplicates."""
    first, second = _file(ledger, name="1.edi"), _file(ledger, name="2.edi")
    original = ledger.claim_interchange(
        first, syntax="x12", sender="S", receiver="R", control="000000005", test=True
    )
    assert (original.duplicate_of, original.replay, original.test) == (None, False, True)
    again = ledger.claim_interchange(
        second, syntax="x12", sender="S", receiver="R", control="000000005"
    )
    assert again.duplicate_of == original.id
    replay = _file(ledger, name="3.edi", transport="replay", replay_of=first)
    replayed = ledger.claim_interchange(
        replay, syntax="x12", sender="S", receiver="R", control="000000005"
    )
    assert (replayed.duplicate_of, replayed.replay) == (None, True)
    # a retry of the first file does not see itself as processed before
    retry = ledger.claim_interchange(
        first, syntax="x12", sender="S", receiver="R", control="000000005"
    )
    assert retry.duplicate_of is None


def check_concurrent_claims(ledger: Ledger) -> None:
    """Files claiming the same control number at the same time: one original, the rest
    duplicates of it."""
    files = [_file(ledger, name=f"{i}.edi") for i in range(6)]
    claims: list[int | None] = []
    errors: list[BaseException] = []

    def claim(file_id: str) -> None:
        try:
            record = ledger.claim_interchange(
                file_id, syntax="edifact", sender="S", receiver="R", control="REF1"
            )
            claims.append(record.duplicate_of)
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=claim, args=(f,)) for f in files]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    original = ledger.find_processed_interchange("demo", "S", "REF1")
    assert original is not None
    assert sorted(claims, key=str) == sorted([None] + [original] * 5, key=str)


def check_events_and_calls(ledger: Ledger) -> None:
    file_id = _file(ledger)
    ids = ledger.add_events(
        file_id, [_event("PO1", "1Z1"), _event("PO1", "1Z2"), _event("PO2", "1Z3", CONFIRM)]
    )
    assert len(ids) == 3 and ids == sorted(ids)
    events = ledger.events_for_file(file_id)
    assert [e.state for e in events] == [EventState.PENDING] * 3
    assert events[0].payload["statusUpdateDetails"] == {"trackingNumber": "1Z1"}
    assert events[0].lineage == {"trackingNumber": ["L11", 7, 1]}
    with pytest.raises(LedgerError):  # one call = one operation
        ledger.mark_sending(ids)
    call = ledger.mark_sending(ids[:2], url="http://sp/shipmentStatusUpdates", sandbox=False)
    assert {e.batch_id for e in ledger.events_of_call(call)} == {call}
    assert [e.id for e in ledger.events_for_file(file_id, [EventState.SENDING])] == ids[:2]
    with pytest.raises(StateError):  # already sending: nothing changes, no call row appears
        ledger.mark_sending(ids[1:2])
    assert [c.id for c in ledger.calls_for_file(file_id)] == [call]
    ledger.record_call(call, _accepted("tx-1"))
    with pytest.raises(StateError):
        ledger.record_call(call, _accepted("tx-1"))
    record = ledger.get_call(call)
    assert record is not None
    assert (
        record.seller,
        record.operation,
        record.sandbox,
        record.status_code,
        record.attempts,
        record.request_ids,
        record.transaction_id,
        record.throttled,
        record.transaction_status,
    ) == ("demo", STATUS, False, 202, 2, ["r1", "r2"], "tx-1", 1, "Processing")
    assert record.finished_at is not None and record.finished_at >= record.started_at
    assert {(e.state, e.amazon_transaction_id) for e in ledger.events_of_call(call)} == {
        (EventState.ACCEPTED, "tx-1")
    }
    assert [c.id for c in ledger.unresolved_calls()] == [call]
    ledger.update_transaction_status(call, TransactionStatus.PROCESSING)
    assert ledger.record_poll(call, False, datetime.now(UTC) + timedelta(hours=1)) == 1
    assert [c.id for c in ledger.unresolved_calls()] == [call]
    assert ledger.due_calls(datetime.now(UTC)) == []  # its next poll is an hour away
    assert [c.id for c in ledger.due_calls(datetime.now(UTC) + timedelta(hours=2))] == [call]
    ledger.update_transaction_status(call, TransactionStatus.SUCCESS)
    assert ledger.unresolved_calls() == []
    assert ledger.get_call(call).polled_at is not None  # type: ignore[union-attr]
    assert {e.state for e in ledger.events_of_call(call)} == {EventState.SUCCESS}
    with pytest.raises(StateError):
        ledger.update_transaction_status(call, TransactionStatus.FAILURE)
    refused = ledger.mark_sending(ids[2:])
    ledger.record_call(refused, _accepted(None, 400))
    record = ledger.get_call(refused)
    assert record is not None and record.transaction_status == "NotSubmitted"
    assert record.errors == [{"code": "InvalidInput", "message": "bad", "details": None}]
    assert ledger.events_of_call(refused)[0].state == EventState.REJECTED
    with pytest.raises(StateError):
        ledger.update_transaction_status(refused, TransactionStatus.SUCCESS)
    with pytest.raises(NotFoundError):
        ledger.record_call(10_000, _accepted("tx"))
    failing = ledger.add_events(file_id, [_event("PO3", "1Z4")])
    call = ledger.mark_sending(failing)
    ledger.record_call(call, _accepted("tx-2"))
    ledger.update_transaction_status(
        call, TransactionStatus.FAILURE, [ApiError("InvalidTrackingNumber", "no such package")]
    )
    assert ledger.events_of_call(call)[0].state == EventState.FAILURE
    assert ledger.get_call(call).errors[0]["code"] == "InvalidTrackingNumber"  # type: ignore[union-attr]
    with pytest.raises(StateError):  # final events never move back
        ledger.requeue_events(failing)


def check_crash_recovery(ledger: Ledger) -> None:
    """Events left `sending` by a crash become `unknown`, never pending again on their own."""
    file_id = _file(ledger)
    ids = ledger.add_events(file_id, [_event("PO1", "1Z1"), _event("PO1", "1Z2")])
    untouched = ledger.add_events(file_id, [_event("PO2", "1Z3")])
    call = ledger.mark_sending(ids)
    # ... the process is killed here; at the next start-up:
    assert ledger.mark_unknown_after_crash() == 2
    assert ledger.mark_unknown_after_crash() == 0
    assert [e.state for e in ledger.events_for_file(file_id)] == [
        EventState.UNKNOWN,
        EventState.UNKNOWN,
        EventState.PENDING,
    ]
    record = ledger.get_call(call)
    assert record is not None and record.finished_at is not None
    assert record.errors[-1]["code"] == "Unknown" and record.transaction_id is None
    assert ledger.unresolved_calls() == []
    assert ledger.events_in_state(EventState.UNKNOWN)[0].id == ids[0]
    with pytest.raises(StateError):  # only rejected / unknown events can be requeued
        ledger.requeue_events([*ids, *untouched])
    assert ledger.requeue_events(ids) == 2  # the operator decided to resend
    pending = ledger.events_for_file(file_id, [EventState.PENDING])
    assert [(e.id, e.batch_id) for e in pending] == [
        (ids[0], None),
        (ids[1], None),
        (untouched[0], None),
    ]


def check_acks(ledger: Ledger) -> None:
    file_id = _file(ledger)
    ta1 = ledger.add_ack(file_id, "TA1", "ISA*...~TA1*000000101~IEA*0*000000001~", "000000101")
    f997 = ledger.add_ack(file_id, "997", "ISA*...~ST*997*0001~", "000000101")
    assert [a.id for a in ledger.undelivered_acks()] == [ta1, f997]
    ledger.mark_delivered(ta1, "/data/sftp/demo/outbox/ta1.edi")
    ledger.mark_delivered(ta1, "http-response")  # already delivered: the first record stays
    acks = ledger.acks_for_file(file_id)
    assert [(a.type, a.state, a.delivered_to) for a in acks] == [
        ("TA1", AckState.DELIVERED, "/data/sftp/demo/outbox/ta1.edi"),
        ("997", AckState.CREATED, None),
    ]
    assert acks[0].delivered_at is not None and acks[0].acknowledges == "000000101"
    assert acks[1].content.startswith("ISA*") and acks[1].created_at.tzinfo is not None
    assert [a.id for a in ledger.undelivered_acks()] == [f997]
    with pytest.raises(NotFoundError):
        ledger.add_ack("missing", "997", "x")
    with pytest.raises(NotFoundError):
        ledger.mark_delivered(10_000, "x")


def check_alert_queries(ledger: Ledger) -> None:
    """Late confirmations found from the ship date in their JSON body (SQLite json_extract,
    PostgreSQL #>>), unknown events counted, the readiness round trip."""
    ledger_answers(ledger)
    file_id = _file(ledger)

    def confirmation(po: str, shipped: object) -> NewEvent:
        payload = {"purchaseOrderNumber": po, "shipmentDetails": {"shippedDate": shipped}}
        return NewEvent(CONFIRM, "demo", payload, po)

    late, sent, soon, naive, bad, number = ledger.add_events(file_id, [
        confirmation("P1", "2026-03-01T08:00:00Z"), confirmation("P2", "2026-03-01T08:00:00Z"),
        confirmation("P3", "2026-03-02T11:00:00+00:00"), confirmation("P4", "2026-03-01T09:30:00"),
        confirmation("P5", "March 1st"), confirmation("P6", 20260301)])  # fmt: skip
    status = ledger.add_events(file_id, [_event(f"S{n}", f"1Z{n}") for n in range(5)])
    with ledger._tx() as session:
        session.execute(update(Event).where(Event.id == sent).values(state="success"))
        session.execute(update(Event).where(Event.id.in_(status[1:])).values(state="unknown"))
        session.execute(update(Event).where(Event.id == soon).values(state="unknown"))
    now, day = datetime(2026, 3, 2, 12, 0, tzinfo=UTC), timedelta(hours=24)
    found = late_confirmations(ledger, (EventState.PENDING, EventState.UNKNOWN), now, day, 1)
    assert found.count == 2  # P1 and P4 (naive = UTC); P2 sent, P3 1 h old, P5/P6 no date
    assert found.first == [(late, "P1", datetime(2026, 3, 1, 8, 0, tzinfo=UTC))]
    assert late_confirmations(ledger, (EventState.SUCCESS,), now, day, 5).first[0][0] == sent
    assert naive and bad and number
    assert unknown_events(ledger, 2) == (5, [(soon, None), (status[1], "1Z1")])


def check_search(ledger: Ledger) -> None:
    older = _file(ledger, name="a.edi", received_at=datetime(2026, 1, 1, tzinfo=UTC))
    newer = _file(ledger, name="b.edi", received_at=datetime(2026, 2, 1, tzinfo=UTC))
    ledger.record_interchange(older, syntax="x12", sender="S", receiver="R", control="000000011")
    ledger.record_interchange(newer, syntax="edifact", sender="S", receiver="R", control="REF22")
    ledger.add_events(older, [_event("PO1", "1Z1")])
    ledger.add_events(newer, [_event("PO1", "1Z2"), _event("PO2", "1Z3")])

    def ids(**criteria: str) -> list[str]:
        return [f.id for f in ledger.search(**criteria)]  # type: ignore[arg-type]

    assert ids(purchase_order="PO1") == [newer, older]
    assert ids(purchase_order="PO2") == [newer]
    assert ids(tracking_number="1Z1") == [older]
    assert ids(control="REF22") == [newer]
    assert ids(purchase_order="PO1", control="000000011") == [older]
    assert ids(purchase_order="PO2", tracking_number="1Z1") == []
    assert ids(purchase_order="PO9") == []
    assert ids(purchase_order="PO1", partner_id="other") == []
    assert ids() == [newer, older]


def check_ops_file_page(ledger: Ledger) -> None:
    """The ops side's bounded reads on this database: a search row lists the first 20
    tracking numbers and POs of a file (ranked in SQL), the file page one page of events with
    the totals, the timeline its events counted by state."""
    from gateway.ledger.ops_queries import OpsQueries, file_errors
    from gateway.ops.detail import file_detail
    from gateway.ops.file_models import DetailQuery

    big = _file(ledger, name="big.edi")
    small = _file(ledger, name="small.edi")
    ledger.add_events(big, [_event(f"PO{n % 30:02d}", f"1Z{n:03d}") for n in range(45)])
    ledger.add_events(small, [_event("POS", "1ZS")])
    queries = OpsQueries.of(ledger)
    rows = {row.file_id: row for row in queries.file_rows([big, small])}
    assert rows[big].tracking_numbers == [f"1Z{n:03d}" for n in range(20)]
    assert rows[big].purchase_orders == [f"PO{n:02d}" for n in range(20)]
    assert (rows[small].tracking_numbers, rows[small].purchase_orders) == (["1ZS"], ["POS"])
    page = file_detail(queries, big, None, DetailQuery(events=10))
    assert page is not None and len(page.events) == 10
    assert (page.paging.event_total, page.paging.segment_total) == (45, 0)
    after = file_detail(queries, big, None, DetailQuery(events=40, after_event=page.events[-1].id))
    assert after is not None and len(after.events) == 35 and after.paging.next_after_event is None
    assert any(t.what.startswith("45 events pending") for t in page.timeline), page.timeline
    problems = [{"code": f"c{n}", "message": f"m{n}", "position": n} for n in range(1203)]
    ledger.advance(small, FileState.TRANSLATED, syntax="x12", accepted=False, errors=problems)
    with queries._read() as session, warnings.catch_warnings():
        warnings.simplefilter("error", SAWarning)  # (a cartesian product, on PostgreSQL)
        listed, total = file_errors(session, small, 1000)
        every, _ = file_errors(session, small, 5000)  # each once (PostgreSQL: 5,000 of 1,203²)
    assert total == 1203 and listed == problems[:1000] and every == problems
    (row,) = queries.file_rows([small])  # its codes read in SQL, in order of first appearance
    assert row.error_codes == [f"c{n}" for n in range(1203)]
    shown = file_detail(queries, small, None)
    assert shown is not None and shown.paging.error_total == 1203 and len(shown.errors) == 1000


def check_control_numbers(ledger: Ledger) -> None:
    assert ledger.reserve_controls("demo") == 1
    assert ledger.reserve_controls("demo", 3) == 2
    assert ledger.reserve_controls("demo") == 5
    assert ledger.reserve_controls("other") == 1
    assert ledger.reserve_controls("wrap", MAX_CONTROL - 2) == 1
    assert ledger.reserve_controls("wrap", 2) == MAX_CONTROL - 1
    assert ledger.reserve_controls("wrap") == 1  # nine digits are used up: start again
    with pytest.raises(LedgerError):
        ledger.reserve_controls("demo", 0)


def check_concurrent_writers(ledger: Ledger) -> None:
    """Threads reserving control numbers and moving events at once never clash."""
    file_id = _file(ledger)
    event_ids = ledger.add_events(file_id, [_event("PO1", f"1Z{i}") for i in range(8)])
    taken: list[int] = []
    calls: list[int] = []
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            for _ in range(10):
                taken.append(ledger.reserve_controls("demo"))
            calls.append(ledger.mark_sending([event_ids[index]]))
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(taken) == list(range(1, 81))
    assert len(set(calls)) == 8
    assert {e.state for e in ledger.events_for_file(file_id)} == {EventState.SENDING}


def check_counts(ledger: Ledger) -> None:
    assert ledger.counts() == {"files": {}, "events": {}, "acks": {}}
    file_id = _file(ledger)
    _file(ledger)
    ledger.advance(file_id, FileState.QUARANTINED, "not EDI")
    ledger.add_events(file_id, [_event("PO1", "1Z1")])
    ledger.add_ack(file_id, "TA1", "x")
    assert ledger.counts() == {
        "files": {"received": 1, "quarantined": 1},
        "events": {"pending": 1},
        "acks": {"created": 1},
    }


def check_downgrade_upgrade(ledger: Ledger) -> None:
    """Downgrade to base drops every table; upgrading again gives a working, empty ledger."""
    _file(ledger)
    ledger.downgrade("base")
    assert current_revision(ledger.engine) is None
    assert not TABLES & set(inspect(ledger.engine).get_table_names())
    ledger.migrate()
    assert current_revision(ledger.engine) == head_revision()
    assert ledger.files_in_state(*FileState) == []
    assert ledger.get_file(_file(ledger)) is not None


def check_megabyte_envelope_values_are_recorded_to_their_columns(ledger: Ledger) -> None:
    """A partner's megabyte control numbers and parties (UNB 0020 and 0004, UNH 0062, GS06,
    ST02) go into columns of 32 / 64 characters: PostgreSQL refused them (a VARCHAR's
    length), the recording failed and the file was retried and quarantined unanswered;
    SQLite kept them whole, in every upload answer and log line (review 20). They are
    recorded cut to their columns (`column_text`); the file is translated and answered."""
    import asyncio
    import tempfile
    from pathlib import Path

    from gateway.ledger.records import CONTROL_WIDTH, KEY_WIDTH, PARTY_WIDTH
    from gateway.mapping.codes import load_code_tables
    from gateway.profile import PartnerProfile
    from gateway.service.config import ServiceSettings
    from gateway.service.metrics import Metrics
    from gateway.service.runtime import Runtime
    from gateway.service.storage import FileStore
    from gateway.service.translating import translate_received
    from gateway.service.worker import Gateway

    samples = Path(__file__).resolve().parents[1] / "samples"
    edifact = (samples / "10-edifact-iftsta-d01b" / "input.edi").read_text()
    x12 = (samples / "01-x12-214-delivered" / "input.edi").read_text()
    big = "7" * 1_000_000
    files = {
        "edifact.edi": edifact.replace("IC1001", "IC" + big).replace("UNH+1+", f"UNH+M{big}+")
        .replace("UNT+15+1", f"UNT+15+M{big}").replace("DEMOCARRIER:ZZ", f"D{big}:ZZ"),
        "x12.edi": x12.replace("*1830*1*X*", f"*1830*{big}*X*").replace("GE*1*1~", f"GE*1*{big}~")
        .replace("0001~", f"S{big}~"),
        # accepted: a purchase order of 70 characters (RFF 1154 an..70), as long as allowed
        "po.edi": edifact.replace("PO4711", "PO" + "4" * 68).replace("IC1001", "IC1002"),
        # a name of 1,000 characters (X-File-Name): the column holds 255
        "n" * 1_000: edifact.replace("IC1001", "IC1003"),
    }  # fmt: skip
    profile = PartnerProfile(id="demo", x12_sender_ids=("DEMOCARRIER",), selling_party="999US",
                             ship_from="ABCD", seller="demo")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        rt = Runtime(settings=ServiceSettings(data_dir=Path(tmp)), ledger=ledger,
                     store=FileStore(Path(tmp)), partners={"demo": profile},
                     tables=load_code_tables(), metrics=Metrics(),
                     default_seller="demo")  # fmt: skip
        for name, text in files.items():
            received = asyncio.run(Gateway(rt).receive("demo", "http", name, text.encode()))
            record = ledger.get_file(received.id)
            assert record is not None
            assert record.name == (name if len(name) <= 255 else name[:254] + "…")
            assert translate_received(rt, record).state is FileState.TRANSLATED
            (ic,) = ledger.interchanges_for_file(received.id)
            assert len(ic.control) <= CONTROL_WIDTH and len(ic.sender) <= PARTY_WIDTH
            sets = ledger.transactions_for_file(received.id)
            assert sets and all(len(t.control) <= CONTROL_WIDTH for t in sets)
            assert all(len(t.group_control or "") <= CONTROL_WIDTH for t in sets)
            acks = ledger.acks_for_file(received.id)
            assert acks and all(len(a.acknowledges or "") <= CONTROL_WIDTH for a in acks)
            assert all(len(a.content) < 2_000 for a in acks)
        long_po = "PO" + "4" * 68
        (event, *_) = [e for f in ledger.files_in_state(*FileState) if f.name == "po.edi"
                       for e in ledger.events_for_file(f.id)]  # fmt: skip
        assert event.payload["purchaseOrderNumber"] == long_po  # sent whole
        assert event.purchase_order is not None and len(event.purchase_order) == KEY_WIDTH
        (found,) = ledger.search(purchase_order=long_po)  # found by the whole value
        assert found.name == "po.edi"


def check_a_transaction_id_longer_than_its_column_is_recorded_cut(ledger: Ledger) -> None:
    """SP-API's transactionId is any string the remote answers (~50 characters from
    Amazon): one over the column's 128 made PostgreSQL refuse the call's record, leaving
    its events in `sending` (review 21)."""
    file_id = _file(ledger)
    call = ledger.mark_sending(ledger.add_events(file_id, [_event("PO1", "1Z1")]))
    ledger.record_call(call, _accepted("T" * 200))
    (event,) = ledger.events_for_file(file_id)
    assert event.state is EventState.ACCEPTED
    assert event.amazon_transaction_id == "T" * 127 + "…"


CHECKS: dict[str, Check] = {
    name.removeprefix("check_"): check
    for name, check in sorted(globals().items())
    if name.startswith("check_") and callable(check)
}
