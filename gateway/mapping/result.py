"""The mapping stage's output: SP-API requests with their lineage and origin."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

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

    def to_record(self) -> tuple[object, ...]:
        """A compact, picklable form of plain values (see `from_record`), for spooling."""
        o = self.origin
        origin = (o.syntax, o.sender, o.receiver, o.interchange_control, o.group_control,
                  o.transaction_control, o.transaction_type, o.version, o.test)  # fmt: skip
        lineage = [(e.path, e.kind, e.segment, e.position, e.element, e.component, e.detail)
                   for e in self.lineage]  # fmt: skip
        body = self.body.model_dump_json(exclude_none=True)
        return (self.operation, body, origin, self.purchase_orders, self.tracking_numbers,
                lineage)  # fmt: skip

    @classmethod
    def from_record(cls, record: tuple[Any, ...]) -> TranslatedRequest:
        operation, body, origin, purchase_orders, tracking_numbers, lineage = record
        model = (
            SubmitShipmentStatusUpdatesRequest
            if operation == "submitShipmentStatusUpdates"
            else SubmitShipmentConfirmationsRequest
        )
        return cls(
            operation=operation,
            body=model.model_validate_json(body),
            origin=Origin(*origin),
            purchase_orders=purchase_orders,
            tracking_numbers=tracking_numbers,
            lineage=tuple(Lineage(*entry) for entry in lineage),
        )
