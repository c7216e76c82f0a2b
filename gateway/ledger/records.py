"""Frozen snapshots the ledger hands out (never live ORM rows), and `NewEvent`, what the
caller gives to record a status update / confirmation item."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, Self

from gateway.ledger.states import AckState, EventState, FileState

__all__ = [
    "AMAZON_ID_WIDTH",
    "CODE_WIDTH",
    "CONTROL_WIDTH",
    "KEY_WIDTH",
    "NAME_WIDTH",
    "PARTY_WIDTH",
    "VERSION_WIDTH",
    "AckInfo",
    "AckRecord",
    "CallRecord",
    "EventRecord",
    "FileRecord",
    "InterchangeRecord",
    "NewEvent",
    "TransactionRecord",
    "column_text",
]


class _Snapshot:
    """Build a dataclass from the ORM row with the same attribute names."""

    @classmethod
    def of(cls, row: Any, **override: Any) -> Self:
        values = {f.name: getattr(row, f.name) for f in fields(cls)}  # type: ignore[arg-type]
        values.update(override)
        return cls(**values)


@dataclass(frozen=True, slots=True)
class FileRecord(_Snapshot):
    id: str
    partner_id: str
    transport: str
    name: str
    sha256: str
    size: int
    stored_path: str
    received_at: datetime
    state: FileState
    state_reason: str | None
    syntax: str | None
    accepted: bool | None
    errors: list[dict[str, Any]]
    replay_of: str | None
    updated_at: datetime
    archived_at: datetime | None
    errors_unlisted: int = 0  # problems past those in `errors`: counted, not listed


@dataclass(frozen=True, slots=True)
class InterchangeRecord(_Snapshot):
    id: int
    file_id: str
    partner_id: str
    syntax: str
    sender: str
    receiver: str
    control: str
    test: bool
    accepted: bool | None
    duplicate_of: int | None
    replay: bool


@dataclass(frozen=True, slots=True)
class TransactionRecord(_Snapshot):
    id: int
    interchange_id: int
    group_control: str | None
    control: str
    type_code: str
    accepted: bool
    errors: list[dict[str, Any]]
    # the version its events' origins name (X12 GS08, else ISA12; EDIFACT UNH S009
    # version:release), None when recorded before 0006: an advice of a set without events
    version: str | None


# the lengths of the columns a partner's values go into (tables.py reads them from here;
# each migration keeps the length it created): control numbers (interchange, group, set,
# the control an ack answers), parties, set types, an event's purchase order and tracking
# number and a refused set's search terms (its payload keeps them whole), a received file's
# name (an HTTP upload's X-File-Name: any length); and Amazon's transaction ids (~50
# characters); a set's version (GS08 AN 1/12; UNH S009 0052:0054)
CONTROL_WIDTH = 32
PARTY_WIDTH = 64
CODE_WIDTH = 16
KEY_WIDTH = 64
NAME_WIDTH = 255
AMAZON_ID_WIDTH = 128
VERSION_WIDTH = 16


def column_text(text: str, width: int) -> str:
    """`text` whole when it has at most `width` characters, else its first `width` - 1 and
    "…". A partner's envelope value may be a megabyte (UNB 0020, ST02, GS06: the standards
    allow 9 or 14 characters, so such an interchange or set is rejected), a purchase order
    70 characters (EDIFACT RFF 1154 an..70, accepted); PostgreSQL refuses a value longer
    than its VARCHAR column (the file's recording failed, it was retried and quarantined
    unanswered) and SQLite kept it whole, in every upload answer and log line showing it.
    Searches cut what they look for the same way. A NUL and a lone surrogate (an SFTP name
    that is no UTF-8, `os.fsdecode`'s \udcff) become U+FFFD: no database stores them
    (PostgreSQL refuses NUL in text, both refuse what UTF-8 cannot encode), and the upload
    was refused again at every try."""
    if not text.isascii() or "\x00" in text:
        text = text.replace("\x00", "\ufffd")
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            errors = "surrogateescape" if _escapes_only(text) else "replace"
            text = text.encode("utf-8", errors).decode("utf-8", "replace")
    return text if len(text) <= width else text[: width - 1] + "…"


def _escapes_only(text: str) -> bool:  # only os.fsdecode's escapes (U+DC80..U+DCFF) as surrogates
    return all(not "\ud800" <= c <= "\udfff" or "\udc80" <= c <= "\udcff" for c in text)


@dataclass(frozen=True, slots=True)
class NewEvent:
    """One item to submit: `payload` is the item's body (statusUpdateDetails / confirmation)."""

    operation: str
    seller: str
    payload: dict[str, Any]
    purchase_order: str | None = None
    tracking_number: str | None = None
    lineage: Any = None  # JSON: where each value came from (segment, position, element)
    transaction_id: int | None = None  # the ledger's transactions.id it came from

    def __post_init__(self) -> None:  # the search columns hold what fits (`column_text`)
        for name in ("purchase_order", "tracking_number"):
            value = getattr(self, name)
            if value is not None and len(value) > KEY_WIDTH:
                object.__setattr__(self, name, column_text(value, KEY_WIDTH))


@dataclass(frozen=True, slots=True)
class EventRecord(_Snapshot):
    id: int
    file_id: str
    transaction_id: int | None
    operation: str
    seller: str
    purchase_order: str | None
    tracking_number: str | None
    payload: dict[str, Any]
    lineage: Any
    state: EventState
    batch_id: int | None
    amazon_transaction_id: str | None
    updated_at: datetime
    resubmits: int = 0


@dataclass(frozen=True, slots=True)
class CallRecord(_Snapshot):
    id: int
    seller: str
    operation: str
    url: str | None
    sandbox: bool
    status_code: int | None
    attempts: int
    request_ids: list[str]
    transaction_id: str | None
    errors: list[dict[str, Any]]
    throttled: int
    started_at: datetime
    finished_at: datetime | None
    transaction_status: str | None
    polled_at: datetime | None
    polls: int = 0
    poll_errors: int = 0
    next_poll_at: datetime | None = None
    resolved_by: str | None = None
    resolved_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AckInfo(_Snapshot):
    """An ack / advice without its text (read that one at a time: `Ledger.ack_content`), so
    that a partner with many big advices is never held all at once."""

    id: int
    file_id: str
    type: str
    acknowledges: str | None
    created_at: datetime
    state: AckState
    delivered_to: str | None
    delivered_at: datetime | None
    collected_at: datetime | None = None
    webhook_attempts: int = 0
    webhook_status: str | None = None
    webhook_at: datetime | None = None

    @classmethod
    def columns(cls) -> tuple[Any, ...]:
        """The `acks` columns it is read from (`of` takes the selected row)."""
        from gateway.ledger.tables import Ack

        return tuple(getattr(Ack, f.name) for f in fields(cls))


@dataclass(frozen=True, slots=True)
class AckRecord(AckInfo):
    """An ack / advice with its text."""

    content: str = field(kw_only=True)
