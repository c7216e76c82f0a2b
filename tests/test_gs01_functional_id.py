"""Issue 8 review: GS01 (functional identifier code) is checked against the transaction
sets of its group. A set that belongs to another functional group (214 -> QM, 856 -> SH) is
rejected (AK5 / IK5 R, code 1 "transaction set not supported"); a GS01 that names none of
its sets rejects the group (AK9 R, AK905 1). Nothing of it is sent."""

from __future__ import annotations

import pytest

from gateway.profile import AckPreferences
from tests.malformed import PROFILE, STATUS_214, X12_ISA, translate

ISA_5010 = X12_ISA.replace("*U*00401*", "*^*00501*")
SET_856 = (
    "BSN*00*SHIP4711*20261124*1830",
    "HL*1**S",
    "TD1*CTN25*1****G*12.5*LB",
    "TD5**2*UPSN*M*UPS Ground",
    "REF*BM*BOL4711",
    "DTM*011*20261124*1700*CT",
    "N1*SE*Demo Vendor*92*999US",
    "HL*2*1*O",
    "PRF*PO4711",
    "HL*3*2*I",
    "LIN**VP*SKU4711",
    "SN1**1*EA",
)


def _file(gs01: str, *sets: tuple[str, tuple[str, ...]], five: bool = False) -> str:
    version = "005010" if five else "004010"
    lines = [f"GS*{gs01}*DEMOCARRIER*AMAZONDF*20261124*1830*1*X*{version}"]
    for n, (kind, body) in enumerate(sets, start=1):
        control = f"{n:04d}"
        lines += [f"ST*{kind}*{control}", *body, f"SE*{len(body) + 2}*{control}"]
    lines += [f"GE*{len(sets)}*1", "IEA*1*000000101"]
    return (ISA_5010 if five else X12_ISA) + "\n" + "".join(s + "~\n" for s in lines)


def _profile(kind: str):  # type: ignore[no-untyped-def]
    return PROFILE.model_copy(update={"ack": AckPreferences(x12=kind)})  # type: ignore[arg-type]


def _segments(ack: str) -> list[list[str]]:
    return [s.strip().split("*") for s in ack.split("~") if s.strip()]


CASES = [
    ("XX", "214", STATUS_214),
    ("PO", "856", SET_856),
    ("SH", "214", STATUS_214),
    ("QM", "856", SET_856),
]


@pytest.mark.parametrize("five", [False, True], ids=["004010", "005010"])
@pytest.mark.parametrize("kind", ["997", "999"])
@pytest.mark.parametrize(("gs01", "st01", "body"), CASES)
def test_a_set_in_a_group_of_another_functional_id_is_rejected(
    gs01: str, st01: str, body: tuple[str, ...], kind: str, five: bool
) -> None:
    result = translate(_file(gs01, (st01, body), five=five), _profile(kind))
    assert result.bodies == [], "nothing of it is sent"
    assert "set_not_supported" in result.error_codes
    assert "group_header_invalid" in result.error_codes
    segs = _segments(result.ack(kind))
    ak1 = next(s for s in segs if s[0] == "AK1")
    assert ak1[1:3] == [gs01, "1"]
    k5 = "IK5" if kind == "999" else "AK5"
    ak5 = next(s for s in segs if s[0] == k5)
    assert ak5[1] == "R" and "1" in ak5[2:], ak5
    ak9 = next(s for s in segs if s[0] == "AK9")
    assert ak9[1] == "R" and ak9[4] == "0" and "1" in ak9[5:], ak9


@pytest.mark.parametrize("kind", ["997", "999"])
def test_the_right_functional_id_is_accepted(kind: str) -> None:
    for gs01, st01, body in (("QM", "214", STATUS_214), ("SH", "856", SET_856)):
        result = translate(_file(gs01, (st01, body)), _profile(kind))
        assert "set_not_supported" not in result.error_codes
        assert "group_header_invalid" not in result.error_codes
        segs = _segments(result.ack(kind))
        assert next(s for s in segs if s[0] == "AK9")[1] in ("A", "E")


@pytest.mark.parametrize("kind", ["997", "999"])
def test_a_stray_set_in_a_group_is_rejected_alone(kind: str) -> None:
    """GS*QM holding a 214 and an 856: the 214 is read, the 856 rejected (AK9 P)."""
    result = translate(_file("QM", ("214", STATUS_214), ("856", SET_856)), _profile(kind))
    assert len(result.bodies) == 1
    assert "group_header_invalid" not in result.error_codes
    segs = _segments(result.ack(kind))
    k5 = "IK5" if kind == "999" else "AK5"
    statuses = [s for s in segs if s[0] == k5]
    assert statuses[0][1] in ("A", "E") and statuses[1][1:] == ["R", "1"], statuses
    ak9 = next(s for s in segs if s[0] == "AK9")
    assert ak9[1:5] == ["P", "2", "2", "1"], ak9
