"""X12 functional acknowledgements (997 / 999) and TA1, built from the envelope outcomes.

Per inbound interchange: a TA1 when the partner profile asks for it (always, or on request:
ISA14 = 1 or a rejected interchange), then, unless the interchange was rejected, one ack
interchange holding one GS*FA group with one 997 / 999 per inbound functional group:
AK1, per set AK2 / AK3 (IK3) / AK4 (IK4) / AK5 (IK5) (`x12_sets`), and AK9. Codes come from
`gateway.ack.codes`.
"""

from __future__ import annotations

from collections.abc import Sequence

from gateway.ack.codes import ta1_note, x12_code
from gateway.ack.context import AckContext
from gateway.ack.model import Acknowledgement, answerable
from gateway.ack.own_ids import x12_own_id
from gateway.ack.x12_envelope import (
    Segment,
    SegmentWriter,
    ack_delimiters,
    fit,
    group_header,
    is_5010,
    isa_text,
    seg,
    ta1_interchange,
)
from gateway.ack.x12_sets import SET_BY_GROUP, Accepted, Kind, set_response
from gateway.envelope.outcome import GroupOutcome, InterchangeOutcome, SetOutcome
from gateway.envelope.x12_header import IsaHeader
from gateway.envelope.x12_syntax import Delimiters
from gateway.problems import Problem, ProblemCode, Severity
from gateway.profile import AckPreferences
from gateway.text import is_digits

__all__ = ["functional_ack", "x12_acks"]

_GROUP_BY_SET = {v: k for k, v in SET_BY_GROUP.items()}  # ST01 -> GS01, of those
X231 = "005010X231A1"  # the 999's implementation guide (GS08 / ST03 of a 999)
X230 = "005010X230"  # the 997's implementation guide (ST03 of a 5010 997)


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
    out.line("IEA", len(groups), f"{control % 10**9:09d}")  # as iea_segment
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
    return kinds.pop() if len(kinds) == 1 and not group.sets.more_types else None


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
    out.line("ST", kind, "0001", reference)
    _body(out, group, kind, five)
    out.line("SE", out.count - first + 1, "0001")  # SE01 counts ST .. SE
    out.line("GE", 1, control)


def _body(out: SegmentWriter, group: GroupOutcome, kind: Kind, five: bool) -> None:
    """AK1, the AK2 .. AK5 loop per set (as the sets are read), AK9."""
    d = out.d
    # AK1: functional identifier, group control, (5010+) the group's version (AN 1/12)
    version = fit(group.version, d, 1, 12) if five else None
    out.line("AK1", _ak101(group, d), fit(group.control, d, 1, 9), version)
    # a group with an error (GS / GE fault) is rejected whole: none of its sets is sent, so
    # none gets AK5 A / E (a set with faults of its own keeps its AK2 .. AK5 R loop), AK904
    # is 0 and AK905 names the group fault (X12.6: AK9 reports the group's envelope)
    rejected = any(p.severity is Severity.ERROR for p in group.problems)
    statuses = {"A": 0, "E": 0, "R": 0}
    accepted = Accepted(kind, five, d, group.functional_id)
    room = out.room
    for item in group.sets.read():
        if type(item) is tuple:  # accepted without any problem: its AK2 / AK5 A as text
            text = None if rejected else accepted.text(*item[:3])
            if text is not None:
                out.rendered(text, 2)
                statuses["A"] += 1
                continue
            item = SetOutcome(item[0], item[1], item[2], segment_count=item[3])
        assert isinstance(item, SetOutcome)
        before = room.left
        segments, status = set_response(item, kind, five, d, group.functional_id, room)
        if rejected and status != "R":
            segments, status = [], "R"
            room.left = before  # not written: its reports take nothing from the budget
        out.write(*segments)
        statuses[status] += 1
    out.write(_ak9(group, statuses))


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
        # AK902 is N0 1/6: a longer GE01 (up to thousands of digits) is not copied
        if p.code is ProblemCode.GROUP_COUNT_MISMATCH and is_digits(p.value or "") \
                and len(p.value or "") <= 6:  # fmt: skip
            return int(p.value or "0")
    return received
