"""The HTTP partner's mailbox: its acks and advices, newest last, with a cursor.

GET /v1/partners/{id}/messages?after=<message_id>&limit=<n> lists the messages not yet
collected whose id is greater than `after` (0: from the start), oldest first, newest last;
`next` is the cursor for the following page (the last id listed, or `after` when empty).
DELETE /v1/partners/{id}/messages/{message_id} marks one collected (204; 404 when the
partner has no such uncollected message). Partners authenticate with X-API-Key. A cursor
or message id out of range (negative, or past the largest id the ledger holds) is a 422.
"""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query, Request, Response

from gateway.ledger.tables import MAX_ID
from gateway.service.webhooks import message_json
from gateway.service.worker import Gateway

__all__ = ["router"]

router = APIRouter()


async def _partner(partner_id: str, request: Request,
                   x_api_key: Annotated[str | None, Header()] = None) -> Gateway:  # fmt: skip
    """The partner's key, checked like every partner route: throttled, failures logged."""
    from gateway.service.api import _partner_key  # api.py includes this router

    await _partner_key(partner_id, request, x_api_key)
    gateway: Gateway = request.app.state.gateway
    return gateway


Partner = Annotated[Gateway, Depends(_partner)]


@router.get("/v1/partners/{partner_id}/messages")
async def list_messages(partner_id: str, gateway: Partner,
                        after: Annotated[int, Query(ge=0, le=MAX_ID)] = 0,
                        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                        ) -> dict[str, Any]:  # fmt: skip
    """The partner's uncollected acks and advices after the cursor, newest last."""
    acks = await asyncio.to_thread(gateway.rt.ledger.mailbox, partner_id, after, limit)
    return {"messages": [message_json(a) for a in acks],
            "next": acks[-1].id if acks else after}  # fmt: skip


@router.delete("/v1/partners/{partner_id}/messages/{message_id}", status_code=204)
async def collect_message(partner_id: str,
                          message_id: Annotated[int, Path(ge=1, le=MAX_ID)],
                          gateway: Partner) -> Response:  # fmt: skip
    """The partner collected the message: it leaves the mailbox (the ledger keeps it)."""
    if not await asyncio.to_thread(gateway.rt.ledger.collect, partner_id, message_id):
        raise HTTPException(404, f"no message {message_id} in partner {partner_id}'s mailbox")
    return Response(status_code=204)
