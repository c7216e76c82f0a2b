"""EDIFACT DESADV (despatch advice) -> one ShipNotice per message.

Default field sources (the partner profile's FieldSources may change the qualifiers):
- purchase order: RFF C506 1153 in `edifact_po_qualifiers` (ON), message level first,
  else the first one in a line group;
- shipped DTM 2005 = 11 (else the document date DTM 2005 = 137), estimated delivery
  DTM 2005 = 17 (message level);
- ship-from NAD+SF C082 3039, selling party NAD+SU C082 3039; SCAC: TDT C040 3127;
  ship method: TDT C228 8178 (transport means description; `edifact_ship_method` may name
  another TDT element and component);
- per line (LIN, segment group 15): sequence LIN 1082, vendor product id LIN C212 7140
  (EAN, EN) else a PIA C212 with a vendor qualifier, buyer product id PIA C212 7140 whose
  7143 is a buyer qualifier (BP), quantity QTY 6063 = 12 C186 6060 / unit 6411;
- packages: every CPS group (segment group 10) with a PAC or GIN is a Pack, except a
  level that only parents other CPS levels and carries no identifier of its own: GIN 7405 in
  `edifact_container_gin_qualifiers` (BJ, SSCC) -> container id, in
  `edifact_tracking_gin_qualifiers` -> tracking number, weight MEA C502 6313 AAD/AAB/G C174
  6314/6411; its items are the LIN groups that follow the CPS.
The segment table is a pragmatic union of D96A..D10B (EANCOM included), read for every release.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

from gateway.parse.edifact_checks import validate_message
from gateway.parse.edifact_common import EdiSegment, dtm_time, val
from gateway.parse.records import (
    EventTime,
    Pack,
    ShipNotice,
    ShipNoticeDocument,
    ShippedItem,
    Val,
)
from gateway.parse.x12_structure import Loop, Seg
from gateway.problems import Problem
from gateway.profile import FieldSources

__all__ = ["DESADV", "parse_desadv"]

_RFF = Loop("RFF", (Seg("RFF", True), Seg("DTM")), max_use=10)
_GIN = Loop("GIN", (Seg("GIN", True), Seg("DLM", max_use=100)), max_use=1000)

# DESADV segment table: segment groups are loops whose first child triggers them.
DESADV = Loop(
    "DESADV",
    (
        Seg("UNH", True), Seg("BGM", True), Seg("DTM", True, max_use=10),
        Seg("ALI", max_use=5), Seg("MEA", max_use=5), Seg("MOA", max_use=5),
        Loop("SG1", _RFF.children, max_use=10),
        Loop("SG2", (Seg("NAD", True), Seg("LOC", max_use=10), _RFF,
                     Loop("SG4", (Seg("CTA", True), Seg("COM", max_use=5)), max_use=10)),
             max_use=99),
        Loop("SG5", (Seg("TOD", True), Seg("LOC", max_use=5), Seg("FTX", max_use=5)),
             max_use=10),
        Loop("SG6", (Seg("TDT", True), Seg("PCD"),
                     Loop("SG7", (Seg("LOC", True), Seg("DTM", max_use=5)), max_use=10)),
             max_use=10),
        Loop("SG8", (Seg("EQD", True), Seg("MEA", max_use=5), Seg("SEL", max_use=25),
                     Seg("EQA", max_use=5), Seg("HAN", max_use=5)), max_use=10),
        Loop(
            "SG10",
            (
                Seg("CPS", True), Seg("FTX", max_use=5),
                Loop("SG11", (Seg("PAC", True), Seg("MEA", max_use=10), Seg("QTY", max_use=10),
                              Loop("SG12", (Seg("HAN", True), Seg("FTX", max_use=5)),
                                   max_use=10),
                              Loop("SG13", (Seg("PCI", True), Seg("RFF"), Seg("DTM", max_use=5),
                                            Seg("GIR", max_use=99), _GIN), max_use=1000)),
                     max_use=1000),
                Loop(
                    "SG15",
                    (
                        Seg("LIN", True), Seg("PIA", max_use=10), Seg("IMD", max_use=25),
                        Seg("MEA", max_use=10), Seg("QTY", max_use=10), Seg("ALI", max_use=10),
                        Seg("GIN", max_use=100), Seg("GIR", max_use=100),
                        Seg("DLM", max_use=100), Seg("DTM", max_use=5), Seg("FTX", max_use=5),
                        Seg("MOA", max_use=5), _RFF,
                        Loop("SG17", (Seg("DGS", True), Seg("QTY", max_use=10),
                                      Seg("FTX", max_use=5)), max_use=10),
                        Loop("SG18", (Seg("LOC", True), Seg("NAD"), Seg("DTM"),
                                      Seg("QTY", max_use=10)), max_use=100),
                        Loop("SG19", (Seg("SGP", True), Seg("QTY", max_use=10)), max_use=1000),
                        Loop("SG20", (Seg("PCI", True), Seg("DTM", max_use=5),
                                      Seg("MEA", max_use=10), Seg("QTY"),
                                      Loop("SG21", (Seg("GIN", True), Seg("DLM", max_use=100)),
                                           max_use=1000)), max_use=1000),
                    ),
                    max_use=9999,
                ),
            ),
            required=True,
            max_use=9999,
        ),
        Seg("CNT", max_use=5),
    ),
    required=True,
)  # fmt: skip


@dataclass
class _Line:
    position: int
    lin: EdiSegment
    vendor: Val | None = None
    vendor_rank: int = 99
    buyer: Val | None = None
    quantity: Val | None = None
    unit: Val | None = None

    shipped: ShippedItem | None = None  # item(), built once: a line is in a pack and the list

    def item(self) -> ShippedItem:
        if self.shipped is None:
            self.shipped = ShippedItem(
                position=self.position,
                sequence=val(self.lin, self.position, 1),
                buyer_product_id=self.buyer,
                vendor_product_id=self.vendor,
                quantity=self.quantity,
                unit=self.unit,
            )
        return self.shipped


@dataclass
class _Package:
    position: int
    physical: bool = False  # has a PAC or GIN: a package, not only a hierarchy level
    level: str = ""  # CPS 7164 hierarchical id
    parent: str = ""  # CPS 7166 parent's hierarchical id
    container: Val | None = None
    tracking: Val | None = None
    weight: Val | None = None
    weight_unit: Val | None = None
    lines: list[_Line] = field(default_factory=list)


@dataclass
class _Header:
    purchase_order: Val | None = None
    line_po: Val | None = None
    shipped: EventTime | None = None
    estimated: EventTime | None = None
    document_date: EventTime | None = None  # DTM+137: the shipped date when no DTM+11
    ship_from: Val | None = None
    selling_party: Val | None = None
    scac: Val | None = None
    ship_method: Val | None = None


class _Reader:
    def __init__(self, sources: FieldSources) -> None:
        self.sources = sources
        self.header = _Header()
        self.packages: list[_Package] = []
        self.lines: list[_Line] = []
        self.line: _Line | None = None  # the LIN group being read

    def segment(self, seg: EdiSegment, position: int) -> None:
        tag, qualifier, header = seg.tag, seg.get(1), self.header
        line, package = self.line, self.packages[-1] if self.packages else None
        if tag == "CPS":
            self.packages.append(_Package(position, level=seg.get(1), parent=seg.get(2)))
            self.line = None
        elif tag == "LIN":
            self.line = _Line(position, seg)
            self.lines.append(self.line)
            self.vendor(self.line, seg, position, 3, 0)
            if package is not None:
                package.lines.append(self.line)
        elif line is not None:
            self.line_segment(line, seg, position, qualifier)
        elif package is not None:
            self.package_segment(package, seg, position, qualifier)
        elif tag == "DTM" and qualifier in ("11", "17", "137"):
            when = dtm_time(seg, position)
            if qualifier == "137":
                header.document_date = header.document_date or when
            elif qualifier == "11":
                header.shipped = header.shipped or when
            else:
                header.estimated = header.estimated or when
        elif tag == "RFF" and qualifier in self.sources.edifact_po_qualifiers:
            header.purchase_order = header.purchase_order or val(seg, position, 1, 2)
        elif tag == "NAD" and qualifier == "SF":
            header.ship_from = header.ship_from or val(seg, position, 2, 1)
        elif tag == "NAD" and qualifier == "SU":
            header.selling_party = header.selling_party or val(seg, position, 2, 1)
        elif tag == "TDT":
            header.scac = header.scac or val(seg, position, 5, 1)
            element, component = self.sources.edifact_ship_method
            header.ship_method = header.ship_method or val(seg, position, element, component)

    def vendor(self, line: _Line, seg: EdiSegment, position: int, n: int, rank: int) -> None:
        if rank < line.vendor_rank and (found := val(seg, position, n, 1)) is not None:
            line.vendor, line.vendor_rank = found, rank

    def line_segment(self, line: _Line, seg: EdiSegment, position: int, qualifier: str) -> None:
        tag = seg.tag
        if tag == "PIA":
            vendor_quals = (*self.sources.vendor_product_qualifiers, "SA")
            for n in range(2, len(seg.elements) + 1):
                code = seg.get(n, 2)
                if code in self.sources.buyer_product_qualifiers and line.buyer is None:
                    line.buyer = val(seg, position, n, 1)
                elif code in vendor_quals:
                    self.vendor(line, seg, position, n, 1 + vendor_quals.index(code))
                elif not code:  # an item number without a type: the last resort
                    self.vendor(line, seg, position, n, 50)
        elif tag == "QTY" and qualifier == "12" and line.quantity is None:
            line.quantity, line.unit = val(seg, position, 1, 2), val(seg, position, 1, 3)
        elif tag == "RFF" and qualifier in self.sources.edifact_po_qualifiers:
            self.header.line_po = self.header.line_po or val(seg, position, 1, 2)

    def package_segment(
        self, package: _Package, seg: EdiSegment, position: int, qualifier: str
    ) -> None:
        tag = seg.tag
        if tag == "PAC":
            package.physical = True
        elif tag == "GIN":
            package.physical = True
            if qualifier in self.sources.edifact_container_gin_qualifiers:
                package.container = package.container or val(seg, position, 2, 1)
            elif qualifier in self.sources.edifact_tracking_gin_qualifiers:
                package.tracking = package.tracking or val(seg, position, 2, 1)
        elif tag == "MEA" and seg.get(2) in ("AAD", "AAB", "G") and package.weight is None:
            package.weight = val(seg, position, 3, 2)
            package.weight_unit = val(seg, position, 3, 1) if package.weight else None

    def notice(self) -> ShipNotice:
        header = self.header
        # a CPS level that only groups other levels (a consignment or pallet hierarchy level
        # with a PAC count but no identifier of its own) is not a physical package
        parents = {p.parent for p in self.packages if p.parent}
        for p in self.packages:
            if p.level in parents and p.container is None and p.tracking is None:
                p.physical = False
        packs = tuple(
            Pack(
                position=p.position,
                container_id=p.container,
                tracking_number=p.tracking,
                weight=p.weight,
                weight_unit=p.weight_unit,
                items=tuple(line.item() for line in p.lines),
            )
            for p in self.packages
            if p.physical
        )
        return ShipNotice(
            position=1,
            purchase_order=header.purchase_order or header.line_po,
            shipped=header.shipped or header.document_date,
            estimated_delivery=header.estimated,
            ship_from=header.ship_from,
            selling_party=header.selling_party,
            scac=header.scac,
            ship_method=header.ship_method,
            items=tuple(line.item() for line in self.lines),
            packs=packs,
        )


def parse_desadv(
    segments: Sequence[EdiSegment],
    sources: FieldSources,
    tolerant: bool = False,
    skip: Collection[tuple[int | None, int | None]] = (),
) -> tuple[ShipNoticeDocument, list[Problem]]:
    """The ship notice of one DESADV (UNH..UNT inclusive) and its validation problems, none
    at the (position, element) places the reader reported (`skip`)."""
    problems = validate_message(DESADV, segments, tolerant, skip)
    reader = _Reader(sources)
    for position in range(2, len(segments)):
        reader.segment(segments[position - 1], position)
    return ShipNoticeDocument((reader.notice(),)), problems
