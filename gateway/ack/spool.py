"""The acknowledgements of one file read, kept in file order without holding them all.

A mailbag of 100,000 interchanges is answered by 100,000 TA1 / 997 / CONTRL interchanges,
about 40% of the file's own size in text: `AckSpool` holds them in memory up to a budget
of characters and moves them past it, in batches, to an unnamed temporary file (the
envelope's `SetSpool`), so a translation's memory does not grow with the number of
interchanges while its acks wait for the end of the file.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Iterator, Sequence
from typing import overload

from gateway.ack.model import Acknowledgement
from gateway.envelope.outcome import SetSpool

__all__ = ["BUDGET", "AckSpool"]

BUDGET = 4 << 20  # characters of ack text held in memory before they go to the file

_Entry = tuple[str, str, str | None]  # (type, content, acknowledges): a compiled
# Acknowledgement (a frozen dataclass) does not unpickle, so the spool keeps plain tuples


class AckSpool(Sequence[Acknowledgement]):
    """A sequence of acknowledgements, appended in file order: those past `budget`
    characters of content (`BUDGET` unless given) go to a temporary file in batches and are
    read back on iteration / indexing (`SetSpool`: raises OSError when the disk is full or
    the file is gone)."""

    def __init__(self, acks: Iterable[Acknowledgement] = (), budget: int | None = None) -> None:
        self._budget = BUDGET if budget is None else budget
        self._held: list[Acknowledgement] = []
        self._held_chars = 0
        self._spool: SetSpool | None = None
        self._batches: list[tuple[int, int, int]] = []  # (offset, length, acks) each
        self._spilled = 0  # acks in the batches
        for ack in acks:
            self.append(ack)

    def append(self, ack: Acknowledgement) -> None:
        """Keep `ack` after the others; past the budget, the held ones go to the file."""
        self._held.append(ack)
        self._held_chars += len(ack.content)
        if self._held_chars > self._budget:
            entries = [(a.type, a.content, a.acknowledges) for a in self._held]
            if self._spool is None:
                self._spool = SetSpool()
            offset, length = self._spool.write(pickle.dumps(entries, pickle.HIGHEST_PROTOCOL))
            self._batches.append((offset, length, len(entries)))
            self._spilled += len(entries)
            self._held, self._held_chars = [], 0

    def extend(self, acks: Iterable[Acknowledgement]) -> None:
        for ack in acks:
            self.append(ack)

    def _batch(self, offset: int, length: int) -> list[Acknowledgement]:
        assert self._spool is not None
        entries: list[_Entry] = pickle.loads(self._spool.read(offset, length))
        return [Acknowledgement(type, content, acknowledges)  # type: ignore[arg-type]
                for type, content, acknowledges in entries]  # fmt: skip

    def __iter__(self) -> Iterator[Acknowledgement]:
        for offset, length, _ in self._batches:
            yield from self._batch(offset, length)
        yield from list(self._held)

    def __len__(self) -> int:
        return self._spilled + len(self._held)

    @overload
    def __getitem__(self, index: int) -> Acknowledgement: ...

    @overload
    def __getitem__(self, index: slice) -> list[Acknowledgement]: ...

    def __getitem__(self, index: int | slice) -> Acknowledgement | list[Acknowledgement]:
        if isinstance(index, slice):
            return list(self)[index]
        position = index + len(self) if index < 0 else index
        if not 0 <= position < len(self):
            raise IndexError(index)
        if position >= self._spilled:
            return self._held[position - self._spilled]
        for offset, length, count in self._batches:
            if position < count:
                return self._batch(offset, length)[position]
            position -= count
        raise IndexError(index)  # pragma: no cover - the counts say it is there

    def __eq__(self, other: object) -> bool:
        if isinstance(other, AckSpool | list | tuple):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"AckSpool({list(self)!r})"
