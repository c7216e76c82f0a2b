"""Ledger queries for the HTTP partners' mailbox and webhook deliveries.

A partner's mailbox holds the acks and advices of its files that it has not collected yet
(newest last): the acks delivered to "mailbox". The message id is the ack id, which also
serves as the cursor: a page lists the messages after the given id. `collect` (DELETE)
marks one collected; it stays in the ledger. Webhook deliveries are recorded on the ack:
attempts, last outcome and when.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from sqlalchemy import func, select

from gateway.ledger.engine import SessionScope
from gateway.ledger.records import AckInfo, AckRecord
from gateway.ledger.states import AckState
from gateway.ledger.tables import Ack, ReceivedFile, utc_now


def with_content(info: AckInfo, content: str) -> AckRecord:
    """The ack `info` with its text."""
    return AckRecord(content=content, **{f.name: getattr(info, f.name) for f in fields(info)})


__all__ = ["MAILBOX", "PAGE_CHARS", "MailboxLedger"]

MAILBOX = "mailbox"  # acks.delivered_to of what an HTTP partner collects from its mailbox
PAGE_CHARS = 8_000_000  # a mailbox page ends after the message that reaches this much text


def _info(row: Any) -> AckInfo:
    return AckInfo.of(row, state=AckState(row.state))


class MailboxLedger(SessionScope):
    """Mixed into the ledger: the partner mailbox and webhook bookkeeping."""

    def mailbox(self, partner_id: str, after: int = 0, limit: int = 100) -> list[AckRecord]:
        """Uncollected acks of the partner's files with id > `after`, oldest first: at most
        `limit`, and no more once their text reached `PAGE_CHARS` (at least one). Each
        text is read on its own, so big advices are never all held at once."""
        query = (select(*AckInfo.columns(), func.length(Ack.content))
                 .join(ReceivedFile, Ack.file_id == ReceivedFile.id)
                 .where(ReceivedFile.partner_id == partner_id, Ack.collected_at.is_(None),
                        Ack.delivered_to == MAILBOX, Ack.id > after)
                 .order_by(Ack.id).limit(limit))  # fmt: skip
        with self._read() as session:
            found = [(_info(row), int(row[-1] or 0)) for row in session.execute(query)]
        page: list[AckInfo] = []
        chars = 0
        for info, length in found:
            if page and chars + length > PAGE_CHARS:
                break
            page.append(info)
            chars += length
        return [with_content(info, self.ack_text(info.id)) for info in page]

    def ack_text(self, ack_id: int) -> str:
        """The text of one ack (empty when it is gone)."""
        with self._read() as session:
            return session.scalar(select(Ack.content).where(Ack.id == ack_id)) or ""

    def collect(self, partner_id: str, ack_id: int) -> bool:
        """Mark one of the partner's messages collected; False if it has no such message."""
        query = (select(Ack).join(ReceivedFile, Ack.file_id == ReceivedFile.id)
                 .where(ReceivedFile.partner_id == partner_id, Ack.id == ack_id))  # fmt: skip
        with self._tx() as session:
            row = session.scalars(query).first()
            if row is None or row.collected_at is not None:
                return False
            row.collected_at = utc_now()
            return True

    def webhook_pending(self, partner_id: str, max_attempts: int, after: int = 0,
                        limit: int | None = None) -> list[AckInfo]:  # fmt: skip
        """The partner's acks not yet delivered to its webhook (and not given up on), without
        their text (`ack_text`, one at a time): those with ids after `after`, the first
        `limit` of them (a page: a mailbag brings as many acks as interchanges)."""
        query = (select(*AckInfo.columns()).join(ReceivedFile, Ack.file_id == ReceivedFile.id)
                 .where(ReceivedFile.partner_id == partner_id, Ack.delivered_to == MAILBOX,
                        Ack.webhook_status.is_(None) | (Ack.webhook_status != "delivered"),
                        Ack.webhook_attempts < max_attempts, Ack.id > after)
                 .order_by(Ack.id).limit(limit))  # fmt: skip
        with self._read() as session:
            return [_info(row) for row in session.execute(query)]

    def record_webhook(self, ack_id: int, attempts: int, status: str) -> None:
        """A webhook delivery: `attempts` more tries, ending in `status` (delivered / HTTP
        code / transport error name)."""
        with self._tx() as session:
            row = self._row(session, Ack, ack_id)
            row.webhook_attempts += attempts
            row.webhook_status = status[:32]
            row.webhook_at = utc_now()
