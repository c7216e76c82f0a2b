"""One partner's HTTP uploads in flight are capped (`http_uploads_per_partner`): beyond the
cap the partner gets 429 with Retry-After before a byte of its body is read (the count is
per partner: others are not affected); it is given back when an upload is answered or
refused."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from gateway.service.worker import Gateway
from tests.ops_support import PARTNER_KEY, build_app, scan_214


def test_one_partners_uploads_in_flight_are_capped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, gateway = build_app(tmp_path)
    most = gateway.rt.settings.http_uploads_per_partner
    release = asyncio.Event()
    started: list[str] = []
    real = Gateway.translate_upload

    async def held(self: Gateway, file_id: str) -> Any:
        started.append(file_id)
        await release.wait()
        return await real(self, file_id)

    monkeypatch.setattr(Gateway, "translate_upload", held)

    async def scenario() -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:

            def post(n: int) -> Any:
                data = scan_214(7000 + n, f"1ZFAIR{n:04d}", f"PO{n}")
                return client.post("/v1/partners/demo/interchanges", headers=PARTNER_KEY,
                                   content=data)  # fmt: skip

            held_uploads = [asyncio.create_task(post(n)) for n in range(most)]
            while len(started) < most:
                await asyncio.sleep(0.01)
            over = await asyncio.wait_for(post(99), 10)  # held too without the cap
            assert over.status_code == 429, over.text
            assert over.headers["retry-after"] == "2"
            assert f"{most} uploads in flight" in over.json()["detail"]
            release.set()
            answers = await asyncio.gather(*held_uploads)
            assert [a.status_code for a in answers] == [201] * most
            again = await post(100)  # the count was given back
            assert again.status_code == 201, again.text
            for _ in range(most + 1):  # a refused upload gives its count back too
                form = b'--b\r\nContent-Disposition: form-data; name="note"\r\n\r\nx\r\n--b--\r\n'
                bad = await client.post("/v1/partners/demo/interchanges", content=form,
                                        headers={**PARTNER_KEY, "Content-Type":
                                                 "multipart/form-data; boundary=b"})  # fmt: skip
                assert bad.status_code == 422, bad.text
            assert (await post(200)).status_code == 201

    asyncio.run(scenario())
    assert len(started) == most + 2
