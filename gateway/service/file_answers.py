"""A received file as the HTTP API answers it (an upload, `GET /v1/files/{id}`, a replay, a
search): its state, errors, event counts, and its first `LISTED` interchanges and acks with
the counts of all of them (gateway.ledger.file_view: a mailbag's answer stays small)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from gateway.ledger.file_view import file_acks, file_interchanges
from gateway.ledger.records import AckRecord, FileRecord
from gateway.ledger.streaming import event_counts
from gateway.service.worker import Gateway

__all__ = ["LISTED", "AckOut", "FileOut", "ReplayOut", "UploadOut", "ack_out", "file_out"]

LISTED = 1_000  # interchanges and acks a file's answer lists (it counts all of them)


class AckOut(BaseModel):
    type: str
    content: str
    acknowledges: str | None
    delivered_to: str | None


class FileOut(BaseModel):
    file_id: str
    partner_id: str
    transport: str
    name: str
    state: str
    state_reason: str | None
    syntax: str | None
    accepted: bool | None
    errors: list[dict[str, Any]]
    unlisted: int  # problems past those in `errors` (1,000 at most): counted, not listed
    received_at: str
    interchanges: list[dict[str, Any]]  # the first LISTED
    interchange_count: int  # all of them
    events: dict[str, int]
    acknowledgements: list[AckOut]  # the first LISTED (GET /v1/files/{id}/acks pages them)
    acknowledgement_count: int  # all of them


class UploadOut(FileOut):
    requests: int


class ReplayOut(FileOut):
    replay_of: str
    requested_by: str
    resend: Literal["unsent", "all"]


def ack_out(a: AckRecord) -> AckOut:
    """An ack as the API shows it: its text, what it acknowledges, where it was delivered."""
    return AckOut(type=a.type, content=a.content, acknowledges=a.acknowledges,
                  delivered_to=a.delivered_to)  # fmt: skip


def file_out(gateway: Gateway, record: FileRecord) -> dict[str, Any]:
    """A file as the API shows it: its first `LISTED` interchanges and acks, with the counts
    of all (a mailbag's answer stays small; gateway.ledger.file_view)."""
    ledger = gateway.rt.ledger
    events = event_counts(ledger, record.id)
    interchanges, interchange_count = file_interchanges(ledger, record.id, LISTED)
    acks, ack_count = file_acks(ledger, record.id, 0, LISTED)
    return {
        "file_id": record.id, "partner_id": record.partner_id, "transport": record.transport,
        "name": record.name, "state": record.state.value, "state_reason": record.state_reason,
        "syntax": record.syntax, "accepted": record.accepted, "errors": record.errors,
        "unlisted": record.errors_unlisted,
        "received_at": record.received_at.isoformat(),
        "interchanges": [{"sender": i.sender, "receiver": i.receiver, "control": i.control,
                          "accepted": i.accepted, "duplicate_of": i.duplicate_of,
                          "test": i.test} for i in interchanges],
        "interchange_count": interchange_count, "events": events,
        "acknowledgements": [ack_out(a) for a in acks], "acknowledgement_count": ack_count,
    }  # fmt: skip
