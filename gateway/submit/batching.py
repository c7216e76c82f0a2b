"""Batch planning: the items of many TranslatedRequests merged into calls of <= batch_max items.

Items are the entries of `shipmentConfirmations` / `shipmentStatusUpdates`. A batch holds one
seller, one operation and one sandbox flag. Ordering: a batch holds at most one item per
ordering key (tracking number; for confirmations also the purchase order), and the n-th item
of a key sits in a later batch than the (n-1)-th, which that batch names in `after`, so the
submitter never sends it before or alongside the earlier one. Batches sharing no key are
independent and may be in flight together. Confirmation batches come first in the plan.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from gateway.mapping.result import TranslatedRequest
from gateway.spapi import Operation

__all__ = ["ITEM_KEYS", "Batch", "Rejected", "item_keys", "plan_batches"]

ITEM_KEYS: Final[dict[str, str]] = {
    "submitShipmentConfirmations": "shipmentConfirmations",
    "submitShipmentStatusUpdates": "shipmentStatusUpdates",
}
_PLAN_ORDER: Final[tuple[tuple[Operation, bool], ...]] = (
    ("submitShipmentConfirmations", False),
    ("submitShipmentConfirmations", True),
    ("submitShipmentStatusUpdates", False),
    ("submitShipmentStatusUpdates", True),
)


@dataclass(frozen=True, slots=True)
class Batch:
    """One planned call."""

    index: int  # position in the plan
    seller: str
    operation: Operation
    sandbox: bool
    items: tuple[dict[str, Any], ...]
    requests: tuple[int, ...]  # indexes of the TranslatedRequests the items came from
    purchase_orders: tuple[str, ...]
    tracking_numbers: tuple[str, ...]
    after: tuple[int, ...]  # plan indexes of batches that must have ended first

    @property
    def events(self) -> int:
        return len(self.items)

    def body(self) -> dict[str, Any]:
        return {ITEM_KEYS[self.operation]: list(self.items)}


@dataclass(frozen=True, slots=True)
class Rejected:
    """An item that cannot be sent as it is (checked before any call)."""

    operation: Operation
    sandbox: bool
    request: int
    item: dict[str, Any]
    reason: str


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def item_keys(operation: str, item: dict[str, Any]) -> tuple[str | None, list[str], str | None]:
    """(purchase order, tracking numbers, reason to reject) of one item."""
    po = _text(item.get("purchaseOrderNumber"))
    if operation == "submitShipmentStatusUpdates":
        details = item.get("statusUpdateDetails")
        tracking = _text(details.get("trackingNumber")) if isinstance(details, dict) else None
        if tracking is None:  # one physical package per update: it must name its package
            return po, [], "status update without a tracking number"
        return po, [tracking], None
    containers = item.get("containers")
    numbers = [
        number
        for c in (containers if isinstance(containers, list) else [])
        if isinstance(c, dict) and (number := _text(c.get("trackingNumber"))) is not None
    ]
    return po, list(dict.fromkeys(numbers)), None


@dataclass(slots=True)
class _Open:
    items: list[dict[str, Any]]
    requests: list[int]
    pos: list[str]
    tracking: list[str]
    after: set[int]


def _layer(entries: Sequence[tuple[int, dict[str, Any], str | None, list[str]]],
           operation: str, batch_max: int) -> list[_Open]:  # fmt: skip
    batches: list[_Open] = []
    last: dict[str, int] = {}  # ordering key -> batch holding its latest item
    first_open = 0
    for request, item, po, tracking in entries:
        keys = [f"T:{t}" for t in tracking]
        if po is not None and operation == "submitShipmentConfirmations":
            keys.append(f"PO:{po}")
        target = max([first_open, *(last[k] + 1 for k in keys if k in last)])
        while target < len(batches) and len(batches[target].items) >= batch_max:
            target += 1
        if target == len(batches):
            batches.append(_Open([], [], [], [], set()))
        batch = batches[target]
        batch.items.append(item)
        batch.requests.append(request)
        batch.pos.extend([po] if po else [])
        batch.tracking.extend(tracking)
        batch.after.update(last[k] for k in keys if k in last)
        last.update(dict.fromkeys(keys, target))
        while first_open < len(batches) and len(batches[first_open].items) >= batch_max:
            first_open += 1
    return batches


def plan_batches(
    seller: str, requests: Sequence[TranslatedRequest], batch_max: int
) -> tuple[list[Batch], list[Rejected]]:
    """Batches in sending order (confirmations first) and the items that cannot be sent."""
    groups: dict[tuple[Operation, bool], list[tuple[int, dict[str, Any], str | None, list[str]]]]
    groups = {key: [] for key in _PLAN_ORDER}
    rejected: list[Rejected] = []
    for index, request in enumerate(requests):
        sandbox = request.origin.test  # test interchange (ISA15=T, UNB 0035=1) -> sandbox
        body = request.body_json()
        items = body.get(ITEM_KEYS[request.operation])
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict):
                continue
            po, tracking, reason = item_keys(request.operation, item)
            if reason is not None:
                rejected.append(Rejected(request.operation, sandbox, index, item, reason))
            else:
                groups[(request.operation, sandbox)].append((index, item, po, tracking))
    plan: list[Batch] = []
    for (operation, sandbox), entries in groups.items():
        offset = len(plan)
        for b in _layer(entries, operation, max(1, batch_max)):
            plan.append(Batch(index=len(plan), seller=seller, operation=operation,
                              sandbox=sandbox, items=tuple(b.items),
                              requests=tuple(dict.fromkeys(b.requests)),
                              purchase_orders=tuple(dict.fromkeys(b.pos)),
                              tracking_numbers=tuple(dict.fromkeys(b.tracking)),
                              after=tuple(sorted(offset + a for a in b.after))))  # fmt: skip
    return plan, rejected
