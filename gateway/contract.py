"""Validate SP-API request bodies against Amazon's own models (Swagger 2.0, packaged in data/).

The models are the contract: a body that only looks right is not enough. Every body the
gateway builds, and every body the emulator receives, goes through `validate_body`.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any, Literal

from jsonschema import Draft4Validator, FormatChecker

__all__ = ["OPERATIONS", "Operation", "validate_body", "validate_definition"]

Operation = Literal["submitShipmentStatusUpdates", "submitShipmentConfirmations"]

SHIPPING_V1 = "vendorDirectFulfillmentShippingV1.json"
TRANSACTIONS_V1 = "vendorDirectFulfillmentTransactionsV1.json"

# operationId -> (model file, request definition, HTTP path)
OPERATIONS: dict[str, tuple[str, str, str]] = {
    "submitShipmentStatusUpdates": (
        SHIPPING_V1,
        "SubmitShipmentStatusUpdatesRequest",
        "/vendor/directFulfillment/shipping/v1/shipmentStatusUpdates",
    ),
    "submitShipmentConfirmations": (
        SHIPPING_V1,
        "SubmitShipmentConfirmationsRequest",
        "/vendor/directFulfillment/shipping/v1/shipmentConfirmations",
    ),
}


@cache
def load_model(name: str) -> dict[str, Any]:
    """The parsed Swagger document shipped in gateway/data."""
    text = resources.files("gateway").joinpath("data", name).read_text(encoding="utf-8")
    model: dict[str, Any] = json.loads(text)
    return model


@cache
def _validator(model_name: str, definition: str) -> Draft4Validator:
    model = load_model(model_name)
    schema = {"$ref": f"#/definitions/{definition}", "definitions": model["definitions"]}
    return Draft4Validator(schema, format_checker=FormatChecker())


def validate_definition(model_name: str, definition: str, instance: Any) -> list[str]:
    """Every violation of `definition` in `model_name`, as 'path: message' strings."""
    validator = _validator(model_name, definition)
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    return [
        "/" + "/".join(str(p) for p in error.absolute_path) + ": " + error.message
        for error in errors
    ]


def validate_body(operation: str, body: Any) -> list[str]:
    """Violations of the official request model for `operation` (empty list: valid)."""
    model_name, definition, _path = OPERATIONS[operation]
    return validate_definition(model_name, definition, body)
