"""Keyset paging over ledger rows: memory stays flat however many rows match."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Protocol, TypeVar

from sqlalchemy import Select
from sqlalchemy.orm import InstrumentedAttribute

from gateway.ledger.store import Ledger

__all__ = ["in_pages"]


class _Keyed(Protocol):
    @property
    def id(self) -> int: ...


R = TypeVar("R", bound=_Keyed)


def in_pages(
    ledger: Ledger,
    query: Select[Any],
    key: InstrumentedAttribute[int],
    convert: Callable[[Any], R],
    page: int,
) -> Iterator[R]:
    """The rows `query` selects (ORM entities, one per row), in `key` order, converted by
    `convert`; read `page` rows at a time, each page in its own read transaction, resuming
    after the last record's `id` (which must be the `key` column's value)."""
    after = 0
    while True:
        with ledger._read() as session:
            found = session.scalars(query.where(key > after).order_by(key).limit(page))
            rows = [convert(row) for row in found]
        yield from rows
        if len(rows) < page:
            return
        after = rows[-1].id
