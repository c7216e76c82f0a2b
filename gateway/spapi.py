"""Typed results of talking to the SP-API, shared by the submit stage (client, batching),
the ack stage (advices), the ledger (calls, settling) and the CLI: plain data with no
stage's code, so it stands beside the stages like `problems`.

One `CallResult` per HTTP exchange that ended (after retries); one `SubmissionOutcome` per
TranslatedRequest batch as the caller records it; `TransactionState` is what
getTransactionStatus said last.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

__all__ = [
    "FINAL_STATUSES",
    "LWA_PERMANENT",
    "RETRYABLE_TRANSACTION_ERRORS",
    "SANDBOX_NO_MATCH",
    "ApiError",
    "CallResult",
    "Operation",
    "SubmissionOutcome",
    "TransactionState",
    "TransactionStatus",
]

Operation = Literal["submitShipmentStatusUpdates", "submitShipmentConfirmations"]


class TransactionStatus(StrEnum):
    """Amazon's three (Processing, Success, Failure) and the gateway's own final outcomes.

    AssumedSuccess / Unconfirmed: still Processing past the seller's `assume_success_after`
    (policy `assume_success` / `confirm`); never called Success. Sandbox: the static sandbox
    answered (canned, or 500 for a request that is not one of its examples). Blocked: LWA
    refused the seller's credentials for good (invalid_grant / invalid_client), nothing was
    sent. Unknown: no answer (transport errors, a timeout, a crash while sending).
    """

    PROCESSING = "Processing"
    SUCCESS = "Success"
    FAILURE = "Failure"
    ASSUMED_SUCCESS = "AssumedSuccess"
    UNCONFIRMED = "Unconfirmed"
    SANDBOX = "Sandbox"
    BLOCKED = "Blocked"
    UNKNOWN = "Unknown"
    NOT_SUBMITTED = "NotSubmitted"  # the call itself was refused (400/403/404) or gave up


FINAL_STATUSES = frozenset({TransactionStatus.SUCCESS, TransactionStatus.FAILURE,
                            TransactionStatus.ASSUMED_SUCCESS, TransactionStatus.UNCONFIRMED,
                            TransactionStatus.SANDBOX})  # fmt: skip
# Amazon's transaction errors that a resubmission may cure (DF Transactions V1 guide:
# INTERNAL_SERVER_ERROR "Internal error. Please try again.")
RETRYABLE_TRANSACTION_ERRORS = frozenset({"INTERNAL_SERVER_ERROR"})
LWA_PERMANENT = frozenset({"lwa_invalid_grant", "lwa_invalid_client"})
SANDBOX_NO_MATCH = "SandboxNoMatch"


@dataclass(frozen=True, slots=True)
class ApiError:
    """Amazon's Error model: code, message, details."""

    code: str
    message: str
    details: str | None = None


@dataclass(frozen=True, slots=True)
class CallResult:
    """One submit call as it finally ended (after retries)."""

    operation: Operation
    url: str
    status_code: int | None  # None: transport error after the last retry
    attempts: int
    request_ids: tuple[str, ...]  # x-amzn-RequestId of every response, in order
    transaction_id: str | None
    errors: tuple[ApiError, ...] = ()
    throttled: int = 0  # 429 responses received on the way

    @property
    def accepted(self) -> bool:
        return self.transaction_id is not None

    @property
    def blocked(self) -> bool:
        """LWA refused the seller's credentials for good: nothing reached Amazon."""
        return any(e.code in LWA_PERMANENT for e in self.errors)

    @property
    def sandbox_refused(self) -> bool:
        """The static sandbox answered 500: the request is not one of its examples."""
        return any(e.code == SANDBOX_NO_MATCH for e in self.errors)


@dataclass(frozen=True, slots=True)
class TransactionState:
    transaction_id: str
    status: TransactionStatus
    errors: tuple[ApiError, ...] = ()
    polls: int = 0


@dataclass
class SubmissionOutcome:
    """What became of one batch of status updates / confirmations."""

    seller: str
    operation: Operation
    purchase_orders: tuple[str, ...]
    tracking_numbers: tuple[str, ...]
    events: int
    sandbox: bool
    call: CallResult
    state: TransactionState | None = None
    history: list[TransactionState] = field(default_factory=list)
    requests: tuple[int, ...] = ()  # indexes of the TranslatedRequests given to the submitter
    body: dict[str, Any] = field(default_factory=dict)  # what was sent (for a resubmission)
    resubmits: int = 0  # times resubmitted after a retryable transaction Failure
    earlier_calls: list[CallResult] = field(default_factory=list)  # before the resubmits
    accepted_at: float | None = None  # monotonic time the current call was accepted

    @property
    def final(self) -> bool:
        if not self.call.accepted:
            return True
        return self.state is not None and self.state.status in FINAL_STATUSES

    @property
    def status(self) -> TransactionStatus:
        """The outcome as the CLI reports it (one of Success, AssumedSuccess, Unconfirmed,
        Failure, Sandbox, Blocked, Unknown)."""
        call, state = self.call, self.state
        if not call.accepted:
            if call.blocked:
                return TransactionStatus.BLOCKED
            if call.sandbox_refused:
                return TransactionStatus.SANDBOX
            return TransactionStatus.UNKNOWN if call.status_code is None else \
                TransactionStatus.FAILURE  # fmt: skip
        if state is None or state.status not in FINAL_STATUSES:
            return TransactionStatus.UNKNOWN
        return state.status
