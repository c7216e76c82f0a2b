"""SpApiClient + Submitter against the real emulator over HTTP on loopback.

Every test compares the emulator's record of what it received (GET /_emulator/requests) with
what the gateway submitted: each item accepted (202) exactly once, every answer accounted for
(see `assert_exactly_once`), whatever the emulator threw at the client on the way.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

from gateway.spapi import SubmissionOutcome, TransactionStatus
from tests.integration.conftest import (
    FAST,
    Emulator,
    Record,
    accepted_items,
    assert_exactly_once,
    edifact_status,
    items_of,
    orders,
    run_submit,
    sent_items,
    submit_records,
    summary,
    translate,
    x12_asn,
    x12_status,
)

SUCCESS = TransactionStatus.SUCCESS
CONFIRM_PATH = "/vendor/directFulfillment/shipping/v1/shipmentConfirmations"
STATUS_PATH = "/vendor/directFulfillment/shipping/v1/shipmentStatusUpdates"
TRANSACTIONS = "/vendor/directFulfillment/transactions/v1/transactions/"
TOKEN_PATH = "/auth/o2/token"


def statuses(outcomes: list[SubmissionOutcome]) -> set[TransactionStatus | None]:
    return {o.state.status if o.state else None for o in outcomes}


def spapi(records: list[Record]) -> list[Record]:
    return [r for r in records if r["path"] != TOKEN_PATH]


def test_confirmations_then_statuses_succeed_exactly_once_in_order(emulator: Emulator) -> None:
    shipments = orders("H", 6)
    requests = translate(x12_asn(shipments, control=101))
    requests += translate(x12_status(shipments, control=102, events=3))
    result = run_submit(emulator, [requests], FAST.model_copy(update={"batch_max": 5}))

    assert statuses(result.outcomes) == {SUCCESS}
    records = emulator.requests()
    assert_exactly_once(requests, result.outcomes, records)
    assert len(result.outcomes) > 6  # batches of at most 5 items
    assert sum(o.call.attempts for o in result.outcomes) == len(submit_records(records))

    # in the record (in the order calls ended) every confirmation precedes every status call
    submits = submit_records(records)
    last_confirmation = max(i for i, r in enumerate(submits) if r["path"] == CONFIRM_PATH)
    assert all(r["path"] == STATUS_PATH for r in submits[last_confirmation + 1 :])
    assert all(r["path"] == CONFIRM_PATH for r in submits[: last_confirmation + 1])
    # the statuses of each package reached Amazon in the order the file gave them
    sent: dict[str, list[Any]] = {}
    for request in requests:
        for item in items_of(request) if request.operation == "submitShipmentStatusUpdates" else []:
            sent.setdefault(item["statusUpdateDetails"]["trackingNumber"], []).append(item)
    arrived: dict[str, list[Any]] = {}
    for r in submits:
        for item in r["body"].get("shipmentStatusUpdates", []):
            arrived.setdefault(item["statusUpdateDetails"]["trackingNumber"], []).append(item)
    assert arrived == sent and len(sent) == 12
    # each transaction was polled at its production path until it settled
    polled = {r["path"].removeprefix(TRANSACTIONS) for r in records if r["method"] == "GET"}
    assert polled == {o.call.transaction_id for o in result.outcomes}
    assert not any(r["sandbox"] for r in records)


def test_token_refreshed_before_expiry_during_a_run(
    start_emulator: Callable[..., Emulator],
) -> None:
    """Tokens live 3 s; transactions stay Processing for 4.5 s, so the run (submits, then
    polls) outlives several tokens: the client renews them at half-life, none reaches Amazon
    expired and no 403 reaches an outcome."""
    emulator = start_emulator(token_lifetime=3.0, settle="success", settle_after=4.5)
    shipments = orders("T", 4)
    requests = translate(x12_asn(shipments, control=201))
    requests += translate(x12_status(shipments, control=202, events=2))
    settings = FAST.model_copy(update={"burst": 2, "batch_max": 4})
    started = time.monotonic()
    result = run_submit(emulator, [requests], settings)

    assert time.monotonic() - started > 4.5
    assert statuses(result.outcomes) == {SUCCESS}
    assert all(o.call.status_code == 202 for o in result.outcomes)
    records = emulator.requests()
    assert_exactly_once(requests, result.outcomes, records)
    tokens = [r for r in records if r["path"] == TOKEN_PATH]
    assert len(tokens) == result.token_refreshes >= 3
    assert all(r["status"] == 200 for r in tokens)
    assert all(r["body"]["client_secret"] == r["body"]["refresh_token"] == "***" for r in tokens)
    # calls kept coming while tokens were renewed: requests before and after each renewal
    times = [r["time"] for r in spapi(records)]
    assert all(min(times) < t["time"] < max(times) for t in tokens[1:])
    assert not [r for r in records if r["status"] == 403]


def test_no_call_is_sent_with_a_token_that_expired_in_the_rate_limit_queue(
    start_emulator: Callable[..., Emulator],
) -> None:
    # 8 calls at 4/s take 2 s; a token lives 1 s (the client renews it after 0.5 s)
    emulator = start_emulator(token_lifetime=1.0, rate=4.0, burst=2)
    requests = translate(x12_asn(orders("Q", 8, packs=1), control=221))
    settings = FAST.model_copy(update={"rate": 4.0, "burst": 2, "batch_max": 1})
    result = run_submit(emulator, [requests], settings, wait=None)

    records = emulator.requests()
    assert [r["status"] for r in submit_records(records)].count(403) == 0
    assert_exactly_once(requests, result.outcomes, records)


def test_expired_token_403_is_renewed_and_retried(start_emulator: Callable[..., Emulator]) -> None:
    """The client believes its token lives longer than it does (negative refresh margin):
    Amazon's 403 "token expired" makes it fetch a new one and resend, never reaching an
    outcome, and the resend is not a duplicate (a 403 call was not processed)."""
    emulator = start_emulator(token_lifetime=1.0)
    shipments = orders("E", 4)
    requests = translate(x12_asn(shipments, control=211))
    requests += translate(x12_status(shipments, control=212, events=2))
    settings = FAST.model_copy(
        update={"rate": 4.0, "burst": 2, "batch_max": 2, "token_refresh_margin": -30.0}
    )
    result = run_submit(emulator, [requests], settings)

    assert statuses(result.outcomes) == {SUCCESS}
    assert all(o.call.status_code == 202 for o in result.outcomes)
    records = emulator.requests()
    assert_exactly_once(requests, result.outcomes, records)
    refused = [r for r in spapi(records) if r["status"] == 403]
    assert refused and all(r["transaction_id"] is None for r in refused)
    tokens = [r for r in records if r["path"] == TOKEN_PATH]
    assert len(tokens) == result.token_refreshes >= 2
    # every refusal was followed by a retry with the new token: attempts count them
    refused_submits = [r for r in submit_records(records) if r["status"] == 403]
    assert sum(o.call.attempts - 1 for o in result.outcomes) == len(refused_submits)


def test_429_storm_is_retried_nothing_lost_nothing_twice(
    start_emulator: Callable[..., Emulator],
) -> None:
    """Amazon allows 5/s (burst 2); the client is configured for 20/s (burst 20)."""
    emulator = start_emulator(rate=5.0, burst=2)
    shipments = orders("S", 8, packs=1)
    requests = translate(x12_asn(shipments, control=301))
    requests += translate(x12_status(shipments, control=302, events=1))
    settings = FAST.model_copy(
        update={"rate": 20.0, "burst": 20, "batch_max": 1, "max_attempts": 30}
    )
    result = run_submit(emulator, [requests], settings, wait=None)

    records = emulator.requests()
    assert_exactly_once(requests, result.outcomes, records)
    submits = submit_records(records)
    throttled = [r for r in submits if r["status"] == 429]
    assert throttled and all(r["transaction_id"] is None for r in throttled)
    assert sum(o.call.throttled for o in result.outcomes) == len(throttled)
    assert sum(o.call.attempts for o in result.outcomes) == len(submits)
    assert all(o.call.attempts == o.call.throttled + 1 for o in result.outcomes)
    # every response's request id is kept, the 429s' included
    assert sorted(rid for o in result.outcomes for rid in o.call.request_ids) == sorted(
        r["request_id"] for r in submits
    )


def test_5xx_bursts_and_random_errors_are_retried(emulator: Emulator) -> None:
    shipments = orders("F", 5)
    requests = translate(x12_asn(shipments, control=401))
    requests += translate(x12_status(shipments, control=402, events=2))
    emulator.faults(burst_500=4, burst_503=4, error_rate=0.25, seed=7)
    result = run_submit(emulator, [requests], FAST.model_copy(update={"batch_max": 3}))

    assert statuses(result.outcomes) == {SUCCESS}
    records = emulator.requests()
    assert_exactly_once(requests, result.outcomes, records)
    submits = submit_records(records)
    failed = [r for r in submits if r["status"] in (500, 503)]
    assert {r["status"] for r in failed} == {500, 503}
    assert all(r["transaction_id"] is None for r in failed)
    assert sum(o.call.attempts for o in result.outcomes) == len(submits) > len(result.outcomes)


def test_dropped_connections_and_timeouts_before_processing_are_retried(
    emulator: Emulator,
) -> None:
    """Drops, and calls that time out at the client (timeout 0.2 s, latency 0.6 s) and are
    then dropped by the emulator: none of them was processed, so resending is safe."""
    shipments = orders("D", 4)
    requests = translate(x12_asn(shipments, control=501))
    requests += translate(x12_status(shipments, control=502, events=2))
    emulator.faults(latency_ms=600, drop=100)  # every call for 0.5 s: timeout, then dropped

    async def heal() -> None:
        await asyncio.sleep(0.5)
        await emulator.clear_faults()

    settings = FAST.model_copy(update={"timeout": 0.2, "batch_max": 3})
    result = run_submit(emulator, [requests], settings, during=heal)

    assert statuses(result.outcomes) == {SUCCESS}
    _wait_for_record(emulator, lambda rs: len(submit_records(rs)) >= _attempts(result.outcomes))
    records = emulator.requests()
    assert_exactly_once(requests, result.outcomes, records)
    submits = submit_records(records)
    lost = [r for r in submits if r["status"] is None]  # never answered: timed out, dropped
    assert lost and all(r["transaction_id"] is None for r in lost)
    assert _attempts(result.outcomes) == len(submits)


def test_plain_dropped_connections_are_retried(emulator: Emulator) -> None:
    shipments = orders("P", 3)
    requests = translate(x12_asn(shipments, control=511))
    emulator.faults(drop=3)
    result = run_submit(emulator, [requests], FAST, wait=None)

    records = emulator.requests()
    assert_exactly_once(requests, result.outcomes, records)
    assert sum(r["status"] is None for r in submit_records(records)) == 3
    assert _attempts(result.outcomes) == len(submit_records(records)) == len(result.outcomes) + 3


def test_timeout_after_processing_resends_and_amazon_sees_a_duplicate(
    emulator: Emulator,
) -> None:
    """What is true when a call times out after Amazon processed it: the client cannot tell
    it from a call that never arrived (DF Shipping V1 has no idempotency key), so it resends.
    The emulator then holds the item once per attempt it processed; the client knows one
    transaction id, the others are orphans. This is why the other fault tests use faults
    that fail before processing, and why the client timeout must sit well above Amazon's
    latency."""
    requests = translate(x12_asn(orders("L", 1), control=521))
    emulator.faults(latency_ms=600)  # processed after 0.6 s, whatever the client did

    async def heal() -> None:
        await asyncio.sleep(0.3)
        await emulator.clear_faults()

    settings = FAST.model_copy(update={"timeout": 0.2})
    result = run_submit(emulator, [requests], settings, wait=None, during=heal)

    (outcome,) = result.outcomes
    assert outcome.call.accepted and outcome.call.attempts >= 2
    _wait_for_record(emulator, lambda rs: len(submit_records(rs)) >= outcome.call.attempts)
    records = emulator.requests()
    submits = submit_records(records)
    accepted = [r for r in submits if r["status"] == 202]
    # each attempt the emulator got to read was processed: at least the first timed-out one
    # and the last; under heavy load a later timed-out attempt may be cut off unread
    assert 2 <= len(accepted) <= outcome.call.attempts
    assert all(r["transaction_id"] is None for r in submits if r["status"] != 202)
    (item,) = summary(accepted_items(records)).items()
    assert item[1] == len(accepted)  # the same confirmation, once per processed attempt
    known = [r for r in accepted if r["transaction_id"] == outcome.call.transaction_id]
    assert len(known) == 1 and known[0]["request_id"] == outcome.call.request_ids[-1]
    assert len({r["transaction_id"] for r in accepted}) == len(accepted)  # orphans


def _attempts(outcomes: list[SubmissionOutcome]) -> int:
    return sum(o.call.attempts for o in outcomes)


def _wait_for_record(emulator: Emulator, ready: Callable[[list[Record]], bool]) -> None:
    """Calls the client gave up on are recorded when the emulator finishes them."""
    deadline = time.monotonic() + 5.0
    while not ready(emulator.requests()) and time.monotonic() < deadline:
        time.sleep(0.05)


def test_test_interchanges_go_to_the_static_sandbox_once_and_end_as_sandbox(
    emulator: Emulator,
) -> None:
    """ISA15 = T (X12) and UNB 0035 = 1 (EDIFACT) go to the seller's sandbox endpoint; P goes
    to production. The sandbox is static: our bodies are not its examples, so it answers 500
    InternalFailure; each such call is made once (no retry, no poll) and ends Sandbox."""
    live, trial = orders("R", 2), orders("Z", 2)
    production = translate(x12_asn(live, control=601))
    production += translate(x12_status(live, control=602, events=1))
    sandbox = translate(x12_asn(trial, control=603, test=True))
    sandbox += translate(edifact_status(trial, reference="IC604", test=True))
    assert all(r.origin.test for r in sandbox)
    assert not any(r.origin.test for r in production)
    result = run_submit(emulator, [production + sandbox])

    records = emulator.requests()
    submits = submit_records(records)
    assert all(r["sandbox"] == r["path"].startswith("/sandbox/vendor/") for r in records)
    assert accepted_items([r for r in submits if not r["sandbox"]]) == sent_items(production)
    tried = [r for r in submits if r["sandbox"]]
    assert tried and all(r["status"] == 500 for r in tried)
    sandboxed = [o for o in result.outcomes if o.sandbox]
    assert len(tried) == len(sandboxed)  # one call each: never retried
    assert not any(r["sandbox"] and r["method"] == "GET" for r in records)  # never polled
    for outcome in result.outcomes:
        if outcome.sandbox:
            assert outcome.status is TransactionStatus.SANDBOX and outcome.call.attempts == 1
            assert outcome.call.sandbox_refused
        else:
            assert outcome.status is SUCCESS
