"""Console actions (POST, operators only, CSRF-checked): replay after the diff, requeue
unknown events, resolve with a note, add a partner code-table override, log out."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError

from gateway.console.sessions import COOKIE, ConsoleSession
from gateway.console.web import CSRF_FIELD, ops, render, require_operator, sessions
from gateway.ops.models import OverrideIn
from gateway.ops.service import OpsError, OpsService

__all__ = ["actions"]

actions = APIRouter(prefix="/console", include_in_schema=False)
Ops = Annotated[OpsService, Depends(ops)]
Acting = Annotated[ConsoleSession, Depends(require_operator)]
Note = Annotated[str, Form(max_length=2000)]


def _error(request: Request, session: ConsoleSession, exc: OpsError) -> Response:
    return render(request, "error.html", session, status=exc.status, message=str(exc))


@actions.post("/files/{file_id}/replay")
async def replay(
    request: Request,
    file_id: str,
    session: Acting,
    service: Ops,
    resend: Annotated[str, Form()] = "failed",
    note: Note = "",
) -> Response:
    try:
        result = await service.replay(
            file_id, session.operator.name, resend != "all", note.strip() or None
        )
    except OpsError as exc:
        return _error(request, session, exc)
    return RedirectResponse(f"/console/files/{result.file_id}", status_code=303)


@actions.post("/files/{file_id}/requeue")
async def requeue(
    request: Request, file_id: str, session: Acting, service: Ops, note: Note = ""
) -> Response:
    try:
        await service.requeue(file_id, session.operator.name, note.strip() or None)
    except OpsError as exc:
        return _error(request, session, exc)
    return RedirectResponse(f"/console/files/{file_id}", status_code=303)


@actions.post("/files/{file_id}/resolve")
async def resolve(
    request: Request, file_id: str, session: Acting, service: Ops, note: Note = ""
) -> Response:
    try:
        await service.resolve(file_id, session.operator.name, note)
    except OpsError as exc:
        return _error(request, session, exc)
    return RedirectResponse(f"/console/files/{file_id}", status_code=303)


@actions.post("/overrides")
async def add_override(
    request: Request,
    session: Acting,
    service: Ops,
    partner: Annotated[str, Form()],
    syntax: Annotated[str, Form()],
    status: Annotated[str, Form()],
    event: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
    note: Note = "",
) -> Response:
    try:
        override = OverrideIn.model_validate(
            {
                "syntax": syntax,
                "status": status.strip(),
                "reason": reason.strip() or None,
                "event": event,
                "note": note.strip(),
            }
        )
        await service.add_override(partner, override, session.operator.name)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        return render(request, "error.html", session, status=422, message=problems)
    except OpsError as exc:
        return _error(request, session, exc)
    return RedirectResponse("/console/overrides", status_code=303)


@actions.post("/logout")
async def logout(request: Request) -> Response:
    """End the session: the form must carry its CSRF token (403 otherwise), so a foreign
    page cannot log an operator out."""
    store = sessions(request)
    token = request.cookies.get(COOKIE)
    session = store.get(token)
    if session is not None:
        sent = (await request.form()).get(CSRF_FIELD)
        if not isinstance(sent, str) or not hmac.compare_digest(sent, session.csrf):
            raise HTTPException(403, "missing or wrong CSRF token: reload the page and try again")
    store.close(token)
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(COOKIE, path="/")
    return response
