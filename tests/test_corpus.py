"""Every file of ../shared/corpus: no crash, the good ones translate, the bad ones are rejected
with the error that their SOURCES.md row describes (and an ack where one can be addressed)."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from gateway.ack.context import AckContext
from gateway.cli import translate_file
from gateway.contract import validate_body
from gateway.mapping.codes import load_code_tables
from gateway.profile import load_profile

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

# file name -> (accepted, requests > 0, error codes that must be reported, ack types expected).
# "unmapped_status" on a clean file means the carrier used AT7/STS codes that have no Amazon
# equivalent (X3 arrived at pick-up, AG estimated delivery, ...): reported, the rest is sent.
EXPECTED: dict[str, tuple[bool, bool, set[str], set[str]]] = {
    # EDIFACT APERAK: an application advice, not a document the gateway translates
    "bots-edi__bots-plugins__dutchic_aperak1.edi": (
        False, False, {"set_not_supported"}, {"CONTRL"}),
    "indice-co__EDI.Net__Apperak_edi_out_issue235.edi": (
        False, False, {"interchange_field_invalid", "interchange_trailer_missing"}, {"CONTRL"}),
    "nerdocs__pydifact__v3_aperak.edi": (False, False, {"set_count_mismatch"}, {"CONTRL"}),
    "nerdocs__pydifact__v3_aperak_rejected.edi": (False, False, {"set_count_mismatch"}, {"CONTRL"}),
    "nerdocs__pydifact__v4_aperak.edi": (False, False, {"set_count_mismatch"}, {"CONTRL"}),
    "nerdocs__pydifact__v4_aperak_rejected.edi": (False, False, {"set_count_mismatch"}, {"CONTRL"}),
    # EDIFACT DESADV
    "bots-edi__bots-plugins__desadv1.edi": (True, True, set(), {"CONTRL"}),
    "bots-edi__bots-plugins__desadv5.edi": (True, True, set(), {"CONTRL"}),
    # one line carries the quantity 121212121212.121: that line's notice is refused
    "bots-edi__bots-plugins__dutchic_desadv1.edi": (False, True, {"invalid_field"}, {"CONTRL"}),
    # BGM03 '700101': 1225 (message function code) is an..3 in D96A: UCD 39, nothing sent
    "php-edifact__edifact__D96ADESADV.edi": (False, False, {"element_too_long"}, {"CONTRL"}),
    # EDIFACT IFTSTA
    "apimeister__edifact-types__d00b_iftsta.edi": (
        False, False, {"interchange_control_mismatch"}, {"CONTRL"}),
    "orhantoy__edifunct__IFTSTA_example.edi": (False, False, {"set_count_mismatch"}, {"CONTRL"}),
    "stephanstapel__IFTSTAParser__IFTSTAParser_sample.txt": (
        False, False, {"interchange_header_missing"}, set()),
    "php-edifact__edifact__example_release_character.edi": (
        False, False, {"set_count_mismatch", "set_not_supported"}, {"CONTRL"}),
    # X12 214
    "ballerina-platform__module-ballerina-edi__edi-214_message.edi": (
        False, True, {"unmapped_status"}, {"997"}),
    "ballerina-platform__module-ballerina-edi__edi-214_output.edi": (
        False, False, {"interchange_header_invalid"}, {"TA1"}),
    "indice-co__EDI.Net__214-MGCTLYST-SAMPLE.EDI": (True, True, set(), {"997"}),
    # the ISA is hard-wrapped after ISA08: the line break is no data (issue 8, kind 1)
    "indice-co__EDI.Net__x12.214.edi": (True, True, set(), {"997"}),
    "xlate__staedi__ts214_ellipses_segterm.edi": (False, True, {"unmapped_status"}, {"997"}),
    # X12 856
    # ISA11 (00406: repetition separator) is '-', which REF02 and N403 hold as data: X12
    # allows no delimiter inside data (issue 8, kind 2)
    "aaronhuggins__node-x12__856.edi": (False, False, {"too_many_repetitions"}, {"997"}),
    "apimeister__x12-types__004060_856.edi": (True, True, set(), {"997"}),
    "bots-edi__bots-plugins__856_1.x12": (True, True, set(), {"TA1", "997"}),
    "bots-edi__bots-plugins__856_2.x12": (True, True, set(), {"TA1", "997"}),
    "bots-edi__bots-plugins__PARTNER1_20130123_1.x12": (True, True, set(), {"TA1", "997"}),
    "bots-edi__bots-plugins__frompartner1_topartner1_1.x12": (True, True, set(), {"TA1", "997"}),
    "olmelabs__EdiEngine__856.Crossdock.OK.edi": (True, True, set(), {"997"}),
    # X12 940: a warehouse order, not translated (997 AK5 R code 1)
    "olmelabs__EdiEngine__940.OK.edi": (False, False, {"set_not_supported"}, {"997"}),
    "olmelabs__EdiEngine__940_Failed_SE01.edi": (False, False, {"set_count_mismatch"}, {"997"}),
    "olmelabs__EdiEngine__AckTest.edi": (False, False, {"set_not_supported"}, {"997"}),
    "olmelabs__EdiEngine__ControlNumbersMismatch.edi": (
        False, False,
        {"interchange_control_mismatch", "group_control_mismatch", "set_control_mismatch"},
        {"TA1"}),
    "olmelabs__EdiEngine__MultipleInterchangesAndGroups.edi": (
        False, False, {"interchange_control_mismatch"}, {"TA1"}),
    "olmelabs__EdiEngine__WrongGroupsAndTranCount.edi": (
        False, False, {"interchange_count_mismatch", "group_count_mismatch"}, {"TA1"}),
    # inbound acknowledgements: checked, recorded, never acknowledged back
    "bots-edi__bots-plugins__997-004010VICS-01.x12": (True, False, set(), set()),
    "bots-edi__bots-plugins__997_6.x12": (True, False, set(), set()),
    "bots-edi__bots-plugins__testx12005.x12.base": (True, False, set(), set()),
    "xlate__staedi__empty997.edi": (False, False, {"mandatory_segment_missing"}, set()),
    "xlate__staedi__extraDelimiter997.edi": (
        False, False, {"too_many_components", "too_many_repetitions"}, set()),
    "xlate__staedi__invalid997.edi": (False, False, {"element_too_long", "invalid_character"},
                                      set()),
    "xlate__staedi__invalid997_min.edi": (
        False, False, {"group_header_invalid", "group_control_mismatch", "element_too_long"},
        set()),
    "xlate__staedi__optionalInterchangeServices.edi": (True, False, set(), set()),
    "xlate__staedi__simple997-multiple-interchanges.edi": (True, False, set(), set()),
    "xlate__staedi__simple997.edi": (True, False, set(), set()),
    "azoner__pyx12__834_ls_le_ls_5010.999.txt": (True, False, set(), set()),
    "azoner__pyx12__834_lui_id_5010.999.txt": (True, False, set(), set()),
    "imsweb__x12-parser__x12_999_accepted.txt": (
        False, False, {"interchange_control_mismatch"}, set()),
    "imsweb__x12-parser__x12_999_rejected.txt": (True, False, set(), set()),
    "xlate__staedi__invalid999.edi": (
        False, False, {"set_count_mismatch", "unexpected_segment", "invalid_code_value"}, set()),
    "xlate__staedi__simple999.edi": (True, False, set(), set()),
    # mailbag: 8 interchanges, delimiters re-read at each ISA; 850/820 are not translated
    "bots-edi__bots-plugins__mailbag01.x12": (False, False, {"set_not_supported"}, {"997", "TA1"}),
    "bots-edi__bots-plugins__testx120028.x12.base": (True, False, set(), set()),
    "bots-edi__bots-plugins__testx120029.x12.base": (True, False, set(), set()),
    # TA1-only interchange whose IEA01 says 1 group although there is none
    "xlate__staedi__x12_interchange_ack.txt": (False, False, {"interchange_count_mismatch"}, set()),
}  # fmt: skip


def corpus_files() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name != "SOURCES.md")


def translate(path: Path) -> dict[str, Any]:
    out = io.StringIO()
    context = AckContext(now=datetime(2026, 11, 25, tzinfo=UTC))
    translate_file(path, load_profile("demo"), load_code_tables(), context, out)
    result: dict[str, Any] = json.loads(out.getvalue())
    return result


def test_every_corpus_file_has_an_expectation() -> None:
    names = {p.name for p in corpus_files()}
    assert len(names) >= 50
    assert names == set(EXPECTED)


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_corpus_file(path: Path) -> None:
    accepted, has_requests, codes, acks = EXPECTED[path.name]
    result = translate(path)
    errors = {e["code"] for e in result["errors"] if e.get("severity", "error") == "error"}
    assert "internal_error" not in errors
    assert result["accepted"] is accepted, result["errors"][:5]
    assert bool(result["requests"]) is has_requests
    assert codes <= errors, f"expected {codes}, got {errors}"
    if accepted:
        assert not errors, errors
    assert {a["type"] for a in result["acknowledgements"]} == acks
    for error in result["errors"]:
        assert error["message"] and error["code"]
    for request in result["requests"]:
        assert validate_body(request["operation"], request["body"]) == []
