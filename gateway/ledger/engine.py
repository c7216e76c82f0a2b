"""The ledger's database engine and session scope: SQLite (WAL, foreign keys, busy timeout,
BEGIN IMMEDIATE so concurrent writers wait instead of failing, one writer queue across
processes: gateway.ledger.writers) or PostgreSQL (`postgresql+psycopg://...`)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool

from gateway.ledger.states import LedgerError
from gateway.ledger.writers import WriterQueue

__all__ = ["BUSY_TIMEOUT_SECONDS", "NotFoundError", "SessionScope", "create_ledger_engine",
           "is_sqlite"]  # fmt: skip

_M = TypeVar("_M")

BUSY_TIMEOUT_SECONDS = 30.0
READ_ONLY = "ledger_read_only"  # execution option of the read-only sessions
LAZY = "ledger_lazy_sync"  # execution option of SessionScope._tx(durable=False) sessions


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, emit BEGIN (see the "begin" listener).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_SECONDS * 1000)}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")  # a commit survives power loss
    finally:
        cursor.close()
    _record.info["synchronous"] = "FULL"


def _sqlite_begin(connection: Connection) -> None:
    # Writers take the lock up front: a read-then-write transaction never hits SQLITE_BUSY
    # half-way (which the busy timeout cannot cure), they simply queue. Readers (WAL) don't.
    options = connection.get_execution_options()
    read_only = options.get(READ_ONLY, False)
    if not read_only:  # the level can only change outside a transaction: here, each time
        level = "NORMAL" if options.get(LAZY, False) else "FULL"
        info = connection.connection.info
        if info.get("synchronous") != level:
            connection.exec_driver_sql(f"PRAGMA synchronous={level}")
            info["synchronous"] = level
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _json(value: Any) -> str:
    """JSON columns as compact text (no blanks after separators, non-ASCII kept as is): a
    status event's body and lineage are most of the ledger, a third smaller this way."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def create_ledger_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for `url`; a SQLite file's folder is created if missing."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, echo=echo, pool_pre_ping=True, json_serializer=_json)
    database = parsed.database or ""
    if database in ("", ":memory:"):
        engine = create_engine(parsed, echo=echo, poolclass=StaticPool, json_serializer=_json,
                               connect_args={"check_same_thread": False})  # fmt: skip
    else:
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, echo=echo, json_serializer=_json, connect_args={
            "timeout": BUSY_TIMEOUT_SECONDS, "check_same_thread": False})  # fmt: skip
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


class NotFoundError(LedgerError, LookupError):
    """No ledger row with that id (a caller bug: ids come from the ledger itself)."""


class SessionScope:
    """An engine and one short transaction per ledger call (`with self._tx() as session`)."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = url
        self.engine = create_ledger_engine(url, echo=echo)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._write_lock = threading.RLock() if is_sqlite(self.engine) else None
        database = self.engine.url.database or ""
        self._writers = (WriterQueue(Path(database).expanduser())
                         if self._write_lock is not None and database not in ("", ":memory:")
                         else None)  # fmt: skip
        readers = self.engine.execution_options(**{READ_ONLY: True})
        self._readers = sessionmaker(readers, expire_on_commit=False)
        self._lazy = sessionmaker(self.engine.execution_options(**{LAZY: True}),
                                  expire_on_commit=False)  # fmt: skip

    @contextmanager
    def _tx(self, durable: bool = True) -> Iterator[Session]:
        """A write transaction (SQLite: BEGIN IMMEDIATE). On SQLite the writers of this
        process queue on a lock first, then the writers of all processes on the writer queue
        (gateway.ledger.writers): SQLite's own busy handler sleeps in steps of up to 100 ms,
        which under many concurrent writers costs far more than the writes.

        `durable=False`: a commit that need not survive a power loss on its own (SQLite:
        synchronous NORMAL, it does not wait for the disk, so the write lock is held that
        much shorter; it still survives a crash of the process). For rows nothing acts upon
        until a later durable commit, which makes them durable with it (the WAL is written
        in order): a `received` file's translation (gateway.ledger.streaming)."""
        sessions = self._sessions if durable else self._lazy
        if self._write_lock is None:
            with sessions.begin() as session:
                yield session
            return
        with self._write_lock:
            if self._writers is None:
                with sessions.begin() as session:
                    yield session
                return
            with self._writers.turn(BUSY_TIMEOUT_SECONDS), sessions.begin() as session:
                yield session

    @contextmanager
    def _read(self) -> Iterator[Session]:
        """A read-only transaction: never waits for writers on SQLite (WAL)."""
        with self._readers.begin() as session:
            yield session

    @staticmethod
    def _row(session: Session, model: type[_M], key: object) -> _M:
        """The row `key` of `model`, locked for update (PostgreSQL); NotFoundError if none."""
        row = session.get(model, key, with_for_update=True)
        if row is None:
            raise NotFoundError(f"no {model.__name__} {key!r} in the ledger")
        return row

    def close(self) -> None:
        self.engine.dispose()
        if self._writers is not None:
            self._writers.close()
