"""Console pages (GET): login, work lists (the landing page), search, file, replay preview,
dashboard, overrides, actions."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from gateway.auth.operators import password_login
from gateway.console import charts
from gateway.console.sessions import COOKIE
from gateway.console.web import Session, ops, render, sessions
from gateway.ops.models import SearchQuery
from gateway.ops.service import OpsError, OpsService
from gateway.ops.worklists import where

__all__ = ["pages"]

pages = APIRouter(prefix="/console", include_in_schema=False)
Ops = Annotated[OpsService, Depends(ops)]


def _next(target: str | None) -> str:
    if target and target.startswith("/console") and not target.startswith("//"):
        return target
    return "/console"


@pages.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str | None = None) -> Response:
    return render(request, "login.html", None, next=_next(next), message=None)


@pages.post("/login")
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str | None, Form()] = None,
) -> Response:
    """Check the operator's password (gateway.auth.operators.password_login: throttled per
    account and address, failures logged); a session cookie and 303 into the console, or
    the form again (401; 429 while the account or address is locked out)."""
    try:
        operator = await password_login(request, username, password)
    except HTTPException as exc:
        message = (
            "Too many failed logins: try again later."
            if exc.status_code == 429
            else "Wrong name or password."
        )
        return render(
            request,
            "login.html",
            None,
            status=exc.status_code,
            next=_next(next),
            message=message,
            headers=exc.headers,
        )
    response = RedirectResponse(_next(next), status_code=303)
    response.set_cookie(
        COOKIE,
        sessions(request).open(operator),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )
    return response


@pages.get("", response_class=HTMLResponse)
async def work_lists(request: Request, session: Session, service: Ops, days: int = 7) -> Response:
    lists = await service.work_lists(max(1, min(days, 90)))
    return render(request, "worklists.html", session, lists=lists, days=days, where=where)


@pages.get("/files", response_class=HTMLResponse)
async def search(request: Request, session: Session, service: Ops) -> Response:
    params = {k: v for k, v in request.query_params.items() if v != ""}
    try:
        query = SearchQuery.model_validate(params)
    except ValidationError as exc:
        problems = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        return render(
            request,
            "search.html",
            session,
            status=422,
            query=None,
            page=None,
            params=params,
            problems=problems,
        )
    page = await service.search(query)
    return render(
        request, "search.html", session, query=query, page=page, params=params, problems=[]
    )


@pages.get("/files/{file_id}", response_class=HTMLResponse)
async def file_page(request: Request, file_id: str, session: Session, service: Ops) -> Response:
    try:
        detail = await service.detail(file_id)
    except OpsError as exc:
        return render(request, "error.html", session, status=exc.status, message=str(exc))
    return render(request, "file.html", session, d=detail, where=where)


@pages.get("/files/{file_id}/replay", response_class=HTMLResponse)
async def replay_preview(
    request: Request, file_id: str, session: Session, service: Ops
) -> Response:
    try:
        diff = await service.replay_preview(file_id)
    except OpsError as exc:
        return render(request, "error.html", session, status=exc.status, message=str(exc))
    return render(request, "replay.html", session, diff=diff)


@pages.get("/dashboard", response_class=HTMLResponse)
async def dashboard(request: Request, session: Session, service: Ops, days: int = 14) -> Response:
    board = await service.dashboard(max(2, min(days, 90)))
    svg = {
        "files": charts.lines(board.days, board.files_per_partner, "Files per partner and day"),
        "events": charts.lines(board.days, board.events_per_partner, "Events per partner and day"),
        "rejection": charts.bars(board.rejection_rate, "Rejected files", percent=True),
        "failures": charts.bars(dict(board.amazon_failures), "Amazon failures by error code"),
        "unmapped": charts.bars(dict(board.unmapped_pairs), "Unmapped status pairs seen"),
    }
    return render(request, "dashboard.html", session, board=board, svg=svg, days=days)


@pages.get("/overrides", response_class=HTMLResponse)
async def overrides(request: Request, session: Session, service: Ops) -> Response:
    found = await service.overrides()
    events = sorted(service.rt.tables.events)
    return render(
        request,
        "overrides.html",
        session,
        overrides=found,
        events=events,
        partners=sorted(service.rt.partners),
        message=None,
    )


@pages.get("/actions", response_class=HTMLResponse)
async def actions(request: Request, session: Session, service: Ops) -> Response:
    return render(request, "actions.html", session, actions=await service.actions(200))
