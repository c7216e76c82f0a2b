"""X12 envelope reader: delimiters per ISA, control numbers and counts, faults as values."""

from __future__ import annotations

import io

from gateway.envelope.x12 import X12Result, read_x12
from gateway.parse.records import StatusDocument
from gateway.problems import Problem, ProblemCode
from gateway.profile import PartnerProfile
from tests.outcomes import all_problems
from tests.sinks import RecordingSink


def isa(control: str = "000000101", sep: str = "*", comp: str = ">", term: str = "~") -> str:
    fields = ["ISA", "00", " " * 10, "00", " " * 10, "02", "SCAC".ljust(15), "ZZ",
              "AMAZONDF".ljust(15), "261125", "1200", "U", "00401", control, "0", "P",
              comp]  # fmt: skip
    return sep.join(fields) + term


def set_214(control: str = "0001", count: int | None = None, sep: str = "*") -> list[str]:
    body = [
        ["ST", "214", control],
        ["B10", "1Z999", "PO123", "SCAC"],
        ["LX", "1"],
        ["AT7", "D1", "NS", "", "", "20261124", "1015", "UT"],
        ["MS1", "SEATTLE", "WA", "US"],
    ]
    body.append(["SE", str(count if count is not None else len(body) + 1), control])
    return [sep.join(seg) for seg in body]


def interchange(
    sets: list[list[str]], control: str = "000000101", gs_control: str = "7", **kw: str
) -> str:
    sep, term = kw.get("sep", "*"), kw.get("term", "~")
    segs = [f"GS{sep}QM{sep}SCAC{sep}AMAZONDF{sep}20261125{sep}1200{sep}{gs_control}{sep}X"
            f"{sep}004010"]  # fmt: skip
    for st in sets:
        segs.extend(st)
    segs.append(f"GE{sep}{len(sets)}{sep}{gs_control}")
    segs.append(f"IEA{sep}1{sep}{kw.get('iea_control', control)}")
    suffix = kw.get("suffix", "\n")
    head = isa(control, sep, kw.get("comp", ">"), term)
    return head + suffix + (term + suffix).join(segs) + term + suffix


def read(text: str) -> tuple[X12Result, RecordingSink]:
    sink = RecordingSink()
    return read_x12(io.BytesIO(text.encode("utf-8")), sink, PartnerProfile()), sink


def codes(result: X12Result) -> list[ProblemCode]:
    return [p.code for p in all_problems(result)]


def first_set_problem(st: list[str]) -> tuple[Problem, RecordingSink]:
    """Read one interchange holding `st`; its first set-level problem and the sink."""
    result, sink = read(interchange([st]))
    assert result.interchanges[0].groups[0].sets[0].accepted is False
    return result.interchanges[0].groups[0].sets[0].problems[0], sink


def test_clean_interchange_hands_one_document_to_the_sink() -> None:
    result, sink = read(interchange([set_214()]))
    assert codes(result) == []
    assert len(sink.documents) == 1 and len(sink.ended) == 1
    origin, document = sink.documents[0]
    assert (origin.sender, origin.interchange_control, origin.group_control) == (
        "SCAC", "000000101", "7")  # fmt: skip
    assert (origin.transaction_control, origin.version, origin.test) == ("0001", "004010", False)
    assert isinstance(document, StatusDocument)
    event = document.events[0]
    assert event.status_code is not None and event.status_code.value == "D1"
    assert event.status_code.src.position == 4 and event.status_code.src.element == 1


def test_odd_delimiters_and_no_line_breaks() -> None:
    text = interchange(
        [[s.replace("*", "|") for s in set_214()]], sep="|", term="\x15", comp="^", suffix=""
    )
    result, sink = read(text)
    assert codes(result) == []
    assert len(sink.documents) == 1


def test_multibyte_segment_terminator() -> None:
    result, sink = read(interchange([set_214()], term="\u2026"))
    assert codes(result) == [] and len(sink.documents) == 1


def test_se_count_rejects_only_that_set() -> None:
    result, sink = read(interchange([set_214("0001", count=9), set_214("0002")]))
    assert codes(result) == [ProblemCode.SET_COUNT_MISMATCH]
    sets = result.interchanges[0].groups[0].sets
    assert [s.accepted for s in sets] == [False, True]
    assert [o.transaction_control for o, _ in sink.documents] == ["0002"]
    problem = sets[0].problems[0]
    assert (problem.segment, problem.position, problem.element) == ("SE", 6, 1)
    assert (problem.interchange, problem.group, problem.transaction) == ("000000101", "7", "0001")


def test_iea_control_mismatch_is_an_interchange_problem() -> None:
    result, _ = read(interchange([set_214()], iea_control="000000999"))
    assert codes(result) == [ProblemCode.INTERCHANGE_CONTROL_MISMATCH]
    assert not result.interchanges[0].accepted


def test_two_interchanges_with_different_delimiters() -> None:
    first = interchange([set_214()], control="000000001")
    second = interchange(
        [[s.replace("*", "^") for s in set_214()]], control="000000002", sep="^", term="!"
    )
    result, sink = read(first + second)
    assert codes(result) == []
    assert [ic.control for ic in result.interchanges] == ["000000001", "000000002"]
    assert len(sink.documents) == 2 and len(sink.ended) == 2


def test_truncated_file_reports_missing_trailers() -> None:
    text = interchange([set_214()])
    result, sink = read(text[: text.index("MS1") + 8])
    found = codes(result)
    assert ProblemCode.TRUNCATED in found
    assert ProblemCode.SET_TRAILER_MISSING in found
    assert ProblemCode.INTERCHANGE_TRAILER_MISSING in found
    assert sink.documents == []
    assert len(sink.ended) == 1


def test_missing_mandatory_element_is_located() -> None:
    st = set_214()
    st[2] = "LX*"
    problem, sink = first_set_problem(st)
    assert problem.code is ProblemCode.MANDATORY_ELEMENT_MISSING
    assert (problem.segment, problem.position, problem.element, problem.element_ref) == (
        "LX", 3, 1, "554")  # fmt: skip
    assert sink.documents == []


def test_unsupported_set_is_marked_not_parsed() -> None:
    st = ["ST*940*0001", "W05*N*123", "SE*3*0001"]
    result, sink = read(interchange([st]))
    assert result.interchanges[0].groups[0].sets[0].supported is False
    assert sink.documents == []


def test_text_that_is_not_x12() -> None:
    result, sink = read("ISA this is not an interchange at all")
    assert codes(result) and sink.documents == []


def test_bom_and_junk_between_interchanges() -> None:
    text = "\ufeff" + interchange([set_214()]) + "garbage here\n"
    result, sink = read(text)
    assert ProblemCode.INVALID_CONTROL_STRUCTURE in codes(result)
    assert len(sink.documents) == 1


def test_unknown_time_code_is_an_invalid_code_value() -> None:
    st = set_214()
    st[3] = "AT7*D1*NS***20261124*1015*XX"
    problem, sink = first_set_problem(st)
    assert problem.code is ProblemCode.INVALID_CODE_VALUE
    assert (problem.segment, problem.position, problem.element, problem.value) == (
        "AT7", 4, 7, "XX")  # fmt: skip
    assert sink.documents == []
