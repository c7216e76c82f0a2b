"""Issue 8, kind 4 (leftovers): the X12 syntax notes of every further segment of the 214 and
856 tables that carries one (AT8, G61, G62, FOB, Q7, MS3, NM1, B10's R0106 / E0105, TD3,
TD4, PID, MEA), 004010 and 005010. Each note broken in a whole interchange gets 997 AK4 /
999 IK4 code 2 (a required element missing) or 10 (exclusion violated) under AK3 / IK3
code 8, and the set is rejected with nothing sent; the same segment meeting its notes
passes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gateway.parse.relations import check_syntax_notes, syntax_notes
from tests.malformed import STATUS_214, Translated, translate, x12_214

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
RELATIONAL = {"conditional_element_missing", "exclusion_violated"}

_N1 = "N1*SH*Demo Shipper*92*ABCD"


def _status(header: tuple[str, ...] = (), detail: tuple[str, ...] = ()) -> str:
    """The 214 of tests.malformed with segments added to its header (after the first L11)
    and to the end of its 0200 loop."""
    body = list(STATUS_214)
    at = body.index("L11*PO4711*PO") + 1
    body[at:at] = header
    return x12_214(*body, *detail)


def _asn(anchor: str, *added: str, sample: str = "08-x12-856-asn") -> bytes:
    """The 856 sample with `added` after the segment `anchor`, SE01 recounted."""
    text = (SAMPLES / sample / "input.edi").read_text(encoding="utf-8")
    segments = [s.strip() for s in text.split("~") if s.strip()]
    at = segments.index(anchor) + 1
    segments[at:at] = added
    st = next(i for i, s in enumerate(segments) if s.startswith("ST*"))
    se = next(i for i, s in enumerate(segments) if s.startswith("SE*"))
    control = segments[se].split("*")[2]
    segments[se] = f"SE*{se - st + 1}*{control}"
    return ("~\n".join(segments) + "~\n").encode("utf-8")


def _seg(tag: str, values: dict[int, str]) -> str:
    """A segment with `values` at their element positions, the others empty."""
    return "*".join([tag, *(values.get(n, "") for n in range(1, max(values) + 1))])


def _rejected(result: Translated, tag: str, element: int, code: str) -> None:
    assert result.bodies == []
    assert RELATIONAL & set(result.error_codes)
    ack = next(a.content for a in result.outcome.acknowledgements if a.type in ("997", "999"))
    assert re.search(rf"(AK3|IK3)\*{tag}\*\d+\*\*8~", ack), ack
    assert re.search(rf"(AK4|IK4)\*{element}\*\d*\*{code}(\*[^~]*)?~", ack), ack
    assert re.search(r"(AK5|IK5)\*R", ack), ack


def _passed(result: Translated) -> None:
    assert not RELATIONAL & set(result.error_codes), result.error_codes
    assert result.error_codes == [] and result.bodies


# (segment meeting its notes, [(segment breaking one, element named, AK4 code)])
HEADER_214 = [
    ("AT8*G*L*12.5*2", [("AT8*G**12.5*2", 2, "2"), ("AT8*G*L*12.5***E", 7, "2")]),
    ("Q7*D*CTN*2", [("Q7*D*CTN", 3, "2")]),
    ("MS3*UPSN*B*CHICAGO*M*IL", [("MS3*UPSN*B***IL", 3, "2")]),
]
N1_LOOP_214 = [
    ("G61*IC*Jane Doe*TE*5551234", [("G61*IC*Jane Doe*TE", 4, "2")]),
    ("G62*11*20261124*8*1642", [("G62*11", 2, "2"), ("G62****CT", 1, "2"),
                                ("G62*11*20261124*8", 4, "2")]),
    ("FOB*PP*OR*CHICAGO", [("FOB*PP**CHICAGO", 2, "2"), ("FOB*PP*OR*CHICAGO*01", 5, "2"),
                           (_seg("FOB", {1: "PP", 7: "CHICAGO"}), 6, "2")]),
]  # fmt: skip
DETAIL_214 = [
    (
        "NM1*CN*2*ACME",
        [
            (_seg("NM1", {1: "CN", 2: "2", 3: "ACME", 8: "92"}), 9, "2"),
            (_seg("NM1", {1: "CN", 2: "2", 3: "ACME", 11: "SH"}), 10, "2"),
        ],
    ),
]


def _cases(table: list[tuple[str, list[tuple[str, int, str]]]]) -> list[tuple[str, int, str]]:
    return [bad for _, bads in table for bad in bads]


@pytest.mark.parametrize("good", [g for g, _ in HEADER_214])
def test_214_header_segments_meeting_their_notes_pass(good: str) -> None:
    _passed(translate(_status(header=(good,))))


@pytest.mark.parametrize(("bad", "element", "code"), _cases(HEADER_214))
def test_214_header_segments_breaking_a_note_reject_the_set(
    bad: str, element: int, code: str
) -> None:
    _rejected(translate(_status(header=(bad,))), bad[:3].rstrip("*"), element, code)


@pytest.mark.parametrize("good", [g for g, _ in N1_LOOP_214])
def test_214_party_loop_segments_meeting_their_notes_pass(good: str) -> None:
    _passed(translate(_status(header=(_N1, good))))


@pytest.mark.parametrize(("bad", "element", "code"), _cases(N1_LOOP_214))
def test_214_party_loop_segments_breaking_a_note_reject_the_set(
    bad: str, element: int, code: str
) -> None:
    _rejected(translate(_status(header=(_N1, bad))), bad[:3], element, code)


@pytest.mark.parametrize(("bad", "element", "code"), _cases(DETAIL_214))
def test_214_detail_name_breaking_a_note_rejects_the_set(bad: str, element: int, code: str) -> None:
    _rejected(translate(_status(detail=(bad,))), "NM1", element, code)
    _passed(translate(_status(detail=(DETAIL_214[0][0],))))


@pytest.mark.parametrize(
    ("b10", "element", "code"),
    [
        ("B10*1Z4711*PO4711*DEMO**BM*1Z4711", 5, "10"),  # E0105: B1001 and B1005 together
        ("B10**PO4711*DEMO", 1, "2"),  # R0106: neither B1001 nor B1006
    ],
)
def test_b10_reference_notes(b10: str, element: int, code: str) -> None:
    body = tuple(b10 if s.startswith("B10") else s for s in STATUS_214)
    _rejected(translate(x12_214(*body)), "B10", element, code)


def test_b10_carrier_reference_in_b1006_alone_meets_the_notes() -> None:
    body = tuple("B10**PO4711*DEMO**BM*1Z4711" if s.startswith("B10") else s for s in STATUS_214)
    result = translate(x12_214(*body))
    assert not RELATIONAL & set(result.error_codes), result.error_codes


SHIPMENT_856 = [
    ("TD3*TL*ABCD*123456", [("TD3*TL*ABCD", 3, "2"), ("TD3*TL***G", 5, "2"),
                            ("TD3*TL****1200", 6, "2")]),
    ("TD4*HM", [("TD4*****Y", 1, "2"), ("TD4**D", 3, "2")]),
]  # fmt: skip
ITEM_856 = [
    ("PID*F****RED WIDGET", [("PID*F", 4, "2"), ("PID*F***123", 3, "2"),
                             (_seg("PID", {1: "F", 4: "123", 9: "EN"}), 5, "2")]),
    ("MEA*PD*WT*7.5*LB", [("MEA*PD*WT", 3, "2"),
                          (_seg("MEA", {1: "PD", 2: "WT", 3: "7.5", 4: "LB", 8: "Y"}), 3, "10"),
                          (_seg("MEA", {1: "PD", 2: "WT", 3: "7.5", 4: "LB", 11: "1"}), 12, "2")]),
]  # fmt: skip
ITEM_856_LOOPS = [
    (("PO4*24*12*OZ",), ("PO4*24*12", "PO4", 3, "2")),
    (("PO4*24*12*OZ**G*7.5*LB",), ("PO4*24*12*OZ**G", "PO4", 6, "2")),
    (("PO4*24*12*OZ***7.5*LB",), ("PO4*24*12*OZ***7.5", "PO4", 7, "2")),
    (("SDQ*EA*92*STORE1*5*STORE2*3",), ("SDQ*EA*92*STORE1*5*STORE2", "SDQ", 6, "2")),
    (("YNQ*01*Y",), ("YNQ*01*Y*D8", "YNQ", 4, "2")),
    (
        (_seg("YNQ", {2: "Y", 8: "X1", 9: "CODE"}),),
        (_seg("YNQ", {1: "01", 2: "Y", 8: "X1", 9: "CODE"}), "YNQ", 9, "10"),
    ),
    (("PKG*F****FRAGILE",), ("PKG*F*68", "PKG", 4, "2")),
    (("PKG*S**UN*CODE1",), ("PKG*S***CODE1", "PKG", 3, "2")),
    (("PKG*X**UN*CODE1*FRAGILE",), ("PKG*****FRAGILE", "PKG", 1, "2")),
    (("PAL*4*5*10*50*40*LB",), ("PAL*4*5*10*50*40", "PAL", 6, "2")),
    (("PAL*4*5*10*50*40*LB*48*40**IN",), ("PAL*4******48", "PAL", 10, "2")),
    (("CUR*SE*USD",), ("CUR*SE*USD******20261124", "CUR", 7, "2")),
    (("LM*AG", "LQ*0*ABC"), ("LQ*0", "LQ", 2, "2")),
    (("LH1*EA*2",), ("LH1*EA*2****EA", "LH1", 7, "2")),
    (("LH1*EA*2", "LH2*3"), ("LH2*3*****FA", "LH2", 7, "2")),
    (("LH1*EA*2", "LH3*GASOLINE*D"), ("LH3*GASOLINE", "LH3", 2, "2")),
    (("LH1*EA*2", "LFH*X*Y"), ("LFH*X*Y***EA", "LFH", 6, "2")),
]
TD5 = "TD5**2*UPSN*M*UPS Ground"
SN1 = "SN1**2*EA"


@pytest.mark.parametrize(("good", "bads"), SHIPMENT_856)
def test_856_shipment_level_segments(good: str, bads: list[tuple[str, int, str]]) -> None:
    _passed(translate(_asn(TD5, good)))
    for bad, element, code in bads:
        _rejected(translate(_asn(TD5, bad)), bad[:3], element, code)


@pytest.mark.parametrize(("good", "bads"), ITEM_856)
def test_856_item_level_segments(good: str, bads: list[tuple[str, int, str]]) -> None:
    _passed(translate(_asn(SN1, good)))
    for bad, element, code in bads:
        _rejected(translate(_asn(SN1, bad)), bad[:3], element, code)


def test_005010_td3_equipment_type_excludes_the_equipment_code() -> None:
    sample = "09-x12-856-005010-999"
    _passed(translate(_asn(TD5, _seg("TD3", {10: "TRLR"}), sample=sample)))
    bad = _seg("TD3", {1: "TL", 10: "TRLR"})
    _rejected(translate(_asn(TD5, bad, sample=sample)), "TD3", 10, "10")
    # 004010's TD3 has no TD310 and so no E0110
    assert [n.text for n in syntax_notes("004010")["TD3"]] == ["C0203", "C0405", "P0506"]


@pytest.mark.parametrize(("good", "bad"), ITEM_856_LOOPS)
def test_856_item_level_hazard_currency_and_industry_code_segments(
    good: tuple[str, ...], bad: tuple[str, str, int, str]
) -> None:
    _passed(translate(_asn(SN1, *good)))
    broken, tag, element, code = bad
    _rejected(translate(_asn(SN1, *good[:-1], broken)), tag, element, code)


def test_214_handling_requirements_by_version() -> None:
    # AT5 (0200 loop): E0103 in 004010; the temperature notes only from 004020 (005010 here)
    _passed(translate(_status(detail=("AT5*HM",))))
    _rejected(translate(_status(detail=("AT5*HM**FRAGILE",))), "AT5", 3, "10")
    assert [n.text for n in syntax_notes("004010")["AT5"]] == ["E0103", "E0203"]
    found = check_syntax_notes(["AT5", "", "", "", "FA"], 4, syntax_notes("005010")["AT5"])
    assert [(p.code.value, p.element) for p in found] == [("conditional_element_missing", 5)]
    assert (
        check_syntax_notes(["AT5", "", "", "", "FA", "35"], 4, syntax_notes("005010")["AT5"]) == []
    )
