"""Issue 8, kind 7: strict or tolerant structure, per partner. Strict (the default) rejects
a segment out of its place in the segment table; `structure: tolerant` reads one that the
standard places elsewhere in the same segment group with a warning; anything ambiguous is
still an error."""

from __future__ import annotations

from pathlib import Path

from gateway.problems import Severity
from gateway.profile import PartnerProfile
from tests.malformed import PROFILE, STATUS_IFTSTA, edifact_iftsta, translate, x12_214

TOLERANT = PROFILE.model_copy(update={"structure": "tolerant"})
ROOT = Path(__file__).resolve().parents[1]
# RFF+ON between CNI and STS: the standard puts it in segment group 5, after the STS
MOVED = ("CNI+1+1Z4711A", "RFF+ON:PO9999", "STS+1+302::6+000",
         "DTM+334:202611240715-06:303", "LOC+175+USCHI::6:Chicago")  # fmt: skip


def test_strict_is_the_default_and_rejects_a_misplaced_segment() -> None:
    assert PartnerProfile().structure == "strict"
    result = translate(edifact_iftsta(*MOVED))
    assert "unexpected_segment" in result.error_codes and result.bodies == []
    assert "UCS+4+15'" in result.ack("CONTRL")


def test_tolerant_reads_it_where_it_is_with_a_warning() -> None:
    result = translate(edifact_iftsta(*MOVED), TOLERANT)
    assert result.error_codes == [] and len(result.bodies) == 1
    warnings = [p for p in result.outcome.problems if p.severity is Severity.WARNING]
    assert [(p.code.value, p.segment, p.position) for p in warnings] == [
        ("segment_out_of_order", "RFF", 4)
    ]
    assert "PO9999" in result.strings()


def test_tolerant_reads_an_rff_after_the_pci_of_its_status_group() -> None:
    """An RFF after the PCI of a status: the STS group's own RFF (its TDT / EQD sub-groups
    hold one too, but cannot be read without their TDT / EQD): one place, a warning."""
    body = (*STATUS_IFTSTA, "PCI+24", "RFF+BN:X1")
    result = translate(edifact_iftsta(*body), TOLERANT)
    assert result.error_codes == [] and len(result.bodies) == 1
    assert "segment_out_of_order" in [p.code for p in result.outcome.problems]


def test_tolerant_rejects_a_segment_of_another_group() -> None:
    """A BGM inside a status group: the standard places it only in the message header."""
    body = (*STATUS_IFTSTA[:2], "BGM+77+X+9", *STATUS_IFTSTA[2:])
    result = translate(edifact_iftsta(*body), TOLERANT)
    assert "unexpected_segment" in result.error_codes and result.bodies == []


def test_x12_tolerant_reads_a_segment_earlier_in_its_loop() -> None:
    asn = (ROOT / "samples" / "08-x12-856-asn" / "input.edi").read_text(encoding="utf-8")
    # the shipment level's REF moved before its TD1 (both in the HL loop, TD1 first)
    swapped = asn.replace(
        "TD1*CTN25*2****G*12.5*LB~\nTD5**2*UPSN*M*UPS Ground~\nREF*BM*BOL4711~",
        "REF*BM*BOL4711~\nTD1*CTN25*2****G*12.5*LB~\nTD5**2*UPSN*M*UPS Ground~",
    )
    assert swapped != asn
    strict = translate(swapped, PROFILE)
    assert "unexpected_segment" in strict.error_codes and strict.bodies == []
    tolerant = translate(swapped, TOLERANT)
    assert tolerant.error_codes == [] and tolerant.bodies
    assert "AK5*E" in tolerant.ack("997")


def test_x12_tolerant_rejects_an_ms1_before_its_at7_as_ambiguous() -> None:
    """An MS1 before the AT7 it should locate: read where it is, the location would be
    dropped (which status does it belong to?), so a tolerant partner still gets an error."""
    body = ("B10*1Z4711*PO4711*DEMO", "L11*PO4711*PO", "LX*1", "MS1*CHICAGO*IL*US",
            "AT7*D1*NS***20261124*1642*CT", "L11*1Z4711A*2I")  # fmt: skip
    for profile in (PROFILE, TOLERANT):
        result = translate(x12_214(*body), profile)
        assert "segment_out_of_order" in result.error_codes or (
            "unexpected_segment" in result.error_codes
        )
        assert result.bodies == [] and "AK5*R" in result.ack("997")
