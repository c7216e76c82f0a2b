"""Review of issue 8, item 2 (X12 side): a composite with more components than its
definition in the 004010 / 005010 composite directory (C001 15, C040 6) is a data element
error, too many components (997 AK4 code 13), and the set is rejected."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gateway.parse.x12_856 import parse_856
from gateway.parse.x12_elements import check_elements
from gateway.problems import ProblemCode
from gateway.profile import FieldSources
from tests.malformed import translate

_HEAD = "ST*856*0001~BSN*00*X1*20240105*1200~HL*1**S~TD5**2*ABCD**UPS_GR~"
_TAIL = "HL*2*1*O~PRF*PO1~HL*3*2*P~MAN*CP*TRK1~HL*4*3*I~LIN*1*BP*B001~SN1**6*EA~"


def _problems(shipment: str) -> list[tuple[ProblemCode, str, int | None]]:
    body = [s.split("*") for s in (_HEAD + shipment + _TAIL).strip("~").split("~")]
    segs = [*body, ["SE", str(len(body) + 1), "0001"]]
    _, problems = parse_856(segs, FieldSources(), component=":")
    return [(p.code, p.segment or "", p.element) for p in problems]


@pytest.mark.parametrize(
    ("segment", "tag", "element"),
    [
        ("MEA*PD*G*3.4*LB" + ":X" * 15, "MEA", 4),  # C001: 16 components, 15 allowed
        ("MEA*PD*G*3.4*LB" + ":1:X" * 8, "MEA", 4),
        ("REF*BM*BOL1**A:1:B:2:C:3:D", "REF", 4),  # C040: 7 components, 6 allowed
    ],
)
def test_too_many_components_in_a_composite(segment: str, tag: str, element: int) -> None:
    assert (ProblemCode.TOO_MANY_COMPONENTS, tag, element) in _problems(segment + "~")


@pytest.mark.parametrize(
    "segment",
    [
        "MEA*PD*G*3.4*LB" + ":X" * 14,  # 15 components: the most C001 has
        "MEA*PD*G*3.4*LB" + ":" * 20,  # empty trailing components are not counted
        "REF*BM*BOL1**A:1:B:2:C:3",
    ],
)
def test_a_composite_within_its_definition_is_no_fault(segment: str) -> None:
    codes = [code for code, _, _ in _problems(segment + "~")]
    assert ProblemCode.TOO_MANY_COMPONENTS not in codes


def test_997_rejects_the_set_with_ak4_13() -> None:
    root = Path(__file__).resolve().parents[1]
    asn = (root / "samples" / "08-x12-856-asn" / "input.edi").read_text(encoding="utf-8")
    component = asn[104]  # ISA16
    mea = "MEA*PD*G*3.4*LB" + (component + "X") * 20 + "~"
    data = asn.replace("HL*3*2*P~", "HL*3*2*P~" + mea, 1)
    data = re.sub(r"(?m)^SE\*(\d+)\*", lambda m: f"SE*{int(m[1]) + 1}*", data, count=1)
    done = translate(data)
    assert done.bodies == []
    ack = done.ack("997")
    assert "AK5*R" in ack
    ak4s = [s.strip().split("*") for s in ack.split("~") if s.strip().startswith("AK4*")]
    assert ["4", "", "13"] in [a[1:4] for a in ak4s]


def test_each_repetition_of_a_repeating_composite_is_counted_on_its_own() -> None:
    seg = ["CTX", "TRIGGER:2^TRIGGER:3^TRIGGER:4", "", "", "", "", ""]
    assert check_elements(seg, 3, (), 6, ":", "^", frozenset({1}), frozenset({1}), {1: 2}) == []
    bad = ["CTX", "TRIGGER:2^TRIGGER:3:X"]
    [found] = check_elements(bad, 3, (), 6, ":", "^", frozenset({1}), frozenset({1}), {1: 2})
    assert (found.code, found.element) == (ProblemCode.TOO_MANY_COMPONENTS, 1)
