"""Amazon business rules the official model cannot express (DF Shipping use-case guide).

Each check reports its problem through the `Builder` and says whether the record may go:
- purchaseOrderNumber: present and alphanumeric (the model's pattern ^[a-zA-Z0-9]+$);
- status updates: trackingNumber present (it must match the shipment confirmation's);
- confirmations: the items section is mandatory; each item needs buyerProductIdentifier
  or vendorProductIdentifier; scacCode is mandatory for vendor-own carriers (a warning:
  the gateway cannot tell who owns the carrier). "A container must have a shipMethod" is
  checked where the value is chosen (confirm._ship_method).
"""

from __future__ import annotations

import re

from gateway.mapping.build import Builder
from gateway.mapping.wording import source_name
from gateway.parse.records import ShippedItem, Val
from gateway.problems import ProblemCode, Severity

__all__ = [
    "PO_PATTERN",
    "check_items_present",
    "check_product_ids",
    "check_purchase_order",
    "check_scac",
    "check_tracking_number",
]

PO_PATTERN = re.compile(r"^[a-zA-Z0-9]+$")  # the model's purchaseOrderNumber pattern


def check_purchase_order(b: Builder, po: Val | None, position: int) -> bool:
    if po is None:
        b.missing("purchaseOrderNumber", position)
        return False
    if not PO_PATTERN.match(po.value):
        b.invalid(po, f"purchaseOrderNumber {po.value!r} is not alphanumeric as Amazon requires")
        return False
    return True


def check_tracking_number(b: Builder, tracking: Val | None, position: int) -> bool:
    if tracking is None:
        b.missing("trackingNumber", position, ": a status update must name its package")
        return False
    return True


def check_items_present(b: Builder, count: int, position: int) -> bool:
    if count == 0:
        b.fault(
            ProblemCode.BUSINESS_RULE,
            "shipment confirmation has no items (the items section is mandatory)",
            position=position,
        )
        return False
    return True


def check_product_ids(b: Builder, item: ShippedItem) -> bool:
    if item.buyer_product_id is None and item.vendor_product_id is None:
        b.fault(
            ProblemCode.BUSINESS_RULE,
            "item has neither buyerProductIdentifier nor vendorProductIdentifier",
            src=item.sequence.src if item.sequence else None,
            position=item.position,
        )
        return False
    return True


def check_scac(b: Builder, scac: Val | None, position: int) -> None:
    if scac is None:
        b.fault(
            ProblemCode.BUSINESS_RULE,
            f"no scacCode ({source_name('scac', b.origin.syntax)}): mandatory for"
            " vendor-own-carrier shipments",
            position=position,
            severity=Severity.WARNING,
        )
