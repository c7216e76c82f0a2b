"""The static V1 sandbox: canned answers from the models' `x-amzn-api-sandbox` examples.

Sources: Amazon's "Selling Partner API sandbox" guide (static sandbox: pattern matching on
the model's example parameters, the canned response for a match); SP-API developer support
in amzn/selling-partner-api-docs#1128 ("If the request sent to the sandbox endpoint does not
match the parameter values ... you will receive a 500 Internal Server Error"; body
InternalFailure); jlevers/selling-partner-api#305 (the sandbox's transaction status stays
Processing: its responses are static). The DF Transactions V1 model's getTransactionStatus
examples answer a canned `Processing` for any other transaction id (the example with no
parameters). The emulator's `/sandbox/...` paths answer only these.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from gateway.contract import SHIPPING_V1, TRANSACTIONS_V1, load_model

__all__ = ["SandboxAnswer", "static_answer"]

_TRANSACTION_PATH = "/vendor/directFulfillment/transactions/v1/transactions/{transactionId}"
_PATHS = {
    "submitShipmentStatusUpdates": (SHIPPING_V1,
                                    "/vendor/directFulfillment/shipping/v1/shipmentStatusUpdates",
                                    "post"),
    "submitShipmentConfirmations": (SHIPPING_V1,
                                    "/vendor/directFulfillment/shipping/v1/shipmentConfirmations",
                                    "post"),
    "getTransactionStatus": (TRANSACTIONS_V1, _TRANSACTION_PATH, "get"),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class SandboxAnswer:
    status: int
    body: dict[str, Any]


@cache
def _examples(operation: str) -> tuple[tuple[int, dict[str, Any], dict[str, Any]], ...]:
    """(status, request parameters, response) of every static example of `operation`."""
    model_name, path, method = _PATHS[operation]
    responses = load_model(model_name)["paths"][path][method]["responses"]
    found = []
    for code, response in responses.items():
        for example in (response.get("x-amzn-api-sandbox") or {}).get("static", []):
            found.append((int(code), example["request"]["parameters"], example["response"]))
    return tuple(found)


def _matches(parameters: dict[str, Any], given: dict[str, Any]) -> bool:
    """Every parameter of the example has a `value` equal to the request's (an example with
    no parameters at all matches anything; a parameter without a value matches nothing)."""
    for name, spec in parameters.items():
        if not isinstance(spec, dict) or "value" not in spec or given.get(name) != spec["value"]:
            return False
    return True


def static_answer(operation: str, given: dict[str, Any]) -> SandboxAnswer | None:
    """The canned answer for a request (parameters by name: `body`, `transactionId`), or
    None: the static sandbox answers 500 InternalFailure then."""
    examples = _examples(operation)
    for status, parameters, response in examples:  # exact matches first
        if parameters and _matches(parameters, given):
            return SandboxAnswer(status, response)
    for status, parameters, response in examples:
        if not parameters:
            return SandboxAnswer(status, response)
    return None
