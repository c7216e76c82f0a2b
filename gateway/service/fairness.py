"""Which file gets the next translation worker: per-partner queues in front of the pool.

- A partner has at most as many files waiting for a worker as there are workers; the rest
  of its backlog waits in its own queue, so another partner's file waits for a worker
  behind a few files of each partner, never behind a whole backlog.
- A long file (over `SHORT_FILE_BYTES`) needs one of its partner's `size - 1` long-file
  slots as well: one partner's big files never occupy every worker, and a big file started
  cannot be interrupted for a partner who comes later.
- A short file may take any free worker, the last one too: it is done within a fraction of a
  second, so a partner sending a burst of small files uses every worker while nobody else
  waits, and whoever comes next waits for one short translation at most.

Workers then go to the waiting files in arrival order (`asyncio.Semaphore` wakes its
waiters first come, first served).
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

__all__ = ["SHORT_FILE_BYTES", "FairShare"]

SHORT_FILE_BYTES = 128 * 1024  # translated in well under a second (a few hundred events)


class FairShare:
    """Admission to `size` translation workers (module doc): `async with share.slot(partner,
    size_bytes)` around each translation."""

    def __init__(self, size: int, short_bytes: int = SHORT_FILE_BYTES) -> None:
        self.size, self.short_bytes = size, short_bytes
        self._free = asyncio.Semaphore(size)
        self._waiting: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(size)
        )
        self._long: defaultdict[str, asyncio.Semaphore] = defaultdict(
            lambda: asyncio.Semaphore(max(1, size - 1))
        )

    @asynccontextmanager
    async def slot(self, partner_id: str, size_bytes: int) -> AsyncIterator[None]:
        """Hold a worker for one file of `partner_id` of `size_bytes` (the semaphores are
        always taken in the same order: long-file slot, partner queue, worker)."""
        if size_bytes > self.short_bytes:
            async with self._long[partner_id], self._waiting[partner_id], self._free:
                yield
        else:
            async with self._waiting[partner_id], self._free:
                yield
