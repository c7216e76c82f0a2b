"""Settling V1 transactions in the client: polls back off, the seller's deadline and policy
end a transaction that stays Processing (AssumedSuccess / Unconfirmed, never Success),
retryable Failures are resubmitted (bounded), the static sandbox is never retried and
never polled, an unpollable transaction raises an alert and ends Unknown."""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from typing import Any

import pytest

from gateway.spapi import SubmissionOutcome, TransactionStatus
from gateway.submit.submitter import Submitter
from gateway.submit.transactions import PollSchedule
from tests.test_submit_batching import statuses, transaction_reply, update
from tests.test_submit_client import FAST, SELLER, FakeApi, make_client, reply

QUICK = FAST.model_copy(update={"poll_interval": 0.02, "poll_backoff": 2.0, "poll_max": 0.16})
RETRYABLE = {
    "errors": [
        {
            "code": "INTERNAL_SERVER_ERROR",
            "message": "Internal error. Please try again.",
            "details": "",
        }
    ]
}


def run(api: FakeApi, wait: float = 5.0, test: bool = False, **seller: Any,
        ) -> list[SubmissionOutcome]:  # fmt: skip
    account = SELLER.model_copy(update=seller)

    async def go() -> list[SubmissionOutcome]:
        async with make_client(api, QUICK, account) as client:
            submitter = Submitter(client, QUICK)
            outcomes = await submitter.submit("S1", [statuses(update("PO1", "T1"), test=test)])
            await submitter.wait_final(outcomes, wait)
            return outcomes

    return asyncio.run(go())


def poll_times(api: FakeApi) -> list[float]:
    return [start for (start, _end, body), request in zip(api.spans, api.calls, strict=True)
            if request.method == "GET"]  # fmt: skip


def test_schedule_grows_to_its_cap() -> None:
    schedule = PollSchedule(first=10.0, factor=1.5, cap=300.0)
    delays = [schedule.delay(n) for n in range(12)]
    assert delays[:3] == [10.0, 15.0, 22.5]
    assert delays == sorted(delays) and delays[-1] == 300.0


@pytest.mark.parametrize(("policy", "final"), [("assume_success", "AssumedSuccess"),
                                               ("confirm", "Unconfirmed")])  # fmt: skip
def test_processing_past_the_deadline_ends_by_the_sellers_policy(policy: str, final: str) -> None:
    api = FakeApi()
    api.transaction = lambda tid, n: transaction_reply("Processing", tid)
    started = time.monotonic()
    [outcome] = run(api, assume_success_after=0.6, processing_policy=policy)
    took = time.monotonic() - started
    assert 0.6 <= took < 3.0
    assert outcome.state is not None and outcome.status.value == final == outcome.state.status
    assert [s.status for s in outcome.history] == [TransactionStatus.PROCESSING,
                                                   TransactionStatus(final)]  # fmt: skip
    times = poll_times(api)
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert 3 <= len(times) <= 9, times  # backing off: not one poll per 20 ms
    assert gaps[-2] > 2 * gaps[0]  # the gaps grow


def test_success_ends_polling_at_once() -> None:
    api = FakeApi()
    api.transaction = lambda tid, n: transaction_reply("Processing" if n < 2 else "Success", tid)
    [outcome] = run(api, assume_success_after=30.0)
    assert outcome.status is TransactionStatus.SUCCESS and api.polls == {"tx-1": 2}


def test_retryable_failure_is_resubmitted_and_then_succeeds() -> None:
    api = FakeApi()
    api.transaction = lambda tid, n: transaction_reply(
        "Failure" if tid == "tx-1" else "Success", tid, **(RETRYABLE if tid == "tx-1" else {})
    )
    [outcome] = run(api)
    posts = [b for r, b in zip(api.calls, api.bodies, strict=True) if r.method == "POST"]
    assert len(posts) == 2 and posts[0] == posts[1]  # the same items, once more
    assert outcome.status is TransactionStatus.SUCCESS and outcome.resubmits == 1
    assert [c.transaction_id for c in outcome.earlier_calls] == ["tx-1"]


def test_retryable_failure_resubmits_are_bounded_and_final_failures_are_not_resent() -> None:
    api = FakeApi()
    api.transaction = lambda tid, n: transaction_reply("Failure", tid, **RETRYABLE)
    [outcome] = run(api)
    posts = [r for r in api.calls if r.method == "POST"]
    assert len(posts) == 1 + QUICK.resubmit_max and outcome.status is TransactionStatus.FAILURE
    final = FakeApi()
    final.transaction = lambda tid, n: transaction_reply(
        "Failure", tid, errors=[{"code": "INVALID_TRACKING", "message": "no", "details": ""}]
    )
    [outcome] = run(final)
    assert [r.method for r in final.calls] == ["POST", "GET"]
    assert outcome.status is TransactionStatus.FAILURE and outcome.resubmits == 0


def test_static_sandbox_500_is_final_at_once_and_sandbox_is_not_polled() -> None:
    refused = FakeApi(reply(500, {"errors": [{"code": "InternalFailure", "message": "x",
                                              "details": ""}]}))  # fmt: skip
    [outcome] = run(refused, test=True)
    assert len(refused.calls) == 1 and outcome.call.attempts == 1
    assert outcome.status is TransactionStatus.SANDBOX and outcome.call.sandbox_refused
    assert "static SP-API sandbox" in outcome.call.errors[-1].message
    canned = FakeApi()
    [outcome] = run(canned, test=True)
    assert [r.method for r in canned.calls] == ["POST"]  # no poll of a canned status
    assert outcome.status is TransactionStatus.SANDBOX and outcome.call.accepted


def test_unpollable_transaction_alerts_and_ends_unknown(caplog: pytest.LogCaptureFixture) -> None:
    api = FakeApi()
    api.transaction = lambda tid, n: reply(404, {"errors": [{"code": "NotFound", "message": "?",
                                                             "details": ""}]})  # fmt: skip
    caplog.set_level(logging.WARNING)
    [outcome] = run(api, assume_success_after=1.0)
    assert outcome.status is TransactionStatus.UNKNOWN
    alerts = [r for r in caplog.records if "cannot be polled" in r.getMessage()]
    assert len(alerts) == 1 and "tx-1" in alerts[0].getMessage()
