"""Webhook deliveries per partner: a receiver that is slow for one partner does not hold up
another partner's deliveries, and a partner whose receiver keeps failing waits longer after
each failed round (real HTTP receivers on loopback)."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

import gateway.service.webhooks as webhooks
from gateway.ledger import FileState
from gateway.ledger.mailbox import MAILBOX
from gateway.ledger.records import AckInfo
from gateway.service.runtime import Runtime
from gateway.service.webhooks import WebhookPusher, push_webhooks
from tests.test_service_jobs import runtime


@contextmanager
def receiver(delay: float = 0.0, status: int = 204) -> Iterator[tuple[str, list[float]]]:
    """A loopback webhook receiver answering `status` after `delay` s; when each body came."""
    arrivals: list[float] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            time.sleep(delay)
            arrivals.append(time.monotonic())
            self.send_response(status)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/hook", arrivals
    finally:
        server.shutdown()
        server.server_close()


def two_partners(tmp_path: Path, slow_url: str, quick_url: str) -> Runtime:
    """The slow partner first (the order the job visits them), each with one mailbox ack."""
    rt = runtime(tmp_path)
    demo = rt.partners["demo"]
    assert demo.transports.http is not None
    partners = {}
    for partner_id, url in (("slow", slow_url), ("quick", quick_url)):
        http = demo.transports.http.model_copy(update={"webhook_url": url})
        transports = demo.transports.model_copy(update={"http": http})
        partners[partner_id] = demo.model_copy(update={"id": partner_id,
                                                       "transports": transports})  # fmt: skip
        file_id, path, sha256 = rt.store.store(partner_id.encode())
        rt.ledger.record_file(partner_id=partner_id, transport="http", name="f.edi",
                              sha256=sha256, size=3, stored_path=str(path),
                              file_id=file_id)  # fmt: skip
        ack = rt.ledger.add_ack(file_id, "997", f"ack of {partner_id}")
        rt.ledger.mark_delivered(ack, MAILBOX)
    rt.partners = partners
    return rt


def test_a_slow_receiver_does_not_delay_another_partners_delivery(tmp_path: Path) -> None:
    with receiver(delay=8.0) as (slow_url, slow), receiver() as (quick_url, quick):
        rt = two_partners(tmp_path, slow_url, quick_url)

        async def scenario() -> float:
            started = time.monotonic()
            job = asyncio.create_task(push_webhooks(rt))
            while not quick and time.monotonic() - started < 12:
                await asyncio.sleep(0.05)
            waited = (quick or [float("inf")])[0] - started
            assert await job == 2
            return waited

        waited = asyncio.run(scenario())
        assert waited < 3.0, f"the quick partner waited {waited:.1f} s for the slow one"
        assert len(slow) == 1
        assert {a.webhook_status for a in rt.ledger.webhook_pending("slow", 99)} == set()


def test_a_failing_receiver_waits_longer_after_each_round(tmp_path: Path) -> None:
    with receiver(status=503) as (bad_url, bad), receiver() as (good_url, good):
        rt = two_partners(tmp_path, bad_url, good_url)

        async def scenario() -> list[float]:
            pusher = WebhookPusher(rt, interval=1.0, backoff=0.001, max_wait=3.0)
            waits = []
            try:
                assert await pusher.run_once() == 1  # the good partner's only message
                for _ in range(3):
                    waits.append(pusher.wait_of("slow"))
                    await asyncio.gather(*await pusher.tick())
                    assert len(bad) == 3 * len(waits)  # not due yet: not tried again
                    pusher._due["slow"] = 0.0  # time passes
                    await pusher.run_once()
                waits.append(pusher.wait_of("slow"))
            finally:
                await pusher.aclose()
            return waits

        assert asyncio.run(scenario()) == [2.0, 3.0, 3.0, 3.0]  # doubling, capped at 3 s
        assert len(good) == 1 and len(bad) == 3 * 4  # ATTEMPTS tries per round, 4 rounds
        [pending] = rt.ledger.webhook_pending("slow", 99)
        assert pending.webhook_status == "HTTP 503" and pending.webhook_attempts == 12


def test_a_round_reads_the_pending_messages_in_pages_and_sends_each_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A mailbag's thousands of mailbox messages are read a page at a time (never all of
    them at once): a round goes through every page, in order, each message sent once."""
    monkeypatch.setattr(webhooks, "_PAGE", 3)
    with receiver() as (url, arrivals), receiver() as (other_url, _):
        rt = two_partners(tmp_path, url, other_url)
        (file_id,) = [f.id for f in rt.ledger.files_in_state(FileState.RECEIVED)
                      if f.partner_id == "slow"]  # fmt: skip
        for n in range(7):
            rt.ledger.mark_delivered(rt.ledger.add_ack(file_id, "997", f"ack {n}"), MAILBOX)
        reads: list[tuple[int, int | None]] = []
        pending = rt.ledger.webhook_pending

        def counted(
            partner: str, attempts: int, after: int = 0, limit: int | None = None
        ) -> list[AckInfo]:
            if partner == "slow":
                reads.append((after, limit))
            return pending(partner, attempts, after, limit)

        monkeypatch.setattr(rt.ledger, "webhook_pending", counted)
        assert asyncio.run(push_webhooks(rt)) == 9
    assert len(arrivals) == 8  # the partner's first message and the 7 others
    assert [limit for _, limit in reads] == [3, 3, 3, 3] and reads[0][0] == 0  # 3 + 3 + 2
    assert pending("slow", 99) == []
