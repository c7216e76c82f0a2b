"""The mapping stage's output: SP-API requests with their lineage and origin.

The mappers build each request from plain values (the body as a dict in the field order of
Amazon's model, the lineage as compact per-item trails, see `gateway.mapping.lineage`):
the pydantic body model and the per-field `Lineage` entries are made only when a caller
asks for them (`body`, `lineage`), e.g. a replay diff or a test.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Literal

import orjson

from gateway.mapping.lineage import (
    Lineage,
    Trail,
    expand,
    full_trail,
    item_reports,
    item_reports_json,
    lineage_text,
)
from gateway.origin import Origin

if TYPE_CHECKING:  # the models are imported when a body model is first asked for
    from gateway.mapping.payloads import (
        SubmitShipmentConfirmationsRequest,
        SubmitShipmentStatusUpdatesRequest,
    )

    Body = SubmitShipmentStatusUpdatesRequest | SubmitShipmentConfirmationsRequest

__all__ = ["ITEM_KEY", "Body", "Operation", "TranslatedRequest"]

Operation = Literal["submitShipmentStatusUpdates", "submitShipmentConfirmations"]
# the body's one key: the list of its items (status updates / shipment confirmations)
ITEM_KEY: dict[str, str] = {
    "submitShipmentStatusUpdates": "shipmentStatusUpdates",
    "submitShipmentConfirmations": "shipmentConfirmations",
}
# json.dumps' own encoder (same separators and escapes), without the check for cycles a
# body (a tree of dicts, lists and strings) cannot have
_ENCODER = json.JSONEncoder(check_circular=False)


def _model(operation: str) -> type[Body]:
    """Amazon's request model of an operation (`gateway.mapping.payloads`, imported here:
    a translation that only prints JSON never loads the models)."""
    from gateway.mapping import payloads

    if operation == "submitShipmentStatusUpdates":
        return payloads.SubmitShipmentStatusUpdatesRequest
    return payloads.SubmitShipmentConfirmationsRequest


def __getattr__(name: str) -> object:
    """`Body`, the union of the request models, made when first read."""
    if name == "Body":
        from gateway.mapping import payloads

        return (
            payloads.SubmitShipmentStatusUpdatesRequest
            | payloads.SubmitShipmentConfirmationsRequest
        )
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class TranslatedRequest:
    """One SP-API call the file means: operation + body, where it came from, and why.

    Made either from a body model and expanded lineage (`TranslatedRequest(operation, body,
    origin, purchase_orders, tracking_numbers, lineage)`), or by the mappers from plain
    items (`from_items`). Either way `body`, `body_json()`, `body_text()`, `lineage` and
    `item_lineage()` give the same values; each is computed once, when first asked for.
    """

    __slots__ = ("_body", "_dict", "_expanded", "_lineage", "_text", "_trails", "operation",
                 "origin", "purchase_orders", "tracking_numbers")  # fmt: skip

    operation: Operation
    origin: Origin
    purchase_orders: tuple[str, ...]
    tracking_numbers: tuple[str, ...]

    def __init__(
        self,
        operation: Operation,
        body: Body,
        origin: Origin,
        purchase_orders: tuple[str, ...],
        tracking_numbers: tuple[str, ...],
        lineage: tuple[Lineage, ...],
    ) -> None:
        self.operation, self.origin = operation, origin
        self.purchase_orders, self.tracking_numbers = purchase_orders, tracking_numbers
        self._body: Body | None = body
        self._dict: dict[str, Any] | None = None
        self._text: bytes | None = None
        self._lineage: tuple[Lineage, ...] | None = tuple(lineage)
        self._trails: tuple[Trail, ...] | None = None
        self._expanded = True

    @classmethod
    def from_items(
        cls,
        operation: Operation,
        items: list[dict[str, Any]] | None,
        origin: Origin,
        purchase_orders: tuple[str, ...],
        tracking_numbers: tuple[str, ...],
        trails: tuple[Trail, ...],
        text: bytes | None = None,
    ) -> TranslatedRequest:
        """A request from its body items (dicts in the model's field order, no None values)
        or its body as JSON text (`text`, as `body_text` writes it), and one lineage trail
        per item (flat or compact, `gateway.mapping.lineage`)."""
        request = cls.__new__(cls)
        request.operation, request.origin = operation, origin
        request.purchase_orders, request.tracking_numbers = purchase_orders, tracking_numbers
        request._body = None
        request._dict = None if items is None else {ITEM_KEY[operation]: items}
        request._text = text
        request._lineage = None
        request._trails = trails
        request._expanded = False
        return request

    @property
    def body(self) -> Body:
        """The body as Amazon's model (validated when first asked for)."""
        if self._body is None:
            self._body = _model(self.operation).model_validate(self.body_json())
        return self._body

    def body_json(self) -> dict[str, Any]:
        """The body as JSON values (no None values); shared: callers must not change it."""
        if self._dict is None:
            if self._text is not None:
                self._dict = orjson.loads(self._text)
            else:
                assert self._body is not None
                self._dict = self._body.model_dump(mode="json", exclude_none=True)
        return self._dict

    def body_text(self) -> bytes:
        """The body as JSON text in ASCII bytes, exactly as `json.dumps(self.body_json())`
        writes it (", " and ": " separators, non-ASCII escaped): what `edigw translate`
        prints, made once and spooled as is (`body_json` reads it back with orjson)."""
        if self._text is None:
            self._text = _ENCODER.encode(self.body_json()).encode("ascii")
        return self._text

    def body_dumps(self) -> str:
        """`body_text` as a str: `json.dumps(self.body_json())`."""
        return self.body_text().decode("ascii")

    def items(self) -> list[dict[str, Any]]:
        """The status updates or shipment confirmations of the body."""
        items: list[dict[str, Any]] = self.body_json()[ITEM_KEY[self.operation]]
        return items

    def event_count(self) -> int:
        """Status updates or shipment confirmations in the body."""
        if self._trails is not None:
            return len(self._trails)  # one per item
        return len(self.items())

    @property
    def trails(self) -> tuple[Trail, ...]:
        """The lineage: one flat trail per item, paths relative to the item (compact trails
        expanded, `gateway.mapping.lineage.full_trail`)."""
        if self._trails is None:
            assert self._lineage is not None
            self._trails = _trails_of(self._lineage, ITEM_KEY[self.operation], self.event_count())
        elif self._trails and not self._expanded:
            self._trails = tuple(map(full_trail, self._trails))
        self._expanded = True
        return self._trails

    def stored_trails(self) -> tuple[Trail, ...]:
        """The trails as the mapper recorded them (compact ones not expanded): what a spool
        keeps and `from_items` takes back."""
        return self._trails if self._trails is not None else self.trails

    @property
    def lineage(self) -> tuple[Lineage, ...]:
        """Every value's lineage, paths from the body's root (expanded when asked for)."""
        if self._lineage is None:
            assert self._trails is not None
            self._lineage = tuple(expand(ITEM_KEY[self.operation], self.trails))
        return self._lineage

    def lineage_report(self) -> list[dict[str, object]]:
        """`lineage` as JSON objects (the fields that are set), as `edigw translate --lineage`
        prints them."""
        key = ITEM_KEY[self.operation]
        out: list[dict[str, object]] = []
        for index, trail in enumerate(self.trails):
            out += item_reports(trail, f"/{key}/{index}")
        return out

    def lineage_json(self) -> list[str]:
        """`lineage_report` with each object as its `json.dumps` text."""
        key = ITEM_KEY[self.operation]
        out: list[str] = []
        for index, trail in enumerate(self.trails):
            out += item_reports_json(trail, f"/{key}/{index}")
        return out

    def lineage_text(self) -> str:
        """`lineage_json`'s texts joined by ", ": what `edigw translate --lineage` prints
        between the brackets of "lineage". Made from the stored trails: a compact one is
        expanded and worded once per distinct trail (`gateway.mapping.lineage.lineage_text`),
        not kept expanded here."""
        return lineage_text(ITEM_KEY[self.operation], self.stored_trails())

    def item_lineage(self, index: int) -> list[dict[str, object]]:
        """The lineage of item `index` as JSON objects, paths relative to the item."""
        return item_reports(self.trails[index], "")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, TranslatedRequest):
            return NotImplemented
        return (self.operation, self.origin, self.purchase_orders, self.tracking_numbers,
                self.body_json(), self.lineage) == (other.operation, other.origin,
                other.purchase_orders, other.tracking_numbers, other.body_json(),
                other.lineage)  # fmt: skip

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"TranslatedRequest(operation={self.operation!r}, origin={self.origin!r}, "
            f"purchase_orders={self.purchase_orders!r}, "
            f"tracking_numbers={self.tracking_numbers!r}, body={self.body_json()!r})"
        )


def _trails_of(lineage: tuple[Lineage, ...], key: str, count: int) -> tuple[Trail, ...]:
    """Lineage entries grouped per item (paths relative to it), in one pass."""
    trails: list[list[Any]] = [[] for _ in range(count)]
    head = f"/{key}/"
    for e in lineage:
        if not e.path.startswith(head):
            continue
        number, _, tail = e.path[len(head) :].partition("/")
        if tail and number.isdigit() and int(number) < count:
            trails[int(number)] += ("/" + tail, e.kind, e.segment, e.position, e.element,
                                    e.component, e.detail)  # fmt: skip
    return tuple(tuple(t) for t in trails)
