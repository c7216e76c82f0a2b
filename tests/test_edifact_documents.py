"""IFTSTA / DESADV parsers: records with their sources, and message validation."""

from __future__ import annotations

import io
from datetime import datetime
from pathlib import Path

from gateway.envelope.edifact import read_edifact
from gateway.envelope.edifact_lexer import tokenize
from gateway.parse.edifact_checks import check_segment
from gateway.parse.edifact_common import EdiSegment, dtm_time
from gateway.parse.edifact_desadv import parse_desadv
from gateway.parse.edifact_iftsta import parse_iftsta
from gateway.parse.records import ShipNoticeDocument, Src, StatusDocument
from gateway.problems import ProblemCode
from gateway.profile import FieldSources, PartnerProfile
from tests.test_edifact_envelope import FakeSink

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
SOURCES = FieldSources()


def segments(text: str, sep: str = "'") -> list[EdiSegment]:
    found = []
    for part in text.split(sep):
        if part.strip():
            seg = tokenize(part.strip())
            assert not isinstance(seg, str)
            found.append(seg)
    return found


def codes(problems: list) -> set[ProblemCode]:  # type: ignore[type-arg]
    return {p.code for p in problems}


def test_eancom_iftsta_sample_wrapped_in_an_interchange() -> None:
    path = CORPUS / "edifact-iftsta" / "stephanstapel__IFTSTAParser__IFTSTAParser_sample.txt"
    body = path.read_text("latin-1")
    data = f"UNB+UNOA:3+SND:14+RCV:14+020204:1450+7'\r\n{body}UNZ+1+7'\r\n".encode("latin-1")
    sink = FakeSink()
    result = read_edifact(io.BytesIO(data), sink, PartnerProfile())
    assert result.problems == [] and result.interchanges[0].accepted
    assert result.interchanges[0].groups[0].sets[0].problems == []
    (origin, document) = sink.documents[0]
    assert origin.version == "D:01B" and origin.transaction_control == "ME000021"
    assert isinstance(document, StatusDocument)
    events = document.events
    assert [e.status_code.value for e in events if e.status_code] == [
        "21", "31", "17", "49", "21", "21",
    ]  # fmt: skip
    assert [e.tracking_number.value for e in events if e.tracking_number] == [
        "4215A", "5122C", "5145E", "7655S", "7655S", "7655S",
    ]  # fmt: skip
    first = events[0]
    assert first.time is not None and first.time.local == datetime(2002, 2, 1, 14, 50)
    assert first.time.zone is None and first.time.srcs == (Src("DTM", 9, 1, 2),)
    assert events[1].time is None  # DTM+40E is not the status time
    third = events[2]
    assert third.reason_code is not None and third.reason_code.value == "39"
    assert third.reason_code.src == Src("STS", 15, 3, 1)
    assert third.city is not None and third.city.src == Src("LOC", 17, 2, 4)
    assert third.time is not None and third.time.local == datetime(2002, 1, 15)


IFTSTA = """UNH+1+IFTSTA:D:96A:UN'
BGM+23+B1+9'
RFF+ON:PO-MSG'
CNI+1+TRK1'
STS+1+21+Z1'
RFF+ON:PO-1'
DTM+334:202301021530?+01:303'
LOC+14+:::BERLIN+DE'
STS+1+D1'
DTM+334:20230103101500:204'
NAD+CN+++NAME++CITYX+BE+1000+BE'
CNI+2+TRK2'
STS+1+A1'
DTM+334:202301041200UTC:303'
TDT+20'
LOC+9+:::PORT'
UNT+17+1'"""


def test_iftsta_fields_and_sources() -> None:
    document, problems = parse_iftsta(segments(IFTSTA), SOURCES)
    assert problems == []
    first, second, third = document.events
    assert first.purchase_order is not None and first.purchase_order.value == "PO-1"
    assert first.purchase_order.src == Src("RFF", 6, 1, 2)
    assert first.tracking_number is not None and first.tracking_number.src == Src("CNI", 4, 2, 1)
    assert first.reason_code is not None and first.reason_code.value == "Z1"
    assert first.time is not None and first.time.zone is not None
    assert first.time.zone.value == "+01" and first.time.local == datetime(2023, 1, 2, 15, 30)
    assert first.city is not None and first.city.value == "BERLIN"
    assert first.country is not None and first.country.src == Src("LOC", 8, 3, 1)
    assert second.time is not None and second.time.local == datetime(2023, 1, 3, 10, 15)
    assert second.city is not None and second.city.value == "CITYX"
    assert second.postal_code is not None and second.postal_code.value == "1000"
    assert second.state is not None and second.state.value == "BE"
    assert third.purchase_order is not None and third.purchase_order.value == "PO-MSG"
    assert third.time is not None and third.time.zone is not None
    assert third.time.zone.value == "UTC"
    assert third.city is None  # a LOC inside the TDT group is not the status location


def test_iftsta_validation_problems() -> None:
    text = IFTSTA.replace("BGM+23+B1+9'", "XYZ+1'").replace("202301021530?+01", "202302301530")
    _, problems = parse_iftsta(segments(text), SOURCES)
    found = codes(problems)
    assert ProblemCode.SEGMENT_NOT_IN_SET in found
    assert ProblemCode.MANDATORY_SEGMENT_MISSING in found  # BGM
    bad_date = next(p for p in problems if p.code is ProblemCode.INVALID_DATE)
    assert (bad_date.segment, bad_date.position, bad_date.element, bad_date.component) == (
        "DTM", 7, 1, 2,
    )  # fmt: skip


def test_iftsta_out_of_order_and_missing_consignment() -> None:
    text = "UNH+1+IFTSTA:D:01B:UN'BGM+23'STS+1+21'UNT+4+1'"
    _, problems = parse_iftsta(segments(text), SOURCES)
    assert ProblemCode.UNEXPECTED_SEGMENT in codes(problems)
    assert ProblemCode.MANDATORY_SEGMENT_MISSING in codes(problems)


DESADV = """UNH+1+DESADV:D:01B:UN'
BGM+351+ASN1+9'
DTM+137:20230101:102'
DTM+11:202301011200:203'
DTM+17:20230105:102'
RFF+ON:PO?+77'
NAD+SF+SHIPFROM::9'
NAD+SU+SELLER::9'
TDT+20++30+31+ABCD:172:182'
CPS+1'
LIN+1++5412345000013:EN'
QTY+12:2:PCE'
CPS+2+1'
PAC+1++CT'
MEA+PD+AAD+KGM:12.5'
PCI+33E'
GIN+BJ+354123450000000014'
GIN+BN+1Z999'
LIN+2++4000862141404:EN'
PIA+1+B-77:BP+SUP-9:SA'
QTY+12:3'
UNT+22+1'"""


def test_desadv_fields_packs_and_sources() -> None:
    document, problems = parse_desadv(segments(DESADV), SOURCES)
    assert problems == []
    assert isinstance(document, ShipNoticeDocument)
    (notice,) = document.notices
    assert notice.purchase_order is not None and notice.purchase_order.value == "PO+77"
    assert notice.shipped is not None and notice.shipped.local == datetime(2023, 1, 1, 12)
    assert notice.estimated_delivery is not None
    assert notice.estimated_delivery.srcs == (Src("DTM", 5, 1, 2),)
    assert notice.ship_from is not None and notice.ship_from.src == Src("NAD", 7, 2, 1)
    assert notice.selling_party is not None and notice.selling_party.value == "SELLER"
    assert notice.scac is not None and notice.scac.value == "ABCD"
    first, second = notice.items
    assert first.sequence is not None and first.sequence.src == Src("LIN", 11, 1, None)
    assert first.vendor_product_id is not None
    assert first.vendor_product_id.value == "5412345000013"
    assert first.unit is not None and first.unit.value == "PCE"
    assert second.buyer_product_id is not None and second.buyer_product_id.value == "B-77"
    assert second.buyer_product_id.src == Src("PIA", 20, 2, 1)
    assert second.quantity is not None and second.quantity.value == "3"
    (pack,) = notice.packs  # CPS+1 has no PAC/GIN: a level, not a package
    assert pack.position == 13
    assert pack.container_id is not None and pack.container_id.value == "354123450000000014"
    assert pack.tracking_number is not None and pack.tracking_number.value == "1Z999"
    assert pack.weight is not None and pack.weight.value == "12.5"
    assert pack.weight_unit is not None and pack.weight_unit.value == "KGM"
    assert [item.position for item in pack.items] == [19]


def test_desadv_element_problems() -> None:
    text = DESADV.replace("QTY+12:3'", "QTY+12:three'").replace("CPS+1'", "CPS'")
    _, problems = parse_desadv(segments(text), SOURCES)
    qty = next(p for p in problems if p.code is ProblemCode.INVALID_CHARACTER)
    assert (qty.segment, qty.position, qty.element, qty.component, qty.element_ref) == (
        "QTY", 21, 1, 2, "6060",
    )  # fmt: skip
    cps = next(p for p in problems if p.code is ProblemCode.MANDATORY_ELEMENT_MISSING)
    assert (cps.segment, cps.element_ref) == ("CPS", "7164")


def test_desadv_with_errors_is_not_handed_to_the_sink() -> None:
    body = DESADV.replace("QTY+12:3'", "QTY+12:three'").replace("\n", "")
    data = f"UNB+UNOC:3+S+R+230101:1200+9'{body}UNZ+1+9'".encode()
    sink = FakeSink()
    result = read_edifact(io.BytesIO(data), sink, PartnerProfile())
    assert sink.documents == [] and len(sink.ended) == 1
    assert not result.interchanges[0].groups[0].sets[0].accepted


def test_dtm_formats() -> None:
    def dtm(text: str) -> EdiSegment:
        seg = tokenize(text)
        assert not isinstance(seg, str)
        return seg

    assert check_segment(dtm("DTM+334:20230230:102"), 3)[0].code is ProblemCode.INVALID_DATE
    assert check_segment(dtm("DTM+334:202301012460:203"), 3)[0].code is ProblemCode.INVALID_TIME
    assert check_segment(dtm("DTM+334:2023010112:204"), 3)[0].code is ProblemCode.INVALID_DATE
    assert check_segment(dtm("DTM+334:202301011200UTC:303"), 3) == []
    assert check_segment(dtm("DTM+334:2023W01:ZZZ"), 3) == []  # formats we do not read
    when = dtm_time(dtm("DTM+334:20230101123045:204"), 4)
    assert when is not None and when.local == datetime(2023, 1, 1, 12, 30, 45)
    assert dtm_time(dtm("DTM+334:20230230:102"), 4) is None


def test_corpus_desadv_values() -> None:
    path = CORPUS / "edifact-desadv" / "bots-edi__bots-plugins__dutchic_desadv1.edi"
    sink = FakeSink()
    read_edifact(io.BytesIO(path.read_bytes()), sink, PartnerProfile())
    notice = sink.documents[0][1].notices[0]  # type: ignore[union-attr]
    assert notice.purchase_order is not None and notice.purchase_order.value == "124"
    assert notice.ship_from is not None and notice.ship_from.value == "8712300000018"
    assert len(notice.items) == 12 and notice.packs == ()
    assert notice.items[-1].quantity is not None
    assert notice.items[-1].quantity.value == "121212121212.121"
