"""Claiming an interchange: "was this interchange (partner, sender ISA06 / UNB02, control
number ISA13 / UNB05) processed before, and if not, it is this file's" as one step.

The duplicate check and the insert of the interchange's row must not be two transactions:
two translations of the same interchange at once (a file delivered again while the first copy
is translated, a restart that queues a `received` file beside its redelivery) would both find
nothing, both record it, and its events would go to Amazon twice. A claim is both, in one
write transaction, after taking the interchange's lock (`lock_interchange`): on PostgreSQL a
transaction-level advisory lock on the key, so the second claimant waits for the first one's
commit and then, reading committed rows (READ COMMITTED), sees its row; on SQLite the write
transaction itself (BEGIN IMMEDIATE: one writer at a time, across processes). Translation
looks in its header check and records the row right after it (`OpenClaim`, left open between
the two by `TranslationWriter.claiming`): one write transaction per interchange, as before.

Processed before (`processed_query`): an interchange row that is not a replay, not itself a
duplicate, not rejected whole (TA1 R / CONTRL UCI 4: nothing of it was taken, so its
corrected copy under the same control number is processed), not an earlier attempt's row
of the asking file and not in a quarantined file. The
row of a file still being translated counts: it is that file's claim. So does the row this
attempt recorded of the same interchange earlier in the same file: an interchange sent twice
in one file is processed once, the second copy rejected as its duplicate (X12 TA1 code 025,
EDIFACT CONTRL; a file is no license to repeat a control number: X12.5 / ISO 9735 keep
interchange control numbers unique per sender). A claim outlives a crash of its
translation: the file stays `received` and is translated again, its rows kept meanwhile
(`TranslationWriter.clear`); the new attempt's row of the same interchange takes over the
old one (`take_over`), with the duplicates other files recorded of it. A file quarantined
instead gives its claims up (`release`): the rows no other file's duplicate points at are
removed, the others stay (foreign keys) but no longer count, so the next copy to arrive is
processed. (A copy rejected as the duplicate of a claim later given up stays rejected: its
partner was told; an operator may replay it.)
"""

from __future__ import annotations

import sys
from contextlib import ExitStack
from dataclasses import dataclass

from sqlalchemy import Select, delete, exists, func, or_, select, text, update
from sqlalchemy.orm import Session, aliased

from gateway.ledger.engine import SessionScope
from gateway.ledger.states import FileState
from gateway.ledger.tables import Interchange, ReceivedFile

__all__ = [
    "OpenClaim",
    "insert_claim",
    "lock_interchange",
    "processed_before",
    "processed_query",
    "release",
    "repeated_before",
    "take_over",
]


def lock_interchange(session: Session, partner_id: str, sender: str, control: str) -> None:
    """Hold the lock of one interchange key until `session`'s transaction ends: a PostgreSQL
    advisory lock on the hash of (partner, sender, control) (two keys sharing a hash merely
    wait for each other); nothing on SQLite, whose write transaction excludes every other
    writer already. Call it first in a write transaction (`SessionScope._tx`)."""
    if session.get_bind().dialect.name == "postgresql":
        key = "\x1f".join((partner_id, sender, control))
        session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:key))"), {"key": key})


def processed_query(partner_id: str, sender: str, control: str, excluding_file: str | None,
                    since: int | None = None) -> Select[int]:  # fmt: skip
    """SELECT of the first interchange id processed before with this key (module doc), NULL
    when there is none; `excluding_file`: the asking file, whose own rows do not count, but
    with `since` (the id of the last row an earlier attempt of it left, 0 if none) its rows
    after that id do: this attempt's, so a repeat in the same file is a duplicate."""
    query = (select(func.min(Interchange.id))
             .join(ReceivedFile, ReceivedFile.id == Interchange.file_id)
             .where(Interchange.partner_id == partner_id, Interchange.sender == sender,
                    Interchange.control == control, Interchange.replay.is_(False),
                    Interchange.duplicate_of.is_(None), Interchange.accepted.is_not(False),
                    ReceivedFile.state != FileState.QUARANTINED.value))  # fmt: skip
    if excluding_file is not None and since is None:
        query = query.where(Interchange.file_id != excluding_file)
    elif excluding_file is not None:
        query = query.where(or_(Interchange.file_id != excluding_file, Interchange.id > since))
    return query


def processed_before(session: Session, partner_id: str, sender: str, control: str,
                     excluding_file: str, since: int | None = None) -> int | None:  # fmt: skip
    """The id of the interchange processed before with this key (`processed_query`, with its
    `excluding_file` and `since`), None if none; read in `session`'s transaction (after
    `lock_interchange` for a claim)."""
    found: int | None = session.scalar(processed_query(partner_id, sender, control,
                                                       excluding_file, since))  # fmt: skip
    return found


def repeated_before(session: Session, file_id: str, sender: str, control: str,
                    since: int) -> int | None:  # fmt: skip
    """The id of this file's row of the interchange recorded earlier in this attempt (ids
    after `since`), not itself a duplicate; None if none. What a replay looks at: the
    interchanges it replays count as new, but not twice."""
    found: int | None = session.scalar(select(func.min(Interchange.id)).where(
        Interchange.file_id == file_id, Interchange.sender == sender,
        Interchange.control == control, Interchange.duplicate_of.is_(None),
        Interchange.accepted.is_not(False), Interchange.id > since))  # fmt: skip
    return found


def take_over(session: Session, file_id: str, sender: str, control: str, *, held: int,
              new_id: int, original: int | None) -> None:  # fmt: skip
    """The row `new_id` of `file_id` replaces the first row of the same file and key that an
    earlier, interrupted attempt left (ids up to `held`; the file's repeats of a key are
    taken over in file order): the duplicates other files recorded of the old row now point
    at `original` (the interchange processed before, when the new row is a duplicate) or at
    the new row, and the old row is deleted. Nothing when there is no such row. In the
    transaction that recorded `new_id`, under `lock_interchange` of the key."""
    old = session.scalar(select(func.min(Interchange.id)).where(
        Interchange.file_id == file_id, Interchange.sender == sender,
        Interchange.control == control, Interchange.id <= held))  # fmt: skip
    if old is None:
        return
    session.execute(update(Interchange).where(Interchange.duplicate_of == old)
                    .values(duplicate_of=original or new_id))  # fmt: skip
    session.execute(delete(Interchange).where(Interchange.id == old))


@dataclass(frozen=True, slots=True)
class OpenClaim:
    """A claim between its look and its row: a write transaction left open, holding the
    interchange's lock (`TranslationWriter.claiming` bounds it)."""

    sender: str
    control: str
    original: int | None  # the interchange processed before (this one is its duplicate)
    in_file: bool  # `original` is a row of this file's: the interchange came twice in it
    session: Session
    scope: ExitStack  # the transaction's

    @classmethod
    def begin(cls, ledger: SessionScope, partner_id: str, file_id: str, sender: str,
              control: str, *, replay: bool, since: int = 0) -> OpenClaim:  # fmt: skip
        """Open a write transaction, take the interchange's lock and look for the interchange
        processed before (`processed_before`: the file's rows after id `since`, this
        attempt's, count; an earlier attempt's do not); for a `replay` (an operator's: sent
        again on purpose) only among this attempt's rows (`repeated_before`)."""
        scope = ExitStack()
        session = scope.enter_context(ledger._tx(durable=False))
        try:
            lock_interchange(session, partner_id, sender, control)
            if replay:
                original = repeated_before(session, file_id, sender, control, since)
            else:
                original = processed_before(session, partner_id, sender, control, file_id,
                                            since)  # fmt: skip
            in_file = (
                original is not None
                and session.scalar(select(Interchange.file_id).where(Interchange.id == original))
                == file_id
            )
        except BaseException:
            scope.__exit__(*sys.exc_info())
            raise
        return cls(sender, control, original, in_file, session, scope)

    def end(self, exc: BaseException | None = None) -> None:
        """End the transaction: committed, or rolled back when ended by `exc`."""
        if exc is None:
            self.scope.close()
        else:
            self.scope.__exit__(type(exc), exc, exc.__traceback__)


def insert_claim(session: Session, row: Interchange, *, held: int) -> None:
    """Insert `row`, a new interchange row of a file being translated (its `duplicate_of`
    decided under the key's lock, `lock_interchange`, held by the caller since), as the
    file's claim; it takes over the file's row of an earlier attempt (`held`: their last
    id, 0 if none; `take_over`). Before the row's transaction sets, in that transaction."""
    session.add(row)
    session.flush()
    if held:
        take_over(session, row.file_id, row.sender, row.control, held=held, new_id=row.id,
                  original=row.duplicate_of)  # fmt: skip


def release(session: Session, file_id: str, *, up_to: int | None = None) -> None:
    """Give up the claims of `file_id` (its transaction sets removed already): its interchange
    rows (those with ids up to `up_to`, when given) are deleted unless another file's
    duplicate points at one; those stay, and stop counting as processed once the file is
    quarantined (`processed_query`)."""
    duplicate = aliased(Interchange)
    query = delete(Interchange).where(
        Interchange.file_id == file_id,
        ~exists().where(duplicate.duplicate_of == Interchange.id))  # fmt: skip
    if up_to is not None:
        query = query.where(Interchange.id <= up_to)
    session.execute(query)
