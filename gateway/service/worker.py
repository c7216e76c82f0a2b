"""The gateway's work loop: intake, then per file translate -> deliver acks -> submit ->
(poll) -> advise, done, archive. Every step reads its work from the ledger, so a restart after
a crash at any point simply carries on where the ledger says the file is."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from gateway.ledger.records import FileRecord
from gateway.ledger.replays import Resend, record_replay_file
from gateway.ledger.states import FileState, Transport
from gateway.pipeline import TranslationOutcome
from gateway.service.crash import crash_point
from gateway.service.delivering import deliver_acks
from gateway.service.finishing import archive_file, finish_file
from gateway.service.runtime import Runtime
from gateway.service.submitting import poll_transactions, submit_files
from gateway.service.translating import translate_received

__all__ = ["Gateway", "SftpIntake"]

log = logging.getLogger("edigw.service")
Step = Callable[[], Awaitable[None]]
_FINISH_EVERY = 5.0  # seconds between finish passes when nothing settled
_SUBMIT_AT_ONCE = 200  # translated files whose events go out together (batched across files)


class Gateway:
    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.wake = asyncio.Event()  # intake: something was received
        self.wake_submit = asyncio.Event()  # submission: something was translated or settled
        self._settled: set[str] = set()  # files whose transactions settled since last look
        self._finished_at = 0.0
        self._claimed: set[str] = set()  # received files a caller translates itself
        self._translate_lock = asyncio.Lock()
        self._submit_lock = asyncio.Lock()

    def release(self, file_id: str) -> None:
        self._claimed.discard(file_id)
        self.wake.set()

    def recover(self) -> int:
        """At start-up: events left `sending` by a crash become `unknown` (never resent)."""
        unknown = self.rt.ledger.mark_unknown_after_crash()
        if unknown:
            log.warning("events in unknown state after a crash", extra={"events": unknown})
        return unknown

    async def sweep_inboxes(self) -> int:
        """At start-up: an inbox file whose upload completed but was never recorded (a crash
        before its record) is received now; leftover partial uploads are removed."""
        ledger, swept = self.rt.ledger, 0
        for partner_id, profile in self.rt.partners.items():
            inbox = self.rt.sftp_root / partner_id / "inbox"
            if profile.transports.sftp is None or not inbox.is_dir():
                continue
            known = {f.name for f in ledger.files_in_state(*FileState, partner_id=partner_id)
                     if f.transport == "sftp" and f.archived_at is None}  # fmt: skip
            for path in sorted(inbox.iterdir()):
                if path.name.startswith(".upload-"):
                    path.unlink(missing_ok=True)
                elif path.is_file() and not path.name.endswith(".part") and path.name not in known:
                    await self.receive(partner_id, "sftp", path.name, path.read_bytes())
                    swept += 1
        return swept

    async def receive(
        self, partner_id: str, transport: Transport, name: str, data: bytes, claim: bool = False
    ) -> FileRecord:
        """Store durably, record, and only then return (the sender may now be told).
        `claim`: the caller translates it itself (the HTTP answer); release with `release`."""
        self.rt.partner(partner_id)
        file_id, path, sha256 = await asyncio.to_thread(self.rt.store.store, data)
        crash_point("received:stored")
        if claim:  # before the record exists: the work loop must never see it unclaimed
            self._claimed.add(file_id)
        await asyncio.to_thread(
            self.rt.ledger.record_file, partner_id=partner_id, transport=transport, name=name,
            sha256=sha256, size=len(data), stored_path=str(path), file_id=file_id,
        )  # fmt: skip
        crash_point("received:recorded")
        self.rt.metrics.files.labels(partner_id, transport).inc()
        log.info("file received", extra={"file_id": file_id, "partner": partner_id,
                                         "transport": transport, "file_name": name,
                                         "size": len(data)})  # fmt: skip
        self.wake.set()
        record = await asyncio.to_thread(self.rt.ledger.get_file, file_id)
        assert record is not None
        return record

    async def replay(
        self, file_id: str, requested_by: str, resend: Resend = "unsent"
    ) -> FileRecord | None:
        """An operator's explicit replay: the stored bytes of a file are received again as a
        new file that is not a duplicate of the original, recorded with who asked; `resend`
        `unsent` leaves out events that already succeeded (None: no such file)."""
        original = await asyncio.to_thread(self.rt.ledger.get_file, file_id)
        if original is None:
            return None
        data = await asyncio.to_thread(self.rt.store.read, original.id)
        new_id, path, sha256 = await asyncio.to_thread(self.rt.store.store, data)
        await asyncio.to_thread(
            record_replay_file, self.rt.ledger, original_id=original.id,
            requested_by=requested_by, resend=resend, sha256=sha256, size=len(data),
            stored_path=str(path), file_id=new_id,
        )  # fmt: skip
        asked = {"requested_by": requested_by, "resend": resend}
        log.info("file replayed", extra={"file_id": new_id, "replay_of": original.id, **asked})
        self.wake.set()
        return await asyncio.to_thread(self.rt.ledger.get_file, new_id)

    async def translate(self, file_id: str) -> TranslationOutcome | None:
        """Translate a received file now (HTTP answers with the result); None if another
        worker already did."""
        async with self._translate_lock:
            record = await asyncio.to_thread(self.rt.ledger.get_file, file_id)
            if record is None or record.state not in (FileState.RECEIVED, FileState.FAILED):
                return None
            try:
                outcome, _ = await asyncio.to_thread(translate_received, self.rt, record)
            except Exception as exc:  # a bug or the disk: kept as failed, retried by a job
                log.exception("translation failed", extra={"file_id": file_id})
                await asyncio.to_thread(self.rt.ledger.advance, file_id, FileState.FAILED,
                                        f"internal error: {type(exc).__name__}: {exc}")  # fmt: skip
                return None
            record = await asyncio.to_thread(self.rt.ledger.get_file, file_id)
            assert record is not None
            await asyncio.to_thread(deliver_acks, self.rt, record)
        self.wake_submit.set()
        return outcome

    async def intake_round(self) -> None:
        """Translate what was received; deliver and archive what is final."""
        ledger = self.rt.ledger
        for record in await asyncio.to_thread(ledger.files_in_state, FileState.RECEIVED):
            if record.id not in self._claimed:
                await self.translate(record.id)
        finals = (FileState.QUARANTINED, FileState.DUPLICATE, FileState.DONE)
        for record in await asyncio.to_thread(ledger.files_in_state, *finals):
            if record.archived_at is None:  # acks first (a crash may have left some behind)
                await asyncio.to_thread(deliver_acks, self.rt, record)
                await asyncio.to_thread(archive_file, self.rt, record)

    async def submit_round(self) -> None:
        """Submit translated files; finish submitted ones once polling settled something
        (or every few seconds: requeued events, crashed rounds)."""
        ledger = self.rt.ledger
        async with self._submit_lock:
            translated = await asyncio.to_thread(ledger.files_in_state, FileState.TRANSLATED)
            # acks a crash left undelivered (one query, not one per translated file per round)
            undelivered = {a.file_id for a in await asyncio.to_thread(ledger.undelivered_acks)}
            for record in translated:
                if record.id in undelivered:
                    await asyncio.to_thread(deliver_acks, self.rt, record)
            await submit_files(self.rt, translated[:_SUBMIT_AT_ONCE])
        if time.monotonic() - self._finished_at > _FINISH_EVERY:  # everything, now and then
            self._finished_at = time.monotonic()
            candidates = await asyncio.to_thread(ledger.files_in_state, FileState.SUBMITTED)
        else:  # the files whose transactions just settled
            settled, self._settled = self._settled, set()
            candidates = [f for f in await asyncio.gather(
                *(asyncio.to_thread(ledger.get_file, i) for i in settled))
                if f is not None and f.state is FileState.SUBMITTED]  # fmt: skip
        unfinished = [f for f in candidates if not await finish_file(self.rt, f)]
        if unfinished:
            async with self._submit_lock:  # requeued events go out again
                await submit_files(self.rt, unfinished)
        self.rt.metrics.set_queue(await asyncio.to_thread(ledger.counts))

    async def run_once(self) -> None:
        """One pass of both loops (tests and tools)."""
        self._finished_at = 0.0
        await self.intake_round()
        await self.submit_round()

    async def poll(self) -> None:
        settled = await poll_transactions(self.rt)
        if settled:
            self._settled |= settled
            self.wake_submit.set()

    def notify(self) -> None:
        self.wake.set()
        self.wake_submit.set()

    async def _loop(self, stop: asyncio.Event, wake: asyncio.Event, step: Step) -> None:
        while not stop.is_set():
            wake.clear()
            try:
                await step()
            except Exception:  # an infrastructure fault: logged, retried next round
                log.exception("worker round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), self.rt.settings.worker_interval)

    async def run(self, stop: asyncio.Event) -> None:
        """Work until `stop` is set: intake (translation) and submission run side by side,
        each after a wake-up or every worker_interval."""
        await asyncio.gather(
            self._loop(stop, self.wake, self.intake_round),
            self._loop(stop, self.wake_submit, self.submit_round),
        )


class SftpIntake:
    """The SFTP server's UploadSink: a completed upload is received (stored + recorded)
    before the client's close() returns."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    async def uploaded(self, partner_id: str, path: Path) -> None:
        data = await asyncio.to_thread(path.read_bytes)
        await self.gateway.receive(partner_id, "sftp", path.name, data)
