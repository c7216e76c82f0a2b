"""X12 functional acknowledgements (997 / 999) and TA1, built from the envelope outcomes.

Per inbound interchange: a TA1 when the partner profile asks for it (always, or on request:
ISA14 = 1 or a rejected interchange), then, unless the interchange was rejected, one ack
interchange holding one GS*FA group with one 997 / 999 per inbound functional group:
AK1, per set AK2 / AK3 (IK3) / AK4 (IK4) / AK5 (IK5), and AK9. Codes come from
`gateway.ack.codes`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from gateway.ack.codes import is_implementation_code, ta1_note, x12_code
from gateway.ack.context import AckContext
from gateway.ack.model import Acknowledgement, answerable, errors_first
from gateway.ack.own_ids import x12_own_id
from gateway.ack.x12_envelope import (
    Element,
    Segment,
    SegmentWriter,
    ack_delimiters,
    clean,
    fit,
    group_header,
    iea_segment,
    is_5010,
    isa_text,
    seg,
    ta1_interchange,
)
from gateway.envelope.outcome import GroupOutcome, InterchangeOutcome, SetOutcome
from gateway.envelope.x12_header import IsaHeader
from gateway.envelope.x12_syntax import Delimiters
from gateway.problems import Level, Problem, ProblemCode, Severity
from gateway.profile import AckPreferences
from gateway.text import is_digits

__all__ = ["functional_ack", "x12_acks"]

Kind = Literal["997", "999"]
X231 = "005010X231A1"  # the 999's implementation guide (GS08 / ST03 of a 999)
X230 = "005010X230"  # the 997's implementation guide (ST03 of a 5010 997)
_MAX_AK3 = 999
_MAX_AK4 = 99


def x12_acks(
    interchanges: Sequence[InterchangeOutcome[IsaHeader]], prefs: AckPreferences, ctx: AckContext
) -> list[Acknowledgement]:
    """TA1 and 997 / 999 interchanges answering each inbound interchange, in order."""
    acks: list[Acknowledgement] = []
    for outcome, inbound in answerable(interchanges):
        header = x12_own_id(inbound, prefs)  # our ISA06: ISA08, else the profile's own id
        rejected = not outcome.accepted
        control = header.control.strip()
        d = ack_delimiters(header)
        # a group no AK1 can name (GS01 / GS06 unusable) is answered by a TA1 with note 024
        # (invalid interchange content, e.g. an invalid GS segment): never silence
        unnamed = not rejected and any(not _addressable(g, d) for g in outcome.groups)
        if (
            unnamed
            or prefs.ta1 == "always"
            or (prefs.ta1 == "on_request" and (header.ack_requested or rejected))
        ):
            status, note = _ta1_status(outcome.problems)
            if unnamed and status != "R":
                named = any(_addressable(g, d) for g in outcome.groups)
                status, note = "E" if named else "R", "024"
            text = ta1_interchange(header, status, note, ctx)
            acks.append(Acknowledgement("TA1", text, acknowledges=control))
        if rejected:
            continue  # the TA1 R (if any) answers it: no group is processed
        functional = functional_ack(outcome, header, prefs.x12, ctx)
        if functional is not None:
            acks.append(Acknowledgement(prefs.x12, functional, acknowledges=control))
    return acks


def _ta1_status(problems: list[Problem]) -> tuple[str, str]:
    """TA104 / TA105 from the first interchange problem (errors first)."""
    errors = [p for p in problems if p.severity is Severity.ERROR]
    if errors:
        return "R", ta1_note(errors[0])
    if problems:
        return "E", ta1_note(problems[0])
    return "A", "000"


def functional_ack(
    outcome: InterchangeOutcome[IsaHeader], header: IsaHeader, kind: Kind, ctx: AckContext
) -> str | None:
    """The 997 / 999 interchange for one inbound interchange; None when it had no group
    that can be addressed (GS01 and GS06 read). Written as the sets are read: a group of
    any size costs the memory of its ack text only."""
    d = ack_delimiters(header)
    groups = [g for g in outcome.groups if _addressable(g, d)]
    if not groups:
        return None
    control = ctx.take_control()
    out = SegmentWriter(d)
    out.text(isa_text(header, control, ctx))
    for group in groups:
        _group(out, header, group, kind, ctx)
    out.write(iea_segment(len(groups), control))
    return out.getvalue()


def _addressable(group: GroupOutcome, d: Delimiters) -> bool:
    """A group an AK1 can name: GS06 fits AK102 (N0 1/9) and AK101 (ID 2/2) is known, GS01
    as sent or, when GS01 is unusable, the functional identifier of its sets' ST01. A
    GS06 that AK102 cannot hold leaves the group unnamed: the TA1 (note 024, invalid GS
    segment) is then the only answer X12 has for it."""
    return bool(_ak101(group, d) and fit(group.control, d, 1, 9, numeric=True))


def _ak101(group: GroupOutcome, d: Delimiters) -> str | None:
    """AK101: GS01 when it fits ID 2/2 (letters and digits), else the functional identifier
    that the group's transaction sets (ST01) all belong to, else None."""
    found = fit(group.functional_id, d, 2, 2)
    if found is not None and found.isalnum() and found.isascii():
        return found
    kinds = {_GROUP_BY_SET.get(code or "") for code in group.sets.type_codes}
    return kinds.pop() if len(kinds) == 1 else None


def _group(
    out: SegmentWriter, header: IsaHeader, group: GroupOutcome, kind: Kind, ctx: AckContext
) -> None:
    """GS*FA, one ST 997 / 999 .. SE for the inbound group, GE."""
    d = out.d
    # GS08 (AN 1/12) copied when it fits, else the ISA12 version
    isa12 = header.version if len(header.version) == 5 and is_digits(header.version) else "00401"
    inbound_version = fit(group.version, d, 1, 12) or f"{isa12}0"
    five = kind == "999" or is_5010(group.version)
    version: str
    reference: str | None
    if kind == "999":
        version, reference = X231, X231
    else:
        implemented = five and group.sets.any_version
        version, reference = inbound_version, X230 if implemented else None
    control = ctx.take_reference()
    out.write(group_header(header, group, version, control, ctx))
    first = out.count
    out.write(seg("ST", kind, "0001", reference))
    _body(out, group, kind, five)
    out.write(seg("SE", out.count - first + 1, "0001"))  # SE01 counts ST .. SE
    out.write(seg("GE", 1, control))


def _body(out: SegmentWriter, group: GroupOutcome, kind: Kind, five: bool) -> None:
    """AK1, the AK2 .. AK5 loop per set (as the sets are read), AK9."""
    d = out.d
    # AK1: functional identifier, group control, (5010+) the group's version (AN 1/12)
    version = fit(group.version, d, 1, 12) if five else None
    out.write(seg("AK1", _ak101(group, d), fit(group.control, d, 1, 9), version))
    # a group with an error (GS / GE fault) is rejected whole: none of its sets is sent, so
    # none gets AK5 A / E (a set with faults of its own keeps its AK2 .. AK5 R loop), AK904
    # is 0 and AK905 names the group fault (X12.6: AK9 reports the group's envelope)
    rejected = any(p.severity is Severity.ERROR for p in group.problems)
    statuses = {"A": 0, "E": 0, "R": 0}
    accepted = _Accepted(kind, five, d, group.functional_id)
    for item in group.sets.read():
        if type(item) is tuple:  # accepted without any problem: its AK2 / AK5 A as text
            text = None if rejected else accepted.text(*item[:3])
            if text is not None:
                out.rendered(text, 2)
                statuses["A"] += 1
                continue
            item = SetOutcome(item[0], item[1], item[2], segment_count=item[3])
        assert isinstance(item, SetOutcome)
        segments, status = _set_response(item, kind, five, d, group.functional_id)
        if rejected and status != "R":
            segments, status = [], "R"
        out.write(*segments)
        statuses[status] += 1
    out.write(_ak9(group, statuses))


@dataclass
class _SegmentError:
    tag: str
    position: int
    code: str | None
    elements: list[Problem] = field(default_factory=list)


def _segment_errors(problems: list[Problem], kind: Kind) -> list[_SegmentError]:
    """One AK3 / IK3 per segment in error, in segment order, followed by all its AK4s: its
    AK304 is the most significant code, a segment-level one (errors before warnings, then
    first found) over code 8 (segment has data element errors)."""
    by_segment: dict[tuple[int, str], _SegmentError] = {}
    ranked: dict[tuple[int, str], tuple[int, int]] = {}
    for order, p in enumerate(problems):
        if p.position is None or p.level not in (Level.SEGMENT, Level.ELEMENT):
            continue
        key = (p.position, p.segment or "")
        entry = by_segment.get(key)
        if entry is None:
            entry = by_segment[key] = _SegmentError(key[1], p.position, None)
        if p.level is Level.ELEMENT:
            entry.elements.append(p)
            continue
        code = x12_code(p, kind)
        rank = (0 if p.severity is Severity.ERROR else 1, order)
        if code is not None and (key not in ranked or rank < ranked[key]):
            entry.code, ranked[key] = code, rank
    entries = sorted(by_segment.values(), key=lambda e: e.position)
    for entry in entries:
        if entry.code is None and entry.elements:
            entry.code = "8"
    return entries[:_MAX_AK3]


def _element_position(p: Problem, five: bool) -> Element:
    """AK401 / IK401 (C030): element position[:component[:repetition (5010+)]]."""
    if five and p.repetition:
        return (str(p.element), str(p.component or ""), str(p.repetition))
    return (str(p.element), str(p.component)) if p.component else str(p.element)


# GS01 -> the one ST01 its group may hold (X12 functional identifier code list 479), for the
# sets the gateway reads and the acks
_SET_BY_GROUP = {"QM": "214", "SH": "856", "AG": "824", "IN": "810"}
_GROUP_BY_SET = {v: k for k, v in _SET_BY_GROUP.items()}
_NO_CONTROL = "0000"  # AK202 placeholder: AN 4/9, for an ST02 that cannot be copied


def _set_response(
    s: SetOutcome, kind: Kind, five: bool, d: Delimiters, functional_id: str | None = None
) -> tuple[list[Segment], str]:
    """AK2, AK3 / AK4 (IK3 / IK4) per segment in error, AK5 (IK5); and AK501."""
    k3, k4, k5 = ("IK3", "IK4", "IK5") if kind == "999" else ("AK3", "AK4", "AK5")
    # AK201 ID 3/3 (ST01, a code of list 143: digits), AK202 AN 4/9 (mandatory), AK203 AN
    # 1/35 (left out when it does not fit). An ST01 that cannot be copied is named by its
    # group's functional identifier (GS01 QM -> 214, ...) when that names one set type, an
    # ST02 that cannot be copied by the placeholder "0000": the set still gets its AK2 /
    # AK5 R with the code of the fault (AK502 6 / 7), never a number the partner did not
    # send. With neither, the (optional) AK2 loop is left out; AK9 still counts the set.
    type_code = fit(s.type_code, d, 3, 3)
    if type_code is None or not is_digits(type_code):
        type_code = _SET_BY_GROUP.get(functional_id or "")
    ak202 = fit(s.control, d, 4, 9) or _NO_CONTROL
    version = fit(s.version, d, 1, 35) if five else None
    status, codes = _set_status(s, kind)
    if type_code is None:
        return [], status
    segments = [seg("AK2", type_code, ak202, version)]
    for entry in _segment_errors(s.problems, kind):
        tag = fit(entry.tag, d, 2, 3)  # AK301 ID 2/3: a tag that is not one becomes "ZZZ"
        tag = tag if tag and tag.isalnum() and tag.isascii() else "ZZZ"
        segments.append(seg(k3, tag, entry.position, None, entry.code))
        for p in [p for p in entry.elements if p.element is not None][:_MAX_AK4]:
            value = clean(p.value or "", d)[:99].strip() or None  # AK404 AN 1/99
            code = x12_code(p, kind)
            ref = fit(p.element_ref, d, 1, 4, numeric=True)  # AK402 N0 1/4
            segments.append(seg(k4, _element_position(p, five), ref, code, value))
    segments.append(seg(k5, status, *codes))
    return segments, status


_PLAIN_CONTROL = re.compile("[0-9A-Za-z]{4,9}").fullmatch  # an ST02 `fit` copies as it is


class _Accepted:
    """The AK2 .. AK5 (IK5) loop of a set accepted without any problem, as text: what
    `_set_response` makes of it (AK2 with ST01, ST02, (5010+) ST03; AK5 A), made from parts
    kept per (ST01, ST03), for the sets of one group."""

    def __init__(self, kind: Kind, five: bool, d: Delimiters, functional_id: str | None) -> None:
        self.kind, self.five, self.d, self.functional_id = kind, five, d, functional_id
        self.parts: dict[tuple[str, str | None], tuple[str, str] | None] = {}

    def text(self, control: str, type_code: str, version: str | None) -> str | None:
        """The loop's text; None when the set gets no AK2 loop (an ST01 that cannot be
        copied, nor named by the group: `_set_response` decides)."""
        key = (type_code, version)
        if key in self.parts:
            parts = self.parts[key]
        else:
            parts = self.parts[key] = self._parts(type_code, version)
        if parts is None:
            return None
        if not _PLAIN_CONTROL(control):
            control = fit(control, self.d, 4, 9) or _NO_CONTROL
        return parts[0] + control + parts[1]

    def _parts(self, type_code: str, version: str | None) -> tuple[str, str] | None:
        d = self.d
        code = fit(type_code, d, 3, 3)
        if code is None or not is_digits(code):
            code = _SET_BY_GROUP.get(self.functional_id or "")
        if code is None:
            return None
        copied = fit(version, d, 1, 35) if self.five else None
        end = d.segment + d.suffix
        k5 = "IK5" if self.kind == "999" else "AK5"
        tail = (d.element + copied if copied else "") + end + k5 + d.element + "A" + end
        return f"AK2{d.element}{code}{d.element}", tail


def _set_status(s: SetOutcome, kind: Kind) -> tuple[str, list[str]]:
    """AK501 (A / E / R) and up to five AK502 codes."""
    codes: list[str] = [] if s.supported else ["1"]
    for p in errors_first(s.problems):
        code: str | None = None
        if p.level is Level.TRANSACTION:
            code = x12_code(p, kind)
        elif p.level in (Level.SEGMENT, Level.ELEMENT):
            detail = x12_code(p, kind) or ""
            code = "I5" if kind == "999" and is_implementation_code(detail) else "5"
        if code is not None and code not in codes:
            codes.append(code)
    status = "R" if not s.accepted else "E" if s.problems else "A"
    return status, codes[:5]


def _ak9(group: GroupOutcome, statuses: dict[str, int]) -> Segment:
    """AK9: group status, sets included (GE01), received, accepted, up to five codes;
    `statuses`: the sets counted per AK501 (A / E / R)."""
    received = sum(statuses.values())
    accepted = statuses["A"] + statuses["E"]
    errors = [p for p in group.problems if p.severity is Severity.ERROR]
    codes: list[str] = []
    for p in errors or group.problems:
        code = x12_code(p, "997")
        if code is not None and code not in codes:
            codes.append(code)
    if errors:
        status = "R"
    elif accepted < received:
        status = "P" if accepted else "R"
    else:
        status = "E" if group.problems or statuses["E"] else "A"
    return seg("AK9", status, _included(group, received), received, accepted, *codes[:5])


def _included(group: GroupOutcome, received: int) -> int:
    """GE01 as read (the value of a GROUP_COUNT_MISMATCH problem), else the sets counted."""
    for p in group.problems:
        if p.code is ProblemCode.GROUP_COUNT_MISMATCH and p.value and is_digits(p.value):
            return int(p.value)
    return received
