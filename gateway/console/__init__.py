"""The ops web console (`/console`, server-rendered Jinja2 pages, a little plain JavaScript,
assets served locally), its JSON twin `/v1/ops/...`, and Swagger UI served from the
`swagger-ui-py` package's files so `/docs` works offline."""

from __future__ import annotations

from pathlib import Path

import swagger_ui
from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException

from gateway.console.actions import actions
from gateway.console.pages import pages
from gateway.console.sessions import COOKIE, SessionStore
from gateway.console.web import NeedLogin, need_login_redirect, render
from gateway.ops.service import OpsService
from gateway.service.ops_api import ops_router
from gateway.service.worker import Gateway

__all__ = ["install_console"]

_STATIC = Path(__file__).parent / "static"
_SWAGGER = Path(swagger_ui.__file__).parent / "static"


async def _http_error(request: Request, exc: Exception) -> Response:
    """Console pages answer errors as a page, the API as JSON."""
    assert isinstance(exc, HTTPException)
    if not request.url.path.startswith("/console/") or request.url.path.startswith(
        "/console/static/"
    ):
        return await http_exception_handler(request, exc)
    store: SessionStore = request.app.state.console_sessions
    session = store.get(request.cookies.get(COOKIE))
    return render(request, "error.html", session, status=exc.status_code, message=exc.detail)


def install_console(app: FastAPI, gateway: Gateway) -> None:
    """Add the console, `/v1/ops/...` and the offline `/docs` to the gateway's app (create it
    with `docs_url=None`)."""
    app.state.ops = OpsService(gateway)
    app.state.console_sessions = SessionStore()
    app.include_router(ops_router)
    app.include_router(pages)
    app.include_router(actions)
    app.add_exception_handler(NeedLogin, need_login_redirect)
    app.add_exception_handler(HTTPException, _http_error)
    app.mount("/console/static", StaticFiles(directory=_STATIC), name="console-static")
    app.mount("/docs/static", StaticFiles(directory=_SWAGGER), name="swagger-static")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} — API",
            swagger_js_url="/docs/static/swagger-ui-bundle.js",
            swagger_css_url="/docs/static/swagger-ui.css",
            swagger_favicon_url="/docs/static/favicon-32x32.png",
        )
