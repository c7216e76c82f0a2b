"""Webhook delivery: an HTTP partner whose profile names `transports.http.webhook_url` gets
every ack and advice of its mailbox POSTed there as JSON (the same shape as
`GET /v1/partners/{id}/messages`), oldest first.

Each partner is delivered to on its own (`WebhookPusher`): a slow receiver delays only its
own partner. A partner's round tries its pending ones in order with tenacity: up to
`ATTEMPTS` tries with jittered exponential backoff on transport errors, 429 and 5xx; any 2xx
is delivered. Every round's outcome is recorded on the ack (attempts, last status, when); a
message that still fails is tried again in the partner's next round, which waits longer
after each failed round, up to `MAX_ATTEMPTS` tries in all. The mailbox keeps it
until the partner collects it, delivered or not.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator
from contextlib import aclosing
from functools import partial
from typing import Any

import httpx
from tenacity import (
    AsyncRetrying,
    RetryError,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from gateway.ledger.mailbox import with_content
from gateway.ledger.records import AckInfo, AckRecord
from gateway.service.runtime import Runtime

__all__ = ["ATTEMPTS", "MAX_ATTEMPTS", "WebhookPusher", "message_json", "push_webhooks"]

log = logging.getLogger("edigw.service")
ATTEMPTS = 3  # per round
MAX_ATTEMPTS = 30  # in all, then the message stays in the mailbox only
_PAGE = 500  # pending messages read at a time (without their text)
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


class WebhookPusher:
    """Webhook deliveries, each partner on its own: a slow or failing receiver holds up only
    its own partner.

    `tick()` (the scheduler job, every `webhook_interval` seconds) starts a delivery task for
    every partner with a webhook that is due and has none in flight, and returns at once; at
    most `max_in_flight` partners are delivered to at the same time. A partner's round that
    ends with a message undelivered makes it wait `interval * 2**failures` seconds (capped at
    `max_wait`) before its next round; a round that delivers everything resets the wait.
    """

    def __init__(self, rt: Runtime, *, interval: float, http: httpx.AsyncClient | None = None,
                 max_in_flight: int = 8, backoff: float = 0.5,
                 max_wait: float = 900.0) -> None:  # fmt: skip
        self.rt, self.interval, self.backoff, self.max_wait = rt, interval, backoff, max_wait
        self._own = http is None
        self._http = http or httpx.AsyncClient(timeout=10.0)
        self._slots = asyncio.Semaphore(max_in_flight)
        self._tasks: dict[str, asyncio.Task[int]] = {}
        self._failures: dict[str, int] = {}
        self._due: dict[str, float] = {}  # loop time before which the partner waits
        self.delivered = 0

    def wait_of(self, partner_id: str) -> float:
        """Seconds the partner waits after its last round (0 when it went through)."""
        failures = self._failures.get(partner_id, 0)
        return 0.0 if failures == 0 else min(self.interval * 2**failures, self.max_wait)

    async def tick(self) -> list[asyncio.Task[int]]:
        """Start the due partners' rounds (no waiting for them); the tasks started. A
        coroutine so that the scheduler runs it on the event loop."""
        now = asyncio.get_running_loop().time()
        started = []
        for partner_id, profile in self.rt.partners.items():
            url = profile.transports.http.webhook_url if profile.transports.http else None
            if not url or partner_id in self._tasks or self._due.get(partner_id, 0.0) > now:
                continue
            task = asyncio.create_task(self._round(partner_id, url))
            self._tasks[partner_id] = task
            task.add_done_callback(partial(self._finished, partner_id))
            started.append(task)
        return started

    def _finished(self, partner_id: str, _task: asyncio.Task[int]) -> None:
        self._tasks.pop(partner_id, None)

    async def run_once(self) -> int:
        """Start the due partners' rounds and wait for them; how many messages delivered."""
        return sum(await asyncio.gather(*await self.tick()))

    async def aclose(self) -> None:
        """Cancel the rounds in flight (their messages stay pending) and close the client."""
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._own:
            await self._http.aclose()

    async def _pending(self, partner_id: str) -> AsyncGenerator[AckInfo, None]:
        """The partner's pending messages in order, `_PAGE` per read (keyset on the id)."""
        after = 0
        while page := await asyncio.to_thread(self.rt.ledger.webhook_pending, partner_id,
                                              MAX_ATTEMPTS, after, _PAGE):  # fmt: skip
            for info in page:
                yield info
            after = page[-1].id

    async def _round(self, partner_id: str, url: str) -> int:
        delivered, ok = 0, True
        try:
            async with self._slots, aclosing(self._pending(partner_id)) as pending:
                async for info in pending:  # each text read when it is sent
                    content = await asyncio.to_thread(self.rt.ledger.ack_text, info.id)
                    body = message_json(with_content(info, content))
                    del content
                    attempts, status = await _post(self._http, url, body, self.backoff)
                    del body
                    await asyncio.to_thread(self.rt.ledger.record_webhook, info.id, attempts,
                                            status)  # fmt: skip
                    log.info("webhook", extra={"partner": partner_id, "message_id": info.id,
                                               "attempts": attempts, "status": status})  # fmt: skip
                    if status != DELIVERED:
                        ok = False
                        break  # keep the partner's order: the rest waits for the next round
                    delivered += 1
        except Exception:  # a ledger fault: this partner waits, the others go on
            log.exception("webhook round failed", extra={"partner": partner_id})
            ok = False
        self._failures[partner_id] = 0 if ok else self._failures.get(partner_id, 0) + 1
        self._due[partner_id] = asyncio.get_running_loop().time() + self.wait_of(partner_id)
        self.delivered += delivered
        return delivered


async def push_webhooks(rt: Runtime, http: httpx.AsyncClient | None = None,
                        backoff: float = 0.5) -> int:  # fmt: skip
    """One round of webhook deliveries for every partner with a webhook, the partners
    concurrently; how many delivered."""
    pusher = WebhookPusher(rt, interval=rt.settings.webhook_interval, http=http,
                           backoff=backoff)  # fmt: skip
    try:
        return await pusher.run_once()
    finally:
        await pusher.aclose()
