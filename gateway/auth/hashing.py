"""Password-hash checks off the event loop, at most `MAX_CHECKS` at a time in the process.

argon2id (operators' passwords and API keys, 64 MiB each) and scrypt (SFTP passwords, 16 MiB)
are slow and memory-hard on purpose. Run by the default thread pool, a burst of wrong guesses
fills every worker thread (uploads and file reads wait behind them) and takes 64 MiB per
check. `run_check(fn, *args)` runs them in a pool of its own with `MAX_CHECKS` threads: the
memory they take is bounded whatever the request rate, and further checks queue (cheaply)
instead of crowding other work out. One pool for every transport (HTTP and SSH).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import ParamSpec, TypeVar

__all__ = ["MAX_CHECKS", "run_check"]

MAX_CHECKS = 2  # hash checks running at once in the process (about 128 MiB for argon2)
_pool = ThreadPoolExecutor(max_workers=MAX_CHECKS, thread_name_prefix="edigw-hash")

P = ParamSpec("P")
T = TypeVar("T")


async def run_check(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`fn(*args, **kwargs)` (a blocking hash check) in the process's hash pool; waits while
    `MAX_CHECKS` checks are running. Cancelling the caller before the check starts drops it."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_pool, lambda: fn(*args, **kwargs))
