"""Data problems as values.

A `Problem` is collected while reading a file, never raised. It carries where it happened
(interchange, group, transaction, segment position, element, component) and a stable
`ProblemCode`; the ack builders in `gateway/ack/` turn each code into the X12 (997/999/TA1)
or EDIFACT (CONTRL) error code the partner will read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator

__all__ = [
    "MAX_MESSAGE",
    "MAX_VALUE",
    "SET_PROBLEMS",
    "Level",
    "Problem",
    "ProblemCode",
    "Severity",
    "clip",
    "problem",
    "with_segment_tag",
]

# A problem copies what it is about out of the file (a value, a control number, the value
# quoted in its message). A partner's value may be a megabyte (an element up to the
# segment size limit); each problem keeps at most these many characters of each, so the
# upload answer, the ledger and the console stay small (1,000 problems are listed).
MAX_MESSAGE = 1000
MAX_VALUE = 200
# Problems one transaction set / message lists (`SetProblems`); the others are counted. An
# ack names at most 999 segments of a set (997 AK3 / 999 IK3 / CONTRL UCS loops): a set of
# 100,000 faulty segments would otherwise hold 100,000 Problems of about 1.2 KB each.
SET_PROBLEMS = 1000


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


class Level(StrEnum):
    """Which envelope level a problem rejects (decides the ack segment it lands in)."""

    FILE = "file"
    INTERCHANGE = "interchange"
    GROUP = "group"
    TRANSACTION = "transaction"
    SEGMENT = "segment"
    ELEMENT = "element"
    MAPPING = "mapping"


class ProblemCode(StrEnum):
    # the file as a whole
    EMPTY_FILE = "empty_file"
    NOT_EDI = "not_edi"
    FILE_UNREADABLE = "file_unreadable"
    INTERNAL_ERROR = "internal_error"
    ACKNOWLEDGMENT_RECEIVED = "acknowledgment_received"
    TRUNCATED = "truncated"
    INVALID_ENCODING = "invalid_encoding"
    # interchange envelope (ISA/IEA, UNA/UNB/UNZ)
    INTERCHANGE_HEADER_INVALID = "interchange_header_invalid"
    INTERCHANGE_FIELD_INVALID = "interchange_field_invalid"
    INTERCHANGE_TRAILER_MISSING = "interchange_trailer_missing"
    INTERCHANGE_CONTROL_MISMATCH = "interchange_control_mismatch"
    INTERCHANGE_COUNT_MISMATCH = "interchange_count_mismatch"
    # more functional groups than the profile's max_interchange_groups
    INTERCHANGE_TOO_LARGE = "interchange_too_large"
    INTERCHANGE_SYNTAX_UNSUPPORTED = "interchange_syntax_unsupported"
    INTERCHANGE_HEADER_MISSING = "interchange_header_missing"
    INVALID_CONTROL_STRUCTURE = "invalid_control_structure"
    SEGMENT_TERMINATOR_INVALID = "segment_terminator_invalid"  # a space, letter or digit
    ELEMENT_SEPARATOR_INVALID = "element_separator_invalid"
    COMPONENT_SEPARATOR_INVALID = "component_separator_invalid"
    SEGMENT_TERMINATOR_MISSING = "segment_terminator_missing"  # a service segment ran on
    DUPLICATE_INTERCHANGE = "duplicate_interchange"  # sender + control number seen before
    UNKNOWN_SENDER = "unknown_sender"  # sender ID does not belong to the delivering partner
    # functional group (GS/GE, UNG/UNE)
    GROUP_TRAILER_MISSING = "group_trailer_missing"
    GROUP_CONTROL_MISMATCH = "group_control_mismatch"
    GROUP_COUNT_MISMATCH = "group_count_mismatch"
    GROUP_HEADER_INVALID = "group_header_invalid"
    # transaction set / message (ST/SE, UNH/UNT)
    SET_TRAILER_MISSING = "set_trailer_missing"
    SET_CONTROL_MISMATCH = "set_control_mismatch"
    SET_COUNT_MISMATCH = "set_count_mismatch"
    SET_NOT_SUPPORTED = "set_not_supported"
    SET_HEADER_INVALID = "set_header_invalid"
    SET_TOO_LARGE = "set_too_large"  # more segments than the profile's max_set_segments
    # segments
    UNRECOGNIZED_SEGMENT = "unrecognized_segment"
    UNEXPECTED_SEGMENT = "unexpected_segment"
    SEGMENT_NOT_IN_SET = "segment_not_in_set"
    MANDATORY_SEGMENT_MISSING = "mandatory_segment_missing"
    LOOP_OVER_MAX = "loop_over_max"
    SEGMENT_OVER_MAX = "segment_over_max"
    SEGMENT_OUT_OF_ORDER = "segment_out_of_order"
    # elements
    MANDATORY_ELEMENT_MISSING = "mandatory_element_missing"
    CONDITIONAL_ELEMENT_MISSING = "conditional_element_missing"  # a relational condition
    EXCLUSION_VIOLATED = "exclusion_violated"  # X12 E note / EDIFACT D1, D4, D7
    TOO_MANY_ELEMENTS = "too_many_elements"
    ELEMENT_TOO_SHORT = "element_too_short"
    ELEMENT_TOO_LONG = "element_too_long"
    INVALID_CHARACTER = "invalid_character"
    INVALID_CODE_VALUE = "invalid_code_value"
    INVALID_DATE = "invalid_date"
    INVALID_TIME = "invalid_time"
    TOO_MANY_REPETITIONS = "too_many_repetitions"
    TOO_MANY_COMPONENTS = "too_many_components"
    # mapping to the SP-API (application level: no syntax ack code, reported as errors)
    UNMAPPED_STATUS = "unmapped_status"
    MISSING_FIELD = "missing_field"
    INVALID_FIELD = "invalid_field"
    BUSINESS_RULE = "business_rule"
    CONTRACT_VIOLATION = "contract_violation"
    CONTAINER_INCOMPLETE = "container_incomplete"
    # a set's problems past SET_PROBLEMS: one problem counts them (`Problem.unlisted`)
    PROBLEMS_NOT_LISTED = "problems_not_listed"


class Problem(BaseModel):
    """One thing wrong with the data, and exactly where."""

    model_config = ConfigDict(frozen=True)

    code: ProblemCode
    message: str
    level: Level
    severity: Severity = Severity.ERROR
    interchange: str | None = None  # ISA13 / UNB 0020
    group: str | None = None  # GS06 / UNG 0048
    transaction: str | None = None  # ST02 / UNH 0062
    segment: str | None = None  # segment tag, e.g. "AT7"
    position: int | None = None  # segment position in the set (ST/UNH = 1)
    element: int | None = None  # 1-based element position in the segment
    component: int | None = None  # 1-based component position in a composite
    repetition: int | None = None
    element_ref: str | None = None  # data element reference number (e.g. "1650")
    value: str | None = None  # the offending value, when there is one
    # the event a mapping problem is about (an advice names it): its purchase order, tracking
    # number, status/reason pair as in the file, and item (sequence number or product id)
    purchase_order: str | None = None
    tracking_number: str | None = None
    status: str | None = None
    item: str | None = None
    # a problem that stands for others not listed (PROBLEMS_NOT_LISTED, the X12 reader's
    # count of stray segments): how many problems it stands for
    unlisted: int | None = None

    @field_validator("*", mode="after")
    @classmethod
    def _clipped(cls, value: object, info: ValidationInfo) -> object:
        """Each text at most MAX_VALUE characters, the message MAX_MESSAGE (`clip`)."""
        if isinstance(value, str) and len(value) > MAX_VALUE:
            return _clip_field(info.field_name or "", value)
        return value

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """BaseModel.model_copy, with the texts of `update` clipped as validation clips
        them (model_copy does not validate; the readers name a problem's place with it)."""
        if update:
            update = {
                k: _clip_field(k, v) if isinstance(v, str) and len(v) > MAX_VALUE else v
                for k, v in update.items()
            }
        return super().model_copy(update=update, deep=deep)

    def to_report(self) -> dict[str, object]:
        """The CLI/JSON shape: code, severity (always), message, segment, position, then the
        rest when known. A file is accepted when no entry has severity `error`."""
        report: dict[str, object] = {
            "code": self.code.value,
            "severity": self.severity.value,
            "message": self.message,
            "segment": self.segment,
            "position": self.position,
        }
        extra = self.model_dump(
            exclude={"code", "severity", "message", "segment", "position"},
            exclude_none=True,
            mode="json",
        )
        report.update(extra)
        return report


def clip(text: str, most: int) -> str:
    """`text` when it has at most `most` characters; else its start and end, about `most`
    characters in all, around a note of how many characters were left out (the end of a
    message says what is wrong with the value quoted before it)."""
    if len(text) <= most:
        return text
    tail = most // 4
    head = most - tail - 40
    left_out = len(text) - head - tail
    return f"{text[:head]}[... {left_out:,} characters left out ...]{text[-tail:]}"


def clip_value(text: str) -> str:
    """`text` clipped as a problem's value is (`clip` at MAX_VALUE): what the envelope
    readers keep of a header's control numbers, types and versions until the
    interchange's trailer (98 sets with a 1,000,000-character ST02 held 98 MB to the IEA).
    Such a value is already faulty (longer than its element), and a trailer's value is
    compared with it clipped the same way."""
    return text if len(text) <= MAX_VALUE else clip(text, MAX_VALUE)


def _clip_field(name: str, text: str) -> str:
    return clip(text, MAX_MESSAGE if name == "message" else MAX_VALUE)


def problem(code: ProblemCode, message: str, level: Level, **where: object) -> Problem:
    """A Problem with its place given as keywords (interchange=, segment=, element=, ...)."""
    return Problem.model_validate({"code": code, "message": message, "level": level, **where})


def with_segment_tag(p: Problem, tags: Sequence[str]) -> Problem:
    """`p` with its segment tag filled in from its position in the set / message (`tags[0]`
    is the ST / UNH at position 1) when it has a position but no tag."""
    if p.segment is None and p.position is not None and 1 <= p.position <= len(tags):
        return p.model_copy(update={"segment": tags[p.position - 1]})
    return p
