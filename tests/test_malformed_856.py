"""Issue 8, kind 5: 856 packaging levels. A tare (T) level is a `pallet` container; items
directly under it are its packed items, packs under it are containers of their own; an item,
pack or tare HL without a parent is an error that names it."""

from __future__ import annotations

import pytest

from gateway.contract import validate_body
from tests.malformed import PROFILE, translate

ISA = (
    "ISA*00*          *00*          *ZZ*DEMOVENDOR     *ZZ*AMAZONDF       "
    "*261124*1830*U*00401*000000808*0*P*>~"
)
HEADER = (
    "BSN*00*SHIP4711*20261124*1830*0001",
    "HL*1**S",
    "TD5**2*UPSN*M*UPS Ground",
    "DTM*011*20261124*1700*CT",
    "HL*2*1*O",
    "PRF*PO4711",
)


def asn(*levels: str) -> str:
    body = [*HEADER, *levels]
    segments = ["ST*856*0001", *body, f"SE*{len(body) + 2}*0001"]
    head = "GS*SH*DEMOVENDOR*AMAZONDF*20261124*1830*9*X*004010"
    text = [head, *segments, "GE*1*9", "IEA*1*000000808"]
    return ISA + "\n" + "".join(s + "~\n" for s in text)


def item(hl: int, parent: int | str, sequence: int, quantity: int) -> tuple[str, ...]:
    return (f"HL*{hl}*{parent}*I", f"LIN*{sequence}*BP*B00ITEM{sequence}", f"SN1**{quantity}*EA")


def containers(text: str) -> list[dict[str, object]]:
    result = translate(text, PROFILE.model_copy(update={"ship_method": "UPS_GR_RES"}))
    assert result.error_codes == [], result.outcome.problems
    (body,) = result.bodies
    validate_body("submitShipmentConfirmations", body)
    (confirmation,) = body["shipmentConfirmations"]
    found: list[dict[str, object]] = confirmation["containers"]
    return found


def test_a_tare_level_with_items_is_a_pallet_holding_them() -> None:
    text = asn(
        "HL*3*2*T", "TD1*PLT90*1****G*310*LB", "MAN*GM*00012345600000002901",
        *item(4, 3, 1, 2), *item(5, 3, 2, 7),
    )  # fmt: skip
    (pallet,) = containers(text)
    assert pallet["containerType"] == "pallet"
    assert pallet["containerIdentifier"] == "00012345600000002901"
    assert pallet["weight"] == {"unitOfMeasure": "LB", "value": "310"}
    packed = pallet["packedItems"]
    assert isinstance(packed, list)
    assert [(p["itemSequenceNumber"], p["packedQuantity"]["amount"]) for p in packed] == [
        (1, 2),
        (2, 7),
    ]


def test_packs_under_a_pallet_are_cartons_and_direct_items_stay_on_the_pallet() -> None:
    text = asn(
        "HL*3*2*T", "MAN*GM*00012345600000002901",
        "HL*4*3*P", "TD1*CTN25*1****G*7*LB", "MAN*GM*00012345600000000017", *item(5, 4, 1, 2),
        "HL*6*3*P", "TD1*CTN25*1****G*5*LB", "MAN*GM*00012345600000000024", *item(7, 6, 2, 1),
        *item(8, 3, 3, 4),
    )  # fmt: skip
    found = containers(text)
    kinds = {c["containerIdentifier"]: c["containerType"] for c in found}
    assert kinds == {
        "00012345600000002901": "pallet",
        "00012345600000000017": "carton",
        "00012345600000000024": "carton",
    }
    by_id = {c["containerIdentifier"]: c for c in found}
    pallet_items = by_id["00012345600000002901"]["packedItems"]
    assert isinstance(pallet_items, list)
    assert [p["itemSequenceNumber"] for p in pallet_items] == [3]


def test_a_tare_level_that_only_groups_packs_is_no_container() -> None:
    text = asn(
        "HL*3*2*T",
        "HL*4*3*P", "TD1*CTN25*1****G*7*LB", "MAN*GM*00012345600000000017", *item(5, 4, 1, 2),
    )  # fmt: skip
    assert [c["containerType"] for c in containers(text)] == ["carton"]


@pytest.mark.parametrize(
    ("orphan", "named"),
    [
        (("HL*4**I", "LIN*1*BP*B00ITEM1", "SN1**2*EA"), "HL 4 has no parent"),
        (("HL*4*9*I", "LIN*1*BP*B00ITEM1", "SN1**2*EA"), "HL 4 has no parent"),
        (("HL*4*4*I", "LIN*1*BP*B00ITEM1", "SN1**2*EA"), "HL 4 has no parent"),
        (("HL*7**P", "MAN*GM*00012345600000000017"), "HL 7 has no parent"),
        (("HL*5*8*T", "MAN*GM*00012345600000002901"), "HL 5 has no parent"),
    ],
)
def test_an_hl_without_parent_is_named_and_rejects_the_set(
    orphan: tuple[str, ...], named: str
) -> None:
    text = asn("HL*3*2*P", "MAN*GM*00012345600000000099", *item(6, 3, 2, 1), *orphan)
    result = translate(text, PROFILE.model_copy(update={"ship_method": "UPS_GR_RES"}))
    messages = [p.message for p in result.outcome.problems]
    assert any(m.startswith(named) for m in messages), messages
    assert result.bodies == []
    ack = result.ack("997")
    assert "AK3*HL*" in ack and "AK5*R" in ack
