"""HTTP API (thin): upload an interchange, read a file's state and acks, search, health,
metrics. Partners authenticate with their API key in `X-API-Key`."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Header, HTTPException, Query, Request, Response
from pydantic import BaseModel

from gateway.ledger.records import FileRecord
from gateway.ledger.streaming import event_counts
from gateway.service.uploads import stream_upload
from gateway.service.worker import Gateway

__all__ = ["create_api"]


class AckOut(BaseModel):
    type: str
    content: str
    acknowledges: str | None
    delivered_to: str | None


class FileOut(BaseModel):
    file_id: str
    partner_id: str
    transport: str
    name: str
    state: str
    state_reason: str | None
    syntax: str | None
    accepted: bool | None
    errors: list[dict[str, Any]]
    received_at: str
    interchanges: list[dict[str, Any]]
    events: dict[str, int]
    acknowledgements: list[AckOut]


class UploadOut(FileOut):
    requests: int


def _file_out(gateway: Gateway, record: FileRecord) -> dict[str, Any]:
    ledger = gateway.rt.ledger
    events = event_counts(ledger, record.id)
    return {
        "file_id": record.id, "partner_id": record.partner_id, "transport": record.transport,
        "name": record.name, "state": record.state.value, "state_reason": record.state_reason,
        "syntax": record.syntax, "accepted": record.accepted, "errors": record.errors,
        "received_at": record.received_at.isoformat(),
        "interchanges": [{"sender": i.sender, "receiver": i.receiver, "control": i.control,
                          "accepted": i.accepted, "duplicate_of": i.duplicate_of,
                          "test": i.test} for i in ledger.interchanges_for_file(record.id)],
        "events": events,
        "acknowledgements": [AckOut(type=a.type, content=a.content,
                                    acknowledges=a.acknowledges, delivered_to=a.delivered_to)
                             for a in ledger.acks_for_file(record.id)],
    }  # fmt: skip


def _gateway(request: Request) -> Gateway:
    gateway: Gateway = request.app.state.gateway
    return gateway


def _partner_key(
    partner_id: str, request: Request, x_api_key: Annotated[str | None, Header()] = None
) -> str:
    rt = _gateway(request).rt
    if partner_id not in rt.partners or not rt.api_key_ok(partner_id, x_api_key):
        raise HTTPException(401, "unknown partner or wrong X-API-Key")
    return partner_id


def _caller(request: Request, x_api_key: Annotated[str | None, Header()] = None) -> str:
    rt = _gateway(request).rt
    for partner_id in rt.partners:
        if rt.api_key_ok(partner_id, x_api_key):
            return partner_id
    raise HTTPException(401, "wrong or missing X-API-Key")


Partner = Annotated[str, Depends(_partner_key)]
Caller = Annotated[str, Depends(_caller)]


def create_api(gateway: Gateway) -> FastAPI:
    app = FastAPI(
        title="edigw",
        version="0.1.0",
        description="EDI-to-API translation gateway: upload X12 / EDIFACT, read acks and "
        "the ledger. Authenticate with the partner's API key in the X-API-Key header.",
    )
    app.state.gateway = gateway
    rt = gateway.rt

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
        name = request.headers.get("x-file-name", "upload.edi")
        limit = rt.max_file_bytes(partner_id)
        with rt.store.incoming(limit) as incoming:  # streamed to disk; 413 / 408 / 422
            stored, part_name = await stream_upload(request, incoming, limit,
                                                    rt.settings.http_timeout)  # fmt: skip
        record = await gateway.receive_stored(partner_id, "http", part_name or name, stored,
                                              claim=True)  # fmt: skip
        try:
            outcome = await gateway.translate(record.id)
        finally:
            gateway.release(record.id)
        fresh = await asyncio.to_thread(rt.ledger.get_file, record.id)
        assert fresh is not None
        body = await asyncio.to_thread(_file_out, gateway, fresh)
        body["requests"] = outcome.requests if outcome else 0
        return body

    @app.get("/v1/files/{file_id}", response_model=FileOut, summary="A file's state and acks")
    async def get_file(file_id: str, partner_id: Caller) -> dict[str, Any]:
        record = await asyncio.to_thread(rt.ledger.get_file, file_id)
        if record is None or record.partner_id != partner_id:
            raise HTTPException(404, "no such file")
        return await asyncio.to_thread(_file_out, gateway, record)

    @app.post("/v1/files/{file_id}/replay", response_model=FileOut, status_code=201,
              summary="Replay a file: translate and submit it again as a new file that is "
              "not a duplicate of the original (an operator's decision)")  # fmt: skip
    async def replay(file_id: str, partner_id: Caller) -> dict[str, Any]:
        original = await asyncio.to_thread(rt.ledger.get_file, file_id)
        if original is None or original.partner_id != partner_id:
            raise HTTPException(404, "no such file")
        record = await gateway.replay(file_id)
        assert record is not None
        return await asyncio.to_thread(_file_out, gateway, record)

    @app.get("/v1/files/{file_id}/acks", response_model=list[AckOut])
    async def get_acks(file_id: str, partner_id: Caller) -> list[AckOut]:
        return (await get_file(file_id, partner_id))["acknowledgements"]  # type: ignore[no-any-return]

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
        return [await asyncio.to_thread(_file_out, gateway, r) for r in found]

    @app.get("/healthz", summary="The process is alive")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", summary="The ledger answers and the data folder is writable")
    async def readyz(response: Response) -> dict[str, str]:
        try:
            await asyncio.to_thread(rt.ledger.counts)
            probe = rt.settings.data_dir / ".ready"
            await asyncio.to_thread(probe.write_text, "ok")
        except Exception as exc:
            response.status_code = 503
            return {"status": "not ready", "reason": type(exc).__name__}
        return {"status": "ready"}

    @app.get("/metrics", summary="Prometheus metrics")
    async def metrics() -> Response:
        rt.metrics.set_queue(await asyncio.to_thread(rt.ledger.counts))
        return Response(rt.metrics.render(), media_type="text/plain; version=0.0.4")

    return app
