"""ProblemCode -> the error code a partner reads in an acknowledgement, as data.

One row per problem code. Which X12 data element the `x12` code lands in follows from the
problem's level: interchange -> TA105 (I18), group -> AK905 (716), transaction set ->
AK502 / IK502 (718), segment -> AK304 / IK304 (720 / 620), element -> AK403 / IK403 (723 /
621). `x999` is the 005010X231 code where it differs from the 997 one. `edifact` is the
ISO 9735 syntax error code (list 0085) for UCI / UCF / UCM / UCS / UCD.

The table is keyed by the code's string value, so rows for codes the enum may gain later
(duplicate control numbers, unsupported implementation conventions) are already in place.
Mapping-level codes have no syntax-ack code (they never reach an ack).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from gateway.problems import Level, Problem

__all__ = ["CODES", "AckCode", "edifact_code", "is_implementation_code", "ta1_note", "x12_code"]


@dataclass(frozen=True, slots=True)
class AckCode:
    x12: str | None
    edifact: str | None
    x999: str | None = None  # 999 (005010X231) code when it differs from the 997 one


_row = AckCode
CODES: dict[str, AckCode] = {
    # the file / interchange envelope -> TA105 note code
    "empty_file": _row("024", "13"),
    "not_edi": _row("024", "12"),
    "file_unreadable": _row(None, None),  # no header: nothing to acknowledge
    "internal_error": _row(None, None),  # the gateway's fault, not the partner's
    "acknowledgment_received": _row(None, None),  # inbound acks are never acknowledged
    "truncated": _row("023", "13"),
    "invalid_encoding": _row("024", "21"),
    "interchange_header_invalid": _row("024", "12"),
    "interchange_field_invalid": _row("024", "12"),
    "interchange_trailer_missing": _row("023", "13"),
    "interchange_control_mismatch": _row("001", "28"),
    "interchange_count_mismatch": _row("021", "29"),
    # more groups than the partner's max_interchange_groups: TA1 024 invalid interchange
    # content; 0085 35 too many segment repetitions (UNG repeated past what is read)
    "interchange_too_large": _row("024", "35"),
    "interchange_syntax_unsupported": _row("003", "2"),
    "interchange_header_missing": _row("024", "13"),
    "invalid_control_structure": _row("022", "15"),
    # delimiters no ack can be written with (TA1 004 / 026 / 027; 0085 code 20: character
    # invalid as service character)
    "segment_terminator_invalid": _row("004", "20"),
    "element_separator_invalid": _row("026", "20"),
    "component_separator_invalid": _row("027", "20"),
    "segment_terminator_missing": _row("004", "20"),
    "duplicate_interchange": _row("025", "26"),
    "unknown_sender": _row("006", "23"),  # TA1 invalid sender ID / UCI unknown sender
    # functional group -> AK905
    "group_trailer_missing": _row("3", "13"),
    "group_control_mismatch": _row("4", "28"),
    "group_count_mismatch": _row("5", "29"),
    # AK905 2 / 6 for GS08 / GS06 (below); any other GS element that cannot be read: 1
    # (functional group not supported): X12's code list 716 has no code of its own for it
    "group_header_invalid": _row("1", "12"),
    "duplicate_group": _row("19", "26"),  # not (yet) a ProblemCode
    # transaction set / message -> AK502 / IK502
    "set_trailer_missing": _row("2", "13"),
    "set_control_mismatch": _row("3", "28"),
    "set_count_mismatch": _row("4", "29"),
    "set_not_supported": _row("1", "14"),
    "set_header_invalid": _row("6", "12"),
    "duplicate_set": _row("23", "26"),  # not (yet) a ProblemCode
    "implementation_not_supported": _row("19", "14", x999="I6"),  # not (yet) a ProblemCode
    # segments -> AK304 / IK304
    "unrecognized_segment": _row("1", "12"),
    "unexpected_segment": _row("2", "15"),
    "mandatory_segment_missing": _row("3", "13"),
    "loop_over_max": _row("4", "36"),
    "segment_over_max": _row("5", "35"),
    "segment_not_in_set": _row("6", "15"),
    "segment_out_of_order": _row("7", "15"),
    # a set past the partner's max_set_segments, named at its first segment past it (no
    # code of 718 / 0085 says "too large": AK304 2 unexpected segment, 0085 15 not
    # supported in this position; AK502 5 follows from it)
    "set_too_large": _row("2", "15"),
    # elements -> AK403 / IK403
    "mandatory_element_missing": _row("1", "13"),
    "conditional_element_missing": _row("2", "13"),
    "too_many_elements": _row("3", "16"),
    "element_too_short": _row("4", "40"),
    "element_too_long": _row("5", "39"),
    "invalid_character": _row("6", "21"),
    "invalid_code_value": _row("7", "12"),
    "invalid_date": _row("8", "12"),
    "invalid_time": _row("9", "12"),
    "exclusion_violated": _row("10", "12"),
    "too_many_repetitions": _row("12", "35"),  # 0085 35: too many repetitions
    "too_many_components": _row("13", "16"),
    # a set's problems past those it lists (gateway.set_problems.SetProblems): no segment of its
    # own (no AK3 / UCS); at segment level it makes AK502 5 as the listed ones do
    "problems_not_listed": _row(None, None),
}

# TA105 by ISA element for a bad ISA field (INTERCHANGE_FIELD_INVALID / HEADER_INVALID)
_TA1_BY_ISA_ELEMENT = {
    1: "010", 2: "011", 3: "012", 4: "013", 5: "005", 6: "006", 7: "007", 8: "008",
    9: "014", 10: "015", 11: "016", 12: "017", 13: "018", 14: "019", 15: "020", 16: "027",
}  # fmt: skip
# AK905 by GS element for a bad GS (GROUP_HEADER_INVALID): GS01 not supported, GS08 version
_AK905_BY_GS_ELEMENT = {1: "1", 6: "6", 8: "2"}
# AK502 by ST element for a bad ST (SET_HEADER_INVALID): ST01 identifier, ST02 control
_AK502_BY_ST_ELEMENT = {1: "6", 2: "7"}


def ta1_note(problem: Problem) -> str:
    """TA105 for an interchange-level problem."""
    isa_field = problem.code in ("interchange_field_invalid", "interchange_header_invalid")
    if isa_field and problem.segment in (None, "ISA") and problem.element in _TA1_BY_ISA_ELEMENT:
        return _TA1_BY_ISA_ELEMENT[problem.element]
    row = CODES.get(problem.code)
    return row.x12 if row is not None and row.x12 is not None else "024"


def x12_code(problem: Problem, ack: Literal["997", "999"] = "997") -> str | None:
    """The AK905 / AK502 / AK304 / AK403 (or IK*) code for a group-, set-, segment- or
    element-level problem; None when the standard has no code for it."""
    if problem.level is Level.INTERCHANGE:
        return ta1_note(problem)
    element = problem.element or 0
    if problem.code == "group_header_invalid" and element in _AK905_BY_GS_ELEMENT:
        return _AK905_BY_GS_ELEMENT[element]
    if problem.code == "set_header_invalid" and element in _AK502_BY_ST_ELEMENT:
        return _AK502_BY_ST_ELEMENT[element]
    row = CODES.get(problem.code)
    if row is None:
        return None
    return row.x999 if ack == "999" and row.x999 is not None else row.x12


def is_implementation_code(code: str) -> bool:
    """005010X231 implementation codes (I1..I13): IK502 is then I5 instead of 5."""
    return code.startswith("I")


def edifact_code(problem: Problem) -> str:
    """ISO 9735 syntax error code (0085); 18 (unspecified error) when none fits."""
    row = CODES.get(problem.code)
    return row.edifact if row is not None and row.edifact is not None else "18"
