"""Durable file storage: bytes are on disk (fsync'd, atomically renamed) before anything is
recorded or anybody is told they were received."""

from __future__ import annotations

import hashlib
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

from gateway.durable import fsync_dir, write_durably

__all__ = ["FileStore", "fsync_dir", "write_durably"]


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

    def read(self, file_id: str) -> bytes:
        return (self.files / file_id).read_bytes()

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
