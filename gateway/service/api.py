"""HTTP API (thin): upload an interchange, read a file's state and acks, search, health,
metrics. Partners authenticate with their API key in `X-API-Key`; operators (people, see
gateway.auth.operators) with theirs. Replay is an operator's action: partner keys get 403.
Wrong keys are counted per partner and per client address; a valid key is served from any
address and a missing key is not counted (gateway.auth.throttle has the rule)."""

from __future__ import annotations

import asyncio
import hmac
import logging
import os
from collections import Counter
from typing import Annotated, Any, Literal

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request, Response, Security

from gateway.auth.operators import API_KEY, OperatorKey, refuse_key
from gateway.auth.operators import authenticated as _authenticated
from gateway.console import install_console
from gateway.ledger.alerting import ledger_answers
from gateway.ledger.file_view import file_acks
from gateway.ledger.replays import replay_record
from gateway.ledger.tables import MAX_ID
from gateway.service.file_answers import (
    LISTED,
    AckOut,
    FileOut,
    ReplayOut,
    UploadOut,
    ack_out,
    file_out,
)
from gateway.service.messages_api import router as messages_router
from gateway.service.uploads import stream_upload
from gateway.service.worker import Gateway, GatewayStopping

__all__ = ["create_api"]

log = logging.getLogger("edigw.auth")


def _gateway(request: Request) -> Gateway:
    gateway: Gateway = request.app.state.gateway
    return gateway


async def _partner_key(
    partner_id: str, request: Request, x_api_key: Annotated[str | None, Security(API_KEY)] = None
) -> str:
    rt = _gateway(request).rt
    if not x_api_key:
        raise HTTPException(401, "missing X-API-Key")
    account = f"account:partner:{partner_id}"
    if partner_id in rt.partners and rt.api_key_ok(partner_id, x_api_key):
        rt.throttle.succeeded(account)
        return partner_id  # a valid key is served whatever the address's count
    await refuse_key(request, rt.throttle, partner_id, account)
    raise AssertionError("unreachable")


async def _caller(
    request: Request, x_api_key: Annotated[str | None, Security(API_KEY)] = None
) -> str:
    rt = _gateway(request).rt
    if not x_api_key:
        raise HTTPException(401, "missing X-API-Key")
    for partner_id in rt.partners:
        if rt.api_key_ok(partner_id, x_api_key):
            return partner_id
    await refuse_key(request, rt.throttle, "partner-api-key")
    raise AssertionError("unreachable")


async def _metrics_allowed(
    request: Request, authorization: str | None, x_api_key: str | None
) -> None:
    """The `metrics_token` as a bearer token, or an operator's / viewer's key; 401 otherwise
    (a wrong one counted as a failed login, none at all not)."""
    rt = _gateway(request).rt
    token = rt.settings.metrics_token
    if token is not None and authorization is not None:
        scheme, _, given = authorization.partition(" ")
        expected = token.get_secret_value().encode()
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), expected):
            return
    elif x_api_key is not None:
        await _authenticated(request, x_api_key)  # 401 / 403 / 429 unless a viewer or operator
        return
    if authorization is None:
        raise HTTPException(401, "missing X-API-Key or metrics token")
    await refuse_key(request, rt.throttle, "metrics")


Partner = Annotated[str, Depends(_partner_key)]
Caller = Annotated[str, Depends(_caller)]


def create_api(gateway: Gateway) -> FastAPI:
    app = FastAPI(
        title="edigw",
        version="0.1.0",
        description="EDI-to-API translation gateway: upload X12 / EDIFACT, read acks and "
        "the ledger. Authenticate with the partner's API key in the X-API-Key header.",
        docs_url=None,  # served offline by gateway.console (Swagger UI files from a package)
        redoc_url=None,
    )
    app.state.gateway = gateway
    app.include_router(messages_router)  # the partner mailbox (gateway.service.messages_api)
    rt = gateway.rt
    app.state.operators = rt.operators  # gateway.auth.operators: OperatorKey / ViewerKey
    app.state.throttle = rt.throttle
    app.state.partner_key = lambda key: any(rt.api_key_ok(p, key) for p in rt.partners)

    # each partner's HTTP uploads in flight: one partner's burst cannot take the service
    # process (storing, recording, the 997 of every answer) from the others
    uploading: Counter[str] = Counter()
    raw = {"schema": {"type": "string", "format": "binary"}}
    upload_body = {
        "requestBody": {
            "required": True,
            "description": "The EDI file as the raw body, or a multipart form with a 'file'.",
            "content": {
                "application/edi-x12": raw,
                "application/edifact": raw,
                "text/plain": raw,
                "application/octet-stream": raw,
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {"type": "string", "format": "binary"}},
                        "required": ["file"],
                    }
                },
            },
        }
    }

    @app.post(
        "/v1/partners/{partner_id}/interchanges",
        response_model=UploadOut,
        status_code=201,
        summary="Upload one EDI file; the answer holds its translation and functional ack",
        openapi_extra=upload_body,
    )
    async def upload(partner_id: Partner, request: Request) -> dict[str, Any]:
        most = rt.settings.http_uploads_per_partner
        if uploading[partner_id] >= most:  # before a byte of the body is read
            raise HTTPException(429, f"partner {partner_id} already has {most} uploads in "
                                "flight: send the next one when one is answered",
                                headers={"Retry-After": "2"})  # fmt: skip
        uploading[partner_id] += 1
        try:
            return await _upload(partner_id, request)
        finally:
            uploading[partner_id] -= 1

    async def _upload(partner_id: str, request: Request) -> dict[str, Any]:
        name = request.headers.get("x-file-name", "upload.edi")
        limit = rt.max_file_bytes(partner_id)
        with rt.store.incoming(limit) as incoming:  # streamed to disk; 413 / 408 / 422
            stored, part_name = await stream_upload(request, incoming, limit,
                                                    rt.settings.http_timeout,
                                                    gateway.stopping)  # fmt: skip
        record = await gateway.receive_stored(partner_id, "http", part_name or name, stored,
                                              claim=True)  # fmt: skip
        try:
            outcome = await gateway.translate_upload(record.id)
        except GatewayStopping as stopping:  # stored: GET /v1/files/{id} tells the rest
            raise HTTPException(503, f"{stopping} (GET /v1/files/{record.id})",
                                headers={"Retry-After": "30"}) from None  # fmt: skip
        finally:
            gateway.release(record.id)
        fresh = await asyncio.to_thread(rt.ledger.get_file, record.id)
        assert fresh is not None
        body = await asyncio.to_thread(file_out, gateway, fresh)
        body["requests"] = outcome.requests if outcome else 0
        return body

    @app.get("/v1/files/{file_id}", response_model=FileOut, summary="A file's state and acks")
    async def get_file(file_id: str, partner_id: Caller) -> dict[str, Any]:
        record = await asyncio.to_thread(rt.ledger.get_file, file_id)
        if record is None or record.partner_id != partner_id:
            raise HTTPException(404, "no such file")
        return await asyncio.to_thread(file_out, gateway, record)

    @app.post("/v1/files/{file_id}/replay", response_model=ReplayOut, status_code=201,
              summary="Replay a file (operators only): translate and submit it again as a new "
              "file that is not a duplicate of the original; only the events that did not "
              "already succeed are sent again unless resend=all")  # fmt: skip
    async def replay(
        file_id: str,
        operator: OperatorKey,
        resend: Annotated[Literal["unsent", "all"], Query()] = "unsent",
    ) -> dict[str, Any]:
        record = await gateway.replay(file_id, operator.name, resend)
        if record is None:
            raise HTTPException(404, "no such file")
        body = await asyncio.to_thread(file_out, gateway, record)
        asked = await asyncio.to_thread(replay_record, rt.ledger, record.id)
        assert asked is not None
        body.update(replay_of=asked.replay_of, requested_by=asked.requested_by,
                    resend=asked.resend)  # fmt: skip
        return body

    @app.get("/v1/files/{file_id}/acks", response_model=list[AckOut],
             summary=f"A file's acks in order, from the offset-th, at most limit ({LISTED}) "
             "of them; X-Total-Count: how many the file has")  # fmt: skip
    async def get_acks(
        file_id: str,
        partner_id: Caller,
        response: Response,
        offset: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,  # the ledger's id bound
        limit: Annotated[int, Query(ge=1, le=LISTED)] = LISTED,
    ) -> list[AckOut]:
        record = await asyncio.to_thread(rt.ledger.get_file, file_id)
        if record is None or record.partner_id != partner_id:
            raise HTTPException(404, "no such file")
        acks, count = await asyncio.to_thread(file_acks, rt.ledger, file_id, offset, limit)
        response.headers["X-Total-Count"] = str(count)
        return [ack_out(a) for a in acks]

    @app.get("/v1/search", response_model=list[FileOut],
             summary="Files by purchase order, tracking number or control number")  # fmt: skip
    async def search(
        partner_id: Caller,
        po: Annotated[str | None, Query()] = None,
        tracking: Annotated[str | None, Query()] = None,
        control: Annotated[str | None, Query()] = None,
    ) -> list[dict[str, Any]]:
        found = await asyncio.to_thread(rt.ledger.search, purchase_order=po,
                                        tracking_number=tracking, control=control,
                                        partner_id=partner_id)  # fmt: skip
        return [await asyncio.to_thread(file_out, gateway, r) for r in found]

    @app.get("/healthz", summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", summary="The ledger answers and the data folder is writable")
    async def readyz(response: Response) -> dict[str, str]:
        try:
            await asyncio.to_thread(ledger_answers, rt.ledger)  # SELECT 1: counts nothing
            if not os.access(rt.settings.data_dir, os.W_OK | os.X_OK):
                raise PermissionError(f"data folder not writable: {rt.settings.data_dir}")
        except Exception as exc:
            response.status_code = 503
            return {"status": "not ready", "reason": type(exc).__name__}
        return {"status": "ready"}

    @app.get("/metrics", summary="Prometheus metrics (Authorization: Bearer <metrics_token>, "
             "or an operator's or viewer's X-API-Key)")  # fmt: skip
    async def metrics(
        request: Request,
        authorization: Annotated[str | None, Header()] = None,
        x_api_key: Annotated[str | None, Header()] = None,
    ) -> Response:
        await _metrics_allowed(request, authorization, x_api_key)
        rt.metrics.set_queue(await asyncio.to_thread(rt.ledger.counts))
        return Response(rt.metrics.render(), media_type="text/plain; version=0.0.4")

    install_console(app, gateway)  # /console, /v1/ops/..., /docs
    return app
