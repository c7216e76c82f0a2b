"""Shared set-up for the emulator integration tests: generated EDI, a running emulator with
its control routes, the client run, and the ledger check ("nothing lost, nothing sent twice").

The ledger check compares what the gateway meant to send (the items of the translated
requests) with the emulator's own record of what it accepted (202 answers), item by item.
"""

from __future__ import annotations

import asyncio
import io
import json
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

import httpx
import pytest
from pydantic import SecretStr

from gateway.ack.context import AckContext
from gateway.emulator import EmulatorConfig, running_emulator
from gateway.mapping.codes import load_code_tables
from gateway.mapping.result import TranslatedRequest
from gateway.pipeline import translate_stream
from gateway.profile import load_profile
from gateway.settings import SellerAccount, SubmitSettings
from gateway.spapi import SubmissionOutcome
from gateway.submit.batching import ITEM_KEYS
from gateway.submit.client import SpApiClient
from gateway.submit.submitter import Submitter

__all__ = [
    "FAST",
    "SELLER",
    "Emulator",
    "Orders",
    "Record",
    "RunResult",
    "accepted_items",
    "assert_exactly_once",
    "edifact_status",
    "items_of",
    "orders",
    "run_submit",
    "sent_items",
    "submit_records",
    "summary",
    "translate",
    "x12_asn",
    "x12_status",
]

Orders = Mapping[str, Sequence[str]]  # purchase order -> tracking numbers of its packages
Record = dict[str, Any]  # one entry of GET /_emulator/requests
SELLER = "demo"
# Client settings for loopback: tiny backoff, quick polls, generous attempts.
FAST = SubmitSettings(
    backoff_base=0.01, backoff_max=0.05, poll_interval=0.05, timeout=5.0, max_attempts=10
)
EMULATOR = EmulatorConfig(settle="success", settle_after=0.2)
X12_EVENTS = (("XB", "NS"), ("OD", "NS"), ("D1", "NS"))  # shipped, out for delivery, delivered
EDIFACT_EVENTS = ("101", "302", "301")
_OPERATION_OF_PATH = {
    "/shipmentConfirmations": "submitShipmentConfirmations",
    "/shipmentStatusUpdates": "submitShipmentStatusUpdates",
}


def orders(prefix: str, count: int, packs: int = 2) -> dict[str, list[str]]:
    """`count` purchase orders with `packs` tracking numbers each, all named after `prefix`."""
    return {
        f"PO{prefix}{i:03d}": [f"1Z{prefix}{i:03d}P{p}" for p in range(1, packs + 1)]
        for i in range(1, count + 1)
    }


# --- generated EDI ---------------------------------------------------------------------------


def _isa(control: int, test: bool) -> str:
    return (
        f"ISA*00*          *00*          *ZZ*DEMOCARRIER    *ZZ*AMAZONDF       *261124*1830"
        f"*U*00401*{control:09d}*0*{'T' if test else 'P'}*>~\n"
    )


def _x12(functional_id: str, sets: list[list[str]], control: int, test: bool) -> str:
    out = [
        _isa(control, test),
        f"GS*{functional_id}*DEMOCARRIER*AMAZONDF*20261124*1830*{control}*X*004010~\n",
    ]
    for number, body in enumerate(sets, start=1):
        st = f"{number:04d}"
        segments = [f"ST*{body[0]}*{st}", *body[1:], f"SE*{len(body) + 1}*{st}"]
        out.extend(s + "~\n" for s in segments)
    out.append(f"GE*{len(sets)}*{control}~\nIEA*1*{control:09d}~\n")
    return "".join(out)


def x12_asn(shipments: Orders, *, control: int, test: bool = False) -> str:
    """An 856 interchange: one ASN per purchase order, one package (MAN*CP) per tracking no.,
    shipped two hours before now (Central time): a fixed date would pass the gateway's
    confirmation deadline (`confirmation_deadline_hours`) and open an alert once it is old."""
    shipped = datetime.now(ZoneInfo("America/Chicago")) - timedelta(hours=2)
    sets = []
    for number, (po, tracking) in enumerate(shipments.items(), start=1):
        body = [
            "856",
            f"BSN*00*SHIP{control}-{number}*20261124*1830*0001",
            "HL*1**S",
            "TD1*CTN25*2****G*12.5*LB",
            "TD5**2*UPSN*M*UPS Ground",
            "REF*BM*BOL4711",
            f"DTM*011*{shipped:%Y%m%d*%H%M}*CT",
            "N1*SF*Demo Vendor DC*92*ABCD",
            "N1*SE*Demo Vendor*92*999US",
            "HL*2*1*O",
            f"PRF*{po}",
        ]
        hl = 3
        for line, package in enumerate(tracking, start=1):
            body += [
                f"HL*{hl}*2*P",
                "TD1*CTN25*1****G*7.5*LB",
                f"MAN*CP*{package}",
                f"HL*{hl + 1}*{hl}*I",
                f"LIN*{line}*VN*SKU-{line}",
                "SN1**2*EA",
            ]
            hl += 2
        sets.append([*body, f"CTT*{hl - 1}"])
    return _x12("SH", sets, control, test)


def x12_status(shipments: Orders, *, control: int, events: int = 2, test: bool = False) -> str:
    """A 214 interchange: per purchase order one set, `events` statuses per tracking number
    (in time order: shipped, out for delivery, delivered)."""
    sets = []
    for po, tracking in shipments.items():
        body = ["214", f"B10*{po}*{po}*DEMO", f"L11*{po}*PO"]
        lx = 0
        for event in range(events):
            status, reason = X12_EVENTS[event]
            for number in tracking:
                lx += 1
                body += [
                    f"LX*{lx}",
                    f"AT7*{status}*{reason}***20261124*{7 + event:02d}{lx % 60:02d}*CT",
                    "MS1*CHICAGO*IL*US",
                    f"L11*{number}*2I",
                ]
        sets.append(body)
    return _x12("QM", sets, control, test)


def edifact_status(
    shipments: Orders, *, reference: str, events: int = 1, test: bool = False
) -> str:
    """An IFTSTA D01B interchange: one message, one CNI per (event, tracking number)."""
    body = [f"BGM+77+ST{reference}+9", "DTM+137:202611241830:203", "NAD+CA+DEMOCARRIER::9"]
    cni = 0
    for event in range(events):
        for po, tracking in shipments.items():
            for number in tracking:
                cni += 1
                body += [
                    f"CNI+{cni}+{number}",
                    f"STS+1+{EDIFACT_EVENTS[event]}::6+000",
                    f"RFF+ON:{po}",
                    f"DTM+334:20261124{7 + event:02d}{cni % 60:02d}00:204",
                    "LOC+175+USCHI::6:Chicago",
                ]
    unb = f"UNB+UNOC:3+DEMOCARRIER:ZZ+AMAZONDF:ZZ+261124:1830+{reference}"
    if test:
        unb += "++++++1"
    segments = [
        "UNA:+.? ",
        unb,
        "UNH+1+IFTSTA:D:01B:UN",
        *body,
        f"UNT+{len(body) + 2}+1",
        f"UNZ+1+{reference}",
    ]
    return "'\n".join(segments) + "'\n"


def translate(text: str) -> list[TranslatedRequest]:
    """The SP-API requests an interchange means (demo partner); it must translate cleanly."""
    requests: list[TranslatedRequest] = []
    outcome = translate_stream(
        io.BytesIO(text.encode()),
        load_profile("demo"),
        load_code_tables(),
        AckContext(),
        requests.append,
    )
    assert outcome.accepted, [p.to_report() for p in outcome.problems]
    assert requests
    return requests


# --- the emulator ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Emulator:
    """A running emulator: its base URL, configuration and control routes."""

    base: str
    config: EmulatorConfig

    def account(self) -> SellerAccount:
        c = self.config
        return SellerAccount(
            client_id=c.client_id,
            client_secret=SecretStr(c.client_secret),
            refresh_token=SecretStr(c.refresh_token),
            endpoint=self.base,
            sandbox_endpoint=self.base + "/sandbox",
            token_url=self.base + "/auth/o2/token",
        )

    def faults(self, **faults: Any) -> None:
        response = httpx.post(self.base + "/_emulator/faults", json=faults, timeout=5)
        assert response.status_code == 200, response.text

    async def clear_faults(self) -> None:
        async with httpx.AsyncClient(timeout=5) as http:
            response = await http.post(self.base + "/_emulator/faults", json={})
        assert response.status_code == 200, response.text

    def requests(self) -> list[Record]:
        response = httpx.get(self.base + "/_emulator/requests", timeout=5)
        assert response.status_code == 200
        records: list[Record] = response.json()
        return records


@pytest.fixture
def start_emulator() -> Iterator[Callable[..., Emulator]]:
    """Start an emulator with EMULATOR's settings changed by keyword; stopped after the test."""
    with ExitStack() as stack:

        def start(**changes: Any) -> Emulator:
            config = EMULATOR.model_copy(update=changes)
            return Emulator(stack.enter_context(running_emulator(config)), config)

        yield start


@pytest.fixture
def emulator(start_emulator: Callable[..., Emulator]) -> Emulator:
    return start_emulator()


# --- running the client ----------------------------------------------------------------------


@dataclass
class RunResult:
    outcomes: list[SubmissionOutcome]
    token_refreshes: int


def run_submit(
    emulator: Emulator,
    batches: Sequence[Sequence[TranslatedRequest]],
    settings: SubmitSettings = FAST,
    *,
    wait: float | None = 10.0,
    transport: httpx.AsyncBaseTransport | None = None,
    during: Callable[[], Any] | None = None,
) -> RunResult:
    """Submit each batch of requests in turn with one client, then wait for final states.
    `during` (a coroutine function) runs alongside the submission."""

    async def go() -> RunResult:
        sellers = {SELLER: emulator.account()}
        async with SpApiClient(settings, sellers, transport) as client:
            submitter = Submitter(client, settings)
            side = asyncio.create_task(during()) if during is not None else None
            outcomes = []
            for requests in batches:
                outcomes += await submitter.submit(SELLER, requests)
            if wait is not None:
                await submitter.wait_final(outcomes, wait)
            if side is not None:
                await side
            return RunResult(outcomes, client.tokens.refreshes)

    return asyncio.run(go())


# --- the ledger --------------------------------------------------------------------------------


def _operation(path: str) -> str | None:
    return next((op for end, op in _OPERATION_OF_PATH.items() if path.endswith(end)), None)


def submit_records(records: Sequence[Record]) -> list[Record]:
    """The emulator's record of submit calls (DF Shipping POSTs), whatever their answer."""
    return [r for r in records if r["method"] == "POST" and _operation(r["path"]) is not None]


def _key(operation: str, item: Any) -> str:
    return json.dumps([operation, item], sort_keys=True)


def items_of(request: TranslatedRequest) -> list[dict[str, Any]]:
    """The confirmations / status updates of one request, as sent (JSON)."""
    items: list[dict[str, Any]] = cast(Any, request.body_json())[ITEM_KEYS[request.operation]]
    return items


def sent_items(requests: Sequence[TranslatedRequest]) -> Counter[str]:
    """Every item (confirmation / status update) the translated requests hold."""
    return Counter(_key(r.operation, item) for r in requests for item in items_of(r))


def accepted_items(records: Sequence[Record]) -> Counter[str]:
    """Every item of a submit call the emulator accepted (202)."""
    found: Counter[str] = Counter()
    for r in submit_records(records):
        if r["status"] == 202:
            operation = _operation(r["path"])
            assert operation is not None
            found.update(_key(operation, item) for item in r["body"][ITEM_KEYS[operation]])
    return found


def summary(items: Counter[str]) -> Counter[tuple[str, str, str]]:
    """(operation, purchase order, tracking numbers) per item: the readable form."""
    out: Counter[tuple[str, str, str]] = Counter()
    for key, n in items.items():
        operation, item = json.loads(key)
        if operation == "submitShipmentStatusUpdates":
            tracking = item["statusUpdateDetails"]["trackingNumber"]
        else:
            tracking = ",".join(c["trackingNumber"] for c in item.get("containers", []))
        out[(operation, item["purchaseOrderNumber"], tracking)] += n
    return out


def assert_exactly_once(
    requests: Sequence[TranslatedRequest],
    outcomes: Sequence[SubmissionOutcome],
    records: Sequence[Record],
) -> None:
    """Nothing lost, nothing sent twice, every answer accounted for:
    - the items accepted by the emulator (202) are exactly the items submitted, once each;
    - every outcome was accepted, its request ids are in the record, its last one is the 202
      that gave it its transaction id;
    - every submit call the emulator answered belongs to an outcome (no hidden duplicate)."""
    sent, received = sent_items(requests), accepted_items(records)
    assert summary(received) == summary(sent)
    assert received == sent
    by_id = {r["request_id"]: r for r in records}
    for outcome in outcomes:
        call = outcome.call
        assert call.accepted, (call.status_code, call.errors)
        assert all(rid in by_id for rid in call.request_ids)
        last = by_id[call.request_ids[-1]]
        assert (last["status"], last["transaction_id"]) == (202, call.transaction_id)
    known = {rid for o in outcomes for rid in o.call.request_ids}
    answered = [r for r in submit_records(records) if r["status"] is not None]
    assert {r["request_id"] for r in answered} <= known
    assert sum(r["status"] == 202 for r in answered) == len(outcomes)
