"""The gateway's work loop: intake, then per file translate -> deliver acks -> submit ->
(poll) -> advise, done, archive. Every step reads its work from the ledger, so a restart after
a crash at any point simply carries on where the ledger says the file is."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

from gateway.ledger.records import NAME_WIDTH, FileRecord, column_text
from gateway.ledger.replays import Resend, record_replay_file
from gateway.ledger.states import FileState, Transport
from gateway.ledger.streaming import TranslationWriter, begin_attempt, give_back_attempt
from gateway.service.crash import crash_point
from gateway.service.delivering import deliver_acks
from gateway.service.finishing import archive_file, finish_file
from gateway.service.pool import ProcessExpired, TranslationPool
from gateway.service.runtime import Runtime
from gateway.service.storage import StoredFile
from gateway.service.submitting import poll_transactions, submit_files
from gateway.service.translating import TranslationSummary, translate_received

__all__ = ["Gateway", "GatewayStopping", "SftpIntake"]

log = logging.getLogger("edigw.service")
Step = Callable[[], Awaitable[None]]
_FINISH_EVERY = 5.0  # seconds between finish passes when nothing settled
_SUBMIT_AT_ONCE = 200  # translated files whose events go out together (batched across files)


def _failure(exc: BaseException, timeout: float | None) -> str:
    """Why a translation attempt failed, for the ledger and the log (no traceback)."""
    if isinstance(exc, ProcessExpired):
        return f"the translation worker died (exit code {exc.exitcode}): out of memory or a crash"
    if isinstance(exc, TimeoutError):
        return f"the translation took longer than the limit of {timeout:g} s"
    if isinstance(exc, MemoryError):
        return "the translation needed more memory than a worker may use"
    return f"internal error: {type(exc).__name__}: {exc}"


class GatewayStopping(Exception):
    """The service stopped while a file was being translated for its HTTP answer; the file
    is stored and stays `received` (translated at the next start)."""

    def __init__(self, file_id: str) -> None:
        super().__init__(f"the gateway is stopping: file {file_id} is stored and will be "
                         "translated when it starts again")  # fmt: skip
        self.file_id = file_id


class Gateway:
    """The work loop. With a `pool`, translations run in its worker processes (the service);
    without one, in a thread of this process (tests and tools)."""

    def __init__(self, rt: Runtime, pool: TranslationPool | None = None) -> None:
        self.rt = rt
        self.pool = pool
        self._translating: dict[str, asyncio.Task[TranslationSummary | None]] = {}
        self._stopping = False
        self.stopping = asyncio.Event()  # set when the service stops (uploads in flight: 503)
        self.halt = threading.Event()  # the same, for work in threads (ack delivery)
        self.wake = asyncio.Event()  # intake: something was received
        self.wake_submit = asyncio.Event()  # submission: something was translated or settled
        self._settled: set[str] = set()  # files whose transactions settled since last look
        self._finished_at = 0.0
        self._claimed: set[str] = set()  # received files a caller translates itself
        self._submit_lock = asyncio.Lock()

    def release(self, file_id: str) -> None:
        self._claimed.discard(file_id)
        self.wake.set()

    def recover(self) -> int:
        """At start-up: events left `sending` by a crash become `unknown` (never resent)."""
        self.rt.store.remove_incomplete()
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
                    await self.receive_path(partner_id, "sftp", path.name, path)
                    swept += 1
        return swept

    async def receive(
        self, partner_id: str, transport: Transport, name: str, data: bytes, claim: bool = False
    ) -> FileRecord:
        """`receive_stored` for bytes in memory (small files, tests)."""
        self.rt.partner(partner_id)
        file_id, path, sha256 = await asyncio.to_thread(self.rt.store.store, data)
        stored = StoredFile(file_id, path, sha256, len(data))
        return await self.receive_stored(partner_id, transport, name, stored, claim)

    async def receive_path(
        self, partner_id: str, transport: Transport, name: str, path: Path
    ) -> FileRecord:
        """`receive_stored` for a file on disk (an SFTP upload): copied in chunk by chunk."""
        self.rt.partner(partner_id)
        limit = self.rt.max_file_bytes(partner_id)
        stored = await asyncio.to_thread(self.rt.store.store_path, path, limit)
        return await self.receive_stored(partner_id, transport, name, stored)

    async def receive_stored(
        self, partner_id: str, transport: Transport, name: str, stored: StoredFile,
        claim: bool = False,
    ) -> FileRecord:  # fmt: skip
        """Record a durably stored file, and only then return (the sender may now be told).
        `claim`: the caller translates it itself (the HTTP answer); release with `release`."""
        self.rt.partner(partner_id)
        name = column_text(name, NAME_WIDTH)  # (PostgreSQL refuses a longer one)
        crash_point("received:stored")
        if claim:  # before the record exists: the work loop must never see it unclaimed
            self._claimed.add(stored.file_id)
        await asyncio.to_thread(
            self.rt.ledger.record_file, partner_id=partner_id, transport=transport, name=name,
            sha256=stored.sha256, size=stored.size, stored_path=str(stored.path),
            file_id=stored.file_id,
        )  # fmt: skip
        crash_point("received:recorded")
        self.rt.metrics.files.labels(partner_id, transport).inc()
        log.info("file received", extra={"file_id": stored.file_id, "partner": partner_id,
                                         "transport": transport, "file_name": name,
                                         "size": stored.size})  # fmt: skip
        self.wake.set()
        record = await asyncio.to_thread(self.rt.ledger.get_file, stored.file_id)
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
        copy = await asyncio.to_thread(self.rt.store.store_path, self.rt.store.path(original.id))
        new_id = copy.file_id
        await asyncio.to_thread(
            record_replay_file, self.rt.ledger, original_id=original.id,
            requested_by=requested_by, resend=resend, sha256=copy.sha256, size=copy.size,
            stored_path=str(copy.path), file_id=new_id,
        )  # fmt: skip
        asked = {"requested_by": requested_by, "resend": resend}
        log.info("file replayed", extra={"file_id": new_id, "replay_of": original.id, **asked})
        self.wake.set()
        return await asyncio.to_thread(self.rt.ledger.get_file, new_id)

    async def translate(self, file_id: str) -> TranslationSummary | None:
        """Translate a received file now (HTTP answers with the result); None if it is not
        (or no longer) to translate, or the attempt failed. Each attempt is counted in the
        ledger before it starts; a file whose attempts all failed (a worker crash, out of
        memory, past the time limit, an internal error), across restarts too, is quarantined
        with the reason instead of being tried forever."""
        running = self._translating.get(file_id)
        if running is not None and running is not asyncio.current_task():
            return await asyncio.shield(running)
        ledger = self.rt.ledger
        record = await asyncio.to_thread(ledger.get_file, file_id)
        if record is None or record.state not in (FileState.RECEIVED, FileState.FAILED):
            return None
        allowed = self.rt.settings.translation_attempts
        attempt = await asyncio.to_thread(begin_attempt, ledger, file_id)
        if attempt > allowed:  # the earlier attempts ended with the whole service
            await self._quarantine(record, record.state_reason or "the service stopped during "
                                   f"each of {allowed} translation attempts")  # fmt: skip
            return None
        try:
            if self.pool is not None:
                profile = self.rt.partner(record.partner_id)  # with operators' overrides
                summary = await self.pool.translate(record.partner_id, file_id, profile,
                                                    record.size)  # fmt: skip
            else:
                summary = await asyncio.to_thread(translate_received, self.rt, record)
        except asyncio.CancelledError:  # shutdown: this attempt does not count
            await asyncio.to_thread(give_back_attempt, ledger, file_id)
            raise
        except Exception as exc:  # the file's fault or the worker's: counted, then quarantined
            if self._stopping:
                await asyncio.to_thread(give_back_attempt, ledger, file_id)
                return None
            reason = _failure(exc, self.pool.timeout(record.size) if self.pool else None)
            log.error("translation failed", extra={"file_id": file_id, "attempt": attempt,
                                                   "of": allowed, "reason": reason})  # fmt: skip
            if attempt >= allowed:
                await self._quarantine(record, f"{reason} ({attempt} attempts)")
            else:
                note = f"attempt {attempt} of {allowed} failed: {reason}"
                await asyncio.to_thread(ledger.advance, file_id, record.state, note)
                self.wake.set()  # tried again in the next round
            return None
        crash_point("translated:recorded")
        self.rt.metrics.outcomes.labels(record.partner_id, summary.state.value).inc()
        record = await asyncio.to_thread(ledger.get_file, file_id)
        assert record is not None
        await asyncio.to_thread(deliver_acks, self.rt, record, self.halt)
        self.wake_submit.set()
        return summary

    async def _quarantine(self, record: FileRecord, reason: str) -> None:
        """A file that cannot be translated: partial rows removed (its claims on interchanges
        given up: gateway.ledger.claims), kept with the reason."""
        writer = TranslationWriter(self.rt.ledger, record.id)
        await asyncio.to_thread(writer.clear, release_claims=True)
        await asyncio.to_thread(self.rt.ledger.advance, record.id, FileState.QUARANTINED, reason)
        self.rt.metrics.outcomes.labels(record.partner_id, FileState.QUARANTINED.value).inc()
        log.error("file quarantined", extra={"file_id": record.id, "reason": reason})
        self.wake.set()

    async def translate_upload(self, file_id: str) -> TranslationSummary | None:
        """Translate a claimed upload now, for the HTTP answer (see `translate`). The
        translation is one of the service's own, so a stop cancels it like any other and the
        file stays `received` for the next start: then GatewayStopping is raised (the caller
        answers 503), never the cancellation of the request itself."""
        task = self._start_translation(file_id)
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            if task.cancelled() and self._stopping:
                raise GatewayStopping(file_id) from None
            raise

    def _start_translation(self, file_id: str) -> asyncio.Task[TranslationSummary | None]:
        task = asyncio.create_task(self.translate(file_id), name=f"translate-{file_id}")
        self._translating[file_id] = task

        def done(_: asyncio.Task[TranslationSummary | None]) -> None:
            self._translating.pop(file_id, None)
            self.wake.set()

        task.add_done_callback(done)
        return task

    async def intake_round(self) -> None:
        """Start translating what was received (side by side, through the pool's per-partner
        queues); deliver and archive what is final."""
        ledger = self.rt.ledger
        for record in await asyncio.to_thread(ledger.files_in_state, FileState.RECEIVED):
            if record.id not in self._claimed and record.id not in self._translating:
                self._start_translation(record.id)
        if self.pool is None:  # in-process: finish them within the round (tests, tools)
            await asyncio.gather(*self._translating.values(), return_exceptions=True)
        finals = (FileState.QUARANTINED, FileState.DUPLICATE, FileState.DONE)
        for record in await asyncio.to_thread(ledger.files_in_state, *finals):
            if record.archived_at is None:  # acks first (a crash may have left some behind)
                await asyncio.to_thread(deliver_acks, self.rt, record, self.halt)
                if self.halt.is_set():  # acks left undelivered: archived at the next start
                    return
                await asyncio.to_thread(archive_file, self.rt, record)

    async def submit_round(self) -> None:
        """Submit translated files; finish submitted ones once polling settled something
        (or every few seconds: requeued events, crashed rounds)."""
        ledger = self.rt.ledger
        async with self._submit_lock:
            translated = await asyncio.to_thread(ledger.files_in_state, FileState.TRANSLATED)
            # acks a crash left undelivered (one query, not one per translated file per round)
            undelivered = await asyncio.to_thread(ledger.files_with_undelivered_acks)
            for record in translated:
                if record.id in undelivered:
                    await asyncio.to_thread(deliver_acks, self.rt, record, self.halt)
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

    async def run(self, stop: asyncio.Event, drain: float = 6.0) -> None:
        """Work until `stop` is set: intake (translation) and submission run side by side,
        each after a wake-up or every worker_interval. On stop, SP-API calls in flight get
        up to `drain` seconds to finish and be recorded; the round's other calls are left
        for the next start, translations in flight are stopped (redone at the next start)."""
        intake = asyncio.create_task(self._loop(stop, self.wake, self.intake_round))
        submit = asyncio.create_task(self._loop(stop, self.wake_submit, self.submit_round))
        translations = asyncio.create_task(self._stop_translations(stop))
        await stop.wait()
        if not await self.rt.calls.drain(drain):
            log.warning(
                "calls still in flight at shutdown", extra={"calls": self.rt.calls.in_flight}
            )
        submit.cancel()
        await asyncio.gather(intake, submit, translations, return_exceptions=True)

    async def _stop_translations(self, stop: asyncio.Event) -> None:
        """On stop: translations in flight are cancelled (their workers stopped); the files
        stay `received` and are translated at the next start."""
        await stop.wait()
        self._stopping = True
        self.stopping.set()
        self.halt.set()
        tasks = list(self._translating.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


class SftpIntake:
    """The SFTP server's UploadSink: a completed upload is received (stored + recorded)
    before the client's close() returns."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    async def uploaded(self, partner_id: str, path: Path) -> None:
        await self.gateway.receive_path(partner_id, "sftp", path.name, path)
