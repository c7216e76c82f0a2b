"""X12 ack envelopes: segment model and writer, ISA / GS / ST builders, and the TA1.

An ack interchange answers one inbound interchange: its ISA swaps the inbound sender and
receiver, and it is written with the inbound delimiters (and the text that followed each
segment terminator, e.g. a line break).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gateway.ack.context import AckContext
from gateway.envelope.outcome import GroupOutcome
from gateway.envelope.x12_header import IsaHeader
from gateway.envelope.x12_syntax import Delimiters
from gateway.text import is_digits

__all__ = [
    "Element",
    "Segment",
    "clean",
    "group_segments",
    "interchange_text",
    "is_5010",
    "seg",
    "set_segments",
    "ta1_interchange",
]

Element = str | tuple[str, ...]  # a simple element, or a composite's components


@dataclass(frozen=True, slots=True)
class Segment:
    tag: str
    elements: tuple[Element, ...] = ()


def seg(tag: str, *elements: Element | int | None) -> Segment:
    """A segment; None is an empty element, ints are written as digits."""
    return Segment(
        tag, tuple("" if e is None else str(e) if isinstance(e, int) else e for e in elements)
    )


def _render(segment: Segment, d: Delimiters) -> str:
    parts = [segment.tag]
    for element in segment.elements:
        if isinstance(element, tuple):
            components = list(element)
            while components and components[-1] == "":
                components.pop()
            parts.append(d.component.join(components))
        else:
            parts.append(element)
    while len(parts) > 1 and parts[-1] == "":
        parts.pop()
    return d.element.join(parts) + d.segment + d.suffix


def clean(value: str, d: Delimiters) -> str:
    """A copied value without the delimiters it cannot carry (X12 has no release char)."""
    bad = {d.element, d.component, d.segment, d.repetition or d.element}
    return "".join(c for c in value if c not in bad and c not in "\r\n")


def is_5010(version: str | None) -> bool:
    """GS08 / ST03 at or after 005010 (X12 version numbers sort as text)."""
    return bool(version) and (version or "")[:6] >= "005010"


_ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1)


def _isa(inbound: IsaHeader, control: int, ctx: AckContext) -> str:
    """ISA01..ISA16 of the ack, fixed width (106 characters with its terminator)."""
    d = inbound.delimiters
    version = inbound.version if len(inbound.version) == 5 and is_digits(inbound.version) else ""
    version = version or "00401"
    usage = inbound.get(15).strip()
    now = ctx.utc()
    values = (
        "00", "", "00", "",
        inbound.receiver_qualifier, inbound.receiver,  # ISA05/06 <- inbound ISA07/08
        inbound.sender_qualifier, inbound.sender,  # ISA07/08 <- inbound ISA05/06
        now.strftime("%y%m%d"), now.strftime("%H%M"),
        d.repetition if version >= "00402" and d.repetition else "U",
        version, f"{control % 10**9:09d}", "0", usage if usage in ("P", "T", "I") else "P",
    )  # fmt: skip
    fields = [v[:w].ljust(w) for v, w in zip(values, _ISA_WIDTHS, strict=True)]
    return d.element.join(["ISA", *fields, d.component]) + d.segment + d.suffix


def interchange_text(
    inbound: IsaHeader, control: int, groups: Sequence[Sequence[Segment]], ctx: AckContext
) -> str:
    """The whole ack interchange: ISA (ISA13 = `control`), the given blocks, IEA.

    `groups` are GS..GE blocks (or, for a TA1, the TA1 segment: IEA01 counts only GS).
    """
    body = [s for block in groups for s in block]
    gs_count = sum(1 for s in body if s.tag == "GS")
    trailer = seg("IEA", gs_count, f"{control % 10**9:09d}")
    d = inbound.delimiters
    return _isa(inbound, control, ctx) + "".join(_render(s, d) for s in [*body, trailer])


def group_segments(
    inbound: IsaHeader,
    group: GroupOutcome,
    version: str,
    sets: Sequence[Sequence[Segment]],
    ctx: AckContext,
    functional_id: str = "FA",
) -> list[Segment]:
    """GS*FA (GS02/GS03 swapped from the inbound group) .. GE around the given ST..SE;
    `functional_id` is GS01 for other answers (AG: the 824 application advice)."""
    control = ctx.take_reference()
    now = ctx.utc()
    header = seg(
        "GS",
        functional_id,
        group.receiver or inbound.receiver,
        group.sender or inbound.sender,
        now.strftime("%Y%m%d"),
        now.strftime("%H%M"),
        control,
        "X",
        version,
    )
    body = [s for block in sets for s in block]
    return [header, *body, seg("GE", len(sets), control)]


def set_segments(
    type_code: str, control: str, reference: str | None, body: Sequence[Segment]
) -> list[Segment]:
    """ST..SE around `body`, SE01 counting ST and SE."""
    return [
        seg("ST", type_code, control, reference),
        *body,
        seg("SE", len(body) + 2, control),
    ]


def ta1_interchange(inbound: IsaHeader, status: str, note: str, ctx: AckContext) -> str:
    """A TA1-only interchange (IEA01 = 0): TA101..TA105 answer the inbound ISA."""
    control = ctx.take_control()
    ta1 = seg(
        "TA1",
        inbound.control.strip(),
        inbound.get(9).strip(),
        inbound.get(10).strip(),
        status,
        note,
    )
    return interchange_text(inbound, control, [[ta1]], ctx)
