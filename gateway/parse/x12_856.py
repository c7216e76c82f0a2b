"""X12 856 (ship notice/manifest) -> ShipNotices, one per order-level HL.

The HL hierarchy is rebuilt from HL01 (id) / HL02 (parent id); HL03 names the level:
S shipment, O order, T tare, P pack, I item (other levels stay in the tree, unread).
Default field sources (the partner profile's FieldSources may change the qualifiers):
- purchase order: PRF-01 (order level, else an enclosing level);
- shipped date DTM*011, estimated delivery DTM*017 (DTM02 date, DTM03 time, DTM04 code),
  ship-from N1*SF N1-04, selling party N1*SE N1-04, SCAC TD5-03 (TD5-02 '2' or empty),
  ship method TD5-05: read at the order level, else inherited from the shipment (and from
  the header DTMs for the dates; with no DTM*011 at all, the ASN date BSN-03/04);
- per pack (P): MAN tracking/container qualifiers (MAN01/02 and MAN04/05), weight
  TD1-07/08, else MEA (G/WT) 03/04-1, else PO4-06/07;
- per tare (T, a pallet) with a MAN or items directly under it: a `pallet` container read
  like a pack, whose packed items are the items directly under it (not those in its packs,
  which are containers of their own);
- per item (I): LIN-01 sequence, LIN02/03.. qualifier/value pairs (BP buyer product id,
  vendor qualifiers in profile order), SN1-02/03 quantity and unit.
Items may sit under packs or packs under items; a pack under an item packs that item
(with the pack's own SN1 quantity when it has one). With no O level, each S is a notice.
An item, pack or tare HL without a parent (HL02 empty, or naming no earlier HL01) is an error
that names it (`HL 4 has no parent`): it would belong to no order. So is one whose parent is
the shipment (or another level that is no order) in an 856 with order levels (`HL 3 (item)
is not under an order`): the set is rejected rather than the item guessed into an order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from gateway.parse.records import (
    EventTime,
    Pack,
    ShipNotice,
    ShipNoticeDocument,
    ShippedItem,
    Src,
    Val,
)
from gateway.parse.relations import syntax_notes
from gateway.parse.x12_common import event_time, val, validate_set
from gateway.parse.x12_tables import SET_856
from gateway.problems import Level, Problem, ProblemCode
from gateway.profile import FieldSources
from gateway.set_problems import SetProblems

__all__ = ["parse_856"]

T = TypeVar("T")
_Seg = tuple[int, Sequence[str]]


@dataclass(eq=False)
class _Node:
    position: int
    hl_id: str
    level: str
    parent: _Node | None
    segs: list[_Seg] = field(default_factory=list)
    children: list[_Node] = field(default_factory=list)

    def find(self, tag: str, qualifier: str | None = None) -> Iterator[_Seg]:
        for position, seg in self.segs:
            if seg[0] == tag and (qualifier is None or _el(seg, 1) == qualifier):
                yield position, seg

    def descendants(self, stop: str | None = None) -> Iterator[_Node]:
        for child in self.children:
            if child.level == stop:
                continue
            yield child
            yield from child.descendants(stop)


def _el(seg: Sequence[str], n: int) -> str:
    return seg[n].strip() if n < len(seg) else ""


# HL03 levels that must have a parent (HL02): they belong to an order or shipment
_NEEDS_PARENT = frozenset({"I", "P", "T"})


def _hl_problem(
    seg: Sequence[str],
    position: int,
    n: int,
    ref: str,
    why: str,
    code: ProblemCode = ProblemCode.INVALID_CODE_VALUE,
) -> Problem:
    return Problem(
        code=code,
        message=why,
        level=Level.ELEMENT,
        segment="HL",
        position=position,
        element=n,
        element_ref=ref,
        value=_el(seg, n),
    )


def _build_tree(
    segments: Sequence[Sequence[str]],
) -> tuple[list[_Seg], list[_Node], list[Problem]]:
    """Header segments, every HL node in file order, and the HL01/HL02 problems."""
    header: list[_Seg] = []
    nodes: list[_Node] = []
    by_id: dict[str, _Node] = {}
    problems = SetProblems()  # an 856 of 100,000 faulty HLs lists SET_PROBLEMS
    for position in range(2, len(segments)):
        seg = segments[position - 1]
        if seg[0] != "HL":
            (nodes[-1].segs if nodes else header).append((position, seg))
            continue
        hl_id, parent_id = _el(seg, 1), _el(seg, 2)
        parent = by_id.get(parent_id) if parent_id else None
        if parent_id and parent is None:
            why = "is its own id" if parent_id == hl_id else "names no earlier HL01"
            why = f"HL {hl_id} has no parent: HL02 {parent_id!r} {why}"
            problems.append(_hl_problem(seg, position, 2, "734", why))
        elif not parent_id and _el(seg, 3) in _NEEDS_PARENT:
            why = f"HL {hl_id} has no parent: HL02 is empty at level {_el(seg, 3)!r}"
            code = ProblemCode.CONDITIONAL_ELEMENT_MISSING
            problems.append(_hl_problem(seg, position, 2, "734", why, code))
        node = _Node(position, hl_id, _el(seg, 3), parent)
        if hl_id and hl_id in by_id:
            why = f"HL01 {hl_id!r} repeats an earlier HL01"
            problems.append(_hl_problem(seg, position, 1, "628", why))
        elif hl_id:
            by_id[hl_id] = node
        if parent is not None:
            parent.children.append(node)
        nodes.append(node)
    return header, nodes, problems.listed()


class _Reader:
    """Reads one 856's values from the HL tree with the partner's qualifiers."""

    def __init__(self, header: list[_Seg], sources: FieldSources, component: str) -> None:
        self.header = _Node(1, "", "", None, header)
        self.sources = sources
        self.component = component

    def inherited(self, node: _Node, read: Callable[[_Node], T | None]) -> T | None:
        current: _Node | None = node
        while current is not None:
            found = read(current)
            if found is not None:
                return found
            current = current.parent
        return read(self.header)

    @staticmethod
    def date(node: _Node, qualifier: str) -> EventTime | None:
        for position, seg in node.find("DTM", qualifier):
            return event_time(seg, position, 2, 3, 4)
        return None

    def bsn_date(self) -> EventTime | None:
        for position, seg in self.header.find("BSN"):
            return event_time(seg, position, 3, 4, None)
        return None

    @staticmethod
    def party(node: _Node, qualifier: str) -> Val | None:
        for position, seg in node.find("N1", qualifier):
            return val(seg, position, 4)
        return None

    @staticmethod
    def td5(node: _Node, n: int) -> Val | None:
        for position, seg in node.find("TD5"):
            if n == 3 and _el(seg, 2) not in ("", "2"):
                continue
            found = val(seg, position, n)
            if found is not None:
                return found
        return None

    @staticmethod
    def first(node: _Node, tag: str, n: int) -> Val | None:
        for position, seg in node.find(tag):
            return val(seg, position, n)
        return None

    def man(self, node: _Node, qualifiers: Sequence[str]) -> Val | None:
        for position, seg in node.find("MAN"):
            for q, n in ((1, 2), (4, 5)):
                if _el(seg, q) in qualifiers and (found := val(seg, position, n)):
                    return found
        return None

    def weight(self, node: _Node) -> tuple[Val | None, Val | None]:
        for position, seg in node.find("TD1"):  # TD1-07 weight, TD1-08 unit
            if weight := val(seg, position, 7):
                return weight, val(seg, position, 8)
        for position, seg in node.find("MEA"):  # MEA-02 G/WT, MEA-03 value, MEA-04 C001-1
            if _el(seg, 2) in ("G", "WT") and (weight := val(seg, position, 3)):
                unit_text = _el(seg, 4).split(self.component)[0].strip()
                unit = Val(unit_text, Src("MEA", position, 4, 1)) if unit_text else None
                return weight, unit
        for position, seg in node.find("PO4"):  # PO4-06 gross weight per pack, PO4-07 unit
            if weight := val(seg, position, 6):
                return weight, val(seg, position, 7)
        return None, None

    def item(self, node: _Node, quantity_from: _Node | None = None) -> ShippedItem:
        sequence = buyer = vendor = None
        vendor_rank = len(self.sources.vendor_product_qualifiers)
        for position, seg in node.find("LIN"):
            sequence = val(seg, position, 1)
            for n in range(2, len(seg) - 1, 2):
                qualifier, value = _el(seg, n), val(seg, position, n + 1)
                if value is None:
                    continue
                if qualifier in self.sources.buyer_product_qualifiers and buyer is None:
                    buyer = value
                elif qualifier in self.sources.vendor_product_qualifiers:
                    rank = self.sources.vendor_product_qualifiers.index(qualifier)
                    if rank < vendor_rank:
                        vendor, vendor_rank = value, rank
            break
        source = quantity_from if quantity_from and any(quantity_from.find("SN1")) else node
        return ShippedItem(
            position=node.position,
            sequence=sequence,
            buyer_product_id=buyer,
            vendor_product_id=vendor,
            quantity=self.first(source, "SN1", 2),
            unit=self.first(source, "SN1", 3),
        )

    def pack(self, node: _Node, order: _Node) -> Pack:
        if node.level == "T":  # a pallet: the items directly under it, not those in packs
            pallet = [self.item(n) for n in _direct_items(node)]
            weight, unit = self.weight(node)
            return Pack(
                position=node.position,
                container_id=self.man(node, self.sources.container_pack_qualifiers),
                tracking_number=self.man(node, self.sources.tracking_pack_qualifiers),
                weight=weight,
                weight_unit=unit,
                items=tuple(pallet),
                container_type="pallet",
            )
        items = [self.item(n) for n in node.descendants("O") if n.level == "I"]
        if not items:  # a pack under an item packs that item
            above = node.parent
            while above is not None and above is not order and above.level != "I":
                above = above.parent
            if above is not None and above.level == "I":
                items = [self.item(above, quantity_from=node)]
        weight, unit = self.weight(node)
        return Pack(
            position=node.position,
            container_id=self.man(node, self.sources.container_pack_qualifiers),
            tracking_number=self.man(node, self.sources.tracking_pack_qualifiers),
            weight=weight,
            weight_unit=unit,
            items=tuple(items),
        )

    def is_pack(self, node: _Node) -> bool:
        """A container: every pack; a tare (pallet) with a MAN or items directly under it
        (a tare that only groups packs is no container of its own)."""
        if node.level == "P":
            return True
        if node.level != "T":
            return False
        quals = (*self.sources.container_pack_qualifiers, *self.sources.tracking_pack_qualifiers)
        return self.man(node, quals) is not None or any(_direct_items(node))

    def notice(self, order: _Node) -> ShipNotice:
        below = list(order.descendants("O"))
        return ShipNotice(
            position=order.position,
            purchase_order=self.inherited(order, lambda n: self.first(n, "PRF", 1)),
            shipped=self.inherited(order, lambda n: self.date(n, "011")) or self.bsn_date(),
            estimated_delivery=self.inherited(order, lambda n: self.date(n, "017")),
            ship_from=self.inherited(order, lambda n: self.party(n, "SF")),
            selling_party=self.inherited(order, lambda n: self.party(n, "SE")),
            scac=self.inherited(order, lambda n: self.td5(n, 3)),
            ship_method=self.inherited(order, lambda n: self.td5(n, 5)),
            items=tuple(self.item(n) for n in below if n.level == "I"),
            packs=tuple(self.pack(n, order) for n in below if self.is_pack(n)),
        )


def _direct_items(node: _Node) -> Iterator[_Node]:
    """Items under `node` that no pack, tare or order below it holds."""
    for child in node.children:
        if child.level == "I":
            yield child
        elif child.level not in ("P", "T", "O"):
            yield from _direct_items(child)


_LEVEL_NAMES = {"S": "shipment", "O": "order", "T": "tare", "P": "pack", "I": "item"}


def _outside_orders(nodes: Sequence[_Node], segments: Sequence[Sequence[str]]) -> list[Problem]:
    """An item, pack or tare HL that hangs from the shipment (or another level) with no
    order (O) above it, in an 856 that has order levels: Amazon's shipment confirmation
    is per purchase order, and the standard's pick/pack structures (S-O-T-P-I, S-O-P-I)
    put every pack and item under an order, so its items would belong to no order. The
    gateway rejects the set naming the HL (AK4 on HL02, code 7) rather than guess which
    order it meant. Only the topmost such HL is named (its children hang from it)."""
    under_order: dict[int, bool] = {}
    problems = SetProblems()
    for node in nodes:
        parent = node.parent
        above = parent is not None and under_order.get(id(parent), False)
        under_order[id(node)] = node.level == "O" or above
        if node.level not in _NEEDS_PARENT or above or parent is None:
            continue
        if parent.level in _NEEDS_PARENT:
            continue  # its parent is named already
        kind = _LEVEL_NAMES.get(parent.level, f"level {parent.level!r}")
        why = (
            f"HL {node.hl_id} ({_LEVEL_NAMES[node.level]}) is not under an order: its parent"
            f" HL {parent.hl_id} is the {kind}" if parent.level == "S" else
            f"HL {node.hl_id} ({_LEVEL_NAMES[node.level]}) is not under an order: its parent"
            f" HL {parent.hl_id} is at {kind}"
        )  # fmt: skip
        seg = segments[node.position - 1]
        problems.append(_hl_problem(seg, node.position, 2, "734", why))
    return problems.listed()


def parse_856(
    segments: Sequence[Sequence[str]],
    sources: FieldSources,
    component: str = ">",
    repetition: str | None = None,
    version: str | None = None,
    tolerant: bool = False,
) -> tuple[ShipNoticeDocument, list[Problem]]:
    """The notices of one 856 set (ST..SE inclusive) and its validation problems."""
    notes = syntax_notes(version)
    problems = SetProblems()
    problems.extend(validate_set(SET_856, segments, component=component, repetition=repetition,
                                 notes=notes, tolerant=tolerant))  # fmt: skip
    header, nodes, hl_problems = _build_tree(segments)
    problems.extend(hl_problems)
    if any(n.level == "O" for n in nodes):
        problems.extend(_outside_orders(nodes, segments))
    reader = _Reader(header, sources, component)
    orders = [n for n in nodes if n.level == "O"] or [n for n in nodes if n.level == "S"]
    notices = tuple(reader.notice(order) for order in orders)
    return ShipNoticeDocument(notices), problems.listed()
