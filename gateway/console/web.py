"""What every console page shares: templates, the session and CSRF dependencies, and the
redirect to the login page for requests without a session."""

from __future__ import annotations

import hmac
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from gateway.console.sessions import COOKIE, ConsoleSession, SessionStore
from gateway.ops.service import OpsService

__all__ = [
    "CSRF_FIELD",
    "NeedLogin",
    "Session",
    "need_login_redirect",
    "render",
    "require_operator",
    "templates",
]

CSRF_FIELD = "csrf"
templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def _when(value: datetime | None) -> str:
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M:%S")


def _duration(seconds: float | None) -> str:
    """`42 s`, `7.5 min`, `3.2 h`, `5.6 d`; a dash for None."""
    if seconds is None:
        return "—"
    sign, value = ("-" if seconds < 0 else ""), abs(seconds)
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if value >= size:
            return f"{sign}{value / size:.1f} {unit}"
    return f"{sign}{value:.0f} s"


templates.env.filters["when"] = _when
templates.env.filters["duration"] = _duration
templates.env.autoescape = True


class NeedLogin(Exception):
    """No (live) console session: the browser goes to the login page."""

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.path = path


async def need_login_redirect(request: Request, exc: Exception) -> Response:
    path = exc.path if isinstance(exc, NeedLogin) else "/console"
    return RedirectResponse(f"/console/login?next={quote(path, safe='/')}", status_code=303)


def sessions(request: Request) -> SessionStore:
    store: SessionStore = request.app.state.console_sessions
    return store


def ops(request: Request) -> OpsService:
    service: OpsService = request.app.state.ops
    return service


def _session(request: Request) -> ConsoleSession:
    found = sessions(request).get(request.cookies.get(COOKIE))
    if found is None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise NeedLogin(target if request.method == "GET" else "/console")
    return found


Session = Annotated[ConsoleSession, Depends(_session)]


async def require_operator(request: Request, session: Session) -> ConsoleSession:
    """An action: the session's operator must have the `operator` role (403 otherwise) and
    the form must carry the session's CSRF token (403 otherwise)."""
    form = await request.form()
    token = form.get(CSRF_FIELD)
    if not isinstance(token, str) or not hmac.compare_digest(token, session.csrf):
        raise HTTPException(403, "missing or wrong CSRF token: reload the page and try again")
    if not session.operator.may_operate:
        raise HTTPException(403, f"{session.operator.name} is a viewer: actions need an operator")
    return session


def render(
    request: Request,
    name: str,
    session: ConsoleSession | None,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    **context: Any,
) -> HTMLResponse:
    """A page of the console with the operator, their role and the CSRF token."""
    context.update(
        operator=session.operator if session else None,
        csrf=session.csrf if session else "",
        csrf_field=CSRF_FIELD,
    )
    return templates.TemplateResponse(request, name, context, status_code=status, headers=headers)
