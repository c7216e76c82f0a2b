"""ShipNoticeDocument -> submitShipmentConfirmations: items, containers, rules, lineage."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from gateway.envelope.decode import decoded_chunks
from gateway.envelope.x12_syntax import X12Tokenizer
from gateway.mapping.codes import CodeTables, load_code_tables
from gateway.mapping.confirm import map_ship_notices
from gateway.mapping.result import TranslatedRequest
from gateway.origin import Origin
from gateway.parse.records import (
    EventTime,
    Pack,
    ShipNotice,
    ShipNoticeDocument,
    ShippedItem,
    Src,
    Val,
)
from gateway.parse.x12_856 import parse_856
from gateway.problems import ProblemCode, Severity
from gateway.profile import PartnerProfile, load_profile
from tests.contract_checks import checked

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "x12-856"
TABLES: CodeTables = load_code_tables()
PROFILE = PartnerProfile(selling_party="999US", ship_from="ABCD", ship_method="UPS_GR_RES")
ORIGIN = Origin("x12", "VENDOR", "AMAZON", "000000007", "7", "0001", "856", "004010", False)
CONF = "/shipmentConfirmations/0"


def v(value: str, segment: str = "LIN", position: int = 10, element: int = 1) -> Val:
    return Val(value, Src(segment, position, element))


def item(
    position: int,
    sequence: str | None = "1",
    buyer: str | None = "B0001",
    vendor: str | None = None,
    quantity: str = "2",
    unit: str | None = "EA",
) -> ShippedItem:
    return ShippedItem(
        position=position,
        sequence=v(sequence, position=position + 1) if sequence is not None else None,
        buyer_product_id=v(buyer, position=position + 1, element=3) if buyer else None,
        vendor_product_id=v(vendor, position=position + 1, element=5) if vendor else None,
        quantity=v(quantity, "SN1", position + 2, 2),
        unit=v(unit, "SN1", position + 2, 3) if unit else None,
    )


def pack(
    position: int,
    *items: ShippedItem,
    container: str | None = "SSCC1",
    tracking: str | None = "1Z1",
    weight: str | None = "4.50",
    unit: str | None = "KGM",
) -> Pack:
    return Pack(
        position=position,
        container_id=v(container, "MAN", position + 1, 2) if container else None,
        tracking_number=v(tracking, "MAN", position + 2, 2) if tracking else None,
        weight=v(weight, "TD1", position + 3, 7) if weight else None,
        weight_unit=v(unit, "TD1", position + 3, 8) if unit else None,
        items=items,
    )


def notice(
    *items: ShippedItem,
    packs: tuple[Pack, ...] = (),
    po: str | None = "PO1",
    position: int = 3,
    ship_method: str | None = None,
    selling: str | None = None,
) -> ShipNotice:
    shipped = EventTime(datetime(2024, 7, 4, 9, 30), v("UT", "DTM", 4, 4), (Src("DTM", 4, 2),))
    return ShipNotice(
        position=position,
        purchase_order=v(po, "PRF", position + 1) if po else None,
        shipped=shipped,
        estimated_delivery=None,
        ship_from=None,
        selling_party=v(selling, "N1", 6, 4) if selling else None,
        scac=v("ABCD", "TD5", 5, 3),
        ship_method=v(ship_method, "TD5", 5, 5) if ship_method else None,
        items=items,
        packs=packs,
    )


def kind_of(request: TranslatedRequest, path: str) -> str:
    [entry] = [e for e in request.lineage if e.path == path]
    return entry.kind


def run(
    *notices: ShipNotice, profile: PartnerProfile = PROFILE
) -> tuple[list[dict[str, object]], list[TranslatedRequest], list[tuple[ProblemCode, Severity]]]:
    requests, problems = map_ship_notices(ORIGIN, ShipNoticeDocument(notices), profile, TABLES)
    bodies = [checked(r) for r in requests]
    return bodies, requests, [(p.code, p.severity) for p in problems]


def corpus_requests(name: str) -> Iterator[tuple[list[TranslatedRequest], list[ProblemCode]]]:
    demo = load_profile("demo")
    current: list[list[str]] | None = None
    with (CORPUS / name).open("rb") as stream:
        for token in X12Tokenizer(decoded_chunks(stream)):
            segment = token.segment
            if token.kind != "segment" or segment is None:
                continue
            if segment[0] == "ST":
                current = [segment]
            elif current is not None:
                current.append(segment)
                if segment[0] == "SE":
                    document, _ = parse_856(current, demo.field_sources)
                    requests, problems = map_ship_notices(ORIGIN, document, demo, TABLES)
                    errors = [p.code for p in problems if p.severity is Severity.ERROR]
                    yield requests, errors
                    current = None


@pytest.mark.parametrize("name", sorted(p.name for p in CORPUS.iterdir()))
def test_corpus_856_files_give_valid_confirmations(name: str) -> None:
    for requests, errors in corpus_requests(name):
        assert errors == []
        [request] = requests
        body = checked(request)
        confirmations = body["shipmentConfirmations"]
        assert isinstance(confirmations, list)
        assert list(request.purchase_orders) == [c["purchaseOrderNumber"] for c in confirmations]


def test_crossdock_containers_weights_and_derived_sequences() -> None:
    [(requests, _)] = corpus_requests("olmelabs__EdiEngine__856.Crossdock.OK.edi")
    [request] = requests
    body = request.body_json()
    first = body["shipmentConfirmations"][0]  # type: ignore[index]
    assert first["shipFromParty"] == {"partyId": "000009"}  # N1*SF N1-04 over the profile
    assert [i["itemSequenceNumber"] for i in first["items"]] == [1, 2, 3, 4]
    assert kind_of(request, f"{CONF}/items/0/itemSequenceNumber") == "derived"
    container = first["containers"][0]
    assert container["weight"] == {"unitOfMeasure": "LB", "value": "6"}
    assert container["scacCode"] == "OVNT" and container["shipMethod"] == "OVERNITE"
    assert first["containers"][1]["weight"] == {"unitOfMeasure": "LB", "value": "0"}
    assert kind_of(request, f"{CONF}/containers/1/weight/value") == "default"
    assert first["shipmentDetails"]["estimatedDeliveryDate"] == "2009-09-25T00:00:00-05:00"


def test_items_containers_and_lineage_by_hand() -> None:
    a, b = item(20, "1", buyer="B1"), item(30, "2", buyer=None, vendor="SKU2", unit="CA")
    packs = (pack(15, a), pack(25, b, container=None, tracking="1Z2", weight=None))
    [body], [request], problems = run(notice(a, b, packs=packs))
    assert problems == [(ProblemCode.MISSING_FIELD, Severity.WARNING)]  # one unweighed pack
    conf = body["shipmentConfirmations"][0]  # type: ignore[index]
    assert conf["shipmentDetails"]["shippedDate"] == "2024-07-04T09:30:00Z"
    assert conf["items"][1] == {
        "itemSequenceNumber": 2,
        "vendorProductIdentifier": "SKU2",
        "shippedQuantity": {"amount": 2, "unitOfMeasure": "Case"},
    }
    first, second = conf["containers"]
    assert first["weight"] == {"unitOfMeasure": "KG", "value": "4.5"}
    assert first["shipMethod"] == "UPS_GR_RES"
    assert kind_of(request, f"{CONF}/containers/0/shipMethod") == "profile"
    assert kind_of(request, f"{CONF}/containers/0/weight/unitOfMeasure") == "code_table"
    assert second["containerIdentifier"] == "1Z2"  # no container id: the tracking number
    assert request.tracking_numbers == ("1Z1", "1Z2")
    assert kind_of(request, f"{CONF}/sellingParty/partyId") == "profile"
    [entry] = [e for e in request.lineage if e.path == f"{CONF}/items/1/vendorProductIdentifier"]
    assert (entry.kind, entry.segment, entry.position, entry.element) == ("segment", "LIN", 31, 5)


def test_item_without_product_ids_blocks_only_its_notice() -> None:
    bad = notice(item(20, buyer=None, vendor=None), po="PO1", position=3)
    good = notice(item(40), po="PO2", position=38)
    [body], [request], problems = run(bad, good)
    assert (ProblemCode.BUSINESS_RULE, Severity.ERROR) in problems
    assert request.purchase_orders == ("PO2",)
    assert len(body["shipmentConfirmations"]) == 1  # type: ignore[arg-type]


def test_ship_method_is_required_on_containers() -> None:
    profile = PROFILE.model_copy(update={"ship_method": None})
    a = item(20)
    requests, problems = map_ship_notices(
        ORIGIN, ShipNoticeDocument((notice(a, packs=(pack(15, a),)),)), profile, TABLES
    )
    assert requests == []
    [rule] = [p for p in problems if p.code is ProblemCode.BUSINESS_RULE]
    assert "shipMethod required on containers" in rule.message and rule.position == 3
    # the file's TD5-05 is enough, and without packs no ship method is needed
    [body], [request], found = run(notice(a, packs=(pack(15, a),), ship_method="UPS"))
    assert found == [] and kind_of(request, f"{CONF}/containers/0/shipMethod") == "segment"
    [body], _, found = run(notice(a), profile=profile)
    assert found == [] and "containers" not in body["shipmentConfirmations"][0]  # type: ignore[index]


def test_a_line_split_over_packs_is_summed() -> None:
    first, second = item(20, "3", quantity="4"), item(30, "3", quantity="6")
    packs = (pack(15, first), pack(25, second, container="SSCC2"))
    [body], [request], _ = run(notice(first, second, packs=packs))
    conf = body["shipmentConfirmations"][0]  # type: ignore[index]
    assert conf["items"] == [
        {
            "itemSequenceNumber": 3,
            "buyerProductIdentifier": "B0001",
            "shippedQuantity": {"amount": 10, "unitOfMeasure": "Each"},
        }
    ]
    assert kind_of(request, f"{CONF}/items/0/shippedQuantity/amount") == "derived"
    assert [c["packedItems"][0]["packedQuantity"]["amount"] for c in conf["containers"]] == [4, 6]
    clash = item(30, "3", buyer="OTHER")
    _, requests, problems = run(notice(first, clash))
    assert requests == [] and problems == [(ProblemCode.BUSINESS_RULE, Severity.ERROR)]


@pytest.mark.parametrize(
    ("changed", "code"),
    [
        ({"quantity": "2.5"}, ProblemCode.INVALID_FIELD),
        ({"sequence": "A1"}, ProblemCode.INVALID_FIELD),
    ],
)
def test_bad_item_values(changed: dict[str, str], code: ProblemCode) -> None:
    _, requests, problems = run(notice(item(20, **changed)))
    assert requests == [] and problems == [(code, Severity.ERROR)]


def test_units_passed_through_or_defaulted() -> None:
    [body], [request], _ = run(notice(item(20, "1", unit="BX"), item(30, "2", unit=None)))
    items = body["shipmentConfirmations"][0]["items"]  # type: ignore[index]
    assert [i["shippedQuantity"]["unitOfMeasure"] for i in items] == ["BX", "Each"]
    assert kind_of(request, f"{CONF}/items/0/shippedQuantity/unitOfMeasure") == "segment"
    assert kind_of(request, f"{CONF}/items/1/shippedQuantity/unitOfMeasure") == "default"


def test_bad_weight_and_incomplete_container() -> None:
    a = item(20)
    _, requests, problems = run(notice(a, packs=(pack(15, a, unit="OZ"),)))
    assert requests == [] and problems == [(ProblemCode.INVALID_FIELD, Severity.ERROR)]
    _, requests, problems = run(notice(a, packs=(pack(15, a, container=None, tracking=None),)))
    assert requests == [] and problems == [(ProblemCode.CONTAINER_INCOMPLETE, Severity.ERROR)]


def test_parties_from_the_notice_or_missing() -> None:
    [body], [request], _ = run(notice(item(20), selling="VEND1"))
    assert body["shipmentConfirmations"][0]["sellingParty"] == {"partyId": "VEND1"}  # type: ignore[index]
    assert kind_of(request, f"{CONF}/sellingParty/partyId") == "segment"
    _, requests, problems = run(notice(item(20)), profile=PartnerProfile())
    assert requests == []
    assert problems == [(ProblemCode.MISSING_FIELD, Severity.ERROR)] * 2


def test_missing_po_and_no_items() -> None:
    _, requests, problems = run(notice(item(20), po=None), notice(po="PO9"))
    assert requests == []
    assert problems == [
        (ProblemCode.MISSING_FIELD, Severity.ERROR),
        (ProblemCode.BUSINESS_RULE, Severity.ERROR),
    ]
