"""SQLAlchemy 2 tables of the ledger: one row per received file, interchange, transaction
set, status event / confirmation item, SP-API call and ack.

The Alembic revision in `migrations/versions/` creates the same schema; a test compares them.
Datetimes are stored timezone-aware and always read back as UTC (SQLite keeps no zone).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    Select,
    String,
    Text,
    TypeDecorator,
    func,
    select,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, defer, mapped_column

from gateway.ledger.records import (  # the columns a partner's or Amazon's values go into
    AMAZON_ID_WIDTH,
    CODE_WIDTH,
    CONTROL_WIDTH,
    KEY_WIDTH,
    NAME_WIDTH,
    PARTY_WIDTH,
    VERSION_WIDTH,
)

__all__ = [
    "MAX_ID",
    "STATE_ONLY",
    "Ack",
    "ApiCall",
    "Base",
    "CodeOverride",
    "ControlCounter",
    "Event",
    "Interchange",
    "OpsAction",
    "OpsSearchTerm",
    "ReceivedFile",
    "Replay",
    "SellerState",
    "ServiceCredentials",
    "Transaction",
    "UtcDateTime",
    "call_event_rows",
    "utc_now",
]


# the largest row id an Integer primary key holds (PostgreSQL integer, 32 bits): ids given
# from outside (API paths and queries, CLI arguments) are bounded by it
MAX_ID = 2**31 - 1


def utc_now() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime, stored in UTC and returned in UTC on every backend."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the ledger")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UtcDateTime(), dict[str, Any]: JSON, list[Any]: JSON}  # fmt: skip


class ReceivedFile(Base):
    __tablename__ = "received_files"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # uuid4 text
    partner_id: Mapped[str] = mapped_column(String(64), index=True)
    transport: Mapped[str] = mapped_column(String(16))  # sftp | http | cli | replay
    name: Mapped[str] = mapped_column(String(NAME_WIDTH))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(Integer)
    stored_path: Mapped[str] = mapped_column(Text)
    received_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16), index=True)
    state_reason: Mapped[str | None] = mapped_column(Text)
    syntax: Mapped[str | None] = mapped_column(String(16))  # x12 | edifact
    accepted: Mapped[bool | None] = mapped_column(Boolean)  # null until translated
    errors: Mapped[list[Any]] = mapped_column(JSON, default=list)  # Problem.to_report() each
    # problems of its translation past those in `errors`: counted, not listed
    errors_unlisted: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    replay_of: Mapped[str | None] = mapped_column(ForeignKey("received_files.id"))
    updated_at: Mapped[datetime]
    archived_at: Mapped[datetime | None]
    # translation attempts started (a worker crash or time-out counts): see service/pool.py
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Interchange(Base):
    """ISA/IEA or UNB/UNZ. partner_id is copied from the file for the duplicate lookup."""

    __tablename__ = "interchanges"
    __table_args__ = (Index("ix_interchanges_partner_sender_control", "partner_id", "sender",
                            "control"),)  # fmt: skip

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_id: Mapped[str] = mapped_column(ForeignKey("received_files.id"), index=True)
    partner_id: Mapped[str] = mapped_column(String(64))
    syntax: Mapped[str] = mapped_column(String(16))
    sender: Mapped[str] = mapped_column(String(PARTY_WIDTH))  # ISA06 / UNB02
    receiver: Mapped[str] = mapped_column(String(PARTY_WIDTH))  # ISA08 / UNB03
    control: Mapped[str] = mapped_column(String(CONTROL_WIDTH), index=True)  # ISA13 / UNB05
    test: Mapped[bool] = mapped_column(Boolean, default=False)  # ISA15=T / UNB11=1
    accepted: Mapped[bool | None] = mapped_column(Boolean)
    # indexed: a claim taken over repoints the duplicates of the row it replaces
    # (gateway.ledger.claims.take_over), once per interchange of a resumed mailbag
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("interchanges.id"), index=True)
    replay: Mapped[bool] = mapped_column(Boolean, default=False)


class Transaction(Base):
    """ST/SE or UNH/UNT, with its group's control number (GS06 / UNG05)."""

    __tablename__ = "transactions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    interchange_id: Mapped[int] = mapped_column(ForeignKey("interchanges.id"), index=True)
    group_control: Mapped[str | None] = mapped_column(String(CONTROL_WIDTH))
    control: Mapped[str] = mapped_column(String(CONTROL_WIDTH))  # ST02 / UNH01
    type_code: Mapped[str] = mapped_column(String(CODE_WIDTH))  # 214, 856, IFTSTA, DESADV
    accepted: Mapped[bool] = mapped_column(Boolean)
    errors: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # 0006: the version its events' origins name (records.TransactionRecord.version)
    version: Mapped[str | None] = mapped_column(String(VERSION_WIDTH))


class ApiCall(Base):
    """One SP-API submit call (after retries) and what getTransactionStatus said of it."""

    __tablename__ = "api_calls"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seller: Mapped[str] = mapped_column(String(64))
    operation: Mapped[str] = mapped_column(String(64))
    url: Mapped[str | None] = mapped_column(Text)
    sandbox: Mapped[bool] = mapped_column(Boolean, default=False)
    status_code: Mapped[int | None] = mapped_column(Integer)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    request_ids: Mapped[list[Any]] = mapped_column(JSON, default=list)
    # Amazon's transactionId
    transaction_id: Mapped[str | None] = mapped_column(String(AMAZON_ID_WIDTH), index=True)
    errors: Mapped[list[Any]] = mapped_column(JSON, default=list)
    throttled: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    transaction_status: Mapped[str | None] = mapped_column(String(16), index=True)
    polled_at: Mapped[datetime | None]
    # 0002_issue7: polling with backoff, and an operator's decision on an Unconfirmed one
    polls: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    poll_errors: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    next_poll_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None] = mapped_column(String(128))
    resolved_at: Mapped[datetime | None]


class Event(Base):
    """One status update or shipment confirmation item, with the body sent to Amazon."""

    __tablename__ = "events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_id: Mapped[str] = mapped_column(ForeignKey("received_files.id"), index=True)
    # indexed: a group's version is read from its first event (ledger.advising.group_version)
    transaction_id: Mapped[int | None] = mapped_column(ForeignKey("transactions.id"), index=True)
    operation: Mapped[str] = mapped_column(String(64))
    seller: Mapped[str] = mapped_column(String(64))
    purchase_order: Mapped[str | None] = mapped_column(String(KEY_WIDTH), index=True)
    tracking_number: Mapped[str | None] = mapped_column(String(KEY_WIDTH), index=True)
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    lineage: Mapped[Any] = mapped_column(JSON, nullable=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("api_calls.id"), index=True)
    amazon_transaction_id: Mapped[str | None] = mapped_column(String(AMAZON_ID_WIDTH))
    updated_at: Mapped[datetime]
    # 0002_issue7: sent again after a retryable transaction Failure
    resubmits: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class Ack(Base):
    """An acknowledgement or application advice and where it was delivered."""

    __tablename__ = "acks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_id: Mapped[str] = mapped_column(ForeignKey("received_files.id"), index=True)
    type: Mapped[str] = mapped_column(String(8))  # 997 999 TA1 CONTRL 824 APERAK
    content: Mapped[str] = mapped_column(Text)
    acknowledges: Mapped[str | None] = mapped_column(String(CONTROL_WIDTH))
    created_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16), index=True)
    delivered_to: Mapped[str | None] = mapped_column(Text)  # path or 'http-response'
    delivered_at: Mapped[datetime | None]
    # 0002_issue7: the HTTP partner's mailbox (collected = deleted by the partner) and the
    # webhook delivery (attempts, last outcome: delivered / failed / HTTP code)
    collected_at: Mapped[datetime | None]
    webhook_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    webhook_status: Mapped[str | None] = mapped_column(String(32))
    webhook_at: Mapped[datetime | None]


class SellerState(Base):
    """The state of a seller's credentials: `reauthorization_needed` after LWA refused
    them for good (its events wait `blocked`), `ok` once they work again (0002_issue7)."""

    __tablename__ = "seller_states"

    seller: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(String(32))
    reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime]


class ServiceCredentials(Base):
    """Which credentials the running service uses for a seller: the SHA-256 of them (never
    the secrets), recorded at start-up and when it reloads them (0002_issue7). `edigw sellers
    check` marks a seller only when LWA refused these very credentials."""

    __tablename__ = "service_credentials"

    seller: Mapped[str] = mapped_column(String(64), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    recorded_at: Mapped[datetime]


class ControlCounter(Base):
    """The next control number of the acks and advices sent to a partner."""

    __tablename__ = "control_counters"

    partner_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_control: Mapped[int] = mapped_column(Integer)


class Replay(Base):
    """An operator's replay: the new file, the file it replays, who asked and what to resend
    (`unsent`: only events that did not already succeed; `all`: every event)."""

    __tablename__ = "replays"

    file_id: Mapped[str] = mapped_column(ForeignKey("received_files.id"), primary_key=True)
    replay_of: Mapped[str] = mapped_column(ForeignKey("received_files.id"), index=True)
    requested_by: Mapped[str] = mapped_column(String(64))
    resend: Mapped[str] = mapped_column(String(8))  # unsent | all
    requested_at: Mapped[datetime]


class OpsAction(Base):
    """An operator's action in the ops console or API: who, when, what and why (audit)."""

    __tablename__ = "ops_actions"
    __table_args__ = (Index("ix_ops_actions_file_action", "file_id", "action"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime]
    operator: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))  # replay | requeue | resolve | override
    file_id: Mapped[str | None] = mapped_column(ForeignKey("received_files.id"))
    note: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class CodeOverride(Base):
    """A partner's status code-table override added by an operator; `version` counts the
    partner's override set (1, 2, ...), later rows win over earlier ones for the same pair."""

    __tablename__ = "code_overrides"
    __table_args__ = (Index("ix_code_overrides_partner_version", "partner_id", "version",
                            unique=True),)  # fmt: skip

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partner_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    syntax: Mapped[str] = mapped_column(String(16))  # x12 | edifact
    status: Mapped[str] = mapped_column(String(16))  # AT701 / STS 9011
    reason: Mapped[str | None] = mapped_column(String(16))  # AT702 / STS 9013; None: any
    event: Mapped[str] = mapped_column(String(64))  # a row of status_codes.yaml
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)


class OpsSearchTerm(Base):
    """A value read from a rejected transaction set (tracking number, PO, reference...): such
    sets make no events, yet ops must find their file by those numbers."""

    __tablename__ = "ops_search_terms"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    file_id: Mapped[str] = mapped_column(ForeignKey("received_files.id"), index=True)
    value: Mapped[str] = mapped_column(String(KEY_WIDTH), index=True)


# Search indexes of the ops console (migration 0002_issue10): control numbers of the sets
# and groups, files newest first, Amazon's transaction id on events.
Index("ix_transactions_control", Transaction.control)
Index("ix_transactions_group_control", Transaction.group_control)
Index("ix_received_files_received_at", ReceivedFile.received_at)
Index("ix_received_files_partner_received_at", ReceivedFile.partner_id, ReceivedFile.received_at)
Index("ix_events_amazon_transaction_id", Event.amazon_transaction_id)
Index("ix_events_tracking_number_upper", func.upper(Event.tracking_number))
Index("ix_events_purchase_order_upper", func.upper(Event.purchase_order))
Index("ix_ops_search_terms_value_upper", func.upper(OpsSearchTerm.value))


# loader options for event rows changed by state only: their bodies and lineage (most of a
# row) are neither read nor parsed from JSON
STATE_ONLY = (defer(Event.payload), defer(Event.lineage))


def call_event_rows(call_id: int) -> Select[Event]:
    """The events of an SP-API call, to change their state (STATE_ONLY)."""
    return select(Event).options(*STATE_ONLY).where(Event.batch_id == call_id)
