"""A file's interchanges and acks as its HTTP answer shows them: a page of rows and the count
of all of them, never every row. A mailbag of 50,000 interchanges has 50,000 interchange rows
and as many acks; listed whole, one answer was 23.7 MB of JSON and the service's memory grew
by 240 MB while it was built (a reviewer's upload)."""

from __future__ import annotations

from sqlalchemy import func, select

from gateway.ledger.records import AckRecord, InterchangeRecord
from gateway.ledger.store import Ledger, _ack
from gateway.ledger.tables import Ack, Interchange

__all__ = ["file_acks", "file_interchanges"]


def file_interchanges(ledger: Ledger, file_id: str,
                      limit: int) -> tuple[list[InterchangeRecord], int]:  # fmt: skip
    """The first `limit` interchanges of a file in file order, and how many it has."""
    where = Interchange.file_id == file_id
    with ledger._read() as session:
        count = session.scalar(select(func.count()).select_from(Interchange).where(where))
        rows = session.scalars(select(Interchange).where(where).order_by(Interchange.id)
                               .limit(limit))  # fmt: skip
        return [InterchangeRecord.of(row) for row in rows], int(count or 0)


def file_acks(ledger: Ledger, file_id: str, offset: int,
              limit: int) -> tuple[list[AckRecord], int]:  # fmt: skip
    """The file's acks and advices in order from the `offset`-th (0 the first), at most
    `limit` of them with their text, and how many the file has."""
    where = Ack.file_id == file_id
    with ledger._read() as session:
        count = session.scalar(select(func.count()).select_from(Ack).where(where))
        rows = session.scalars(select(Ack).where(where).order_by(Ack.id).offset(offset)
                               .limit(limit))  # fmt: skip
        return [_ack(row) for row in rows], int(count or 0)
