"""Issue 8 review, X12 side: TD5's syntax notes in full, AK402 on every syntax-note AK4, one
AK3 per segment, AK2 for a set whose ST01 / ST02 cannot be copied, and one consistent 997 /
999 for a functional group (GS / GE) fault."""

from __future__ import annotations

import pytest

from gateway.envelope.outcome import GroupOutcome, SetOutcome
from gateway.envelope.x12_groups import check_ge
from gateway.parse.relations import X12_NOTES, check_syntax_notes, element_ref
from gateway.parse.x12_tables import ELEMENTS
from gateway.problems import Level, Problem, ProblemCode
from gateway.profile import AckPreferences
from tests.ack_checks import check_x12_ack
from tests.malformed import PROFILE, STATUS_214, X12_ISA, translate, x12_214
from tests.test_ack_x12 import _acks, _interchange

ISA_5010 = X12_ISA.replace("*U*00401*", "*^*00501*")
PROFILE_999 = PROFILE.model_copy(update={"ack": AckPreferences(x12="999")})


def _856(td5: str, version: str = "004010") -> str:
    isa = ISA_5010 if version == "005010" else X12_ISA
    body = ["BSN*00*SHIP4711*20261124*1830*0001", "HL*1**S", td5, "DTM*011*20261124*1700*CT",
            "HL*2*1*O", "PRF*PO4711", "HL*3*2*I", "LIN*1*BP*B00ITEM1", "SN1**1*EA"]  # fmt: skip
    segments = ["ST*856*0001", *body, f"SE*{len(body) + 2}*0001"]
    head = f"GS*SH*DEMOCARRIER*AMAZONDF*20261124*1830*9*X*{version}"
    return isa + "\n" + "".join(s + "~\n" for s in [head, *segments, "GE*1*9", "IEA*1*000000101"])


# --- 4: TD5 ------------------------------------------------------------------------------
@pytest.mark.parametrize("version", ["004010", "005010"])
@pytest.mark.parametrize(
    ("td5", "element", "ref"),
    [
        ("TD5**2*UPSN*M*UPS Ground**OR", 8, "310"),  # C0708: location qualifier alone
        ("TD5**2*UPSN*M*UPS Ground*****CD", 11, "733"),  # C1011: transit time qualifier alone
        ("TD5**2*UPSN*M*UPS Ground********ND", 12, "284"),  # C1312: TD513 without TD512
        ("TD5**2*UPSN*M*UPS Ground*********G2", 13, "284"),  # C1413: TD514 without TD513
        ("TD5**2*UPSN*M*UPS Ground**********US", 12, "284"),  # C1512: TD515 without TD512
    ],
)
def test_td5_notes_reject_the_set_with_ak402(
    version: str, td5: str, element: int, ref: str
) -> None:
    for profile, k3, k4, k5 in ((PROFILE, "AK3", "AK4", "AK5"), (PROFILE_999, "IK3", "IK4", "IK5")):
        if profile is PROFILE_999 and version == "004010":
            continue
        result = translate(_856(td5, version), profile)
        assert result.bodies == [] and "conditional_element_missing" in result.error_codes
        segments = check_x12_ack(result.ack(profile.ack.x12))
        assert [s[1:5] for s in segments if s[0] == k3] == [["TD5", "4", "", "8"]]
        assert [s[1:4] for s in segments if s[0] == k4] == [[str(element), ref, "2"]]
        assert next(s for s in segments if s[0] == k5)[1] == "R"


def test_td5_with_its_pairs_complete_is_accepted() -> None:
    for td5 in ("TD5**2*UPSN*M*UPS Ground**OR*CHI**CD*2*ND*CG*G2*US",
                "TD5**2*UPSN*M*UPS Ground*******ND"):  # fmt: skip
        result = translate(_856(td5))
        assert "conditional_element_missing" not in result.error_codes


# --- 9(e): AK402 on every syntax-note AK4 ----------------------------------------------
@pytest.mark.parametrize(
    ("seg", "element", "ref"),
    [
        (["AT8", "G", "L", ""], 3, "81"),  # P010203
        (["AT8", "", "", "", "", "", "E"], 7, "183"),  # P0607: volume qualifier alone
        (["G62", "11", "", "", ""], 2, "373"),  # P0102
        (["TD3", "TL", "ABCD"], 3, "207"),  # C0203
        (["MEA", "PD", "WT", "", "", "", "", "", ""], 3, "739"),  # R03050608
        (["REF", "BM"], 2, "127"),  # R0203
        (["PID", "F", "", "", "", ""], 4, "751"),  # R0405 (PID04 first)
        (["G61", "IC", "Jo", "TE"], 4, "364"),  # P0304
        (["NM1", "SF", "2", "", "", "", "", "", "92"], 9, "67"),  # P0809
    ],
)
def test_every_syntax_note_fault_names_its_element_reference(
    seg: list[str], element: int, ref: str
) -> None:
    found = check_syntax_notes(seg, 4, X12_NOTES["004010"][seg[0]])
    assert (found[0].element, found[0].element_ref) == (element, ref)


def test_every_note_of_the_856_and_214_segments_has_reference_numbers() -> None:
    for tag in ("TD5", "TD3", "TD1", "MEA", "REF", "PID", "AT8", "G62", "AT7", "N1", "DTM"):
        for note in X12_NOTES["005010"][tag]:
            for e, _ in note.positions:
                spec = ELEMENTS.get(tag, ())
                known = spec[e - 1].ref if e <= len(spec) else element_ref(tag, e)
                assert known, (tag, e)


def test_an_at8_fault_in_a_214_carries_ak402() -> None:
    body = (*STATUS_214, "AT8*G*L")
    result = translate(x12_214(*body))
    assert "AK4*3*81*2~" in result.ack("997")


# --- 9(a): one AK3 per segment ---------------------------------------------------------
def test_one_ak3_per_segment_followed_by_all_its_ak4s() -> None:
    a = Problem(code=ProblemCode.SEGMENT_OUT_OF_ORDER, message="x", level=Level.SEGMENT,
                segment="MEA", position=7)  # fmt: skip
    b = Problem(code=ProblemCode.CONDITIONAL_ELEMENT_MISSING, message="y", level=Level.ELEMENT,
                segment="MEA", position=7, element=3, element_ref="739")  # fmt: skip
    c = Problem(code=ProblemCode.EXCLUSION_VIOLATED, message="z", level=Level.ELEMENT,
                segment="MEA", position=7, element=8, element_ref="936")  # fmt: skip
    s = SetOutcome("0001", "214", problems=[b, a, a, c])
    segments = check_x12_ack(_acks(_interchange(s))[0].content)
    ak3 = [s for s in segments if s[0] == "AK3"]
    assert len(ak3) == 1 and ak3[0][1:3] == ["MEA", "7"] and ak3[0][4] != "8"
    at = [s[0] for s in segments].index("AK3")
    assert [s[0] for s in segments[at + 1 : at + 3]] == ["AK4", "AK4"]


def test_a_misplaced_segment_with_a_note_fault_gets_one_ak3() -> None:
    # MS1 before AT7: out of place (segment code) and, with no state, a note fault (code 8)
    body = ("B10*1Z4711*PO4711*DEMO", "L11*PO4711*PO", "LX*1", "MS1*CHICAGO",
            "AT7*D1*NS***20261124*1642*CT", "L11*1Z4711A*2I")  # fmt: skip
    result = translate(x12_214(*body))
    ak3 = [s for s in check_x12_ack(result.ack("997")) if s[0] == "AK3"]
    positions = [s[2] for s in ak3]
    assert len(positions) == len(set(positions)) and ak3[0][4] != "8"


# --- 9(b) / 9(d): AK2 for a set whose ST01 / ST02 cannot be copied ----------------------
@pytest.mark.parametrize(
    ("st", "ak2", "code"),
    [("ST*2 4*0001", ["214", "0001"], "1"), ("ST*214*ABCDEFGHIJKL", ["214", "0000"], "7"),
     ("ST*214*00\x071", ["214", "0000"], "7"), ("ST*214*12", ["214", "0000"], "7")],
)  # fmt: skip
@pytest.mark.parametrize("five", [False, True])
def test_a_set_with_an_unusable_st01_or_st02_gets_ak2_and_ak5_r(
    st: str, ak2: list[str], code: str, five: bool
) -> None:
    text = x12_214(*STATUS_214).replace("ST*214*0001", st)
    if st.endswith("0001") is False:
        text = text.replace("SE*8*0001", "SE*8*" + st.split("*")[2])
    profile = PROFILE
    if five:
        text = text.replace(X12_ISA, ISA_5010).replace("*004010", "*005010")
        profile = PROFILE_999
    result = translate(text, profile)
    assert result.bodies == []
    segments = check_x12_ack(result.ack(profile.ack.x12))
    assert [s[1:3] for s in segments if s[0] == "AK2"] == [ak2]
    assert code in next(s for s in segments if s[0] == ("IK5" if five else "AK5"))[2:]
    assert next(s for s in segments if s[0] == "AK9")[1:5] == ["R", "1", "1", "0"]


# --- 5: group faults ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("old", "new", "ak905"),
    [("GS*QM*DEMOCARRIER", "GS*QM*DEMO^CARRIER", "1"), ("*X*005010", "*X*0050\x0710", "2"),
     ("*AMAZONDF*2026", "*AMAZON\x07DF*2026", "1")],
)  # fmt: skip
@pytest.mark.parametrize("kind", ["997", "999"])
def test_a_gs_fault_gets_one_consistent_ak9_r(old: str, new: str, ak905: str, kind: str) -> None:
    text = x12_214(*STATUS_214).replace(X12_ISA, ISA_5010).replace("*004010", "*005010")
    profile = PROFILE_999 if kind == "999" else PROFILE
    result = translate(text.replace(old, new, 1), profile)
    assert result.bodies == [] and "group_header_invalid" in result.error_codes
    segments = check_x12_ack(result.ack(kind))
    assert not [s for s in segments if s[0] in ("AK5", "IK5") and s[1] in ("A", "E")]
    ak9 = next(s for s in segments if s[0] == "AK9")
    assert ak9[1] == "R" and ak9[4] == "0" and ak9[5] == ak905


def test_a_gs01_that_cannot_be_copied_gets_a_997_named_by_its_sets() -> None:
    result = translate(x12_214(*STATUS_214).replace("GS*QM*", "GS*Q\x7f*"))
    assert result.bodies == []
    segments = check_x12_ack(result.ack("997"))
    assert next(s for s in segments if s[0] == "AK1")[1:3] == ["QM", "1"]
    ak9 = next(s for s in segments if s[0] == "AK9")
    assert ak9[1] == "R" and ak9[4] == "0" and ak9[5] == "1"


def test_a_too_long_gs06_is_named_as_such_not_as_a_mismatch() -> None:
    group = GroupOutcome("QM", "1234567890", "004010")
    found = check_ge(["GE", "0", "1234567890"], group, "000000101")
    assert not [p for p in found if p.code is ProblemCode.GROUP_CONTROL_MISMATCH]
    other = check_ge(["GE", "0", "12A"], GroupOutcome("QM", "12", "004010"), "000000101")
    mismatch = [p for p in other if p.code is ProblemCode.GROUP_CONTROL_MISMATCH]
    assert mismatch and "is not a control number" in mismatch[0].message
    result = translate(x12_214(*STATUS_214).replace("*1830*1*X", "*1830*1234567890*X")
                       .replace("GE*1*1~", "GE*1*1234567890~"))  # fmt: skip
    assert result.bodies == []
    assert not [p for p in result.outcome.problems if "does not match GS06" in p.message]


# --- 10: an 856 item / pack / tare hanging from the shipment, not from an order ---------
@pytest.mark.parametrize(
    ("levels", "hl", "name"),
    [(("HL*3*1*I", "LIN*1*BP*B00ITEM1", "SN1**2*EA"), "3", "item"),
     (("HL*3*2*P", "MAN*GM*00012345600000000017", "HL*4*3*I", "LIN*1*BP*B00ITEM1",
       "SN1**1*EA", "HL*5*1*P", "MAN*GM*00012345600000000024", "HL*6*5*I",
       "LIN*2*BP*B00ITEM2", "SN1**1*EA"), "5", "pack"),
     (("HL*3*2*I", "LIN*1*BP*B00ITEM1", "SN1**1*EA", "HL*4*1*T",
       "MAN*GM*00012345600000000031", "HL*5*4*I", "LIN*2*BP*B00ITEM2", "SN1**1*EA"), "4",
      "tare")],
)  # fmt: skip
@pytest.mark.parametrize("kind", ["997", "999"])
def test_an_856_level_outside_every_order_is_named_and_rejected(
    levels: tuple[str, ...], hl: str, name: str, kind: str
) -> None:
    from tests.test_malformed_856 import asn

    text, profile = asn(*levels), PROFILE.model_copy(update={"ship_method": "UPS_GR_RES"})
    if kind == "999":
        text = text.replace("*U*00401*", "*^*00501*")
        text = text.replace("*X*004010", "*X*005010")
        profile = profile.model_copy(update={"ack": AckPreferences(x12="999")})
    result = translate(text, profile)
    assert result.bodies == []
    messages = [p.message for p in result.outcome.problems]
    assert [m for m in messages if "is not under an order" in m] == [
        f"HL {hl} ({name}) is not under an order: its parent HL 1 is the shipment"
    ]
    segments = check_x12_ack(result.ack(kind))
    k3, k4, k5 = ("IK3", "IK4", "IK5") if kind == "999" else ("AK3", "AK4", "AK5")
    at = next(i for i, s in enumerate(segments) if s[0] == k3 and s[1] == "HL")
    assert segments[at][4] == "8" and segments[at + 1][:4] == [k4, "2", "734", "7"]
    assert next(s for s in segments if s[0] == k5)[1] == "R"


def test_an_856_without_order_levels_still_reads_the_shipment_as_the_notice() -> None:
    from tests.test_malformed_856 import HEADER, ISA

    body = [s for s in HEADER if not s.startswith(("HL*2", "PRF"))]
    body = [body[0], body[1], "PRF*PO4711", *body[2:], "HL*2*1*I", "LIN*1*BP*B00ITEM1",
            "SN1**2*EA"]  # fmt: skip
    segments = ["ST*856*0001", *body, f"SE*{len(body) + 2}*0001"]
    head = "GS*SH*DEMOVENDOR*AMAZONDF*20261124*1830*9*X*004010"
    text = ISA + "\n" + "".join(s + "~\n" for s in [head, *segments, "GE*1*9", "IEA*1*000000808"])
    result = translate(text, PROFILE.model_copy(update={"ship_method": "UPS_GR_RES"}))
    assert not [p for p in result.outcome.problems if "is not under an order" in p.message]


def test_an_ack_finds_a_repetition_separator_whatever_the_main_delimiters_take() -> None:
    text = x12_214(*STATUS_214).replace("*", "|").replace("~", "!")
    text = text.replace("|P|>!", "|P|^!")  # ISA16 ^: | ^ ! leave none of "^!|"
    result = translate(text)
    assert result.error_codes == [] and result.bodies
    assert result.ack("997").startswith("ISA|")
