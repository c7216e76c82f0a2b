"""The ledger repository: plain synchronous SQLAlchemy, one short transaction per method,
frozen snapshots out (never live rows). Safe to call from worker threads.

Files, interchanges, transaction sets, acks, search and ack control numbers live here; events
and SP-API calls in `submissions.SubmissionLedger`, which `Ledger` extends.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.dialects import postgresql, sqlite

from gateway.ack.context import MAX_CONTROL  # ISA13 / GS06 / ST02: nine digits, then 1
from gateway.ledger.claims import lock_interchange, processed_before, processed_query
from gateway.ledger.engine import NotFoundError
from gateway.ledger.migrate import downgrade, upgrade
from gateway.ledger.records import (
    CONTROL_WIDTH,
    KEY_WIDTH,
    AckInfo,
    AckRecord,
    FileRecord,
    InterchangeRecord,
    TransactionRecord,
    column_text,
)
from gateway.ledger.states import (
    AckState,
    FileState,
    LedgerError,
    Transport,
    check_ack_move,
    check_file_move,
)
from gateway.ledger.submissions import SubmissionLedger
from gateway.ledger.tables import (
    Ack,
    ControlCounter,
    Event,
    Interchange,
    ReceivedFile,
    Transaction,
    utc_now,
)

__all__ = ["MAX_CONTROL", "Ledger"]

_FILE_FIELDS = frozenset({"syntax", "accepted", "errors", "archived_at", "stored_path"})


def _file(row: ReceivedFile) -> FileRecord:
    return FileRecord.of(row, state=FileState(row.state))


def _ack(row: Ack) -> AckRecord:
    return AckRecord.of(row, state=AckState(row.state))


def _info(row: Any) -> AckInfo:
    return AckInfo.of(row, state=AckState(row.state))


class Ledger(SubmissionLedger):
    """`Ledger("sqlite:///data/ledger.sqlite")` or `Ledger("postgresql+psycopg://...")`.
    The constructor does not touch the schema: call `migrate()` once at start-up."""

    def migrate(self, revision: str = "head") -> None:
        """Alembic upgrade to `revision` (in-process, same engine)."""
        upgrade(self.engine, revision)

    def downgrade(self, revision: str) -> None:
        downgrade(self.engine, revision)

    # --- received files ----------------------------------------------------------------------

    def record_file(self, *, partner_id: str, transport: Transport, name: str, sha256: str,
                    size: int, stored_path: str, replay_of: str | None = None,
                    file_id: str | None = None,
                    received_at: datetime | None = None) -> str:  # fmt: skip
        """A received file (its bytes already durably stored), state `received`; its id."""
        now = utc_now()
        row = ReceivedFile(id=file_id or uuid.uuid4().hex, partner_id=partner_id,
                           transport=transport, name=name, sha256=sha256, size=size,
                           stored_path=stored_path, received_at=received_at or now,
                           state=FileState.RECEIVED.value, errors=[], replay_of=replay_of,
                           updated_at=now)  # fmt: skip
        with self._tx() as session:
            session.add(row)
        return row.id

    def get_file(self, file_id: str) -> FileRecord | None:
        with self._read() as session:
            row = session.get(ReceivedFile, file_id)
            return None if row is None else _file(row)

    def files_in_state(self, *states: FileState, partner_id: str | None = None) -> list[FileRecord]:
        """Files in any of `states` (oldest first), optionally of one partner."""
        query = select(ReceivedFile).where(ReceivedFile.state.in_([FileState(s).value
                                                                   for s in states]))  # fmt: skip
        if partner_id is not None:
            query = query.where(ReceivedFile.partner_id == partner_id)
        with self._read() as session:
            rows = session.scalars(query.order_by(ReceivedFile.received_at, ReceivedFile.id))
            return [_file(row) for row in rows]

    def advance(self, file_id: str, state: FileState, reason: str | None = None,
                **fields: Any) -> None:  # fmt: skip
        """Move a file forward (StateError otherwise) and set `fields` among syntax, accepted,
        errors, archived_at, stored_path. Staying in the same state just updates."""
        if unknown := set(fields) - _FILE_FIELDS:
            raise TypeError(f"advance() cannot set {sorted(unknown)}")
        target = FileState(state)
        with self._tx() as session:
            row = self._row(session, ReceivedFile, file_id)
            check_file_move(FileState(row.state), target)
            if reason is not None or row.state != target.value:
                row.state_reason = reason  # a move without a reason clears the old one
            row.state = target.value
            for name, value in fields.items():
                setattr(row, name, list(value) if name == "errors" else value)
            row.updated_at = utc_now()

    def mark_archived(self, file_id: str, at: datetime | None = None) -> None:
        """The inbox file was moved to archive/ (its outcome is recorded)."""
        with self._tx() as session:
            row = self._row(session, ReceivedFile, file_id)
            row.archived_at = at or utc_now()
            row.updated_at = utc_now()

    # --- interchanges and transaction sets -----------------------------------------------------

    def record_interchange(self, file_id: str, *, syntax: str, sender: str, receiver: str,
                           control: str, test: bool = False, accepted: bool | None = None,
                           duplicate_of: int | None = None,
                           replay: bool | None = None) -> int:  # fmt: skip
        """An interchange of a file. `replay` defaults to whether the file replays another."""
        with self._tx() as session:
            file = self._row(session, ReceivedFile, file_id)
            if replay is None:
                replay = file.replay_of is not None
            row = Interchange(file_id=file_id, partner_id=file.partner_id, syntax=syntax,
                              sender=sender, receiver=receiver, control=control, test=test,
                              accepted=accepted, duplicate_of=duplicate_of,
                              replay=replay)  # fmt: skip
            session.add(row)
            session.flush()
            return row.id

    def claim_interchange(self, file_id: str, *, syntax: str, sender: str, receiver: str,
                          control: str, test: bool = False) -> InterchangeRecord:  # fmt: skip
        """Record an interchange and, in the same transaction, whether it is a duplicate:
        `duplicate_of` is the interchange processed before with this partner, sender and
        control number (see find_processed_interchange), None for a replay or a new one.
        Two files claiming the same control number at once: exactly one is not a duplicate."""
        with self._tx() as session:
            file = self._row(session, ReceivedFile, file_id)
            replay = file.replay_of is not None
            lock_interchange(session, file.partner_id, sender, control)  # gateway.ledger.claims
            original = None if replay else processed_before(
                session, file.partner_id, sender, control, file_id)  # fmt: skip
            row = Interchange(file_id=file_id, partner_id=file.partner_id, syntax=syntax,
                              sender=sender, receiver=receiver, control=control, test=test,
                              duplicate_of=original, replay=replay)  # fmt: skip
            session.add(row)
            session.flush()
            return InterchangeRecord.of(row)

    def find_processed_interchange(self, partner_id: str, sender: str, control: str, *,
                                   excluding_file: str | None = None) -> int | None:  # fmt: skip
        """The first interchange of this partner with this sender + control number that was
        processed before: not a replay, not itself a duplicate, not in `excluding_file`, not
        in a quarantined file (gateway.ledger.claims). A look only: translation claims the
        interchange instead (`TranslationWriter.claim`), the look and the insert in one."""
        with self._read() as session:
            found: int | None = session.scalar(
                processed_query(partner_id, sender, control, excluding_file))  # fmt: skip
            return found

    def interchanges_for_file(self, file_id: str) -> list[InterchangeRecord]:
        query = select(Interchange).where(Interchange.file_id == file_id).order_by(Interchange.id)
        with self._read() as session:
            return [InterchangeRecord.of(row) for row in session.scalars(query)]

    def record_transaction(self, interchange_id: int, *, control: str, type_code: str,
                           accepted: bool, group_control: str | None = None,
                           errors: Iterable[dict[str, Any]] = (),
                           version: str | None = None) -> int:  # fmt: skip
        """A transaction set / message; `errors` are Problem.to_report() dicts."""
        with self._tx() as session:
            self._row(session, Interchange, interchange_id)
            row = Transaction(interchange_id=interchange_id, group_control=group_control,
                              control=control, type_code=type_code, accepted=accepted,
                              errors=list(errors), version=version)  # fmt: skip
            session.add(row)
            session.flush()
            return row.id

    def transactions_for_file(self, file_id: str) -> list[TransactionRecord]:
        query = (select(Transaction).join(Interchange)
                 .where(Interchange.file_id == file_id).order_by(Transaction.id))  # fmt: skip
        with self._read() as session:
            return [TransactionRecord.of(row) for row in session.scalars(query)]

    # --- acks and advices ------------------------------------------------------------------------

    def add_ack(self, file_id: str, type: str, content: str,
                acknowledges: str | None = None) -> int:  # fmt: skip
        """An ack / advice, state `created`: deliver it only after this returns."""
        with self._tx() as session:
            self._row(session, ReceivedFile, file_id)
            row = Ack(file_id=file_id, type=type, content=content, acknowledges=acknowledges,
                      created_at=utc_now(), state=AckState.CREATED.value)  # fmt: skip
            session.add(row)
            session.flush()
            return row.id

    def acks_for_file(self, file_id: str) -> list[AckRecord]:
        query = select(Ack).where(Ack.file_id == file_id).order_by(Ack.id)
        with self._read() as session:
            return [_ack(row) for row in session.scalars(query)]

    def ack_infos_for_file(self, file_id: str, state: AckState | None = None, after: int = 0,
                           limit: int | None = None) -> list[AckInfo]:  # fmt: skip
        """The file's acks and advices without their text (`ack_content`), in order: those in
        `state` (all by default) with ids after `after`, the first `limit` of them (a page:
        a mailbag has as many acks as interchanges)."""
        query = select(*AckInfo.columns()).where(Ack.file_id == file_id, Ack.id > after)
        if state is not None:
            query = query.where(Ack.state == state.value)
        query = query.order_by(Ack.id).limit(limit)
        with self._read() as session:
            return [_info(row) for row in session.execute(query)]

    def ack_content(self, ack_id: int) -> str:
        """The text of one ack / advice (NotFoundError when there is none)."""
        with self._read() as session:
            content = session.scalar(select(Ack.content).where(Ack.id == ack_id))
        if content is None:
            raise NotFoundError(f"no ack {ack_id}")
        return content

    def files_with_undelivered_acks(self) -> set[str]:
        """The ids of the files that have an ack not delivered yet (no ack is read)."""
        query = select(Ack.file_id).where(Ack.state == AckState.CREATED.value).distinct()
        with self._read() as session:
            return set(session.scalars(query))

    def undelivered_acks(self) -> list[AckInfo]:
        """The acks not delivered yet (their text not read)."""
        query = (select(*AckInfo.columns()).where(Ack.state == AckState.CREATED.value)
                 .order_by(Ack.id))  # fmt: skip
        with self._read() as session:
            return [_info(row) for row in session.execute(query)]

    def mark_delivered(self, ack_id: int, delivered_to: str) -> None:
        """Delivered to a path or 'http-response'. Marking it again keeps the first record."""
        with self._tx() as session:
            row = self._row(session, Ack, ack_id)
            check_ack_move(AckState(row.state), AckState.DELIVERED)
            if row.state != AckState.DELIVERED.value:
                row.state, row.delivered_to = AckState.DELIVERED.value, delivered_to
                row.delivered_at = utc_now()

    def reserve_controls(self, partner_id: str, count: int = 1) -> int:
        """The first of `count` consecutive control numbers for acks sent to a partner
        (AckContext.next_control); 1, 2, ... wrapping to 1 after MAX_CONTROL."""
        if not 1 <= count <= MAX_CONTROL:
            raise LedgerError(f"cannot reserve {count} control numbers")
        dialect = self.engine.dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        with self._tx() as session:
            session.execute(insert(ControlCounter).values(partner_id=partner_id, next_control=1)
                            .on_conflict_do_nothing(index_elements=["partner_id"]))  # fmt: skip
            first = session.scalar(select(ControlCounter.next_control)
                                   .where(ControlCounter.partner_id == partner_id)
                                   .with_for_update())  # fmt: skip
            assert first is not None
            if first + count - 1 > MAX_CONTROL:
                first = 1
            session.execute(update(ControlCounter).where(ControlCounter.partner_id == partner_id)
                            .values(next_control=first + count))  # fmt: skip
            return first

    # --- search and counts -------------------------------------------------------------------

    def search(self, *, purchase_order: str | None = None, tracking_number: str | None = None,
               control: str | None = None, partner_id: str | None = None,
               limit: int = 200) -> list[FileRecord]:  # fmt: skip
        """Files holding an event with this purchase order / tracking number and an
        interchange with this control number (criteria given are all required); newest first."""
        query = select(ReceivedFile)
        if partner_id is not None:
            query = query.where(ReceivedFile.partner_id == partner_id)
        if purchase_order is not None:
            query = query.where(ReceivedFile.id.in_(select(Event.file_id).where(
                Event.purchase_order == column_text(purchase_order, KEY_WIDTH))))  # fmt: skip
        if tracking_number is not None:
            query = query.where(ReceivedFile.id.in_(select(Event.file_id).where(
                Event.tracking_number == column_text(tracking_number, KEY_WIDTH))))  # fmt: skip
        if control is not None:
            query = query.where(ReceivedFile.id.in_(select(Interchange.file_id).where(
                Interchange.control == column_text(control, CONTROL_WIDTH))))  # fmt: skip
        query = query.order_by(ReceivedFile.received_at.desc(), ReceivedFile.id).limit(limit)
        with self._read() as session:
            return [_file(row) for row in session.scalars(query)]

    def counts(self) -> dict[str, dict[str, int]]:
        """Rows per state of files, events and acks (queue depths for /metrics)."""
        out: dict[str, dict[str, int]] = {}
        with self._read() as session:
            for name, column in (("files", ReceivedFile.state), ("events", Event.state),
                                 ("acks", Ack.state)):  # fmt: skip
                rows = session.execute(select(column, func.count()).group_by(column))
                out[name] = {state: n for state, n in rows}
        return out
