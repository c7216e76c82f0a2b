"""Test-side EDI writers: serialise generated segments into X12 / EDIFACT text.

Property tests build documents as plain element lists, pick delimiters, and write them here:
the writers add the envelopes (ISA/GS/ST..SE/GE/IEA, UNA/UNB/UNG/UNH..UNT/UNE/UNZ) with
correct counts and control numbers, so a reader that returns something else than what
was generated is wrong. Test code, not product code: it trusts its input.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gateway.envelope.unb import EdifactDelimiters
from gateway.envelope.x12_syntax import ISA_LENGTH, Delimiters

__all__ = [
    "EdifactMessage",
    "Element",
    "X12Group",
    "edifact_escape",
    "edifact_interchange",
    "edifact_segment",
    "x12_interchange",
    "x12_segment",
]

Segment = Sequence[str]
# An EDIFACT data element: a simple value or the components of a composite
Element = str | Sequence[str]


def _trim(values: Sequence[str]) -> list[str]:
    out = list(values)
    while out and out[-1] == "":
        out.pop()
    return out


# -- X12 -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class X12Group:
    """One functional group: GS01, GS08 and its transaction sets (bodies without ST/SE)."""

    functional_id: str
    version: str  # GS08, e.g. "004010"
    sets: Sequence[tuple[str, Sequence[Segment]]]  # (ST01, body segments)


def x12_segment(elements: Segment, d: Delimiters) -> str:
    """One segment, trailing empty elements dropped, terminator and suffix appended."""
    return d.element.join(_trim(elements)) + d.segment + d.suffix


def _isa(d: Delimiters, version: str, control: int, test: bool) -> str:
    isa11 = d.repetition if d.repetition is not None else "U"
    fields = ["ISA", "00", " " * 10, "00", " " * 10, "ZZ", "CARRIERSCAC".ljust(15), "ZZ",
              "AMAZONDF".ljust(15), "261125", "1200", isa11, version, f"{control:09d}", "0",
              "T" if test else "P", d.component]  # fmt: skip
    text = d.element.join(fields) + d.segment
    assert len(text) == ISA_LENGTH, text
    return text + d.suffix


def x12_interchange(
    groups: Sequence[X12Group],
    d: Delimiters,
    *,
    version: str = "00401",
    control: int = 1,
    group_control: int = 1,
    set_control: int = 1,
    test: bool = False,
) -> str:
    """A whole interchange; groups and sets are numbered from the given control numbers."""
    out = [_isa(d, version, control, test)]
    st_number = set_control
    for g_number, group in enumerate(groups, start=group_control):
        gs = ["GS", group.functional_id, "CARRIERSCAC", "AMAZONDF", "20261125", "1200",
              str(g_number), "X", group.version]  # fmt: skip
        out.append(x12_segment(gs, d))
        for type_code, body in group.sets:
            st_control = f"{st_number:04d}"
            st_number += 1
            out.append(x12_segment(["ST", type_code, st_control], d))
            out.extend(x12_segment(seg, d) for seg in body)
            out.append(x12_segment(["SE", str(len(body) + 2), st_control], d))
        out.append(x12_segment(["GE", str(len(group.sets)), str(g_number)], d))
    out.append(x12_segment(["IEA", str(len(groups)), f"{control:09d}"], d))
    return "".join(out)


# -- EDIFACT ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class EdifactMessage:
    """One message: UNH 0065 type, S009 version:release and its body (without UNH/UNT)."""

    type_code: str
    release: str  # e.g. "96A"
    body: Sequence[tuple[str, Sequence[Element]]]  # (tag, data elements)


def _specials(d: EdifactDelimiters) -> set[str]:
    found = {d.component, d.element, d.segment}
    if d.release is not None:
        found.add(d.release)
    if d.repetition != " ":
        found.add(d.repetition)
    return found


def edifact_escape(value: str, d: EdifactDelimiters) -> str:
    """The value with every service character preceded by the release character."""
    assert d.release is not None
    specials = _specials(d)
    return "".join(d.release + c if c in specials else c for c in value)


def edifact_segment(tag: str, elements: Sequence[Element], d: EdifactDelimiters) -> str:
    """One segment; values are escaped, trailing empty components/elements dropped."""
    parts = []
    for element in elements:
        components = [element] if isinstance(element, str) else list(element)
        parts.append(d.component.join(_trim([edifact_escape(c, d) for c in components])))
    return d.element.join([tag, *_trim(parts)]) + d.segment + d.suffix


def _una(d: EdifactDelimiters) -> str:
    release = d.release if d.release is not None else " "
    return f"UNA{d.component}{d.element}{d.decimal}{release}{d.repetition}{d.segment}{d.suffix}"


def edifact_interchange(
    messages: Sequence[EdifactMessage],
    d: EdifactDelimiters,
    *,
    syntax: str = "UNOC",
    syntax_version: str = "3",
    control: int = 1,
    message_control: int = 1,
    group: str | None = None,
    test: bool = False,
) -> str:
    """UNA + UNB [+ one UNG group named `group`] + messages + UNZ, references numbered."""
    seg = edifact_segment
    stamp = ["261125", "1200"]
    unb: list[Element] = [[syntax, syntax_version], ["CARRIER", "ZZ"], ["AMAZON", "ZZ"],
                          stamp, f"IC{control}"]  # fmt: skip
    if test:
        unb += ["", "", "", "", "", "1"]
    out = [_una(d), seg("UNB", unb, d)]
    if group is not None:
        first = messages[0] if messages else EdifactMessage("IFTSTA", "96A", ())
        out.append(seg("UNG", [first.type_code, ["CARRIER", "ZZ"], ["AMAZON", "ZZ"], stamp,
                               group, "UN", ["D", first.release]], d))  # fmt: skip
    for number, message in enumerate(messages, start=message_control):
        ref = f"M{number}"
        out.append(seg("UNH", [ref, [message.type_code, "D", message.release, "UN"]], d))
        out.extend(seg(tag, elements, d) for tag, elements in message.body)
        out.append(seg("UNT", [str(len(message.body) + 2), ref], d))
    if group is not None:
        out.append(seg("UNE", [str(len(messages)), group], d))
    out.append(seg("UNZ", ["1" if group is not None else str(len(messages)), f"IC{control}"], d))
    return "".join(out)
