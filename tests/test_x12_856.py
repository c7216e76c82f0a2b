"""X12 856 parser: HL hierarchy, field sources, HL checks, on the real corpus and by hand."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from gateway.envelope.decode import decoded_chunks
from gateway.envelope.x12_syntax import X12Tokenizer
from gateway.parse.records import ShipNotice, Src
from gateway.parse.x12_856 import parse_856
from gateway.problems import Level, ProblemCode
from gateway.profile import FieldSources

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "x12-856"
SOURCES = FieldSources()


def corpus_sets(name: str) -> list[tuple[list[list[str]], str]]:
    """Each ST..SE set of a corpus file, with its interchange's component separator."""
    sets: list[tuple[list[list[str]], str]] = []
    current: list[list[str]] | None = None
    component = ">"
    with (CORPUS / name).open("rb") as stream:
        for token in X12Tokenizer(decoded_chunks(stream)):
            if token.kind == "isa" and token.isa is not None:
                component = token.isa.delimiters.component
            if token.kind != "segment" or token.segment is None:
                continue
            segment = token.segment
            if segment[0] == "ST":
                current = [segment]
            elif current is not None:
                current.append(segment)
                if segment[0] == "SE":
                    sets.append((current, component))
                    current = None
    return sets


def segments(text: str) -> list[list[str]]:
    """'ST*856*0001~...' (SE added) -> segment lists."""
    body = [s.split("*") for s in text.strip().strip("~").split("~")]
    return [*body, ["SE", str(len(body) + 1), "0001"]]


def notices_of(name: str) -> list[tuple[ShipNotice, ...]]:
    result = []
    for segs, component in corpus_sets(name):
        document, problems = parse_856(segs, SOURCES, component=component)
        assert problems == [], (name, problems)
        result.append(document.notices)
    return result


@pytest.mark.parametrize(
    ("name", "counts"),
    [
        ("aaronhuggins__node-x12__856.edi", [1]),
        ("apimeister__x12-types__004060_856.edi", [1]),
        ("bots-edi__bots-plugins__856_1.x12", [1]),
        ("bots-edi__bots-plugins__856_2.x12", [3, 1]),
        ("bots-edi__bots-plugins__PARTNER1_20130123_1.x12", [1]),
        ("bots-edi__bots-plugins__frompartner1_topartner1_1.x12", [3]),
        ("olmelabs__EdiEngine__856.Crossdock.OK.edi", [2]),
    ],
)
def test_corpus_files_parse_clean_with_one_notice_per_order(name: str, counts: list[int]) -> None:
    notices = notices_of(name)
    assert [len(n) for n in notices] == counts
    for notice in (n for group in notices for n in group):
        assert notice.purchase_order is not None
        assert notice.purchase_order.src.segment == "PRF"
        assert notice.items
        assert all(item.quantity is not None for item in notice.items)


def test_node_x12_order_inherits_shipment_data() -> None:
    [[notice]] = notices_of("aaronhuggins__node-x12__856.edi")
    assert notice.purchase_order is not None and notice.purchase_order.value == "99999817"
    assert notice.shipped is not None
    assert notice.shipped.local.isoformat() == "2011-12-06T00:00:00"
    assert notice.shipped.srcs == (Src("DTM", 8, 2),)
    assert notice.scac is not None and notice.scac.value == "XXXX"
    assert notice.scac.src == Src("TD5", 5, 3)
    assert notice.ship_method is not None and notice.ship_method.value == "XXXX"
    assert notice.ship_from is None  # N1*SF carries no N1-04 here
    first, second = notice.items
    assert first.sequence is not None and first.sequence.value == "1"
    # VP ranks before UP in the default vendor qualifiers
    assert first.vendor_product_id is not None and first.vendor_product_id.value == "87787D"
    assert first.buyer_product_id is None
    assert first.quantity is not None and first.quantity.value == "24"
    assert first.unit is not None and first.unit.value == "EA"
    assert second.quantity is not None and second.quantity.src == Src("SN1", 27, 2)
    assert notice.packs == ()


def test_several_orders_per_shipment_with_packs() -> None:
    first_set, second_set = notices_of("bots-edi__bots-plugins__856_2.x12")
    pos = [n.purchase_order.value for n in first_set if n.purchase_order]
    assert pos == ["ordernumber1", "ordernumber2", "ordernumber4"]
    second = first_set[1]
    assert second.scac is not None and second.scac.src.position == 4  # shipment-level TD5
    assert [len(p.items) for p in second.packs] == [1, 2]
    assert [p.container_id.value for p in second.packs if p.container_id] == [
        "0000123456781234567893",
        "0000123456781234567892",
    ]
    item = second.packs[1].items[1]
    assert item.vendor_product_id is not None and item.vendor_product_id.value == "suart"
    assert item.buyer_product_id is not None and item.buyer_product_id.value == "byart"
    assert len(second.items) == 3
    assert second_set[0].shipped is not None  # BSN-03 when no DTM*011
    assert second_set[0].shipped.srcs[0] == Src("BSN", 2, 3)


def test_crossdock_ship_from_weights_and_empty_lin01() -> None:
    [notices] = notices_of("olmelabs__EdiEngine__856.Crossdock.OK.edi")
    first = notices[0]
    assert first.ship_from is not None and first.ship_from.value == "000009"
    assert first.estimated_delivery is not None
    assert first.estimated_delivery.local.day == 25
    assert first.ship_method is not None and first.ship_method.value == "OVERNITE"
    weights = [(p.weight.value if p.weight else None) for p in first.packs]
    assert weights == ["6", None, "6", "6"]
    assert first.packs[0].weight_unit is not None
    assert first.packs[0].weight_unit.src == Src("PO4", 23, 7)
    assert all(item.sequence is None for item in first.items)
    assert first.items[1].vendor_product_id is not None
    assert first.items[1].vendor_product_id.value == "0000000000831"  # EN


def test_packs_under_items_tare_and_mea_weight() -> None:
    segs = segments(
        "ST*856*0001~BSN*00*X1*20240105*1200~HL*1**S~TD5**2*ABCD**UPS_GR~"
        "DTM*011*20240105*0930*UT~N1*SF*WH*92*WH01~HL*2*1*O~PRF*PO1~"
        "HL*3*2*I~LIN*1*BP*B001~SN1**10*EA~"
        "HL*4*3*P~SN1**6*EA~MEA*PD*G*4.5*KG:X~MAN*CP*TRK1~"
        "HL*5*3*P~MAN*CP*TRK2*CT*GM*SSCC2~"
        "HL*6*2*T~MAN*GM*PALLET1~HL*7*6*I~LIN*2*SK*SKU2~SN1**3*CA~"
    )
    document, problems = parse_856(segs, SOURCES, component=":")
    assert problems == []
    [notice] = document.notices
    assert notice.shipped is not None and notice.shipped.zone is not None
    assert notice.shipped.zone.value == "UT"
    assert notice.ship_from is not None and notice.ship_from.value == "WH01"
    first, second, tare = notice.packs
    assert first.tracking_number is not None and first.tracking_number.value == "TRK1"
    assert first.weight is not None and first.weight.value == "4.5"
    assert first.weight_unit is not None and first.weight_unit.value == "KG"
    assert first.weight_unit.src == Src("MEA", 14, 4, 1)
    [packed] = first.items
    assert packed.quantity is not None and packed.quantity.value == "6"  # the pack's SN1
    assert second.container_id is not None and second.container_id.value == "SSCC2"  # MAN04/05
    assert second.items[0].quantity is not None and second.items[0].quantity.value == "10"
    assert tare.container_id is not None and tare.container_id.value == "PALLET1"
    assert [i.vendor_product_id.value for i in tare.items if i.vendor_product_id] == ["SKU2"]
    assert len(notice.items) == 2


def test_profile_qualifiers_change_the_sources() -> None:
    sources = FieldSources(
        buyer_product_qualifiers=("IN",),
        vendor_product_qualifiers=("UP",),
        tracking_pack_qualifiers=("ZZ",),
        container_pack_qualifiers=("AA",),
    )
    segs = segments(
        "ST*856*0001~BSN*00*X1*20240105*1200~HL*1**S~HL*2*1*O~PRF*PO1~HL*3*2*P~"
        "MAN*ZZ*T9~MAN*AA*C9~HL*4*3*I~LIN*1*IN*ASIN1*VN*V1*UP*U1~SN1**1*EA~"
    )
    document, _ = parse_856(segs, sources)
    [pack] = document.notices[0].packs
    assert pack.tracking_number is not None and pack.tracking_number.value == "T9"
    assert pack.container_id is not None and pack.container_id.value == "C9"
    [item] = pack.items
    assert item.buyer_product_id is not None and item.buyer_product_id.value == "ASIN1"
    assert item.vendor_product_id is not None and item.vendor_product_id.value == "U1"


def test_hl_problems_carry_position_and_element() -> None:
    segs = segments(
        "ST*856*0001~BSN*00*X1*20240105*1200~HL*1**S~HL*2*1*O~PRF*PO1~"
        "HL*2*1*O~PRF*PO2~HL*4*9*I~HL*5*2~HL*6*6*I~"
    )
    _, problems = parse_856(segs, SOURCES)
    found = {(p.code, p.position, p.element) for p in problems}
    assert (ProblemCode.INVALID_CODE_VALUE, 6, 1) in found  # HL01 2 repeated
    assert (ProblemCode.INVALID_CODE_VALUE, 8, 2) in found  # HL02 9: no such HL
    assert (ProblemCode.MANDATORY_ELEMENT_MISSING, 9, 3) in found  # HL03 missing
    assert (ProblemCode.INVALID_CODE_VALUE, 10, 2) in found  # HL02 names itself
    dup = next(p for p in problems if p.position == 6)
    assert dup.level is Level.ELEMENT and dup.segment == "HL" and dup.element_ref == "628"


def test_no_order_level_makes_the_shipment_the_notice() -> None:
    segs = segments(
        "ST*856*0001~BSN*00*X1*20240105*1200~HL*1**S~PRF*PO7~DTM*011*20240104~"
        "HL*2*1*I~LIN**UP*1234~SN1**2*EA~"
    )
    document, problems = parse_856(segs, SOURCES)
    assert problems == []
    [notice] = document.notices
    assert notice.purchase_order is not None and notice.purchase_order.value == "PO7"
    assert notice.shipped is not None and notice.shipped.srcs == (Src("DTM", 5, 2),)
    assert len(notice.items) == 1


@pytest.mark.parametrize(
    "segs",
    [
        [["ST", "856", "1"], ["SE", "2", "1"]],
        [["ST", "856", "1"], ["HL"], ["LIN"], ["SN1"], ["MAN"], ["SE"]],
        [
            ["ST"],
            ["HL", "1", "1", "O"],
            ["PRF"],
            ["DTM", "011", "2024"],
            ["TD1", "", "", "", "", "", "", "x"],
        ],
        [["ST"], ["HL", "", "", "I"], ["LIN", "1", "BP"], ["MEA", "", "G", "1", ""], ["SE"]],
    ],
)
def test_odd_input_never_raises(segs: Sequence[Sequence[str]]) -> None:
    document, problems = parse_856(segs, SOURCES)
    assert isinstance(problems, list)
    assert isinstance(document.notices, tuple)
