"""Translated requests waiting for their interchange's verdict (pipeline.translate_stream).

A request may go only once its interchange's trailer (IEA / UNZ) and its group's were
checked: an envelope fault found there stops all of them. Until then they are held here,
and past `SPILL_AFTER` status updates / confirmations they go to a temporary file as plain
values (the body as finished JSON text, the lineage as its compact trails), so an
interchange of 100,000 sets does not hold 100,000 request objects.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Iterator, Sequence
from typing import IO, Any

from gateway.mapping.result import TranslatedRequest
from gateway.mapping.status import status_body
from gateway.origin import Origin

__all__ = ["SPILL_AFTER", "RequestSpool", "status_record"]

SPILL_AFTER = 2000  # status updates / confirmations held in memory per interchange


_new = tuple.__new__  # an Origin (a named tuple) from its values, without its __new__


def _to_record(group: str | None, request: TranslatedRequest) -> tuple[object, ...]:
    """A request as plain values, cheap to pickle: the body as finished JSON text (orjson),
    the lineage as its compact trails."""
    return (group, request.operation, request.body_text(), tuple(request.origin),
            request.purchase_orders, request.tracking_numbers, request.stored_trails())  # fmt: skip


def status_record(
    group: str | None,
    origin: Origin,
    texts: Sequence[str],
    purchase_orders: tuple[str, ...],
    tracking_numbers: tuple[str, ...],
    trails: tuple[Any, ...],
) -> tuple[object, ...]:
    """The record (`_to_record`) of a submitShipmentStatusUpdates request from its updates'
    JSON texts, as `mapping.status.status_requests` makes its body."""
    return (group, "submitShipmentStatusUpdates", status_body(texts), tuple(origin),
            purchase_orders, tracking_numbers, trails)  # fmt: skip


def _from_record(record: tuple[Any, ...]) -> tuple[str | None, TranslatedRequest]:
    group, operation, text, origin, purchase_orders, tracking_numbers, trails = record
    request = TranslatedRequest.from_items(
        operation, None, _new(Origin, origin), purchase_orders, tracking_numbers, trails, text=text
    )
    return group, request


class RequestSpool:
    """Requests waiting for their interchange's verdict, as plain records (`_to_record`),
    spilled to disk past a number of status updates / confirmations (not requests: an
    IFTSTA request may carry hundreds)."""

    def __init__(self) -> None:
        self.items: list[tuple[object, ...]] = []  # records
        self.events = 0  # in self.items
        self.file: IO[bytes] | None = None
        self.spilled = 0

    def add(self, group: str | None, request: TranslatedRequest) -> None:
        self.add_record(_to_record(group, request), request.event_count())

    def add_record(self, record: tuple[object, ...], events: int) -> None:
        """A request as `_to_record` makes it (group, operation, body text, origin as a
        plain tuple, purchase orders, tracking numbers, compact trails) and its count of
        status updates / confirmations: a mapper that made the text and trails itself
        spools them without a request object in between."""
        self.items.append(record)
        self.events += events
        if self.events >= SPILL_AFTER:
            if self.file is None:
                self.file = tempfile.TemporaryFile()  # noqa: SIM115 - closed in drain()
            pickle.dump(self.items, self.file, protocol=pickle.HIGHEST_PROTOCOL)
            self.spilled += 1  # batches
            self.items = []
            self.events = 0

    def drain(self) -> Iterator[tuple[str | None, TranslatedRequest]]:
        if self.file is not None:
            self.file.seek(0)
            for _ in range(self.spilled):
                yield from map(_from_record, pickle.load(self.file))
            self.file.close()
            self.file, self.spilled = None, 0
        items, self.items, self.events = self.items, [], 0
        yield from map(_from_record, items)

    def discard(self) -> None:
        if self.file is not None:
            self.file.close()
            self.file, self.spilled = None, 0
        self.items, self.events = [], 0
