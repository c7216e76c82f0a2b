"""The ops console's operations on a running gateway: search, work lists, the file page,
the dashboard, and the operators' actions (replay with a diff first, requeue of `unknown`
events after asking Amazon, resolve with a note, partner code-table overrides).

Every action is recorded (who, when, what, why) and logged at info with the operator's name.
Blocking ledger work runs in threads; call these from the event loop."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from gateway.ledger.ops_actions import OpsRecords
from gateway.ledger.ops_queries import RESOLVE, OpsQueries
from gateway.ledger.states import EventState
from gateway.ops.dashboard import build_dashboard
from gateway.ops.detail import file_detail
from gateway.ops.file_models import DetailQuery, FileDetail
from gateway.ops.models import (
    ActionOut,
    Dashboard,
    OverrideIn,
    OverrideOut,
    ReplayDiff,
    ReplayResult,
    SearchPage,
    SearchQuery,
    WorkLists,
)
from gateway.ops.overrides import apply_overrides, check_override
from gateway.ops.replay import (
    LISTED_DIFFS,
    diff_items,
    failed,
    listed_diffs,
    translate_preview,
    would_resend,
)
from gateway.ops.worklists import build_work_lists
from gateway.service.worker import Gateway
from gateway.spapi import TransactionStatus

__all__ = ["OpsError", "OpsService"]

log = logging.getLogger("edigw.ops")
_ARRIVED = frozenset({TransactionStatus.SUCCESS, TransactionStatus.PROCESSING})


class OpsError(Exception):
    """An action that cannot be done as asked (HTTP 404 / 409 / 422 by `status`)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class OpsService:
    """Built once per API app; applies the stored code-table overrides to the partners."""

    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway
        self.rt = gateway.rt
        self.queries = OpsQueries.of(self.rt.ledger)
        self.records = OpsRecords.of(self.rt.ledger)
        self._base = dict(self.rt.partners)  # profiles as loaded from mappings/
        # reading a stored file (the file page, a replay preview) is CPU work in the service
        # process, seconds for a 100 MB file: one at a time, so people browsing big files wait
        # for each other instead of taking the cores from partners' uploads
        self._file_reads = asyncio.Semaphore(1)
        apply_overrides(self.rt, self._base, self.records.overrides())

    # --- views -------------------------------------------------------------------------------

    async def search(self, query: SearchQuery) -> SearchPage:
        return await asyncio.to_thread(self.queries.search, query)

    async def work_lists(self, days: int = 7, now: datetime | None = None) -> WorkLists:
        return await asyncio.to_thread(build_work_lists, self.rt, self.queries, days, now)

    async def dashboard(self, days: int = 14, now: datetime | None = None) -> Dashboard:
        return await asyncio.to_thread(build_dashboard, self.rt.ledger, days, now)

    def _detail(self, file_id: str, query: DetailQuery) -> FileDetail | None:
        return file_detail(self.queries, file_id, self.rt.store.path(file_id), query)

    async def detail(self, file_id: str, query: DetailQuery | None = None) -> FileDetail:
        """One page of a file's view (`query`: which segments and events; the first page).
        Stored files are read one at a time (with replay previews): a second caller waits."""
        async with self._file_reads:
            found = await asyncio.to_thread(self._detail, file_id, query or DetailQuery())
        if found is None:
            raise OpsError(404, f"no file {file_id}")
        return found

    async def actions(self, limit: int = 100) -> list[ActionOut]:
        return await asyncio.to_thread(self.records.actions, limit)

    async def overrides(self, partner_id: str | None = None) -> list[OverrideOut]:
        return await asyncio.to_thread(self.records.overrides, partner_id)

    # --- actions -----------------------------------------------------------------------------

    def _preview(self, file_id: str) -> ReplayDiff:
        record = self.rt.ledger.get_file(file_id)
        if record is None:
            raise OpsError(404, f"no file {file_id}")
        limit = self.rt.settings.replay_preview_mb
        if record.size > limit * 1e6:
            raise OpsError(
                413,
                f"The file is {record.size / 1e6:.1f} MB; a replay is previewed for files up to "
                f"{limit:g} MB (setting replay_preview_mb). It can still be replayed: only the "
                "events that did not succeed, or all of them",
            )
        try:
            data = self.rt.store.read(file_id)
        except OSError as exc:  # the message names no server path
            raise OpsError(409, f"the stored file is gone ({exc.strerror})") from exc
        profile = self.rt.partner(record.partner_id)
        outcome, items = translate_preview(data, profile, self.rt.tables)
        events = self.rt.ledger.events_for_file(file_id)
        overrides = self.records.overrides(record.partner_id)
        newer = [o for o in overrides if o.created_at > record.received_at]
        diffs = diff_items(events, items)
        return ReplayDiff(
            file_id=file_id,
            partner_id=record.partner_id,
            override_version=max((o.version for o in overrides), default=0),
            new_overrides=newer,
            accepted=outcome.accepted,
            errors=[f"{p.code.value}: {p.message}" for p in outcome.problems[:LISTED_DIFFS]],
            error_total=outcome.problem_count,
            events=listed_diffs(diffs),
            changes=dict(Counter(d.change for d in diffs)),
            listed_at_most=LISTED_DIFFS,
            failed_events=failed(events),
            would_resend=would_resend(diffs),
        )

    async def replay_preview(self, file_id: str) -> ReplayDiff:
        """What a replay would send now, against the first run: nothing is recorded or sent."""
        async with self._file_reads:
            return await asyncio.to_thread(self._preview, file_id)

    async def replay(
        self, file_id: str, operator: str, only_failed: bool, note: str | None = None
    ) -> ReplayResult:
        """Receive the stored file again as a new file (not a duplicate): every event, or with
        `only_failed` only those that did not succeed in the first run."""
        record = await self.gateway.replay(file_id, operator, "unsent" if only_failed else "all")
        if record is None:
            raise OpsError(404, f"no file {file_id}")
        detail = {"new_file": record.id, "only_failed": only_failed}
        await asyncio.to_thread(
            self.records.record_action, operator, "replay", file_id, note, detail
        )
        log.info(
            "operator replayed a file",
            extra={
                "operator": operator,
                "file_id": file_id,
                "new_file": record.id,
                "only_failed": only_failed,
            },
        )
        return ReplayResult(
            file_id=record.id, replay_of=file_id, only_failed=only_failed, operator=operator
        )

    async def requeue(self, file_id: str, operator: str, note: str | None = None) -> dict[str, Any]:
        """Send a file's `unknown` events again, except those Amazon has (its transaction is
        Success or Processing when asked now). Calls without a transaction id (the gateway
        stopped before Amazon answered) cannot be asked: their events are requeued."""
        ledger = self.rt.ledger
        unknown = await asyncio.to_thread(ledger.events_for_file, file_id, [EventState.UNKNOWN])
        if not unknown:
            raise OpsError(409, f"file {file_id} has no unknown events")
        requeue: list[int] = []
        kept: dict[int, str] = {}
        for event in unknown:
            call = (
                await asyncio.to_thread(ledger.get_call, event.batch_id) if event.batch_id else None
            )
            if call is not None and call.transaction_id and self.rt.submitter is not None:
                state = await self.rt.submitter.client.transaction_status(
                    call.seller, call.transaction_id, call.sandbox
                )
                if state.status in _ARRIVED:
                    kept[event.id] = state.status.value
                    continue
            requeue.append(event.id)
        if requeue:
            await asyncio.to_thread(ledger.requeue_events, requeue)
            self.gateway.notify()
        detail = {"requeued": requeue, "amazon_has": {str(k): v for k, v in kept.items()}}
        await asyncio.to_thread(
            self.records.record_action, operator, "requeue", file_id, note, detail
        )
        log.info(
            "operator requeued events",
            extra={"operator": operator, "file_id": file_id, "events": requeue},
        )
        return detail

    async def resolve(self, file_id: str, operator: str, note: str) -> ActionOut:
        """Mark a file's problem resolved (it leaves the work lists), with a note."""
        if await asyncio.to_thread(self.rt.ledger.get_file, file_id) is None:
            raise OpsError(404, f"no file {file_id}")
        if not note.strip():
            raise OpsError(422, "a resolution needs a note")
        action = await asyncio.to_thread(
            self.records.record_action, operator, RESOLVE, file_id, note.strip()
        )
        log.info("operator resolved a file", extra={"operator": operator, "file_id": file_id})
        return action

    async def add_override(
        self, partner_id: str, override: OverrideIn, operator: str
    ) -> OverrideOut:
        """Validate and store a partner status override as its next version; translations
        from now on (and the next replay's diff) use it."""
        if partner_id not in self._base:
            raise OpsError(404, f"no partner {partner_id}")
        if problem := check_override(self.rt.tables, override):
            raise OpsError(422, problem)
        added = await asyncio.to_thread(self.records.add_override, partner_id, override, operator)
        apply_overrides(self.rt, self._base, await asyncio.to_thread(self.records.overrides))
        await asyncio.to_thread(
            self.records.record_action,
            operator,
            "override",
            None,
            override.note,
            {
                "partner": partner_id,
                "version": added.version,
                **override.model_dump(exclude={"note"}),
            },
        )
        log.info(
            "operator added a code-table override",
            extra={"operator": operator, "partner": partner_id, "version": added.version},
        )
        return added


def days_ago(days: int, now: datetime | None = None) -> datetime:
    return (now or datetime.now(UTC)) - timedelta(days=days)
