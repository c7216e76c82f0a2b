"""SP-API request bodies (Vendor Direct Fulfillment Shipping V1) as pydantic models.

Field names are Amazon's (camelCase) so that `model_dump(exclude_none=True)` is the body.
The tests validate every dumped body against the official model (gateway.contract).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

__all__ = [
    "Address",
    "Container",
    "Item",
    "ItemQuantity",
    "PackedItem",
    "PartyIdentification",
    "ShipmentConfirmation",
    "ShipmentDetails",
    "ShipmentStatusUpdate",
    "StatusUpdateDetails",
    "SubmitShipmentConfirmationsRequest",
    "SubmitShipmentStatusUpdatesRequest",
    "Weight",
]


class _Body(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Address(_Body):
    name: str
    addressLine1: str
    city: str | None = None
    stateOrRegion: str | None = None
    postalCode: str | None = None
    countryCode: str


class PartyIdentification(_Body):
    partyId: str


class StatusUpdateDetails(_Body):
    trackingNumber: str
    statusCode: str
    reasonCode: str
    statusDateTime: str  # ISO-8601 with Z or an offset
    statusLocationAddress: Address


class ShipmentStatusUpdate(_Body):
    purchaseOrderNumber: str
    sellingParty: PartyIdentification
    shipFromParty: PartyIdentification
    statusUpdateDetails: StatusUpdateDetails


class SubmitShipmentStatusUpdatesRequest(_Body):
    shipmentStatusUpdates: list[ShipmentStatusUpdate]


class ShipmentDetails(_Body):
    shippedDate: str
    shipmentStatus: Literal["SHIPPED", "FLOOR_DENIAL"] = "SHIPPED"
    estimatedDeliveryDate: str | None = None


class ItemQuantity(_Body):
    amount: int
    unitOfMeasure: str


class Item(_Body):
    itemSequenceNumber: int
    buyerProductIdentifier: str | None = None
    vendorProductIdentifier: str | None = None
    shippedQuantity: ItemQuantity


class PackedItem(_Body):
    itemSequenceNumber: int
    buyerProductIdentifier: str | None = None
    vendorProductIdentifier: str | None = None
    packedQuantity: ItemQuantity


class Weight(_Body):
    unitOfMeasure: Literal["KG", "LB"]
    value: str  # Amazon's Decimal: a string


class Container(_Body):
    containerType: Literal["carton", "pallet"]
    containerIdentifier: str
    trackingNumber: str | None = None
    scacCode: str | None = None
    shipMethod: str
    weight: Weight
    packedItems: list[PackedItem]


class ShipmentConfirmation(_Body):
    purchaseOrderNumber: str
    shipmentDetails: ShipmentDetails
    sellingParty: PartyIdentification
    shipFromParty: PartyIdentification
    items: list[Item]
    containers: list[Container] | None = None


class SubmitShipmentConfirmationsRequest(_Body):
    shipmentConfirmations: list[ShipmentConfirmation]
