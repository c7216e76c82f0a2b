"""What the emulator remembers: access tokens, rate buckets, confirmed shipments,
transactions and the request log. One lock guards it all, so any thread may read it.

Business rules, judged when a body is accepted (its transaction then ends in Failure after
`settle_after`, whatever `settle` says):
- statuses only after confirmation. Source: the DF shipping guide (../shared/seeds/003_*:
  the trackingNumber of a status update must match 100% the trackingNumber given in the
  shipment confirmation, otherwise the status update fails). An accepted confirmation
  records its purchase order with its containers' tracking numbers; a status update whose
  order or tracking number was never confirmed fails.
- a confirmation without containers fails with EMPTY_PACKAGES, although the model makes
  containers optional. Source: production answers quoted in amzn/selling-partner-api-models
  #178 and amzn/selling-partner-api-docs#1523 (code EMPTY_PACKAGES, "Request Rejected: Order
  ID ... has empty packages.", details "Please add packages and try again.").
A valid transaction follows `settle` (see EmulatorConfig). Transaction ids look like the
model's example `20190905010908-8a3b6901-ef20-412f-9270-21c021796605`: a UTC timestamp, then
a UUID (vendorDirectFulfillmentShippingV1.json, x-amzn-api-sandbox of the 202 answer).
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from gateway.emulator.config import EmulatorConfig
from gateway.emulator.faults import FaultInjector
from gateway.emulator.ratelimit import TokenBucket

__all__ = ["RETRYABLE_FAILURE", "EmulatorState", "Transaction", "transaction_id"]

ApiErrorJson = dict[str, str]
# Amazon's retryable transaction error (DF Transactions V1: "Internal error. Please try
# again."): what `--settle failure` ends valid transactions with.
RETRYABLE_FAILURE: ApiErrorJson = {"code": "INTERNAL_SERVER_ERROR",
                                   "message": "Internal error. Please try again.",
                                   "details": ""}  # fmt: skip


def transaction_id(now: datetime | None = None) -> str:
    """A V1 transaction id in Amazon's shape: yyyymmddHHMMSS-<uuid4>."""
    return f"{(now or datetime.now(UTC)):%Y%m%d%H%M%S}-{uuid.uuid4()}"


@dataclass(slots=True)
class Transaction:
    transaction_id: str
    operation: str
    submitted: float  # monotonic clock
    sandbox: bool
    errors: list[ApiErrorJson] = field(default_factory=list)


class EmulatorState:
    def __init__(self, config: EmulatorConfig, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self.clock = clock
        self.lock = threading.Lock()
        self.faults = FaultInjector(config.seed)
        self._tokens: dict[str, tuple[str, float]] = {}  # access token -> (client id, expiry)
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._confirmed: dict[str, set[str]] = {}  # PO -> tracking numbers
        self._transactions: dict[str, Transaction] = {}  # oldest first (`_keep`)
        self._errors = 0  # in all of them
        self._requests: deque[dict[str, Any]] = deque(maxlen=config.request_log)

    # --- LWA ---------------------------------------------------------------------------------

    def issue_token(self, client_id: str) -> str:
        token = "Atza|" + secrets.token_urlsafe(32)
        with self.lock:
            self._tokens[token] = (client_id, self.clock() + self.config.token_lifetime)
        return token

    def token_client(self, token: str | None) -> tuple[str | None, str]:
        """(client id, '') for a live token, else (None, why it is refused)."""
        if not token:
            return None, "The access token is missing (x-amz-access-token)."
        with self.lock:
            entry = self._tokens.get(token)
        if entry is None:
            return None, "The access token you provided is not valid."
        client_id, expiry = entry
        if self.clock() >= expiry:
            return None, "The access token you provided has expired."
        return client_id, ""

    # --- usage plan --------------------------------------------------------------------------

    def take(self, client_id: str, operation: str) -> bool:
        """One request of `operation` for `client_id` through its token bucket."""
        with self.lock:
            now = self.clock()
            bucket = self._buckets.get((client_id, operation))
            if bucket is None:
                bucket = TokenBucket(self.config.rate, self.config.burst, now)
                self._buckets[(client_id, operation)] = bucket
            return bucket.take(now)

    # --- transactions ------------------------------------------------------------------------

    def submit(self, operation: str, body: dict[str, Any]) -> str:
        """Accept a valid body: record confirmations or judge status updates; the id."""
        transaction = Transaction(transaction_id(), operation, self.clock(), sandbox=False)
        with self.lock:
            if operation == "submitShipmentConfirmations":
                for confirmation in body.get("shipmentConfirmations", []):
                    po = confirmation["purchaseOrderNumber"]
                    containers = confirmation.get("containers") or []
                    if not containers:
                        transaction.errors.append({
                            "code": "EMPTY_PACKAGES",
                            "message": f"Request Rejected: Order ID {po} has empty packages.",
                            "details": "Please add packages and try again."})  # fmt: skip
                        continue
                    self._confirmed.setdefault(po, set()).update(
                        c["trackingNumber"] for c in containers if c.get("trackingNumber")
                    )
            else:
                for update in body.get("shipmentStatusUpdates", []):
                    error = self._unconfirmed(update)
                    if error and error not in transaction.errors:
                        transaction.errors.append(error)
            self._keep(transaction)
        return transaction.transaction_id

    def _keep(self, transaction: Transaction) -> None:
        """Record `transaction`, forgetting the oldest ones past `transactions_kept`
        transactions or `errors_kept` errors in all (never the one just recorded). Called
        with the lock held."""
        kept = self._transactions
        kept[transaction.transaction_id] = transaction
        self._errors += len(transaction.errors)
        config = self.config
        while len(kept) > 1 and (len(kept) > config.transactions_kept
                                 or self._errors > config.errors_kept):  # fmt: skip
            oldest = kept.pop(next(iter(kept)))
            self._errors -= len(oldest.errors)

    def _unconfirmed(self, update: dict[str, Any]) -> ApiErrorJson | None:
        po = update["purchaseOrderNumber"]
        tracking = update["statusUpdateDetails"]["trackingNumber"]
        confirmed = self._confirmed.get(po)
        if confirmed is None:
            return _error("InvalidPurchaseOrderNumber",
                          f"Purchase order {po} has no shipment confirmation; statuses only "
                          "after confirmation.")  # fmt: skip
        if tracking not in confirmed:
            return _error("InvalidTrackingNumber",
                          f"Tracking number {tracking} was never confirmed for purchase order "
                          f"{po}; statuses only after confirmation.")  # fmt: skip
        return None

    def transaction_status(self, transaction_id: str) -> dict[str, Any] | None:
        """The Transaction model's JSON for `transaction_id`, or None when unknown."""
        with self.lock:
            transaction = self._transactions.get(transaction_id)
        if transaction is None:
            return None
        status: dict[str, Any] = {"transactionId": transaction_id, "status": "Processing"}
        if self.clock() - transaction.submitted < self.config.settle_after:
            return status
        errors = transaction.errors
        if not errors and self.config.settle == "failure":
            errors = [RETRYABLE_FAILURE]
        if errors:
            status["status"] = "Failure"
            status["errors"] = [dict(e) for e in errors]
        elif self.config.settle == "success":
            status["status"] = "Success"
        return status

    # --- request log -------------------------------------------------------------------------

    def record(self, entry: dict[str, Any]) -> None:
        with self.lock:
            self._requests.append(entry)

    def requests(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self._requests)

    def reset(self) -> None:
        """Forget everything but the issued access tokens (clients keep their cached token)."""
        with self.lock:
            self._buckets.clear()
            self._confirmed.clear()
            self._transactions.clear()
            self._errors = 0
            self._requests.clear()
            self.faults = FaultInjector(self.config.seed)

    # --- persistence (the demo emulator keeps its state across restarts) --------------------

    def snapshot(self) -> dict[str, Any]:
        """Confirmed shipments, transactions and the request log as JSON-ready data (access
        tokens and rate buckets are not kept: clients fetch a new token)."""
        with self.lock:
            now = self.clock()
            return {
                "confirmed": [[po, sorted(tracking)]
                              for po, tracking in self._confirmed.items()],
                "transactions": [{"transaction_id": t.transaction_id, "operation": t.operation,
                                  "age": now - t.submitted, "sandbox": t.sandbox,
                                  "errors": t.errors} for t in self._transactions.values()],
                "requests": list(self._requests),
            }  # fmt: skip

    def restore(self, data: dict[str, Any]) -> None:
        """Take back a `snapshot` (transactions keep the age they had)."""
        with self.lock:
            now = self.clock()
            for po, tracking in data.get("confirmed", []):
                self._confirmed.setdefault(str(po), set()).update(tracking)
            for t in data.get("transactions", []):
                self._keep(Transaction(t["transaction_id"], t["operation"],
                                       now - float(t["age"]), bool(t["sandbox"]),
                                       list(t["errors"])))  # fmt: skip
            self._requests.extend(data.get("requests", []))


def _error(code: str, message: str) -> ApiErrorJson:
    """Amazon's Error model as transactions carry it; `details` is often "" in production."""
    return {"code": code, "message": message, "details": ""}
