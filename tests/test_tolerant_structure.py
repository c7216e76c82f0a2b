"""Review 8, item 7: tolerant structure forgives EVERY segment that the standard places
elsewhere in the same segment group (in any order, however many), not only the first;
anything ambiguous (several places, uses exhausted, another group's segment) is still an
error; strict is unchanged."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from gateway.parse.x12_structure import Loop, Seg, check_structure
from gateway.problems import Severity
from tests.malformed import PROFILE, edifact_iftsta, translate, x12_214

TOLERANT = PROFILE.model_copy(update={"structure": "tolerant"})
ROOT = Path(__file__).resolve().parents[1]
ASN = (ROOT / "samples" / "08-x12-856-asn" / "input.edi").read_text(encoding="utf-8")
SG5 = ["DTM+334:202611240715-06:303", "RFF+ON:PO4711", "LOC+175+USCHI::6:Chicago", "FTX+AAA"]
HL_S = [
    "TD1*CTN25*2****G*12.5*LB",
    "TD5**2*UPSN*M*UPS Ground",
    "REF*BM*BOL4711",
    "DTM*011*20261124*1700*CT",
    "DTM*017*20261127",
]


def _kinds(result: object) -> set[tuple[str, str]]:
    problems = result.outcome.problems  # type: ignore[attr-defined]
    return {(p.code.value, p.severity.value) for p in problems}


@pytest.mark.parametrize("order", list(itertools.permutations(SG5)))
def test_iftsta_status_group_segments_in_any_order(order: tuple[str, ...]) -> None:
    body = ("CNI+1+1Z4711A", "STS+1+302::6+000", *order)
    result = translate(edifact_iftsta(*body), TOLERANT)
    assert result.error_codes == [] and len(result.bodies) == 1, result.outcome.problems
    assert _kinds(result) <= {("segment_out_of_order", "warning")}
    assert "PO4711" in result.strings()
    if list(order) != sorted(order, key=lambda s: ["RFF", "DTM", "FTX", "LOC"].index(s[:3])):
        strict = translate(edifact_iftsta(*body), PROFILE)
        assert strict.error_codes and strict.bodies == []


def _asn(order: tuple[str, ...]) -> str:
    return ASN.replace("~\n".join(HL_S) + "~", "~\n".join(order) + "~")


def test_856_the_shipment_levels_segments_in_any_order() -> None:
    expected = translate(ASN, TOLERANT).bodies
    assert _asn(tuple(HL_S)) == ASN and expected
    for order in itertools.permutations(HL_S):
        result = translate(_asn(order), TOLERANT)
        assert result.error_codes == [], (order, result.outcome.problems)
        assert result.bodies == expected, order
        shown = [p for p in result.outcome.problems if p.severity is Severity.WARNING]
        assert all(p.code.value in ("segment_out_of_order", "missing_field") for p in shown)


def test_856_a_shipment_segment_after_its_n1_loop_is_the_hl_loops() -> None:
    moved = ASN.replace("TD5**2*UPSN*M*UPS Ground~\n", "").replace(
        "N1*SE*Demo Vendor*92*999US~\n", "N1*SE*Demo Vendor*92*999US~\nTD5**2*UPSN*M*UPS Ground~\n"
    )
    result = translate(moved, TOLERANT)
    assert result.error_codes == [] and result.bodies == translate(ASN, TOLERANT).bodies
    assert translate(moved, PROFILE).bodies == []


# a synthetic table: X sits in two sub-groups; Y twice in the group itself; Z once, used once
TABLE = Loop(
    "T",
    (
        Seg("ST", True), Seg("A"), Seg("Y"), Seg("Z"), Seg("Y"),
        Loop("L1", (Seg("C", True), Seg("X"))), Loop("L2", (Seg("D", True), Seg("X"))),
        Seg("E"),
    ),
)  # fmt: skip


@pytest.mark.parametrize(
    ("tags", "tolerated"),
    [
        (["A", "X"], False),  # two sub-groups place X: ambiguous
        (["E", "Y"], False),  # the group itself places Y twice: ambiguous
        (["E", "Z"], True),  # one place: read where it is
        (["Z", "E", "Z"], False),  # Z is used up (max 1): an error, not a warning
        (["E", "Z", "A"], True),  # every displaced one, not only the first
    ],
)
def test_ambiguous_places_stay_errors(tags: list[str], tolerated: bool) -> None:
    segments = [["ST"], *[[t] for t in tags], ["SE"]]
    problems = check_structure(TABLE, segments, tolerant=True)
    assert problems, "the order is not the table's"
    warnings = all(p.severity is Severity.WARNING for p in problems)
    assert warnings is tolerated, problems
    assert all(p.severity is Severity.ERROR for p in check_structure(TABLE, segments))


# issue 8 kind 7, reviewed: a sub-group's trigger after the group's own segments (AT7 opening
# its 0205 loop after the L11 of the same 214 LX loop) is read where it is
B10 = ("B10*1Z4711*PO4711*DEMO", "L11*PO4711*PO")
AT7_MS1 = ("AT7*OD*NS***20261124*0715*CT", "MS1*CHICAGO*IL*US")
L11 = "L11*1Z4711A*2I"


AT7_2 = ("AT7*D1*NS***20261124*1642*CT", "MS1*DALLAS*TX*US")


@pytest.mark.parametrize(
    ("moved_lx", "ordered_lx"),
    [
        ((L11, *AT7_MS1), (*AT7_MS1, L11)),
        # the next LX loop in standard order, and displaced again
        ((L11, *AT7_MS1, "LX*2", *AT7_2, L11), (*AT7_MS1, L11, "LX*2", *AT7_2, L11)),
        ((L11, *AT7_MS1, "LX*2", L11, *AT7_2), (*AT7_MS1, L11, "LX*2", *AT7_2, L11)),
        ((L11, *AT7_MS1, *AT7_2), (*AT7_MS1, *AT7_2, L11)),  # a second AT7 loop
    ],
)
def test_214_an_at7_loop_after_the_l11_of_its_lx_loop(
    moved_lx: tuple[str, ...], ordered_lx: tuple[str, ...]
) -> None:
    ordered = x12_214(*B10, "LX*1", *ordered_lx)
    moved = x12_214(*B10, "LX*1", *moved_lx)
    expected = translate(ordered, TOLERANT)
    assert expected.error_codes == [] and expected.bodies, expected.outcome.problems
    result = translate(moved, TOLERANT)
    assert result.error_codes == [], result.outcome.problems
    assert result.bodies == expected.bodies
    assert _kinds(result) == {("segment_out_of_order", "warning")}
    assert "1Z4711A" in result.strings()
    ack = result.ack("997")
    assert "AK3*AT7*" in ack and "AK5*E" in ack and "AK5*R" not in ack
    strict = translate(moved, PROFILE)  # strict unchanged: AT7 / MS1 not at this place
    assert "unexpected_segment" in strict.error_codes and strict.bodies == []
    assert "AK3*AT7*6**2~" in strict.ack("997") and "AK5*R" in strict.ack("997")


def test_214_a_sub_group_segment_without_its_trigger_stays_an_error() -> None:
    """MS1 after the L11 with no AT7 to open its loop: nowhere to read it."""
    moved = x12_214(*B10, "LX*1", "AT7*OD*NS***20261124*0715*CT", L11, "MS1*CHICAGO*IL*US")
    result = translate(moved, TOLERANT)
    assert "unexpected_segment" in result.error_codes and result.bodies == []


# two earlier sub-groups opened by the same trigger: ambiguous
TWO = Loop(
    "T",
    (Seg("ST", True), Loop("L1", (Seg("C", True), Seg("X"))),
     Loop("L2", (Seg("C", True), Seg("Y"))), Seg("E"), Loop("L3", (Seg("D", True),))),
)  # fmt: skip


@pytest.mark.parametrize(
    ("tags", "tolerated"),
    [
        (["E", "C"], False),  # C opens L1 and L2: ambiguous
        (["L1", "E", "D"], None),  # in order: no problem at all
    ],
)
def test_a_trigger_of_two_sub_groups_stays_an_error(
    tags: list[str], tolerated: bool | None
) -> None:
    segments = [["ST"], *[[t] for t in tags if t != "L1"], ["SE"]]
    problems = check_structure(TWO, segments, tolerant=True)
    if tolerated is None:
        assert problems == []
    else:
        assert problems and all(p.severity is Severity.ERROR for p in problems), problems


def test_a_trigger_of_one_earlier_sub_group_opens_it() -> None:
    table = Loop("T", (Seg("ST", True), Seg("A"), Loop("L1", (Seg("C", True), Seg("X"))),
                       Seg("E")))  # fmt: skip
    segments = [["ST"], ["E"], ["C"], ["X"], ["SE"]]
    problems = check_structure(table, segments, tolerant=True)
    assert [(p.segment, p.severity) for p in problems] == [("C", Severity.WARNING)]
    assert all(p.severity is Severity.ERROR for p in check_structure(table, segments))
