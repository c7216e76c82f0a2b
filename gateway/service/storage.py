"""Durable file storage: bytes are on disk (fsync'd, atomically renamed) before anything is
recorded or anybody is told they were received.

Files are streamed in: `FileStore.incoming` writes chunks as they arrive under a hidden name
(`files/.incoming-<id>`), counting and hashing them, so memory does not grow with the file;
`commit` makes it durable under its id. Leftover `.incoming-*` files (a crash or a refused
upload) are partial and removed at start-up.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from gateway.durable import fsync_dir, write_durably

__all__ = ["FileStore", "FileTooLarge", "Incoming", "StoredFile", "fsync_dir", "write_durably"]

CHUNK = 1 << 20  # bytes copied at a time
_INCOMING = ".incoming-"


class FileTooLarge(ValueError):
    """A received file is bigger than the partner's limit (bytes)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the file is larger than the limit of {limit:,} bytes "
                         f"({limit / 1_000_000:g} MB) for this partner")  # fmt: skip
        self.limit = limit


@dataclass(frozen=True)
class StoredFile:
    """A received file, durably stored: `<data>/files/<file_id>`."""

    file_id: str
    path: Path
    sha256: str  # hex
    size: int  # bytes


class Incoming:
    """A file being received, written chunk by chunk (FileTooLarge past `limit` bytes).
    `commit` (fsync + rename) or `discard`; used as a context manager it discards whatever
    was not committed."""

    def __init__(self, files: Path, limit: int | None) -> None:
        self.file_id = uuid.uuid4().hex
        self.path = files / self.file_id
        self.temp = files / f"{_INCOMING}{self.file_id}"
        self.limit = limit
        self.size = 0
        self._hash = hashlib.sha256()
        fd = os.open(self.temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        self._out = os.fdopen(fd, "wb")
        self._done = False

    def write(self, chunk: bytes) -> None:
        if self.limit is not None and self.size + len(chunk) > self.limit:
            raise FileTooLarge(self.limit)
        self._out.write(chunk)
        self._hash.update(chunk)
        self.size += len(chunk)

    def commit(self) -> StoredFile:
        """Make the file durable under its id (blocking: fsync)."""
        self._out.flush()
        os.fsync(self._out.fileno())
        self._out.close()
        os.replace(self.temp, self.path)
        fsync_dir(self.path.parent)
        self._done = True
        return StoredFile(self.file_id, self.path, self._hash.hexdigest(), self.size)

    def discard(self) -> None:
        if not self._done:
            self._out.close()
            self.temp.unlink(missing_ok=True)
            self._done = True

    def __enter__(self) -> Incoming:
        return self

    def __exit__(self, *exc: object) -> None:
        self.discard()


class FileStore:
    """`<data>/files/<id>` for received files, `<data>/archive/...` for processed inbox files."""

    def __init__(self, data_dir: Path) -> None:
        self.files = data_dir / "files"
        self.archive = data_dir / "archive"
        self.files.mkdir(parents=True, exist_ok=True)
        self.archive.mkdir(parents=True, exist_ok=True)

    def store(self, data: bytes) -> tuple[str, Path, str]:
        """(file id, path, sha256) of `data`, durably stored under a new id."""
        file_id = uuid.uuid4().hex
        path = self.files / file_id
        write_durably(path, data)
        return file_id, path, hashlib.sha256(data).hexdigest()

    def incoming(self, limit: int | None = None) -> Incoming:
        """A new file to write chunk by chunk (see Incoming)."""
        return Incoming(self.files, limit)

    def store_path(self, source: Path, limit: int | None = None) -> StoredFile:
        """Copy the file at `source` in, chunk by chunk (blocking; FileTooLarge, OSError)."""
        with self.incoming(limit) as incoming, source.open("rb") as handle:
            while chunk := handle.read(CHUNK):
                incoming.write(chunk)
            return incoming.commit()

    def path(self, file_id: str) -> Path:
        return self.files / file_id

    def read(self, file_id: str) -> bytes:
        return (self.files / file_id).read_bytes()

    def purge_files(self, older_than_days: int, is_final: Callable[[str], bool]) -> int:
        """Delete stored copies (`files/<id>`) older than the retention whose file is final
        (`is_final(file_id)`: done, quarantined, duplicate); the count removed."""
        cutoff = time.time() - older_than_days * 86_400
        removed = 0
        for path in self.files.iterdir():
            if path.name.startswith(".") or not path.is_file():
                continue
            if path.stat().st_mtime < cutoff and is_final(path.name):
                path.unlink(missing_ok=True)
                removed += 1
        return removed

    def remove_incomplete(self) -> int:
        """Delete partial `.incoming-*` files (start-up: nobody is writing them); the count."""
        removed = 0
        for path in self.files.glob(f"{_INCOMING}*"):
            path.unlink(missing_ok=True)
            removed += 1
        return removed

    def archive_inbox_file(self, partner_id: str, source: Path) -> Path | None:
        """Move a processed inbox file to archive/<partner>/<date>/ (None if already gone)."""
        if not source.exists():
            return None
        day = datetime.now(UTC).strftime("%Y-%m-%d")
        target_dir = self.archive / partner_id / day
        target_dir.mkdir(parents=True, exist_ok=True)
        target = target_dir / source.name
        if target.exists():
            target = target_dir / f"{source.stem}.{uuid.uuid4().hex[:8]}{source.suffix}"
        shutil.move(str(source), target)
        fsync_dir(target_dir)
        return target

    def purge_archive(self, older_than_days: int) -> int:
        """Delete archive day folders older than the retention; the count of files removed."""
        cutoff = datetime.now(UTC).date().toordinal() - older_than_days
        removed = 0
        for partner_dir in self.archive.iterdir():
            for day_dir in partner_dir.iterdir() if partner_dir.is_dir() else ():
                try:
                    day = datetime.strptime(day_dir.name, "%Y-%m-%d").date().toordinal()
                except ValueError:
                    continue
                if day < cutoff:
                    removed += sum(1 for p in day_dir.iterdir() if p.is_file())
                    shutil.rmtree(day_dir)
        return removed
