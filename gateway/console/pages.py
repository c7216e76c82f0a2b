"""Console pages (GET): login, work lists (the landing page), search, file, replay preview,
dashboard, overrides, actions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from gateway.auth.operators import password_login
from gateway.console import charts
from gateway.console.sessions import COOKIE, LOGIN_COOKIE
from gateway.console.web import Session, ops, render, sessions
from gateway.ops.file_models import DetailQuery
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


def _login_page(
    request: Request,
    next: str | None,
    message: str | None,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """The login form with a fresh login CSRF token in a hidden field and in its cookie."""
    token = sessions(request).login_token()
    response = render(request, "login.html", None, status=status, next=_next(next),
                      message=message, login_csrf=token, headers=headers)  # fmt: skip
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https", path="/console/login")  # fmt: skip
    return response


@pages.get("/login", response_class=HTMLResponse)
async def login_form(request: Request, next: str | None = None) -> Response:
    return _login_page(request, next, None)


@pages.post("/login")
async def login(
    request: Request,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=1024)],
    next: Annotated[str | None, Form()] = None,
    csrf: Annotated[str | None, Form(max_length=200)] = None,
) -> Response:
    """Check the operator's password (gateway.auth.operators.password_login: throttled per
    account and address, failures logged); a session cookie and 303 into the console, or
    the form again (401; 429 while the account is locked out)."""
    store = sessions(request)
    if not store.check_login_token(request.cookies.get(LOGIN_COOKIE), csrf):
        return _login_page(request, next, "The form expired: log in again.", status=403)
    try:
        operator = await password_login(request, username, password)
    except HTTPException as exc:
        message = (
            "Too many failed logins: try again later."
            if exc.status_code == 429
            else "Wrong name or password."
        )
        return _login_page(request, next, message, exc.status_code, exc.headers)
    store.close(request.cookies.get(COOKIE))  # a login ends the browser's old session
    response = RedirectResponse(_next(next), status_code=303)
    response.delete_cookie(LOGIN_COOKIE, path="/console/login")
    response.set_cookie(
        COOKIE,
        store.open(operator),
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
        query = DetailQuery.model_validate(dict(request.query_params))
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return render(request, "error.html", session, status=422, message=problems)
    try:
        detail = await service.detail(file_id, query)
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
        if exc.status == 413:  # too big to preview: it can still be replayed
            return render(
                request, "replay.html", session, diff=None, file_id=file_id, too_big=str(exc)
            )
        return render(request, "error.html", session, status=exc.status, message=str(exc))
    return render(request, "replay.html", session, diff=diff, file_id=file_id)


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
