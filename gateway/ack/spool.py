"""The acknowledgements of one file read, kept in file order without holding them all.

A mailbag of 100,000 interchanges is answered by 100,000 TA1 / 997 / CONTRL interchanges,
about 40% of the file's own size in text: `AckSpool` holds them in memory up to a budget
of characters and moves them past it, in batches, to an unnamed temporary file (the
envelope's `SetSpool`), so a translation's memory does not grow with the number of
interchanges while its acks wait for the end of the file. One ack longer than `CHUNK`
(a 997 naming every set of a group of 100,000 faulty sets: about 20 MB) goes to the file
alone, as its text encoded a chunk at a time, not pickled: a pickle would be a second copy
of it in memory.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Iterator, Sequence
from typing import overload

from gateway.ack.model import Acknowledgement
from gateway.envelope.outcome import SetSpool

__all__ = ["BUDGET", "CHUNK", "AckSpool"]

BUDGET = 4 << 20  # characters of ack text held in memory before they go to the file
CHUNK = 1 << 20  # characters: a longer ack is spilled alone, a chunk at a time

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
        # (offset, length, acks) each: a pickled batch of acks, or (acks 0) one long ack's
        # text (`_long`, its type and acknowledges kept here)
        self._batches: list[tuple[int, int, int]] = []
        self._long: dict[int, tuple[str, str | None]] = {}  # batch offset -> (type, acks)
        self._spilled = 0  # acks in the batches
        for ack in acks:
            self.append(ack)

    def append(self, ack: Acknowledgement) -> None:
        """Keep `ack` after the others; past the budget, the held ones go to the file."""
        self._held.append(ack)
        self._held_chars += len(ack.content)
        if self._held_chars > self._budget:
            self._spill()

    def _spill(self) -> None:
        """The held acks to the file in order: the short ones in pickled batches, a long
        one alone as its text (UTF-8 with surrogates passed, a `CHUNK` at a time)."""
        spool = self._spool = self._spool or SetSpool()
        entries: list[_Entry] = []
        for ack in [*self._held, None]:
            if ack is not None and len(ack.content) <= CHUNK:
                entries.append((ack.type, ack.content, ack.acknowledges))
                continue
            if entries:
                offset, length = spool.write(pickle.dumps(entries, pickle.HIGHEST_PROTOCOL))
                self._batches.append((offset, length, len(entries)))
                entries = []
            if ack is not None:
                text, start, length = ack.content, -1, 0
                for at in range(0, len(text), CHUNK):
                    offset, written = spool.write(
                        text[at : at + CHUNK].encode("utf-8", "surrogatepass")
                    )
                    start, length = start if start >= 0 else offset, length + written
                self._batches.append((start, length, 0))
                self._long[start] = (ack.type, ack.acknowledges)
        self._spilled += len(self._held)
        self._held, self._held_chars = [], 0

    def extend(self, acks: Iterable[Acknowledgement]) -> None:
        for ack in acks:
            self.append(ack)

    def _batch(self, offset: int, length: int) -> list[Acknowledgement]:
        assert self._spool is not None
        if offset in self._long:
            type_, acknowledges = self._long[offset]
            text = self._spool.read(offset, length).decode("utf-8", "surrogatepass")
            return [Acknowledgement(type_, text, acknowledges)]  # type: ignore[arg-type]
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
            count = count or 1  # (a long ack's)
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
