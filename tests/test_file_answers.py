"""A file's HTTP answer lists its first `LISTED` interchanges and acks and counts all of them;
`GET /v1/files/{id}/acks` pages the acks (X-Total-Count). A reviewer's 50,000-interchange
mailbag made a 23.7 MB upload answer, every interchange and ack inline."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from gateway.service import api, file_answers
from gateway.service.worker import Gateway
from tests.integration.conftest import orders, x12_status
from tests.test_service_jobs import runtime

KEY = {"X-API-Key": "demo-key"}
INTERCHANGES = 7


def _mailbag() -> bytes:
    return "".join(x12_status(orders(f"L{n}", 1, packs=1), control=700 + n)
                   for n in range(INTERCHANGES)).encode()  # fmt: skip


@pytest.mark.parametrize("listed", [3, INTERCHANGES, 50])
def test_answers_list_the_first_interchanges_and_acks_and_count_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, listed: int
) -> None:
    for module in (api, file_answers):  # the service's modules, never compiled: constants
        monkeypatch.setattr(module, "LISTED", listed)
    rt = runtime(tmp_path)
    http = TestClient(api.create_api(Gateway(rt)), raise_server_exceptions=False)
    upload = http.post("/v1/partners/demo/interchanges", content=_mailbag(),
                       headers={**KEY, "X-File-Name": "bag.edi"})  # fmt: skip
    assert upload.status_code == 201, upload.text
    shown = min(listed, INTERCHANGES)
    for body in (upload.json(), http.get(f"/v1/files/{upload.json()['file_id']}",
                                         headers=KEY).json()):  # fmt: skip
        assert body["interchange_count"] == body["acknowledgement_count"] == INTERCHANGES
        controls = [i["control"] for i in body["interchanges"]]
        assert controls == [f"{700 + n:09d}" for n in range(shown)]
        assert [a["type"] for a in body["acknowledgements"]] == ["997"] * shown
    file_id = upload.json()["file_id"]
    every = http.get(f"/v1/files/{file_id}/acks", headers=KEY)
    assert every.headers["X-Total-Count"] == str(INTERCHANGES)
    assert len(every.json()) == shown
    pages = [http.get(f"/v1/files/{file_id}/acks", params={"offset": offset, "limit": 2},
                      headers=KEY).json() for offset in range(0, INTERCHANGES, 2)]  # fmt: skip
    contents = [a["content"] for page in pages for a in page]
    assert len(contents) == INTERCHANGES == len(set(contents))
    assert all(f"AK1*QM*{700 + n}~" in contents[n] for n in range(INTERCHANGES))
    for params in ({"limit": listed + 1}, {"limit": 0}, {"offset": -1}, {"offset": 2**63},
                   {"offset": "abc"}):  # fmt: skip
        refused = http.get(f"/v1/files/{file_id}/acks", params=params, headers=KEY)
        assert refused.status_code == 422, (params, refused.text)
    other = http.get(f"/v1/files/{file_id}/acks", headers={"X-API-Key": "wrong"})
    assert other.status_code in (401, 403)
