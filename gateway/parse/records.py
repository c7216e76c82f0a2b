"""Typed records the document parsers produce and the mapping stage consumes.

Every value carries its `Src`: the segment tag, its position in the transaction set or
message, and the element/component it was read from. That is the start of the lineage ops
see field by field; the mapping stage adds code-table rows and defaults on top.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from gateway.origin import Origin, Syntax  # re-exported: records carry them

__all__ = [
    "Document",
    "EventTime",
    "Origin",
    "Pack",
    "ShipNotice",
    "ShipNoticeDocument",
    "ShippedItem",
    "Src",
    "StatusDocument",
    "StatusEvent",
    "Syntax",
    "Val",
    "src_text",
]


class Src(NamedTuple):
    """Where a value was read: segment tag, position in the set/message, element, component.

    A named tuple (made for every value read, kept in lineage and spooled: cheap to build
    and to pickle); read it by attribute."""

    segment: str
    position: int
    element: int
    component: int | None = None

    def describe(self) -> str:
        return src_text(self.segment, self.position, self.element, self.component)


def src_text(segment: str, position: int, element: int, component: int | None) -> str:
    """A source as `Src.describe` words it ("DTM01-2 (segment 6)"), from its four values
    (a spooled lineage keeps them as a plain tuple)."""
    ref = f"{segment}{element:02d}"
    if component is not None:
        ref += f"-{component}"
    return f"{ref} (segment {position})"


class Val(NamedTuple):
    """A non-empty value read from the file, with where it came from (a named tuple, like
    `Src`)."""

    value: str
    src: Src


class EventTime(NamedTuple):
    """A date/time as the file states it: naive local time plus the zone the file names.

    `zone` is the X12 time code (AT7-07 style: UT, ET, LT, ...) or, for EDIFACT, the zone
    suffix of format 303 ('UTC', '+01', ...); None means the file named no zone. A named
    tuple, like `Val` (made per event on the hot path); read it by attribute.
    """

    local: datetime
    zone: Val | None
    srcs: tuple[Src, ...]


class StatusEvent(NamedTuple):
    """One carrier scan (X12 214 LX loop / EDIFACT IFTSTA CNI group). A named tuple, like
    `Val` (one per event on the hot path: a frozen dataclass took several times as long to
    make); read it by attribute."""

    position: int  # segment position of the LX / CNI that starts it
    purchase_order: Val | None
    tracking_number: Val | None
    status_code: Val | None
    reason_code: Val | None
    time: EventTime | None
    city: Val | None = None
    state: Val | None = None
    postal_code: Val | None = None
    country: Val | None = None


@dataclass(frozen=True, slots=True)
class ShippedItem:
    """One shipped line (856 HL item / DESADV LIN)."""

    position: int
    sequence: Val | None  # LIN-01 / DESADV LIN 1082
    buyer_product_id: Val | None
    vendor_product_id: Val | None
    quantity: Val | None
    unit: Val | None


@dataclass(frozen=True, slots=True)
class Pack:
    """One physical package (856 HL pack / DESADV CPS+PAC+GIN)."""

    position: int
    container_id: Val | None  # MAN*GM / GIN SSCC
    tracking_number: Val | None  # MAN*CP / GIN BN/.. per profile
    weight: Val | None
    weight_unit: Val | None
    items: tuple[ShippedItem, ...]
    container_type: str | None = None  # "pallet" for an 856 tare level; None: the profile's


@dataclass(frozen=True, slots=True)
class ShipNotice:
    """One order's shipment confirmation (856 order level / DESADV message)."""

    position: int
    purchase_order: Val | None
    shipped: EventTime | None
    estimated_delivery: EventTime | None
    ship_from: Val | None
    selling_party: Val | None
    scac: Val | None
    ship_method: Val | None
    items: tuple[ShippedItem, ...]
    packs: tuple[Pack, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class StatusDocument:
    """A parsed 214 / IFTSTA: its status events in file order."""

    events: tuple[StatusEvent, ...]


@dataclass(frozen=True, slots=True)
class ShipNoticeDocument:
    """A parsed 856 / DESADV: one ShipNotice per purchase order."""

    notices: tuple[ShipNotice, ...]


Document = StatusDocument | ShipNoticeDocument
