"""Events the gateway refuses itself become application-advice items: an 824 (TED with
segment, position, element and value) for X12, an APERAK (ERC + FTX naming the segment and
the refused value) for EDIFACT; sets without mapping errors get none."""

from __future__ import annotations

import io

from gateway.ack.advice import application_advices
from gateway.ack.context import AckContext
from gateway.ack.refusals import refusal_items
from gateway.mapping.codes import load_code_tables
from gateway.pipeline import translate_stream
from gateway.profile import load_profile
from tests.integration.conftest import edifact_status, x12_status


def refused(text: str) -> tuple[list[str], list[str]]:
    """(types, contents) of the advices for the gateway's own refusals in `text`."""
    outcome = translate_stream(io.BytesIO(text.encode()), load_profile("demo"),
                               load_code_tables(), AckContext(), lambda _r: None)  # fmt: skip
    advices = application_advices(refusal_items(outcome), False, AckContext(next_control=50))
    return [a.type for a in advices], [a.content for a in advices]


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
