"""ShipNoticeDocument (856 / DESADV) -> submitShipmentConfirmations requests with lineage.

One ShipmentConfirmation per ShipNotice (one purchase order); one request per document,
split every 500 confirmations. A notice that breaks a field or business rule is reported
and left out; the others still go.
- items: one per item sequence number (lines split over several packs are summed);
  LIN-01 empty -> the item's place in the order (lineage 'derived');
- containers: one per pack; containerIdentifier = container id, else tracking number;
  shipMethod from the file, else the profile (required); weight from the file, else
  "0" LB marked 'default' with a warning (Amazon requires a weight).
"""

from __future__ import annotations

from typing import Any

from gateway.mapping.build import Builder, Trace, chunks, unique
from gateway.mapping.codes import CodeTables
from gateway.mapping.confirm_items import item_lines, line_models
from gateway.mapping.result import TranslatedRequest
from gateway.mapping.rules import (
    check_items_present,
    check_purchase_order,
    check_scac,
)
from gateway.mapping.wording import source_name
from gateway.origin import Origin
from gateway.parse.records import Pack, ShipNotice, ShipNoticeDocument
from gateway.problems import Problem, ProblemCode, Severity
from gateway.profile import PartnerProfile

__all__ = ["map_ship_notices"]


def _container(
    b: Builder, notice: ShipNotice, pack: Pack, places: dict[int, int], method: str, trace: Trace
) -> dict[str, Any] | None:
    tracking = pack.tracking_number.value if pack.tracking_number else None
    with b.event(at=pack.position, tracking_number=tracking):
        return _pack(b, notice, pack, places, method, trace)


def _pack(
    b: Builder, notice: ShipNotice, pack: Pack, places: dict[int, int], method: str, trace: Trace
) -> dict[str, Any] | None:
    ident = pack.container_id or pack.tracking_number
    if ident is None:
        b.fault(
            ProblemCode.CONTAINER_INCOMPLETE,
            "pack has neither a container id nor a tracking number "
            f"({source_name('container', b.origin.syntax)})",
            position=pack.position,
        )
    else:
        why = None if pack.container_id else "no container id: the tracking number"
        trace.segment("/containerIdentifier", ident, why)
    container_type = b.profile.container_type
    if pack.container_type == "pallet":
        container_type = "pallet"
        trace.note("/containerType", "derived", f"tare level at segment {pack.position}: pallet")
    else:
        trace.note("/containerType", "profile", f"partner {b.profile.id}: container_type")
    if pack.tracking_number is not None:
        trace.segment("/trackingNumber", pack.tracking_number)
    if notice.scac is not None:
        trace.segment("/scacCode", notice.scac)
    weight = b.weight(pack.weight, pack.weight_unit, trace)
    lines = item_lines(b, pack.items, places, "packedQuantity")
    if ident is None or weight is None or lines is None:
        return None
    container: dict[str, Any] = {"containerType": container_type,
                                 "containerIdentifier": ident.value}  # fmt: skip
    if pack.tracking_number is not None:
        container["trackingNumber"] = pack.tracking_number.value
    if notice.scac is not None:
        container["scacCode"] = notice.scac.value
    container["shipMethod"] = method
    container["weight"] = weight
    container["packedItems"] = line_models(lines, trace, "/packedItems", "packedQuantity")
    return container


def _ship_method(b: Builder, notice: ShipNotice, trace: Trace) -> str | None:
    """shipMethod for every container: the file's (TD5-05 / TDT C228), else the profile's."""
    if notice.ship_method is not None:
        return trace.segment("/shipMethod", notice.ship_method)
    if b.profile.ship_method is not None:
        trace.note("/shipMethod", "profile", f"partner {b.profile.id}: ship_method")
        return b.profile.ship_method
    b.fault(
        ProblemCode.BUSINESS_RULE,
        "shipMethod required on containers: not in the file "
        f"({source_name('ship_method', b.origin.syntax)}) nor in the profile",
        position=notice.position,
    )
    return None


def _containers(
    b: Builder, notice: ShipNotice, places: dict[int, int], trace: Trace
) -> list[dict[str, Any]] | None:
    """The notice's packs as containers; None when any cannot be sent."""
    if not notice.packs:
        return []
    method_trace = Trace()
    method = _ship_method(b, notice, method_trace)
    containers: list[dict[str, Any] | None] = []
    for index, pack in enumerate(notice.packs):
        pack_trace = Trace(list(method_trace.entries))
        containers.append(_container(b, notice, pack, places, method or "", pack_trace))
        trace.entries += pack_trace.under(f"/containers/{index}")
    unweighed = sum(1 for pack in notice.packs if pack.weight is None)
    if unweighed:
        b.fault(
            ProblemCode.MISSING_FIELD,
            f"{unweighed} of {len(notice.packs)} packs carry no weight: 0 LB sent (default)",
            position=notice.position,
            severity=Severity.WARNING,
        )
    good = [c for c in containers if c is not None]
    return good if method is not None and len(good) == len(containers) else None


def _confirmation(b: Builder, notice: ShipNotice) -> tuple[dict[str, Any], Trace] | None:
    po = notice.purchase_order.value if notice.purchase_order else None
    with b.event(at=notice.position, purchase_order=po):
        return _notice(b, notice)


def _notice(b: Builder, notice: ShipNotice) -> tuple[dict[str, Any], Trace] | None:
    trace = Trace()
    position = notice.position
    ok = check_purchase_order(b, notice.purchase_order, position)
    ok &= check_items_present(b, len(notice.items), position)
    ok &= b.free_of_delimiters(notice)
    shipped = b.time(notice.shipped, "/shipmentDetails/shippedDate", trace, "shippedDate", position)
    estimated = None
    if notice.estimated_delivery is not None:
        path = "/shipmentDetails/estimatedDeliveryDate"
        estimated = b.time(notice.estimated_delivery, path, trace, "estimatedDelivery", position)
        ok &= estimated is not None
    trace.note("/shipmentDetails/shipmentStatus", "default", "a ship notice: SHIPPED")
    profile = b.profile
    selling = b.party(
        "/sellingParty/partyId", trace, notice.selling_party, profile.selling_party, "sellingParty"
    )
    ship_from = b.party(
        "/shipFromParty/partyId", trace, notice.ship_from, profile.ship_from, "shipFromParty"
    )
    places = {item.position: place for place, item in enumerate(notice.items, start=1)}
    lines = item_lines(b, notice.items, places, "shippedQuantity")
    containers = _containers(b, notice, places, trace)
    check_scac(b, notice.scac, position)
    if not ok or None in (shipped, selling, ship_from, lines, containers):
        return None
    assert notice.purchase_order and shipped and selling and ship_from and lines is not None
    items = line_models(lines, trace, "/items", "shippedQuantity")
    details = {"shippedDate": shipped, "shipmentStatus": "SHIPPED"}
    if estimated is not None:
        details["estimatedDeliveryDate"] = estimated
    confirmation: dict[str, Any] = {
        "purchaseOrderNumber": trace.segment("/purchaseOrderNumber", notice.purchase_order),
        "shipmentDetails": details,
        "sellingParty": {"partyId": selling},
        "shipFromParty": {"partyId": ship_from},
        "items": items,
    }
    if containers:
        confirmation["containers"] = containers
    return confirmation, trace


def map_ship_notices(
    origin: Origin, document: ShipNoticeDocument, profile: PartnerProfile, tables: CodeTables
) -> tuple[list[TranslatedRequest], list[Problem]]:
    """The shipment-confirmation requests of one document, and its mapping problems."""
    b = Builder(origin, profile, tables)
    mapped = [_confirmation(b, notice) for notice in document.notices]
    confirmations = [m for m in mapped if m is not None]
    requests = []
    for part in chunks(confirmations):
        tracking = (c.get("trackingNumber") for conf, _ in part for c in conf.get("containers", ()))
        requests.append(
            TranslatedRequest.from_items(
                "submitShipmentConfirmations",
                [conf for conf, _ in part],
                origin,
                purchase_orders=unique(conf["purchaseOrderNumber"] for conf, _ in part),
                tracking_numbers=unique(tracking),
                trails=tuple(tuple(trace.entries) for _, trace in part),
            )
        )
    return requests, b.problems
