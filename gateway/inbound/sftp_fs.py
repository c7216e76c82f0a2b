"""The file system one hosted-SFTP account sees: a chroot with /inbox (write) and /outbox (read,
delete), and the hand-over of completed uploads to an `UploadSink`.

Paths: the client's path is normalised against "/" (so ".." stops at the root) and joined to
the account's home (<root>/<partner_id>, resolved once). The real path of the result must equal
that joined path, i.e. no symbolic link anywhere below the home is followed, whoever placed it;
symlinks are hidden from listings, and files are opened with O_NOFOLLOW.

Permissions: reading and listing anywhere inside the home; creating and writing files only
directly in /inbox; renaming only `X.part` -> `Y` inside /inbox (target must not exist);
deleting only files directly in /outbox and the account's own `*.part` files in /inbox (not
while being written). A write past the account's size limit fails with a message saying so,
and the upload is discarded on close. No mkdir, rmdir, setstat, symlink, hard link or
readlink. An existing /inbox file other than `*.part` cannot be overwritten or appended to.

Uploads: see `sftp_upload` (completion, hand-over, interrupted uploads).
"""

from __future__ import annotations

import asyncio
import logging
import os
import posixpath
import stat
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import asyncssh
from asyncssh import FXF_APPEND, FXF_CREAT, FXF_EXCL, FXF_READ, FXF_TRUNC, FXF_WRITE

from gateway.inbound.sftp_upload import (
    UPLOAD_TEMP_PREFIX,
    UploadHandle,
    UploadRegistry,
    UploadSink,
    complete_upload,
    hand_over,
    temp_name,
    unlink_quietly,
)

__all__ = ["UPLOAD_TEMP_PREFIX", "ChrootedSftpServer", "UploadRegistry", "UploadSink"]

log = logging.getLogger(__name__)

INBOX = b"inbox"
OUTBOX = b"outbox"
PART_SUFFIX = b".part"
_FILE_MODE = 0o640
_NAME_MAX = 255  # bytes in a file name (Linux NAME_MAX)


def _denied(reason: str = "Permission denied") -> asyncssh.SFTPError:
    return asyncssh.SFTPPermissionDenied(reason)


class ChrootedSftpServer(asyncssh.SFTPServer):
    """One SFTP session of one partner account, confined to its home directory."""

    def __init__(
        self,
        chan: asyncssh.SSHServerChannel[bytes],
        home: Path,
        partner_id: str,
        sink: UploadSink,
        registry: UploadRegistry,
        max_file_bytes: int | None = None,
    ) -> None:
        super().__init__(chan)
        self._max_file_bytes = max_file_bytes
        self._home = os.fsencode(os.path.realpath(home))
        self._partner_id = partner_id
        self._sink = sink
        self._registry = registry

    # -- path mapping -------------------------------------------------------------------------

    @staticmethod
    def _virtual(path: bytes) -> bytes:
        return posixpath.normpath(posixpath.join(b"/", path))

    def _parts(self, path: bytes) -> list[bytes]:
        return [p for p in self._virtual(path).split(b"/") if p]

    def map_path(self, path: bytes) -> bytes:
        """Local path for a client path; refuses anything reached through a symlink."""
        if b"\0" in path:
            raise asyncssh.SFTPNoSuchFile("No such file")
        parts = self._parts(path)
        local = posixpath.join(self._home, *parts) if parts else self._home
        if os.path.realpath(local) != local:
            raise asyncssh.SFTPNoSuchFile("No such file")
        return local

    def reverse_map_path(self, path: bytes) -> bytes:
        if path == self._home:
            return b"/"
        if path.startswith(self._home + b"/"):
            return path[len(self._home) :]
        raise asyncssh.SFTPNoSuchFile("No such file")

    def _inbox_file(self, path: bytes) -> tuple[bytes, bytes]:
        """(local path, file name) of a file directly in /inbox, else permission denied."""
        parts = self._parts(path)
        if len(parts) != 2 or parts[0] != INBOX:
            raise _denied("Only files directly in /inbox can be written")
        return self.map_path(path), parts[1]

    def realpath(self, path: bytes) -> bytes:
        self.map_path(path)
        return self._virtual(path)

    # -- listing and attributes ---------------------------------------------------------------

    def format_user(self, uid: int | None) -> str:
        return self._partner_id

    def format_group(self, gid: int | None) -> str:
        return self._partner_id

    def stat(self, path: bytes) -> os.stat_result:
        return os.lstat(self.map_path(path))

    def lstat(self, path: bytes) -> os.stat_result:
        return os.lstat(self.map_path(path))

    async def scandir(self, path: bytes) -> AsyncIterator[asyncssh.SFTPName]:
        local = self.map_path(path)
        here = os.lstat(local)
        parent = here if local == self._home else os.lstat(posixpath.dirname(local))
        for name, st in ((b".", here), (b"..", parent)):
            yield asyncssh.SFTPName(name, attrs=asyncssh.SFTPAttrs.from_local(st))
        with os.scandir(local) as entries:
            for entry in entries:
                if entry.is_symlink() or entry.name.startswith(UPLOAD_TEMP_PREFIX):
                    continue
                attrs = asyncssh.SFTPAttrs.from_local(entry.stat(follow_symlinks=False))
                yield asyncssh.SFTPName(entry.name, attrs=attrs)

    # -- files --------------------------------------------------------------------------------

    def open(self, path: bytes, pflags: int, attrs: asyncssh.SFTPAttrs) -> UploadHandle:
        if not pflags & (FXF_WRITE | FXF_CREAT | FXF_TRUNC | FXF_APPEND):
            return self._open_read(self.map_path(path))
        local, name = self._inbox_file(path)
        if name.startswith(UPLOAD_TEMP_PREFIX):
            raise _denied("Reserved file name")
        if len(name) > _NAME_MAX:
            raise asyncssh.SFTPFailure(f"File name longer than {_NAME_MAX} bytes")
        if local in self._registry.writing:
            raise asyncssh.SFTPFailure("File is being uploaded in another session")
        flags = os.O_NOFOLLOW | os.O_CLOEXEC
        flags |= os.O_RDWR if pflags & FXF_READ else os.O_WRONLY
        temp = None
        if name.endswith(PART_SUFFIX):
            flags |= os.O_CREAT if pflags & FXF_CREAT else 0
            flags |= os.O_TRUNC if pflags & FXF_TRUNC else 0
            flags |= os.O_APPEND if pflags & FXF_APPEND else 0
            flags |= os.O_EXCL if pflags & FXF_EXCL else 0
        elif os.path.lexists(local):
            raise asyncssh.SFTPFileAlreadyExists("File already received")
        else:  # written under a hidden name, renamed to `name` once complete
            flags |= os.O_CREAT | os.O_EXCL
            temp = posixpath.join(posixpath.dirname(local), temp_name())
        fd = os.open(temp or local, flags, _FILE_MODE)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise _denied("Not a regular file")
        self._registry.writing.add(local)
        readable = bool(pflags & FXF_READ)
        return UploadHandle(fd, local, writable=True, readable=readable, upload=True, temp=temp)

    @staticmethod
    def _open_read(local: bytes) -> UploadHandle:
        fd = os.open(local, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise _denied("Not a regular file")
        return UploadHandle(fd, local, writable=False, readable=True)

    def read(self, file_obj: object, offset: int, size: int) -> bytes:
        handle = self._handle(file_obj)
        if not handle.readable:
            raise _denied("File not open for reading")
        return os.pread(handle.fd, size, offset)

    def write(self, file_obj: object, offset: int, data: bytes) -> int:
        handle = self._handle(file_obj)
        if not handle.writable:
            raise _denied("File not open for writing")
        limit = self._max_file_bytes
        if handle.refused or (limit is not None and offset + len(data) > limit):
            if handle.refused is None:
                mb = (limit or 0) / 1_000_000
                handle.refused = (f"File too large: the limit for this account is {limit:,} "
                                  f"bytes ({mb:g} MB); upload discarded")  # fmt: skip
                log.warning("sftp upload refused: %s: %s", self._shown(handle), handle.refused)
            raise asyncssh.SFTPFailure(handle.refused)
        view = memoryview(data)
        while view:
            written = os.pwrite(handle.fd, view, offset)
            view, offset = view[written:], offset + written
        return len(data)

    def fstat(self, file_obj: object) -> os.stat_result:
        return os.fstat(self._handle(file_obj).fd)

    def fsetstat(self, file_obj: object, attrs: asyncssh.SFTPAttrs) -> None:
        """Accepted and ignored: clients may try to preserve times and modes."""

    async def fsync(self, file_obj: object) -> None:
        handle = self._handle(file_obj)
        if handle.writable:
            await asyncio.to_thread(os.fsync, handle.fd)

    async def close(self, file_obj: object) -> None:
        handle = self._handle(file_obj)
        if handle.closed:
            return
        handle.closed = True
        if not handle.upload:
            os.close(handle.fd)
            return
        await complete_upload(handle, live=self._session_live(), registry=self._registry,
                              hand_over=self._hand_over, shown=self._shown(handle))  # fmt: skip

    def _handle(self, file_obj: object) -> UploadHandle:
        if not isinstance(file_obj, UploadHandle):
            raise asyncssh.SFTPInvalidHandle("Invalid file handle")
        return file_obj

    def _session_live(self) -> bool:
        """False when this close comes from asyncssh's clean-up of a finished session.

        asyncssh keeps the receive state of a channel private; anything but "open" means the
        client sent EOF or close, or the connection dropped, so the packet loop has ended and
        any handle still open was abandoned, not closed by the client.
        """
        chan = self.channel
        return not chan.is_closing() and getattr(chan, "_recv_state", "open") == "open"

    def _shown(self, handle: UploadHandle) -> str:
        return f"{self._partner_id} {os.fsdecode(self.reverse_map_path(handle.local))}"

    async def _hand_over(self, local: bytes, undo: Callable[[], None]) -> None:
        shown = f"{self._partner_id} {os.fsdecode(self.reverse_map_path(local))}"
        await hand_over(self._sink, self._partner_id, local, shown, undo)

    # -- names --------------------------------------------------------------------------------

    async def rename(self, oldpath: bytes, newpath: bytes) -> None:
        old_local, old_name = self._inbox_file(oldpath)
        new_local, new_name = self._inbox_file(newpath)
        if not old_name.endswith(PART_SUFFIX) or new_name.startswith(UPLOAD_TEMP_PREFIX):
            raise _denied("Only *.part files can be renamed")
        if old_local in self._registry.writing:
            raise asyncssh.SFTPFailure("File is still being uploaded")
        if not stat.S_ISREG(os.lstat(old_local).st_mode):
            raise _denied("Not a regular file")
        if os.path.lexists(new_local):
            raise asyncssh.SFTPFileAlreadyExists("File already exists")
        os.rename(old_local, new_local)  # no await between the check and the rename
        if new_name.endswith(PART_SUFFIX):
            return

        def undo() -> None:  # give the file its .part name back, so the client can retry
            try:
                if os.path.lexists(old_local):
                    raise FileExistsError(old_local)
                os.rename(new_local, old_local)
            except OSError:
                unlink_quietly(new_local)

        await self._hand_over(new_local, undo)

    async def posix_rename(self, oldpath: bytes, newpath: bytes) -> None:
        await self.rename(oldpath, newpath)

    def remove(self, path: bytes) -> None:
        parts = self._parts(path)
        part_file = len(parts) == 2 and parts[0] == INBOX and parts[1].endswith(PART_SUFFIX)
        if len(parts) != 2 or not (parts[0] == OUTBOX or part_file):
            raise _denied("Only files in /outbox and *.part files in /inbox can be removed")
        local = self.map_path(path)
        if local in self._registry.writing:
            raise asyncssh.SFTPFailure("File is being uploaded")
        if not stat.S_ISREG(os.lstat(local).st_mode):
            raise _denied("Not a regular file")
        os.unlink(local)

    def mkdir(self, path: bytes, attrs: asyncssh.SFTPAttrs) -> None:
        raise _denied()

    def rmdir(self, path: bytes) -> None:
        raise _denied()

    def setstat(self, path: bytes, attrs: asyncssh.SFTPAttrs) -> None:
        raise _denied()

    def lsetstat(self, path: bytes, attrs: asyncssh.SFTPAttrs) -> None:
        raise _denied()

    def readlink(self, path: bytes) -> bytes:
        raise asyncssh.SFTPNoSuchFile("No such link")

    def symlink(self, oldpath: bytes, newpath: bytes) -> None:
        raise _denied("Links are not allowed")

    def link(self, oldpath: bytes, newpath: bytes) -> None:
        raise _denied("Links are not allowed")

    def statvfs(self, path: bytes) -> os.statvfs_result:
        raise asyncssh.SFTPOpUnsupported("statvfs not supported")

    def fstatvfs(self, file_obj: object) -> os.statvfs_result:
        raise asyncssh.SFTPOpUnsupported("fstatvfs not supported")
