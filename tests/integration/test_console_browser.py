"""The ops console in a real browser (Playwright for Python driving Debian's headless
Chromium) against the running service and the SP-API emulator.

An ASN confirms a package; a good 214 and a bad one (a status pair no code table knows) for
that package are dropped through the service. The operator logs in, finds both files by the
tracking number, opens the bad file and sees its faulty segment highlighted, adds a code-table
override, replays the file seeing the field-by-field diff before confirming, and the
corrected status reaches the emulator. A viewer cannot replay. Screenshots of the landing
page, a file page, the replay diff and the dashboard go to tests/output/console/.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from gateway.ledger import FileState
from tests.integration.conftest import x12_asn
from tests.integration.service import (
    REPO,
    Service,
    emulator_process,
    running_service,
    wait_until,
)
from tests.ops_support import many_sets_214, scan_214

playwright = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed")
OUT = REPO / "tests" / "output" / "console"
ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PO, TRACKING = "POBRW7", "1ZBROWSER000007"


@pytest.fixture
def browser() -> Iterator[object]:
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _drop(service: Service, data: bytes, name: str) -> str:
    with service.http() as http:
        answer = http.post(
            "/v1/partners/demo/interchanges", content=data, headers={"X-File-Name": name}
        )
    assert answer.status_code == 201, answer.text
    file_id: str = answer.json()["file_id"]
    return file_id


def _login(page: object, base: str, name: str, password: str) -> None:
    page.goto(base + "/console")  # type: ignore[attr-defined]
    assert "/console/login" in page.url  # type: ignore[attr-defined]
    page.fill("input[name=username]", name)  # type: ignore[attr-defined]
    page.fill("input[name=password]", password)  # type: ignore[attr-defined]
    page.click("button.primary")  # type: ignore[attr-defined]
    page.wait_for_url(base + "/console")  # type: ignore[attr-defined]


def test_console_in_a_browser(tmp_path: Path, browser: object) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with (
        emulator_process(tmp_path / "emulator") as emulator,
        running_service(tmp_path / "gateway", emulator.port) as service,
    ):
        asn = _drop(service, x12_asn({PO: [TRACKING]}, control=7101).encode(), "asn.edi")
        service.wait_file(asn, FileState.DONE, timeout=30)
        good = _drop(service, scan_214(7102, TRACKING, PO, "O1", "NS"), "good.edi")
        bad = _drop(service, scan_214(7103, TRACKING, PO, "ZZ", "QQ"), "bad.edi")
        service.wait_file(good, FileState.DONE, timeout=30)
        assert len(emulator.status_updates(TRACKING)) == 1

        context = browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
        page = context.new_page()
        base = service.base
        _login(page, base, "alice", "alice-password")
        assert page.locator(f"#rejected a[href='/console/files/{bad}']").count() >= 1
        page.screenshot(path=str(OUT / "landing.png"), full_page=True)

        page.fill("header input[name=tracking]", TRACKING)
        page.click("header .quick button")
        page.wait_for_url(f"**/console/files?tracking={TRACKING}")
        page.screenshot(path=str(OUT / "search.png"), full_page=True)
        links = page.locator("table.results tbody tr td:nth-child(3) a")
        hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
        # newest first; the ASN names the package too
        assert hrefs == [f"/console/files/{bad}", f"/console/files/{good}", f"/console/files/{asn}"]

        links.first.click()
        page.wait_for_url(f"**/console/files/{bad}")
        faulty = page.locator("ol.raw li.faulty")
        assert faulty.count() == 1 and faulty.locator(".tag").inner_text() == "AT7"
        assert faulty.locator(".bad-el").inner_text() == "ZZ"
        assert "unmapped_status" in faulty.inner_text()
        assert "unmapped_status" in page.locator("#errors").inner_text()
        assert "997" in page.locator("#acks").inner_text()
        page.screenshot(path=str(OUT / "file.png"), full_page=True)

        page.goto(base + "/console/overrides")
        page.select_option("select[name=partner]", "demo")
        page.select_option("select[name=syntax]", "x12")
        page.fill("input[name=status]", "ZZ")
        page.fill("input[name=reason]", "QQ")
        page.select_option("select[name=event]", "DELIVERED")
        page.fill("input[name=note]", "carrier's own delivered pair")
        page.click("form button.primary")
        page.wait_for_url(base + "/console/overrides")
        assert "carrier's own delivered pair" in page.inner_text("main")

        page.goto(f"{base}/console/files/{bad}")
        page.click("text=Replay…")
        page.wait_for_url(f"**/console/files/{bad}/replay")
        diff = page.locator("table.diff").inner_text()
        assert "/statusUpdateDetails/statusCode" in diff and "D1" in diff and "added" in diff
        assert "v1: x12 ZZ/QQ → DELIVERED" in page.inner_text("main")
        page.screenshot(path=str(OUT / "replay-diff.png"), full_page=True)
        assert len(emulator.status_updates(TRACKING)) == 1  # nothing sent before confirming

        page.check("input[name=resend][value=failed]")
        page.fill("form.confirm input[name=note]", "ZZ/QQ mapped")
        page.click("#confirm-replay")
        page.wait_for_url(f"{base}/console/files/*")
        replay_id = page.url.rsplit("/", 1)[1]
        assert replay_id not in (bad, good)
        service.wait_file(replay_id, FileState.DONE, timeout=30)
        sent = wait_until(
            lambda: [
                u
                for u in emulator.status_updates(TRACKING)
                if u["statusUpdateDetails"]["statusCode"] == "D1"
            ],
            20,
            "the corrected status at the emulator",
        )
        assert len(sent) == 1
        page.reload()
        assert "success" in page.locator("#events").inner_text()
        page.screenshot(path=str(OUT / "file-replayed.png"), full_page=True)

        page.goto(base + "/console/dashboard")
        assert page.locator("svg.chart").count() >= 4
        page.screenshot(path=str(OUT / "dashboard.png"), full_page=True)

        big = _drop(service, many_sets_214(60, control=7104, bad_every=7), "big.edi")
        service.wait_file(big, FileState.TRANSLATED, FileState.SUBMITTED, FileState.DONE,
                          timeout=60)  # fmt: skip
        page.goto(f"{base}/console/files/{big}?segments=50&events=10")
        raw = page.locator("#raw")
        assert "Segments 1–50 of 484" in raw.inner_text()
        assert page.locator("ol.raw li").count() == 50
        assert "10 of 52 events" in page.locator("#events").inner_text()
        page.screenshot(path=str(OUT / "file-paged.png"), full_page=True)
        raw.locator("a", has_text="next 50").first.click()
        page.wait_for_url("**from_segment=51**")
        assert page.locator("ol.raw li").first.get_attribute("value") == "51"
        last_error = page.locator("#errors tbody tr a").last
        line = int((last_error.get_attribute("href") or "").rsplit("seg-", 1)[1])
        last_error.click()
        page.wait_for_url(f"**from_segment={line}**")
        assert "faulty" in (page.locator(f"#seg-{line}").get_attribute("class") or "").split()
        page.locator("#events a", has_text="next 10").first.click()
        page.wait_for_url("**after_event=**")
        assert page.locator("#events tbody tr[id^=event-]").count() == 10
        context.close()

        viewer = browser.new_context()  # type: ignore[attr-defined]
        page = viewer.new_page()
        _login(page, base, "victor", "victor-password")
        page.goto(f"{base}/console/files/{bad}/replay")
        assert page.locator("#confirm-replay").count() == 0
        token = page.locator("input[name=csrf]").first.get_attribute("value")
        refused = page.request.post(
            f"{base}/console/files/{bad}/replay", form={"csrf": token, "resend": "all"}
        )
        assert refused.status == 403
        viewer.close()
        replays = [f for f in service.ledger().files_in_state(*FileState) if f.replay_of == bad]
        assert [f.id for f in replays] == [replay_id]
