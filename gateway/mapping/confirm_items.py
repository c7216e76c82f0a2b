"""Item lines of a ship notice -> Item / PackedItem values with their lineage.

One line per item sequence number: lines split over several packs are summed (lineage
'derived'); LIN-01 empty -> the item's place in the order. Shared by the items and the
packed items of a shipment confirmation.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gateway.mapping.build import Builder, Trace, whole_number
from gateway.mapping.rules import check_product_ids
from gateway.mapping.wording import source_name
from gateway.parse.records import ShippedItem
from gateway.problems import ProblemCode

__all__ = ["Line", "item_lines", "line_models"]


@dataclass
class Line:
    """One item line's values, its lineage relative to the line (quantity under `qty`)."""

    sequence: int
    buyer: str | None
    vendor: str | None
    amount: int
    unit: str
    trace: Trace


def _line(b: Builder, item: ShippedItem, place: int | None, qty: str) -> Line | None:
    names = (item.sequence, item.buyer_product_id, item.vendor_product_id)
    name = next((v.value for v in names if v is not None), None)
    if name is None and place is not None:
        name = f"#{place}"
    with b.event(at=item.position, item=name):
        return _item_line(b, item, place, qty)


def _item_line(b: Builder, item: ShippedItem, place: int | None, qty: str) -> Line | None:
    trace = Trace()
    ok = check_product_ids(b, item)
    sequence: int | None = None
    if item.sequence is not None:
        sequence = whole_number(item.sequence.value)
        if sequence is None:
            b.invalid(item.sequence, f"item sequence {item.sequence.value!r} is not a whole number")
        else:
            trace.segment("/itemSequenceNumber", item.sequence)
    elif place is not None:
        sequence = place
        why = (
            f"no item sequence ({source_name('item_sequence', b.origin.syntax)} empty): "
            f"item at segment {item.position}"
            f" is #{place}"
        )
        trace.note("/itemSequenceNumber", "derived", why)
    else:
        b.missing("item sequence", item.position)
    amount = whole_number(item.quantity.value) if item.quantity else None
    if item.quantity is None or amount is None:
        what = "missing" if item.quantity is None else f"{item.quantity.value!r} not whole"
        b.fault(
            ProblemCode.MISSING_FIELD if item.quantity is None else ProblemCode.INVALID_FIELD,
            f"shipped quantity {what}"
            + (
                f" ({item.quantity.src.describe()})"
                if item.quantity
                else f" ({source_name('quantity', b.origin.syntax)})"
            ),
            src=item.quantity.src if item.quantity else None,
            position=item.position,
            value=item.quantity.value if item.quantity else None,
        )
    else:
        trace.segment(f"/{qty}/amount", item.quantity)
    unit = b.quantity_unit(item.unit, f"/{qty}/unitOfMeasure", trace)
    buyer = vendor = None
    if item.buyer_product_id is not None:
        buyer = trace.segment("/buyerProductIdentifier", item.buyer_product_id)
    if item.vendor_product_id is not None:
        vendor = trace.segment("/vendorProductIdentifier", item.vendor_product_id)
    if not ok or sequence is None or amount is None:
        return None
    return Line(sequence, buyer, vendor, amount, unit, trace)


def _merge(b: Builder, lines: list[tuple[ShippedItem, Line]], qty: str) -> list[Line]:
    """One line per item sequence number: the same line in several packs is summed."""
    merged: dict[int, Line] = {}
    sources: dict[int, list[ShippedItem]] = {}
    for item, line in lines:
        first = merged.get(line.sequence)
        if first is None:
            merged[line.sequence], sources[line.sequence] = line, [item]
            continue
        if (first.buyer, first.vendor, first.unit) != (line.buyer, line.vendor, line.unit):
            with b.event(item=str(line.sequence)):
                b.fault(
                    ProblemCode.BUSINESS_RULE,
                    f"item sequence {line.sequence} is reported with different products or units",
                    src=item.sequence.src if item.sequence else None,
                    position=item.position,
                )
            continue
        first.amount += line.amount
        sources[line.sequence].append(item)
    for sequence, items in sources.items():
        if len(items) > 1:
            line = merged[sequence]
            path = f"/{qty}/amount"
            line.trace.without(path)
            read = ", ".join(i.quantity.src.describe() for i in items if i.quantity)
            line.trace.note(path, "derived", f"sum of {read}")
    return list(merged.values())


def item_lines(
    b: Builder, items: Sequence[ShippedItem], places: dict[int, int], qty: str
) -> list[Line] | None:
    """The mapped lines of items (merged); None when any item cannot be mapped."""
    mapped = [(item, _line(b, item, places.get(item.position), qty)) for item in items]
    good = [(item, line) for item, line in mapped if line is not None]
    if len(good) != len(mapped):
        return None
    before = len(b.problems)
    merged = _merge(b, good, qty)
    return merged if len(b.problems) == before else None


def line_models(lines: list[Line], trace: Trace, prefix: str, qty: str) -> list[dict[str, Any]]:
    """The Item / PackedItem (`qty`: shippedQuantity / packedQuantity) of each line as a
    dict in the model's field order, its lineage rebased under `prefix`/index."""
    out: list[dict[str, Any]] = []
    for index, line in enumerate(lines):
        trace.entries += line.trace.under(f"{prefix}/{index}")
        item: dict[str, Any] = {"itemSequenceNumber": line.sequence}
        if line.buyer is not None:
            item["buyerProductIdentifier"] = line.buyer
        if line.vendor is not None:
            item["vendorProductIdentifier"] = line.vendor
        item[qty] = {"amount": line.amount, "unitOfMeasure": line.unit}
        out.append(item)
    return out
