"""Events the gateway refuses itself become application-advice items: an 824 (TED with
segment, position, element and value) for X12, an APERAK (ERC + FTX naming the segment and
the refused value) for EDIFACT; sets without mapping errors get none."""

from __future__ import annotations

import io
import re

from gateway.ack.advice import application_advices
from gateway.ack.context import AckContext
from gateway.ack.refusals import refusal_items
from gateway.mapping.codes import load_code_tables
from gateway.pipeline import translate_stream
from gateway.problems import Level, Severity
from gateway.profile import load_profile
from tests.integration.conftest import edifact_status, x12_asn, x12_status


def refusals(text: str) -> tuple[list[str], list[str], list[dict[str, object]]]:
    """(types, contents) of the advices for the gateway's own refusals in `text`, and the
    mapping errors as the JSON reports give them."""
    outcome = translate_stream(io.BytesIO(text.encode()), load_profile("demo"),
                               load_code_tables(), AckContext(), lambda _r: None,
                               keep_interchanges=True)  # fmt: skip
    advices = application_advices(
        refusal_items(outcome.interchanges, outcome.syntax), False, AckContext(next_control=50)
    )
    errors = [p.to_report() for p in outcome.problems
              if p.level is Level.MAPPING and p.severity is Severity.ERROR]  # fmt: skip
    return [a.type for a in advices], [a.content for a in advices], errors


def refused(text: str) -> tuple[list[str], list[str]]:
    """(types, contents) of the advices for the gateway's own refusals in `text`."""
    types, contents, _ = refusals(text)
    return types, contents


def drop(text: str, segment: str, terminator: str) -> str:
    """`text` without its first `segment`, its set's SE / UNT count one less."""
    at = text.index(segment + terminator)
    head, tail = text[:at], text[at + len(segment) + len(terminator) :]
    trailer = re.search(r"(SE\*|UNT\+)(\d+)", tail)
    assert trailer is not None
    count = str(int(trailer.group(2)) - 1)
    return head + tail[: trailer.start(2)] + count + tail[trailer.end(2) :]


def teds(advice: str) -> list[list[str]]:
    return [s.split("*") for s in advice.split("~\n") if s.startswith("TED*")]


def test_x12_unmapped_pairs_each_get_a_ted_pointing_at_their_at7() -> None:
    shipments = {"POX1": ["1ZX1", "1ZX2"]}
    text = x12_status(shipments, control=61, events=1)
    text = text.replace("AT7*XB*NS", "AT7*Q1*Z1", 1)  # the first scan only
    types, [advice] = refused(text)
    assert types == ["824"]
    teds = [s for s in advice.split("~\n") if s.startswith("TED*")]
    assert len(teds) == 1
    elements = teds[0].split("*")
    assert elements[3:5] == ["AT7", "5"] and elements[-1] == "Q1/Z1"  # TED03/04, TED08
    assert "OTI*TR*TN*0001" in advice


def test_edifact_unmapped_status_gets_an_aperak_naming_it() -> None:
    text = edifact_status({"POE1": ["1ZE1"]}, reference="IC71").replace("STS+1+101", "STS+1+999")
    types, [advice] = refused(text)
    assert types == ["APERAK"]
    assert "ERC+" in advice and "STS" in advice and "999" in advice


def test_no_refusal_no_advice() -> None:
    assert refused(x12_status({"POK1": ["1ZK1"]}, control=62, events=1)) == ([], [])


def test_a_pack_without_man_is_named_by_its_po_and_its_hl_segment() -> None:
    text = x12_asn({"POA1": ["1ZA1", "1ZA2"], "POA2": ["1ZB1"]}, control=63)
    text = drop(text, "MAN*CP*1ZA1", "~\n")  # the first pack of POA1: no container id
    types, [advice], [error] = refusals(text)
    assert types == ["824"]
    # ST BSN HL TD1 TD5 REF DTM N1 N1 HL(order) PRF, then the pack's HL at position 12
    assert (error["code"], error["segment"], error["position"]) == ("container_incomplete",
                                                                     "HL", 12)  # fmt: skip
    assert error["purchase_order"] == "POA1"
    [ted] = teds(advice)
    assert ted[3:5] == ["HL", "12"] and ted[2].startswith("POA1: HL #12: container_incomplete")
    assert "REF*PO*POA1" in advice and "POA2" not in advice


def test_two_refused_items_read_differently_and_name_their_item() -> None:
    text = x12_asn({"POI1": ["1ZI1", "1ZI2"]}, control=64)
    text = text.replace("LIN*1*VN*SKU-1", "LIN*1", 1).replace("LIN*2*VN*SKU-2", "LIN*2", 1)
    _, [advice], errors = refusals(text)
    named = [(e["segment"], e["item"], e["purchase_order"]) for e in errors]
    assert named == [("LIN", "1", "POI1"), ("LIN", "2", "POI1")] * 2  # items, packed items
    [first, second, *_] = teds(advice)
    assert first[2] != second[2] and "item 1 LIN" in first[2] and "item 2 LIN" in second[2]
    assert first[3] == second[3] == "LIN" and first[4] != second[4]
    assert len({ted[2] for ted in teds(advice)}) == 4  # each TED tells its event apart


def test_x12_status_refusals_name_tracking_number_and_status_pair() -> None:
    text = x12_status({"POS1": ["1ZS1", "1ZS2"]}, control=65, events=1)
    text = text.replace("AT7*XB*NS", "AT7*Q1*Z1")
    _, [advice], errors = refusals(text)
    assert [(e["segment"], e["tracking_number"], e["status"]) for e in errors] == [
        ("AT7", "1ZS1", "Q1/Z1"), ("AT7", "1ZS2", "Q1/Z1")]  # fmt: skip
    assert all(e["purchase_order"] == "POS1" for e in errors)
    texts = [ted[2] for ted in teds(advice)]
    assert texts[0].startswith("POS1/1ZS1: status Q1/Z1 AT7")
    assert texts[1].startswith("POS1/1ZS2: status Q1/Z1 AT7")
    assert "REF*PO*POS1" in advice and "REF*2I*1ZS2" in advice


def test_edifact_refusals_name_the_tracking_number_and_segment_in_the_aperak() -> None:
    text = edifact_status({"POE2": ["1ZE2", "1ZE3"]}, reference="IC72")
    text = drop(text, "RFF+ON:POE2", "'\n")  # the first CNI loses its purchase order
    types, [advice], [error] = refusals(text)
    assert types == ["APERAK"]
    # the event's STS (the status it carries) is where the purchase order is missing
    assert (error["segment"], error["tracking_number"]) == ("STS", "1ZE2")
    segments = advice.split("'\n")
    erc = next(i for i, s in enumerate(segments) if s.startswith("ERC+"))
    assert "STS" in segments[erc + 1] and segments[erc + 2] == "RFF+CN:1ZE2"
