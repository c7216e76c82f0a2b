"""The mapping stage's output: SP-API requests with their lineage and origin."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from gateway.mapping.lineage import Lineage
from gateway.mapping.payloads import (
    SubmitShipmentConfirmationsRequest,
    SubmitShipmentStatusUpdatesRequest,
)
from gateway.parse.records import Origin

__all__ = ["TranslatedRequest"]


@dataclass(frozen=True, slots=True)
class TranslatedRequest:
    """One SP-API call the file means: operation + body, where it came from, and why."""

    operation: Literal["submitShipmentStatusUpdates", "submitShipmentConfirmations"]
    body: SubmitShipmentStatusUpdatesRequest | SubmitShipmentConfirmationsRequest
    origin: Origin
    purchase_orders: tuple[str, ...]
    tracking_numbers: tuple[str, ...]
    lineage: tuple[Lineage, ...]

    def event_count(self) -> int:
        """Status updates or shipment confirmations in the body."""
        body = self.body
        if isinstance(body, SubmitShipmentStatusUpdatesRequest):
            return len(body.shipmentStatusUpdates)
        return len(body.shipmentConfirmations)

    def body_json(self) -> dict[str, object]:
        return self.body.model_dump(mode="json", exclude_none=True)
