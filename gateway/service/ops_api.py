"""`/v1/ops/...`: the ops console's views and actions as JSON for scripts, with operator
API keys in `X-API-Key` (gateway.auth.operators: a viewer's key reads, an operator's key also
acts). Unknown query parameters are a 422, never ignored."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from gateway.auth.operators import OperatorKey, ViewerKey
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
from gateway.ops.service import OpsError, OpsService

__all__ = ["NoteIn", "ReplayIn", "known_query", "ops_router", "ops_service"]

T = TypeVar("T")


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field("", max_length=2000, description="why (kept with the action)")


class ReplayIn(NoteIn):
    only_failed: bool = Field(
        False, description="resend only the events that did not succeed in the first run"
    )


def ops_service(request: Request) -> OpsService:
    service: OpsService = request.app.state.ops
    return service


def known_query(*names: str) -> Callable[[Request], None]:
    """A dependency refusing (422) any query parameter not in `names`."""
    allowed = frozenset(names)

    def check(request: Request) -> None:
        if unknown := sorted(set(request.query_params) - allowed):
            detail = [
                {
                    "type": "extra_forbidden",
                    "loc": ["query", name],
                    "msg": "unknown query parameter",
                    "input": request.query_params[name],
                }
                for name in unknown
            ]
            raise HTTPException(422, detail)

    return check


async def _run(call: Awaitable[T]) -> T:
    try:
        return await call
    except OpsError as exc:
        raise HTTPException(exc.status, str(exc)) from exc


Ops = Annotated[OpsService, Depends(ops_service)]
Days = Annotated[int, Query(ge=1, le=90, description="how many days back")]

ops_router = APIRouter(prefix="/v1/ops", tags=["ops"])


@ops_router.get(
    "/files",
    response_model=SearchPage,
    summary="Search files by partner, PO, tracking number, any control number, Amazon "
    "transaction id, state, error code and date range; newest first",
)
async def search_files(
    ops: Ops, viewer: ViewerKey, query: Annotated[SearchQuery, Query()]
) -> SearchPage:
    return await ops.search(query)


@ops_router.get(
    "/files/{file_id}",
    response_model=FileDetail,
    summary="A file, one page at a time: raw segments, located errors, events with their API "
    "calls, lineage, acks and advices, actions, timeline; `paging` says where the next page "
    "starts",
)
async def get_file(
    file_id: str, ops: Ops, viewer: ViewerKey, page: Annotated[DetailQuery, Query()]
) -> FileDetail:
    return await _run(ops.detail(file_id, page))


@ops_router.get(
    "/worklists",
    response_model=WorkLists,
    summary="What needs a person now: rejected and quarantined files, refused and stuck "
    "events, open alerts",
    dependencies=[Depends(known_query("days"))],
)
async def work_lists(ops: Ops, viewer: ViewerKey, days: Days = 7) -> WorkLists:
    return await ops.work_lists(days)


@ops_router.get(
    "/dashboard",
    response_model=Dashboard,
    summary="Files and events per partner and day, rejection rate, Amazon failures, "
    "scan-to-submission time, unmapped status pairs, ack control numbers",
    dependencies=[Depends(known_query("days"))],
)
async def dashboard(ops: Ops, viewer: ViewerKey, days: Days = 14) -> Dashboard:
    return await ops.dashboard(days)


@ops_router.get(
    "/files/{file_id}/replay-preview",
    response_model=ReplayDiff,
    summary="What a replay would send now, field by field against the first run "
    "(nothing is recorded or sent)",
    dependencies=[Depends(known_query())],
)
async def replay_preview(file_id: str, ops: Ops, viewer: ViewerKey) -> ReplayDiff:
    return await _run(ops.replay_preview(file_id))


@ops_router.post(
    "/files/{file_id}/replay",
    response_model=ReplayResult,
    status_code=201,
    summary="Replay a file with the current mappings (operators only)",
    dependencies=[Depends(known_query())],
)
async def replay(file_id: str, body: ReplayIn, ops: Ops, operator: OperatorKey) -> ReplayResult:
    return await _run(ops.replay(file_id, operator.name, body.only_failed, body.note or None))


@ops_router.post(
    "/files/{file_id}/requeue",
    summary="Send a file's unknown events again, except those Amazon has (operators only)",
    dependencies=[Depends(known_query())],
)
async def requeue(file_id: str, body: NoteIn, ops: Ops, operator: OperatorKey) -> dict[str, Any]:
    return await _run(ops.requeue(file_id, operator.name, body.note or None))


@ops_router.post(
    "/files/{file_id}/resolve",
    response_model=ActionOut,
    summary="Mark a file's problem resolved, with a note (operators only)",
    dependencies=[Depends(known_query())],
)
async def resolve(file_id: str, body: NoteIn, ops: Ops, operator: OperatorKey) -> ActionOut:
    return await _run(ops.resolve(file_id, operator.name, body.note))


@ops_router.get(
    "/overrides",
    response_model=list[OverrideOut],
    summary="Partner code-table overrides, newest version first",
    dependencies=[Depends(known_query("partner"))],
)
async def overrides(ops: Ops, viewer: ViewerKey, partner: str | None = None) -> list[OverrideOut]:
    return await ops.overrides(partner)


@ops_router.post(
    "/partners/{partner_id}/overrides",
    response_model=OverrideOut,
    status_code=201,
    summary="Add a partner status code-table override as the partner's next version "
    "(operators only)",
    dependencies=[Depends(known_query())],
)
async def add_override(
    partner_id: str, body: OverrideIn, ops: Ops, operator: OperatorKey
) -> OverrideOut:
    return await _run(ops.add_override(partner_id, body, operator.name))


@ops_router.get(
    "/actions",
    response_model=list[ActionOut],
    summary="Operators' actions, newest first",
    dependencies=[Depends(known_query("limit"))],
)
async def actions(
    ops: Ops, viewer: ViewerKey, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[ActionOut]:
    return await ops.actions(limit)
