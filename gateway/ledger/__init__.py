"""The ledger: one row per received file, interchange, transaction set, status event,
SP-API call and ack, with forward-only states (SQLAlchemy 2 + Alembic; SQLite or PostgreSQL)."""

from gateway.ledger.engine import NotFoundError
from gateway.ledger.records import (
    AckInfo,
    AckRecord,
    CallRecord,
    EventRecord,
    FileRecord,
    InterchangeRecord,
    NewEvent,
    TransactionRecord,
)
from gateway.ledger.states import AckState, EventState, FileState, LedgerError, StateError
from gateway.ledger.store import Ledger

__all__ = [
    "AckInfo",
    "AckRecord",
    "AckState",
    "CallRecord",
    "EventRecord",
    "EventState",
    "FileRecord",
    "FileState",
    "InterchangeRecord",
    "Ledger",
    "LedgerError",
    "NewEvent",
    "NotFoundError",
    "StateError",
    "TransactionRecord",
]
