"""The packaged SP-API models are Amazon's, and the validator catches bad bodies."""

from __future__ import annotations

import json
from pathlib import Path

from gateway.contract import load_model, validate_body

SHARED = Path(__file__).resolve().parents[2] / "shared" / "spapi-models"


def test_packaged_models_are_the_official_ones() -> None:
    for name in (
        "vendorDirectFulfillmentShippingV1.json",
        "vendorDirectFulfillmentTransactionsV1.json",
    ):
        official = json.loads((SHARED / name).read_text(encoding="utf-8"))
        assert load_model(name) == official


def test_invalid_status_body_is_reported() -> None:
    errors = validate_body("submitShipmentStatusUpdates", {"shipmentStatusUpdates": [{}]})
    assert any("purchaseOrderNumber" in e for e in errors)
