"""Webhook delivery: an HTTP partner whose profile names `transports.http.webhook_url` gets
every ack and advice of its mailbox POSTed there as JSON (the same shape as
`GET /v1/partners/{id}/messages`), oldest first.

Each round (a scheduler job) tries the pending ones with tenacity: up to `ATTEMPTS` tries
with jittered exponential backoff on transport errors, 429 and 5xx; any 2xx is delivered.
Every round's outcome is recorded on the ack (attempts, last status, when); a message that
still fails is tried again next round, up to `MAX_ATTEMPTS` in all. The mailbox keeps it
until the partner collects it, delivered or not.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
from tenacity import (
    AsyncRetrying,
    RetryError,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from gateway.ledger.records import AckRecord
from gateway.service.runtime import Runtime

__all__ = ["ATTEMPTS", "MAX_ATTEMPTS", "message_json", "push_webhooks"]

log = logging.getLogger("edigw.service")
ATTEMPTS = 3  # per round
MAX_ATTEMPTS = 30  # in all, then the message stays in the mailbox only
DELIVERED = "delivered"


class _Retryable(Exception):
    def __init__(self, status: str) -> None:
        super().__init__(status)
        self.status = status


def message_json(ack: AckRecord) -> dict[str, Any]:
    """One mailbox message: id (also the cursor), its file, type, what it answers, text."""
    return {"message_id": ack.id, "file_id": ack.file_id, "type": ack.type,
            "acknowledges": ack.acknowledges, "created_at": ack.created_at.isoformat(),
            "content": ack.content}  # fmt: skip


async def _post(http: httpx.AsyncClient, url: str, body: dict[str, Any],
                backoff: float) -> tuple[int, str]:  # fmt: skip
    """(attempts made, outcome): `delivered`, `HTTP <code>` or the transport error's name."""
    attempts = 0
    retrying = AsyncRetrying(stop=stop_after_attempt(ATTEMPTS),
                             wait=wait_random_exponential(multiplier=backoff, max=30 * backoff),
                             retry=retry_if_exception_type(_Retryable))  # fmt: skip
    try:
        async for attempt in retrying:
            with attempt:
                attempts += 1
                try:
                    response = await http.post(url, json=body)
                except httpx.HTTPError as exc:
                    raise _Retryable(type(exc).__name__) from None
                if response.status_code == 429 or response.status_code >= 500:
                    raise _Retryable(f"HTTP {response.status_code}")
                if not 200 <= response.status_code < 300:
                    return attempts, f"HTTP {response.status_code}"  # refused: next round
    except RetryError as exc:
        failure = exc.last_attempt.exception()
        return attempts, failure.status if isinstance(failure, _Retryable) else "error"
    return attempts, DELIVERED


async def push_webhooks(rt: Runtime, http: httpx.AsyncClient | None = None,
                        backoff: float = 0.5) -> int:  # fmt: skip
    """One round of webhook deliveries for every partner with a webhook; how many delivered."""
    delivered = 0
    own = http is None
    client = http or httpx.AsyncClient(timeout=10.0)
    try:
        for partner_id, profile in rt.partners.items():
            url = profile.transports.http.webhook_url if profile.transports.http else None
            if not url:
                continue
            pending = await asyncio.to_thread(rt.ledger.webhook_pending, partner_id,
                                              MAX_ATTEMPTS)  # fmt: skip
            for ack in pending:
                attempts, status = await _post(client, url, message_json(ack), backoff)
                await asyncio.to_thread(rt.ledger.record_webhook, ack.id, attempts, status)
                log.info("webhook", extra={"partner": partner_id, "message_id": ack.id,
                                           "attempts": attempts, "status": status})  # fmt: skip
                if status != DELIVERED:
                    break  # keep the partner's order: the rest waits for the next round
                delivered += 1
    finally:
        if own:
            await client.aclose()
    return delivered
