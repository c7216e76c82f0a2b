"""EDIFACT service segments: UNB/UNZ, UNG/UNE and UNH/UNT read and checked.

Each function returns Problems (never raises); the reader puts them on the outcome of the
level they reject. UNB S001 0001 (syntax identifier) decides the charset of the
interchange: UNOA/UNOB ASCII, UNOC Latin-1, UNOD..UNOL the other ISO 8859 parts, UNOW/UNOY
UTF-8.
"""

from __future__ import annotations

import functools
from datetime import datetime

from gateway.envelope.outcome import GroupOutcome, InterchangeOutcome, SetOutcome
from gateway.envelope.unb import EdifactDelimiters, UnbHeader, usable
from gateway.parse.edifact_common import EdiSegment
from gateway.problems import Level, Problem, ProblemCode, Severity, clip_value
from gateway.text import is_digits

__all__ = [
    "CHARSETS",
    "check_une",
    "check_unt",
    "check_unz",
    "read_unb",
    "read_ung",
    "read_unh",
]

# syntax identifier -> Python codec (every one ships with Python: no lookup at import)
CHARSETS: dict[str, str] = {
    "UNOA": "ascii", "UNOB": "ascii", "IATA": "ascii", "IATB": "ascii",
    "UNOC": "latin-1", "UNOD": "iso8859-2", "UNOE": "iso8859-5", "UNOF": "iso8859-7",
    "UNOG": "iso8859-3", "UNOH": "iso8859-4", "UNOI": "iso8859-6", "UNOJ": "iso8859-8",
    "UNOK": "iso8859-9", "UNOL": "iso8859-15", "UNOW": "utf-8", "UNOY": "utf-8",
}  # fmt: skip


# Service data elements checked for type and length (ISO 9735 syntax 3/4, the larger where
# they differ): (element, component or None for a simple element, ref, max length, numeric).
Spec = tuple[int, int | None, str, int, bool]
UNB_SPECS: tuple[Spec, ...] = (
    (2, 1, "0004", 35, False), (2, 2, "0007", 4, False), (3, 1, "0010", 35, False),
    (3, 2, "0007", 4, False), (4, 1, "0017", 8, True), (4, 2, "0019", 4, True),
    (5, None, "0020", 14, False), (7, None, "0026", 14, False), (9, None, "0031", 1, True),
    (11, None, "0035", 1, True),
)  # fmt: skip
UNG_SPECS: tuple[Spec, ...] = (
    (1, None, "0038", 6, False), (2, 1, "0040", 35, False), (3, 1, "0044", 35, False),
    (5, None, "0048", 14, False),
)  # fmt: skip
UNH_SPECS: tuple[Spec, ...] = (
    (1, None, "0062", 14, False), (2, 1, "0065", 6, False), (2, 2, "0052", 3, False),
    (2, 3, "0054", 3, False), (2, 4, "0051", 3, False), (2, 5, "0057", 6, False),
)  # fmt: skip


def whole(seg: EdiSegment, element: int, component: str = ":") -> str:
    """A data element as sent: its components joined by the component separator (a trailer
    count or reference with components then never equals the header's plain value)."""
    if 0 < element <= len(seg.elements):
        return component.join(seg.elements[element - 1]).strip()
    return ""


def service_faults(
    seg: EdiSegment, specs: tuple[Spec, ...], component: str = ":"
) -> list[tuple[ProblemCode, str, int, int | None, str, str]]:
    """(code, why, element, component, ref, value) for each service data element breaking
    ISO 9735: a simple element with components (0085 code 16), a control character (21),
    letters in a numeric element (37 reported as 21), longer than its maximum (39)."""
    found: list[tuple[ProblemCode, str, int, int | None, str, str]] = []
    for element, comp, ref, most, numeric in specs:
        if comp is None and len(seg.elements) >= element and len(seg.elements[element - 1]) > 1:
            value = whole(seg, element, component)
            why = f"{seg.tag} {ref} {value!r} holds the component separator {component!r}"
            found.append((ProblemCode.TOO_MANY_COMPONENTS, why, element, None, ref, value))
            continue
        value = seg.get(element, comp or 1)
        if not value:
            continue
        if not value.isprintable() or (numeric and not is_digits(value)):
            what = "a control character" if not value.isprintable() else "a non-digit"
            why = f"{seg.tag} {ref} {value!r} holds {what}"
            found.append((ProblemCode.INVALID_CHARACTER, why, element, comp, ref, value))
        elif len(value) > most:
            why = f"{seg.tag} {ref} {value!r} is longer than {most} characters"
            found.append((ProblemCode.ELEMENT_TOO_LONG, why, element, comp, ref, value))
    return found


def _valid_stamp(date: str, time: str) -> bool:
    """A UNB date (YYMMDD / CCYYMMDD) and time (HHMM) that exist; only short texts are
    remembered (`_stamp`): nothing long from a file is kept."""
    return len(date) <= 8 and len(time) <= 4 and _stamp(date, time)


@functools.lru_cache(maxsize=1024)  # a mailbag's interchanges share a few stamps
def _stamp(date: str, time: str) -> bool:
    formats = {6: "%y%m%d", 8: "%Y%m%d"}
    if len(date) not in formats or not is_digits(date) or len(time) != 4 or not is_digits(time):
        return False
    try:
        datetime.strptime(date + time, formats[len(date)] + "%H%M")
    except ValueError:
        return False
    return True


def read_unb(
    seg: EdiSegment, delimiters: EdifactDelimiters, una: bool
) -> tuple[UnbHeader, list[Problem]]:
    """The UNB header and its faults (Level.INTERCHANGE)."""
    syntax_id, control = seg.get(1, 1), whole(seg, 5, delimiters.component)
    header = UnbHeader(
        syntax_id=syntax_id,
        syntax_version=seg.get(1, 2),
        sender=seg.get(2, 1),
        sender_qualifier=seg.get(2, 2),
        recipient=seg.get(3, 1),
        recipient_qualifier=seg.get(3, 2),
        date=seg.get(4, 1),
        time=seg.get(4, 2),
        control=control,
        application=seg.get(7),
        ack_requested=seg.get(9) == "1",
        test=seg.get(11) == "1",
        delimiters=delimiters,
        una=una,
        charset=CHARSETS.get(syntax_id, "latin-1"),
    )
    problems: list[Problem] = []

    def fault(code: ProblemCode, why: str, element: int, component: int | None, ref: str) -> None:
        value = seg.get(element, component or 1) or None
        problems.append(
            Problem(
                code=code,
                message=why,
                level=Level.INTERCHANGE,
                interchange=control or None,
                segment="UNB",
                element=element,
                component=component,
                element_ref=ref,
                value=value,
            )
        )

    invalid = ProblemCode.INTERCHANGE_FIELD_INVALID
    if una and not usable(delimiters):
        d = delimiters
        chars = f"{d.component}{d.element}{d.decimal}{d.release or ' '}{d.repetition}{d.segment}"
        why = f"UNA service characters {chars!r} are not distinct non-alphanumeric characters"
        problems.append(
            Problem(code=ProblemCode.SEGMENT_TERMINATOR_INVALID, message=why,
                    level=Level.INTERCHANGE, interchange=control or None, segment="UNA")
        )  # fmt: skip
    for element, component, ref, name in (
        (1, 1, "0001", "syntax identifier"),
        (1, 2, "0002", "syntax version"),
        (2, 1, "0004", "sender identification"),
        (3, 1, "0010", "recipient identification"),
        (4, 1, "0017", "date of preparation"),
        (4, 2, "0019", "time of preparation"),
        (5, None, "0020", "interchange control reference"),
    ):
        if not seg.get(element, component or 1):
            fault(invalid, f"UNB {name} ({ref}) is missing", element, component, ref)
    if syntax_id and syntax_id not in CHARSETS:
        why = f"UNB syntax identifier {syntax_id!r} is not supported (read as Latin-1)"
        fault(ProblemCode.INTERCHANGE_SYNTAX_UNSUPPORTED, why, 1, 1, "0001")
    version = header.syntax_version
    if version and version not in ("1", "2", "3", "4"):
        fault(invalid, f"UNB syntax version {version!r} is not 1..4", 1, 2, "0002")
    if header.date and header.time and not _valid_stamp(header.date, header.time):
        why = f"UNB date/time {header.date}:{header.time} is not a valid date and time"
        fault(invalid, why, 4, 1, "0017")
    for code, why, at, comp, ref, value in service_faults(seg, UNB_SPECS, delimiters.component):
        if ref not in ("0017", "0019"):  # the date and time are checked above
            fault(code, why, at, comp, ref)
            problems[-1] = problems[-1].model_copy(update={"value": value})
    return header, problems


def _count(
    text: str, expected: int, code: ProblemCode, what: str, level: Level, **where: object
) -> list[Problem]:
    if is_digits(text) and len(text) <= 18 and int(text) == expected:  # (int: 4,300 digits)
        return []
    why = f"{what} {text!r} but {expected} found"
    problem = Problem.model_validate(
        {"code": code, "message": why, "level": level, "value": text or None, **where}
    )
    return [problem]


def _reference(
    text: str, expected: str, code: ProblemCode, what: str, level: Level, **where: object
) -> list[Problem]:
    if text == expected:
        return []
    why = f"{what} {text!r} does not match the header's {expected!r}"
    problem = Problem.model_validate(
        {"code": code, "message": why, "level": level, "value": text or None, **where}
    )
    return [problem]


def check_unz(
    seg: EdiSegment | None, ic: InterchangeOutcome[UnbHeader], count: int
) -> list[Problem]:
    """UNZ 0036 (messages, or groups when the interchange has UNG groups) and 0020; a
    missing UNZ is a problem too."""
    control = ic.header.control if ic.header else ""
    where = {"interchange": control or None, "segment": "UNZ"}
    lvl = Level.INTERCHANGE
    if seg is None:
        why = f"interchange {ic.control!r} has no UNZ trailer"
        return [Problem(code=ProblemCode.INTERCHANGE_TRAILER_MISSING, message=why, level=lvl,
                        interchange=ic.control, segment="UNZ")]  # fmt: skip
    return [
        *_count(whole(seg, 1), count, ProblemCode.INTERCHANGE_COUNT_MISMATCH,
                "UNZ count (0036) is", lvl, element=1, element_ref="0036", **where),
        *_reference(whole(seg, 2), control, ProblemCode.INTERCHANGE_CONTROL_MISMATCH,
                    "UNZ reference (0020)", lvl, element=2, element_ref="0020", **where),
    ]  # fmt: skip


def read_ung(
    seg: EdiSegment, interchange: str | None, component: str = ":"
) -> tuple[GroupOutcome, list[Problem]]:
    """A functional group from UNG, and its header faults (Level.GROUP)."""
    version = ":".join(v for v in (seg.get(7, 1), seg.get(7, 2)) if v)
    group = GroupOutcome(
        functional_id=clip_value(seg.get(1)) or None,
        control=clip_value(whole(seg, 5, component)),  # (as its messages' origins name it)
        version=clip_value(version) or None,
        sender=clip_value(seg.get(2, 1)) or None,
        receiver=clip_value(seg.get(3, 1)) or None,
    )
    problems = [
        Problem(
            code=ProblemCode.GROUP_HEADER_INVALID,
            message=f"UNG {name} ({ref}) is missing",
            level=Level.GROUP,
            interchange=interchange,
            group=group.control or None,
            segment="UNG",
            element=element,
            element_ref=ref,
        )
        for element, ref, name in ((1, "0038", "message group identification"),
                                   (5, "0048", "group reference number"))
        if not seg.get(element)
    ]  # fmt: skip
    for code, why, element, comp, ref, value in service_faults(seg, UNG_SPECS, component):
        problems.append(
            Problem(code=code, message=why, level=Level.GROUP, interchange=interchange,
                    group=None, segment="UNG", element=element, component=comp,
                    element_ref=ref, value=value)
        )  # fmt: skip
    return group, problems


def check_une(
    seg: EdiSegment | None, group: GroupOutcome, interchange: str | None, ung: str | None = None
) -> list[Problem]:
    """UNE 0060 (messages in the group) and 0048 (= UNG 0048: `ung`, whole, when given; the
    group keeps it clipped, `problems.clip_value`); a missing UNE is a problem."""
    where = {"interchange": interchange, "group": group.control or None, "segment": "UNE"}
    lvl = Level.GROUP
    if seg is None:
        why = f"group {group.control!r} has no UNE trailer"
        return [Problem(code=ProblemCode.GROUP_TRAILER_MISSING, message=why, level=lvl,
                        interchange=interchange, group=group.control, segment="UNE")]  # fmt: skip
    return [
        *_count(whole(seg, 1), len(group.sets), ProblemCode.GROUP_COUNT_MISMATCH,
                "UNE count (0060) is", lvl, element=1, element_ref="0060", **where),
        *_reference(whole(seg, 2), (group.control if ung is None else ung) or "",
                    ProblemCode.GROUP_CONTROL_MISMATCH,
                    "UNE reference (0048)", lvl, element=2, element_ref="0048", **where),
    ]  # fmt: skip


def read_unh(seg: EdiSegment, component: str = ":") -> tuple[SetOutcome, list[Problem]]:
    """A message outcome from UNH (0062, S009) and its header faults (Level.TRANSACTION)."""
    parts = [seg.get(2, n) for n in range(1, 6)]
    outcome = SetOutcome(  # (kept to the UNZ: clipped; the control once UNT is checked)
        control=whole(seg, 1, component),
        type_code=clip_value(parts[0]),
        version=clip_value(":".join(p for p in parts[1:] if p)),
    )
    problems: list[Problem] = [
        Problem(code=code, message=why, level=Level.TRANSACTION, transaction=None,
                segment="UNH", position=1, element=element, component=comp, element_ref=ref,
                value=value)
        for code, why, element, comp, ref, value in service_faults(seg, UNH_SPECS, component)
    ]  # fmt: skip
    for element, part, ref in ((1, None, "0062"), (2, 1, "0065"), (2, 2, "0052"),
                                    (2, 3, "0054"), (2, 4, "0051")):  # fmt: skip
        if not seg.get(element, part or 1):
            problems.append(
                Problem(
                    code=ProblemCode.SET_HEADER_INVALID,
                    message=f"UNH {ref} is missing",
                    level=Level.TRANSACTION,
                    transaction=outcome.control or None,
                    segment="UNH",
                    position=1,
                    element=element,
                    component=part,
                    element_ref=ref,
                )
            )
    if parts[3] == "UN" and parts[1] and parts[1] not in ("D", "S"):
        problems.append(
            Problem(
                code=ProblemCode.INVALID_CODE_VALUE,
                message=f"UNH message version {parts[1]!r} is not D or S (read as D)",
                level=Level.TRANSACTION,
                severity=Severity.WARNING,
                transaction=outcome.control or None,
                segment="UNH",
                position=1,
                element=2,
                component=2,
                element_ref="0052",
                value=parts[1],
            )
        )
    return outcome, problems


def check_unt(seg: EdiSegment | None, count: int, control: str) -> list[Problem]:
    """UNT 0074 (segments UNH..UNT) and 0062 (= UNH 0062); a missing UNT is a problem too."""
    if seg is None:
        return [Problem(code=ProblemCode.SET_TRAILER_MISSING, level=Level.TRANSACTION,
                        message=f"message {control!r} has no UNT trailer", segment="UNT",
                        transaction=control or None)]  # fmt: skip
    where = {"transaction": control or None, "segment": "UNT", "position": count}
    lvl = Level.TRANSACTION
    return [
        *_count(whole(seg, 1), count, ProblemCode.SET_COUNT_MISMATCH,
                "UNT segment count (0074) is", lvl, element=1, element_ref="0074", **where),
        *_reference(whole(seg, 2), control, ProblemCode.SET_CONTROL_MISMATCH,
                    "UNT reference (0062)", lvl, element=2, element_ref="0062", **where),
    ]  # fmt: skip


def not_edifact() -> Problem:
    return Problem(code=ProblemCode.NOT_EDI, message="no UNA/UNB/UNH: not an EDIFACT file",
                   level=Level.FILE)  # fmt: skip


def truncated() -> Problem:
    """The file ends inside an interchange or message: always an error (as in X12)."""
    return Problem(code=ProblemCode.TRUNCATED, level=Level.FILE,
                   message="the file ends inside a segment or interchange")  # fmt: skip
