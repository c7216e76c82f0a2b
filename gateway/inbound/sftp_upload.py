"""The upload side of the hosted SFTP server: what a session hands over, and how.

Upload completion: a file written in /inbox is written under a hidden temporary name
(`.upload-<random>`, never listed); when the client closes its handle it is fsynced, renamed to
its real name and handed over (`sink.uploaded(partner, path)`) before the close status goes
back, so success means "recorded". A final name in /inbox is therefore always a complete file,
even after a crash; leftover `.upload-*` files are partial and may be deleted at start-up.
`*.part` files are written in place and not handed over on close; renaming one to a name
without `.part` hands over the new name. If the sink raises, the client gets a failure status
and the upload is undone (the file is deleted; a renamed file gets its `.part` name back), so
the partner can simply send again. Each completed upload is handed over exactly once.

Interrupted uploads: when the session ends (connection lost, channel EOF or close) with a file
still open for writing, asyncssh closes the handle during clean-up; that close is not a client
close. The partial temporary file is then deleted; a `*.part` file is kept so the client can
resume it (`reput`) and rename it later. Nothing is handed over.
"""

from __future__ import annotations

import asyncio
import logging
import os
import posixpath
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import asyncssh

from gateway.durable import fsync_dir

__all__ = [
    "UPLOAD_TEMP_PREFIX",
    "UploadHandle",
    "UploadRegistry",
    "UploadSink",
    "complete_upload",
    "hand_over",
    "temp_name",
    "unlink_quietly",
]

log = logging.getLogger("gateway.inbound.sftp_fs")

UPLOAD_TEMP_PREFIX = b".upload-"


class UploadSink(Protocol):
    """Receives each completed upload; returning means the file is recorded."""

    async def uploaded(self, partner_id: str, path: Path) -> None: ...


@dataclass
class UploadRegistry:
    """State shared by all sessions of one server: real paths currently open for writing."""

    writing: set[bytes] = field(default_factory=set)


@dataclass(eq=False)
class UploadHandle:
    """An open file of a session (read, or write: an upload)."""

    fd: int
    local: bytes
    writable: bool
    readable: bool
    upload: bool = False
    temp: bytes | None = None  # hidden name an upload is written under until complete
    closed: bool = False
    refused: str | None = None  # why a write was refused (too large): the upload is discarded


def temp_name() -> bytes:
    return UPLOAD_TEMP_PREFIX + secrets.token_hex(8).encode("ascii")


def unlink_quietly(local: bytes) -> None:
    try:
        os.unlink(local)
    except OSError:
        log.warning("could not delete %s", os.fsdecode(posixpath.basename(local)))


HandOver = Callable[[bytes, Callable[[], None]], Awaitable[None]]


async def complete_upload(
    handle: UploadHandle, *, live: bool, registry: UploadRegistry, hand_over: HandOver,
    shown: str,
) -> None:  # fmt: skip
    """A session closed an upload handle: store it, give it its real name and hand it over
    (`live`: the client itself closed it, not asyncssh's clean-up of a dead session)."""
    stored = True
    try:
        if live:
            await asyncio.to_thread(os.fsync, handle.fd)
    except OSError:
        stored = False
    finally:
        os.close(handle.fd)
        registry.writing.discard(handle.local)
    if handle.refused is not None:  # nothing of it is kept, *.part included
        unlink_quietly(handle.temp or handle.local)
        raise asyncssh.SFTPFailure(handle.refused)
    if handle.temp is None:  # a *.part file: never handed over on close
        if not live:
            log.warning("sftp upload interrupted, kept for resume: %s", shown)
        elif not stored:
            raise asyncssh.SFTPFailure("Upload could not be stored; send it again")
        return
    if not (live and stored):
        unlink_quietly(handle.temp)
        if not live:
            log.warning("sftp upload interrupted, deleted: %s", shown)
            return
        raise asyncssh.SFTPFailure("Upload could not be stored; send it again")
    if os.path.lexists(handle.local):
        unlink_quietly(handle.temp)
        raise asyncssh.SFTPFileAlreadyExists("File already received")
    try:
        os.rename(handle.temp, handle.local)  # no await between the check and the rename
    except OSError as exc:  # e.g. a name the file system refuses: no temp file left behind
        unlink_quietly(handle.temp)
        raise asyncssh.SFTPFailure(f"Upload could not be stored: {exc.strerror}") from None
    await hand_over(handle.local, lambda: unlink_quietly(handle.local))


async def hand_over(
    sink: UploadSink, partner_id: str, local: bytes, shown: str, undo: Callable[[], None]
) -> None:
    """Make the name durable and give the file to the sink; on failure undo and refuse."""
    try:
        await asyncio.to_thread(fsync_dir, posixpath.dirname(local))
        await sink.uploaded(partner_id, Path(os.fsdecode(local)))
    except Exception as exc:
        log.error("sftp upload not recorded: %s: %s", shown, type(exc).__name__)
        undo()
        raise asyncssh.SFTPFailure("Upload could not be recorded; send it again") from None
