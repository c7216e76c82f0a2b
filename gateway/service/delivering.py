"""Acks and advices to where the partner collects them: the SFTP account's outbox/ for a
file that came in by SFTP (also when an operator replays it: the replay's acks follow the
original's transport), else the partner's mailbox (`GET /v1/partners/{id}/messages`, and its
webhook when the profile names one: `gateway.service.webhooks`).

An ack is delivered only after its ledger record is committed (it exists in the ledger as
`created`), and written durably before it is marked delivered; a crash in between delivers
it again on restart under the same name (overwriting the identical file), never loses it.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from gateway.ledger.mailbox import MAILBOX
from gateway.ledger.records import AckInfo, AckRecord, FileRecord
from gateway.ledger.states import AckState
from gateway.service.crash import crash_point
from gateway.service.runtime import Runtime
from gateway.service.storage import write_durably

__all__ = ["ack_file_name", "deliver_acks"]

log = logging.getLogger("edigw.service")
_PAGE = 500  # acks read at a time (without their text)


def ack_file_name(file: FileRecord, ack: AckInfo | AckRecord) -> str:
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", file.name.rsplit(".", 1)[0])[:80] or "file"
    return f"{stem}.{ack.id:08d}.{ack.type}.edi"


def arrival_transport(rt: Runtime, file: FileRecord) -> str:
    """How the file's bytes first came in: a replay answers like its original."""
    seen: set[str] = set()
    while file.transport == "replay" and file.replay_of and file.replay_of not in seen:
        seen.add(file.replay_of)
        original = rt.ledger.get_file(file.replay_of)
        if original is None:
            break
        file = original
    return file.transport


_GUARD = threading.Lock()
_LOCKS: dict[str, tuple[threading.Lock, int]] = {}  # file id -> its lock, deliveries using it


@contextmanager
def _one_delivery(file_id: str) -> Iterator[None]:
    """One delivery of a file's acks at a time in this process: the translation's own and
    the work loop's (which picks up acks left `created`) met on a fresh file, and each
    wrote the acks it had listed, some twice (a reviewer's partner collected 50 of 1,637
    997s twice). The second waits, then finds them delivered."""
    with _GUARD:
        lock, users = _LOCKS.get(file_id) or (threading.Lock(), 0)
        _LOCKS[file_id] = (lock, users + 1)
    try:
        with lock:
            yield
    finally:
        with _GUARD:
            lock, users = _LOCKS[file_id]
            if users == 1:
                del _LOCKS[file_id]
            else:
                _LOCKS[file_id] = (lock, users - 1)


def deliver_acks(rt: Runtime, file: FileRecord, halt: threading.Event | None = None) -> int:
    """Deliver every `created` ack of a file, its text read when it is written (one at a
    time: a big advice comes in several parts); how many were delivered now. Once `halt` is
    set (the service stops) it stops before the next ack: a mailbag's thousands of acks
    must not hold a shutdown up; the rest stay `created`, delivered at the next start.
    One delivery per file at a time (`_one_delivery`)."""
    with _one_delivery(file.id):
        return _deliver(rt, file, halt)


def _created(rt: Runtime, file_id: str) -> Iterator[AckInfo]:
    """The file's `created` acks in order, `_PAGE` per read (keyset on the ack id): never a
    list of a mailbag's every ack."""
    after = 0
    while page := rt.ledger.ack_infos_for_file(file_id, AckState.CREATED, after, _PAGE):
        yield from page
        after = page[-1].id


def _deliver(rt: Runtime, file: FileRecord, halt: threading.Event | None) -> int:
    delivered = 0
    transport: str | None = None
    for ack in _created(rt, file.id):
        if halt is not None and halt.is_set():
            log.info("ack delivery stopped with the service: the rest at the next start",
                     extra={"file_id": file.id, "delivered": delivered})  # fmt: skip
            break
        transport = transport or arrival_transport(rt, file)
        if transport == "sftp" and rt.partner(file.partner_id).transports.sftp:
            path = rt.outbox(file.partner_id) / ack_file_name(file, ack)
            write_durably(path, rt.ledger.ack_content(ack.id).encode("utf-8"))
            crash_point("ack:written")
            rt.ledger.mark_delivered(ack.id, str(path))
        else:  # HTTP partners: the answer to the upload, then their mailbox (and webhook)
            rt.ledger.mark_delivered(ack.id, MAILBOX)
        delivered += 1
        log.info("ack delivered", extra={"file_id": file.id, "ack": ack.type,
                                         "acknowledges": ack.acknowledges})  # fmt: skip
    return delivered
