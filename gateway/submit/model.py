"""Typed results of talking to the SP-API, shared by the client, the emulator tests, the CLI
and (later) the ledger.

One `CallResult` per HTTP exchange that ended (after retries); one `SubmissionOutcome` per
TranslatedRequest batch as the caller records it; `TransactionState` is what
getTransactionStatus said last.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Literal

__all__ = [
    "ApiError",
    "CallResult",
    "Operation",
    "SubmissionOutcome",
    "TransactionState",
    "TransactionStatus",
]

Operation = Literal["submitShipmentStatusUpdates", "submitShipmentConfirmations"]


class TransactionStatus(StrEnum):
    PROCESSING = "Processing"
    SUCCESS = "Success"
    FAILURE = "Failure"
    STUCK = "Stuck"  # still Processing past the configured time: alert on it
    NOT_SUBMITTED = "NotSubmitted"  # the call itself was refused (400/403/404) or gave up


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

    @property
    def final(self) -> bool:
        if not self.call.accepted:
            return True
        return self.state is not None and self.state.status in (
            TransactionStatus.SUCCESS,
            TransactionStatus.FAILURE,
        )
