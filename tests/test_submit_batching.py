"""Batch planning, ordering per tracking number, sandbox routing and transaction polling."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

from gateway.mapping.payloads import (
    Address,
    Item,
    ItemQuantity,
    PartyIdentification,
    ShipmentConfirmation,
    ShipmentDetails,
    ShipmentStatusUpdate,
    StatusUpdateDetails,
    SubmitShipmentConfirmationsRequest,
    SubmitShipmentStatusUpdatesRequest,
)
from gateway.mapping.result import TranslatedRequest
from gateway.origin import Origin
from gateway.spapi import SubmissionOutcome, TransactionStatus
from gateway.submit.batching import plan_batches
from gateway.submit.queue import BatchQueue
from gateway.submit.submitter import Submitter
from tests.test_submit_client import FAST, FakeApi, make_client, reply

PARTY = PartyIdentification(partyId="VENDOR1")
WHERE = Address(name="Hub", addressLine1="1 Main St", city="Berlin", countryCode="DE")


def origin(test: bool = False) -> Origin:
    return Origin(syntax="x12", sender="CARRIER", receiver="AMAZON", interchange_control="1",
                  group_control="1", transaction_control="0001", transaction_type="214",
                  version="004010", test=test)  # fmt: skip


def update(po: str, tracking: str, code: str = "X6") -> ShipmentStatusUpdate:
    details = StatusUpdateDetails(trackingNumber=tracking, statusCode=code, reasonCode="NS",
                                  statusDateTime="2024-07-04T10:30:00Z",
                                  statusLocationAddress=WHERE)  # fmt: skip
    return ShipmentStatusUpdate(purchaseOrderNumber=po, sellingParty=PARTY, shipFromParty=PARTY,
                                statusUpdateDetails=details)  # fmt: skip


def statuses(*updates: ShipmentStatusUpdate, test: bool = False) -> TranslatedRequest:
    body = SubmitShipmentStatusUpdatesRequest(shipmentStatusUpdates=list(updates))
    return TranslatedRequest(
        operation="submitShipmentStatusUpdates", body=body, origin=origin(test),
        purchase_orders=tuple(dict.fromkeys(u.purchaseOrderNumber for u in updates)),
        tracking_numbers=tuple(u.statusUpdateDetails.trackingNumber for u in updates),
        lineage=(),
    )  # fmt: skip


def confirmation(po: str) -> TranslatedRequest:
    item = Item(itemSequenceNumber=1, shippedQuantity=ItemQuantity(amount=1, unitOfMeasure="Each"))
    body = SubmitShipmentConfirmationsRequest(shipmentConfirmations=[ShipmentConfirmation(
        purchaseOrderNumber=po, shipmentDetails=ShipmentDetails(shippedDate="2024-07-04T10:00:00Z"),
        sellingParty=PARTY, shipFromParty=PARTY, items=[item])])  # fmt: skip
    return TranslatedRequest(operation="submitShipmentConfirmations", body=body, origin=origin(),
                             purchase_orders=(po,), tracking_numbers=(), lineage=())  # fmt: skip


def tracking_of(item: dict[str, Any]) -> str:
    return str(item["statusUpdateDetails"]["trackingNumber"])


def submit(api: FakeApi, requests: list[TranslatedRequest], wait: float | None = None,
           **changes: Any) -> list[SubmissionOutcome]:  # fmt: skip
    settings = FAST.model_copy(update=changes)

    async def go() -> list[SubmissionOutcome]:
        async with make_client(api, settings) as client:
            submitter = Submitter(client, settings)
            outcomes = await submitter.submit("S1", requests)
            if wait is not None:
                await submitter.wait_final(outcomes, wait)
            return outcomes

    return asyncio.run(go())


def test_batches_are_chunked_to_batch_max() -> None:
    requests = [statuses(*[update(f"PO{i}", f"T{i}-{j}") for j in range(25)]) for i in range(10)]
    plan, rejected = plan_batches("S1", requests, 100)
    assert [b.events for b in plan] == [100, 100, 50] and rejected == []
    assert all(b.after == () for b in plan)
    assert plan[0].purchase_orders == ("PO0", "PO1", "PO2", "PO3")
    assert plan[0].requests == (0, 1, 2, 3) and plan[0].tracking_numbers[0] == "T0-0"
    assert plan[0].body() == {"shipmentStatusUpdates": list(plan[0].items)}


def test_updates_of_one_tracking_number_are_in_later_batches() -> None:
    # three events per package, one file each: every package's events spread over 3 batches
    requests = [statuses(*[update("PO1", f"T{t}", f"E{n}") for t in range(4)]) for n in range(3)]
    plan, _ = plan_batches("S1", requests, 3)
    for batch in plan:  # at most one item per tracking number per call
        numbers = [tracking_of(i) for i in batch.items]
        assert len(numbers) == len(set(numbers))
    for t in range(4):
        held = [(b.index, i["statusUpdateDetails"]["statusCode"]) for b in plan for i in b.items
                if tracking_of(i) == f"T{t}"]  # fmt: skip
        assert [code for _, code in held] == ["E0", "E1", "E2"]
        for (earlier, _), (later, _) in itertools.pairwise(held):
            assert earlier in plan[later].after or earlier < later
    assert sum(b.events for b in plan) == 12


def test_missing_tracking_number_is_rejected_before_sending() -> None:
    api = FakeApi()
    outcomes = submit(api, [statuses(update("PO1", "T1"), update("PO2", " "))])
    assert [o.events for o in outcomes] == [1, 1]
    sent, refused = outcomes
    assert sent.call.accepted and sent.tracking_numbers == ("T1",)
    assert not refused.call.accepted and refused.call.attempts == 0
    assert refused.call.errors[0].code == "InvalidInput" and refused.purchase_orders == ("PO2",)
    assert len(api.calls) == 1


def test_submitter_keeps_order_and_runs_independent_batches_together() -> None:
    api = FakeApi(latency=0.03)
    requests = [statuses(*[update("PO1", f"T{t}", f"E{n}") for t in range(6)]) for n in range(3)]
    requests.append(statuses(*[update("PO9", f"U{t}") for t in range(12)]))
    started = time.monotonic()
    outcomes = submit(api, requests, batch_max=3)
    elapsed = time.monotonic() - started
    assert all(o.call.accepted for o in outcomes) and sum(o.events for o in outcomes) == 30
    for t in range(6):  # each call holding T ends before the next one holding T starts
        spans = [(start, end, tracking_of(i) and i["statusUpdateDetails"]["statusCode"])
                 for start, end, body in api.spans for i in body["shipmentStatusUpdates"]
                 if tracking_of(i) == f"T{t}"]  # fmt: skip
        spans.sort()
        assert [code for _, _, code in spans] == ["E0", "E1", "E2"]
        for (_, end, _), (start, _, _) in itertools.pairwise(spans):
            assert end <= start
    assert len(api.calls) == 10 and elapsed < 10 * 0.03  # independent calls overlapped


def test_confirmations_go_before_status_updates() -> None:
    api = FakeApi(latency=0.02)
    requests = [statuses(update("PO1", "T1")), confirmation("PO1"), confirmation("PO2"),
                statuses(update("PO2", "T2"))]  # fmt: skip
    outcomes = submit(api, requests)
    assert [o.operation for o in outcomes] == ["submitShipmentConfirmations",
                                               "submitShipmentStatusUpdates"]  # fmt: skip
    assert outcomes[0].purchase_orders == ("PO1", "PO2") and outcomes[0].events == 2
    assert outcomes[0].requests == (1, 2) and outcomes[1].requests == (0, 3)
    confirm_end = max(end for _, end, body in api.spans if "shipmentConfirmations" in body)
    status_start = min(s for s, _, body in api.spans if "shipmentStatusUpdates" in body)
    assert confirm_end <= status_start


def test_test_interchanges_go_to_the_sandbox() -> None:
    api = FakeApi()
    outcomes = submit(api, [statuses(update("PO1", "T1")), statuses(update("PO2", "T2"),
                                                                    test=True)])  # fmt: skip
    by_host = {o.call.url.split("/")[2]: o for o in outcomes}
    assert set(by_host) == {"api.test", "sandbox.test"}
    assert by_host["sandbox.test"].sandbox and by_host["sandbox.test"].purchase_orders == ("PO2",)
    assert not by_host["api.test"].sandbox
    assert sorted(r.url.host for r in api.calls) == ["api.test", "sandbox.test"]


def transaction_reply(status: str, tid: str, **extra: Any) -> Any:
    return reply(200, {"payload": {"transactionStatus": {"transactionId": tid, "status": status,
                                                         **extra}}})  # fmt: skip


def test_polling_to_success_and_failure() -> None:
    api = FakeApi()
    failure = {"errors": [{"code": "INVALID_TRACKING", "message": "not confirmed"}]}
    api.transaction = lambda tid, n: transaction_reply(
        "Processing" if n < 3 else ("Success" if tid == "tx-1" else "Failure"), tid,
        **({} if tid == "tx-1" or n < 3 else failure))  # fmt: skip
    requests = [confirmation("PO1"), statuses(update("PO1", "T1"))]
    outcomes = submit(api, requests, wait=5.0)
    ok, failed = outcomes
    assert ok.state is not None and ok.state.status is TransactionStatus.SUCCESS
    assert [s.status for s in ok.history] == [TransactionStatus.PROCESSING,
                                              TransactionStatus.SUCCESS]  # fmt: skip
    assert ok.state.polls == 3 and ok.final
    assert failed.state is not None and failed.state.status is TransactionStatus.FAILURE
    assert failed.state.errors[0].code == "INVALID_TRACKING"


def test_wait_final_returns_at_timeout_and_skips_refused_calls() -> None:
    api = FakeApi(reply(400, {"errors": [{"code": "InvalidInput", "message": "bad"}]}))
    api.transaction = lambda tid, n: transaction_reply("Processing", tid)
    started = time.monotonic()
    refused, waiting = submit(api, [confirmation("PO1"), statuses(update("PO1", "T1"))], wait=0.2)
    assert 0.2 <= time.monotonic() - started < 1.5
    assert refused.state is None and refused.final and not refused.call.accepted
    assert waiting.state is not None and waiting.state.status is TransactionStatus.PROCESSING
    assert api.polls == {waiting.call.transaction_id: waiting.state.polls}


def test_batch_queue_flushes_on_size_and_on_wait_in_order() -> None:
    api = FakeApi(latency=0.02)
    settings = FAST.model_copy(update={"batch_max": 3, "batch_wait": 0.05})
    flushed: list[tuple[int, float]] = []

    async def sink(seller: str, requests: list[TranslatedRequest],
                   outcomes: list[SubmissionOutcome]) -> None:  # fmt: skip
        assert seller == "S1" and all(o.call.accepted for o in outcomes)
        flushed.append((sum(o.events for o in outcomes), time.monotonic()))

    async def go() -> float:
        async with make_client(api, settings) as client:
            queue = BatchQueue(Submitter(client, settings), settings, sink)
            started = time.monotonic()
            for n in range(5):  # T1 gets an update in both flushes
                await queue.put("S1", statuses(update("PO1", "T1" if n in (0, 4) else f"P{n}")))
            await asyncio.sleep(0.15)
            assert len(flushed) == 2
            await queue.close()
            return started

    started = asyncio.run(go())
    assert [count for count, _ in flushed] == [3, 2]
    assert flushed[1][1] - started >= 0.05  # the partial batch waited batch_wait
    t1 = sorted((s, e) for s, e, body in api.spans
                if any(tracking_of(i) == "T1" for i in body["shipmentStatusUpdates"]))  # fmt: skip
    assert len(t1) == 2 and t1[0][1] <= t1[1][0]
