"""Crash points for the durability tests: with EDIGW_CRASH_AT=<name> in the environment the
process kills itself (SIGKILL, no clean-up) when it reaches that point. Unset in production:
one environment lookup per point, nothing else."""

from __future__ import annotations

import os
import signal

__all__ = ["CRASH_POINTS", "crash_point"]

CRASH_POINTS = (
    "received:stored",  # bytes on disk, not yet in the ledger (sender not told)
    "received:recorded",  # in the ledger, sender not yet told
    "translated:recorded",  # translation committed, acks not yet delivered
    "ack:written",  # ack file written to the outbox, not yet marked delivered
    "call:sending",  # events marked sending, the SP-API call not made
    "call:sent",  # the SP-API call answered, its outcome not recorded
    "done:advised",  # advices recorded, file not yet done
    "done:archived",  # file done, inbox copy not yet archived
)


def crash_point(name: str) -> None:
    if os.environ.get("EDIGW_CRASH_AT") == name:
        os.kill(os.getpid(), signal.SIGKILL)
