"""Review 8, item 11: every missing-field mapping error names where the value would have
been read, in the syntax of the input and with the partner's qualifiers (like the
ship-method message): `L11*PO` / `B10-02` / `AT7-05/06` for X12, `RFF+ON` / `DTM+334` /
`CNI C503` for EDIFACT."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gateway.profile import FieldSources, PartnerProfile
from tests.malformed import PROFILE, STATUS_214, STATUS_IFTSTA, edifact_iftsta, translate, x12_214

ROOT = Path(__file__).resolve().parents[1]
DESADV = (ROOT / "samples" / "13-edifact-desadv-d96a-latin1" / "input.edi").read_bytes()
ASN = (ROOT / "samples" / "08-x12-856-asn" / "input.edi").read_text(encoding="utf-8")
NO_B10 = PROFILE.model_copy(
    update={"field_sources": FieldSources(po_from_b10=False, tracking_from_b10=False)}
)


def _missing(data: str | bytes, profile: PartnerProfile = PROFILE) -> list[str]:
    result = translate(data, profile)
    assert result.bodies == []
    return [p.message for p in result.outcome.problems if p.code == "missing_field"]


def _only(messages: list[str], field: str) -> str:
    found = [m for m in messages if m.startswith(field)]
    assert len(found) == 1, messages
    return found[0]


def _edifact(drop: str, replace: tuple[str, str] = ("", "")) -> str:
    body = [s.replace(*replace) if replace[0] else s for s in STATUS_IFTSTA if s != drop]
    return edifact_iftsta(*body)


def test_214_purchase_order_names_l11_and_b10() -> None:
    body = [s for s in STATUS_214 if s != "L11*PO4711*PO"]
    body = [s.replace("B10*1Z4711*PO4711*DEMO", "B10*1Z4711**DEMO") for s in body]
    message = _only(_missing(x12_214(*body)), "purchaseOrderNumber")
    assert "L11*PO" in message and "B10-02" in message and "RFF" not in message
    custom = PROFILE.model_copy(
        update={"field_sources": FieldSources(po_reference_qualifiers=("ON", "CO"))}
    )
    message = _only(_missing(x12_214(*body), custom), "purchaseOrderNumber")
    assert "L11*ON/CO" in message


def test_214_tracking_number_names_l11_2i_without_b10_when_the_profile_says_so() -> None:
    body = [s for s in STATUS_214 if s != "L11*1Z4711A*2I"]
    message = _only(_missing(x12_214(*body), NO_B10), "trackingNumber")
    assert "L11*2I" in message and "B10" not in message


def test_214_status_time_names_at7_05_06() -> None:
    body = [s.replace("AT7*D1*NS***20261124*1642*CT", "AT7*D1*NS") for s in STATUS_214]
    message = _only(_missing(x12_214(*body)), "statusDateTime")
    assert "AT7-05/06" in message


@pytest.mark.parametrize(
    ("drop", "field", "source"),
    [
        ("RFF+ON:PO4711", "purchaseOrderNumber", "RFF+ON C506 1154"),
        ("DTM+334:202611240715-06:303", "statusDateTime", "DTM+334"),
    ],
)
def test_iftsta_missing_fields_name_edifact_segments(drop: str, field: str, source: str) -> None:
    message = _only(_missing(_edifact(drop)), field)
    assert source in message and not re.search(r"L11|AT7|B10", message)


def test_iftsta_missing_tracking_number_names_cni_c503() -> None:
    message = _only(_missing(_edifact("", ("CNI+1+1Z4711A", "CNI+1"))), "trackingNumber")
    assert "CNI C503 1004" in message


def test_856_missing_purchase_order_names_prf() -> None:
    kept = ASN.replace("PRF*PO4711~\n", "")
    kept = re.sub(r"SE\*(\d+)\*", lambda m: f"SE*{int(m[1]) - 1}*", kept)
    message = _only(_missing(kept), "purchaseOrderNumber")
    assert "PRF-01" in message and "RFF" not in message


def test_desadv_missing_purchase_order_names_rff_on() -> None:
    data = DESADV.replace(b"RFF+ON:PO4711'", b"")
    data = re.sub(rb"UNT\+(\d+)\+", lambda m: b"UNT+%d+" % (int(m[1]) - 1), data)
    message = _only(_missing(data), "purchaseOrderNumber")
    assert "RFF+ON C506 1154" in message and "PRF" not in message


def test_a_missing_party_names_where_an_856_or_desadv_reads_it() -> None:
    bare = PartnerProfile()  # names no party: the file must
    asn = ASN.replace("N1*SE*", "N1*BY*").replace("N1*SF*", "N1*BY*")
    desadv = DESADV.replace(b"NAD+SU+", b"NAD+BY+").replace(b"NAD+SF+", b"NAD+BY+")
    for data, words in ((asn, ("N1*SE", "N1*SF")), (desadv, ("NAD+SU", "NAD+SF"))):
        messages = [p.message for p in translate(data, bare).outcome.problems]
        for word in words:
            assert any(word in m and "partner profile" in m for m in messages), messages
