"""Acks and advices to where the partner collects them: the SFTP account's outbox/.

An ack is delivered only after its ledger record is committed (it exists in the ledger as
`created`), and written durably before it is marked delivered; a crash in between delivers
it again on restart under the same name (overwriting the identical file), never loses it.
"""

from __future__ import annotations

import logging
import re

from gateway.ledger.records import AckRecord, FileRecord
from gateway.service.crash import crash_point
from gateway.service.runtime import Runtime
from gateway.service.storage import write_durably

__all__ = ["ack_file_name", "deliver_acks"]

log = logging.getLogger("edigw.service")


def ack_file_name(file: FileRecord, ack: AckRecord) -> str:
    stem = re.sub(r"[^A-Za-z0-9_.-]", "_", file.name.rsplit(".", 1)[0])[:80] or "file"
    return f"{stem}.{ack.id:08d}.{ack.type}.edi"


def deliver_acks(rt: Runtime, file: FileRecord) -> int:
    """Deliver every `created` ack of a file; how many were delivered now."""
    delivered = 0
    for ack in rt.ledger.acks_for_file(file.id):
        if ack.state.value != "created":
            continue
        if file.transport == "sftp" and rt.partner(file.partner_id).transports.sftp:
            path = rt.outbox(file.partner_id) / ack_file_name(file, ack)
            write_durably(path, ack.content.encode("utf-8"))
            crash_point("ack:written")
            rt.ledger.mark_delivered(ack.id, str(path))
        else:  # HTTP partners read their acks in the response and from GET /v1/files/{id}
            rt.ledger.mark_delivered(ack.id, "http")
        delivered += 1
        log.info("ack delivered", extra={"file_id": file.id, "ack": ack.type,
                                         "acknowledges": ack.acknowledges})  # fmt: skip
    return delivered
