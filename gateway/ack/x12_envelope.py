"""X12 ack envelopes: segment model and writer, ISA / GS / ST builders, and the TA1.

An ack interchange answers one inbound interchange: its ISA swaps the inbound sender and
receiver, and it is written with the inbound delimiters (and the line break that followed
each segment terminator, never other white space) when they are usable, else with the
conventional ones (`ack_delimiters`). Every value copied from the input into an ack is
checked against its element's type and length (`fit`): an optional one that fails is left
out, a mandatory one replaced by a placeholder of the element's type.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from gateway.ack.context import AckContext
from gateway.ack.model import AckText, Room
from gateway.envelope.outcome import GroupOutcome
from gateway.envelope.x12_header import IsaHeader
from gateway.envelope.x12_syntax import Delimiters, usable_delimiter
from gateway.text import is_digits, suspect_pattern

__all__ = [
    "CONVENTIONAL",
    "Element",
    "Segment",
    "SegmentWriter",
    "ack_delimiters",
    "clean",
    "fit",
    "fit_unique",
    "group_header",
    "group_segments",
    "iea_segment",
    "interchange_text",
    "is_5010",
    "isa_text",
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
        tag, tuple(["" if e is None else str(e) if isinstance(e, int) else e for e in elements])
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


class SegmentWriter:
    """Writes segments one by one into one text: an ack listing every set of a big group
    is rendered as its sets are read, never held as segment objects. `count`: segments
    written."""

    def __init__(self, d: Delimiters) -> None:
        self.d = d
        self.count = 0
        self._out = AckText()
        self.room = Room()  # the segments in error it may still name (all its groups)

    def text(self, text: str) -> None:
        """Already rendered text (the fixed-width ISA)."""
        self._out.write(text)

    def rendered(self, text: str, count: int) -> None:
        """`count` segments already rendered as `text` (with these delimiters)."""
        self._out.write(text)
        self.count += count

    def write(self, *segments: Segment) -> None:
        for segment in segments:
            self._out.write(_render(segment, self.d))
        self.count += len(segments)

    def line(self, tag: str, *elements: str | int | None) -> None:
        """One segment of simple elements, as `write(seg(tag, *elements))` writes it, made
        straight into text (no `Segment` object: an ack per interchange of a mailbag)."""
        parts = [tag, *["" if e is None else str(e) if isinstance(e, int) else e for e in elements]]
        while len(parts) > 1 and parts[-1] == "":
            parts.pop()
        d = self.d
        self._out.write(d.element.join(parts) + d.segment + d.suffix)
        self.count += 1

    def getvalue(self) -> str:
        return self._out.getvalue()


def clean(value: str, d: Delimiters) -> str:
    """A copied value without the delimiters it cannot carry (X12 has no release char) and
    without control characters."""
    # one character class: the delimiters and every control character (kept per delimiters)
    return suspect_pattern(d.element + d.component + d.segment + (d.repetition or "")).sub(
        "", value
    )


# X12's conventional delimiters: * > ~ (and ^ for repetition from 00402 on)
CONVENTIONAL = Delimiters(element="*", component=">", repetition="^", segment="~", suffix="\n")


def line_break(suffix: str) -> str:
    """The line break a partner writes after its segments (CR LF, LF or CR), or ''."""
    for candidate in ("\r\n", "\n", "\r"):
        if candidate in suffix:
            return candidate
    return ""


# inbound delimiters (by identity: an interchange's reader shares one object among its
# headers) -> (them, the ack's); a mailbag's thousands of acks each ask several times
_ACK_DELIMITERS: dict[int, tuple[Delimiters, Delimiters]] = {}
_MEMO_MAX = 4096  # entries kept by each memo of this module (then it starts again)
_MEMO_VALUE = 64  # longest inbound value a memo keeps (an ack element holds 35 at most)


def ack_delimiters(inbound: IsaHeader) -> Delimiters:
    """The delimiters an ack to `inbound` is written with: the inbound ones when usable
    (distinct, no letter, digit or blank), else the conventional
    `* > ~`; the repetition separator (00402+) likewise, else `^`; the partner's line break
    after each segment, never other white space. The same object for the same inbound
    delimiters object (`fit` and `isa_text` key their memos on it)."""
    d = inbound.delimiters
    hit = _ACK_DELIMITERS.get(id(d))
    if hit is not None and hit[0] is d:
        return hit[1]
    made = _ack_delimiters(d)
    if len(d.suffix) > 2:  # a long run of line breaks after the ISA is not kept
        return made
    if len(_ACK_DELIMITERS) >= _MEMO_MAX:
        _ACK_DELIMITERS.clear()
    _ACK_DELIMITERS[id(d)] = (d, made)
    return made


def _ack_delimiters(d: Delimiters) -> Delimiters:
    main = (d.element, d.component, d.segment)
    ok = usable_delimiter(d.element) and usable_delimiter(d.component)
    ok = ok and usable_delimiter(d.segment, terminator=True)
    if not ok or len(set(main)) != 3:
        d, main = CONVENTIONAL, ("*", ">", "~")
    repetition = d.repetition
    if not usable_delimiter(repetition) or repetition in main:
        # three candidates can all be taken by the main three (`| ^ !`): four always leave one
        repetition = next(c for c in "^!|`" if c not in main)
    suffix = "" if d.segment in "\r\n" else line_break(d.suffix)
    return Delimiters(d.element, d.component, repetition, d.segment, suffix)


# (value, id of the delimiters, low, high, numeric) -> (the delimiters, what `fit` made)
_FITS: dict[tuple[str | None, int, int, int, bool], tuple[Delimiters, str | None]] = {}


def fit(value: str | None, d: Delimiters, low: int, high: int, numeric: bool = False) -> str | None:
    """A value copied from the input into an ack element of `low`..`high` characters (N0
    when `numeric`); None when it does not fit or holds a delimiter or control character."""
    if value is not None and len(value) > _MEMO_VALUE:  # not kept: never copied anyway
        return _fit(value, d, low, high, numeric)
    key = (value, id(d), low, high, numeric)
    hit = _FITS.get(key)
    if hit is not None and hit[0] is d:
        return hit[1]
    made = _fit(value, d, low, high, numeric)
    if len(_FITS) >= _MEMO_MAX:
        _FITS.clear()
    _FITS[key] = (d, made)
    return made


def fit_unique(
    value: str | None, d: Delimiters, low: int, high: int, numeric: bool = False
) -> str | None:
    """`fit` for a value that differs each time (a set's control number): not remembered,
    so a file of 100,000 refused sets does not fill the memo with their numbers."""
    return _fit(value, d, low, high, numeric)


def _fit(value: str | None, d: Delimiters, low: int, high: int, numeric: bool) -> str | None:
    text = (value or "").strip(" ")  # blank padding only: a TAB is a control character
    if clean(text, d) != text or (numeric and not is_digits(text)):
        return None
    return text if low <= len(text) <= high else None


def is_5010(version: str | None) -> bool:
    """GS08 / ST03 at or after 005010 (X12 version numbers sort as text)."""
    return bool(version) and (version or "")[:6] >= "005010"


_ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1)


# (id of the ack's delimiters, the inbound ISA05..ISA08, ISA12, ISA15, the ack's date and
# time) -> (those delimiters, the ack's ISA up to ISA13, after it)
_ISA_PARTS: dict[tuple[int, str, str, str, str, str, str, str, str], tuple[Delimiters, str, str]]
_ISA_PARTS = {}


def isa_text(inbound: IsaHeader, control: int, ctx: AckContext) -> str:
    """ISA01..ISA16 of the ack, fixed width (106 characters with its terminator)."""
    d = ack_delimiters(inbound)
    date, time, _ = ctx.stamps()
    get = inbound.get
    key = (id(d), get(5), get(6), get(7), get(8), get(12), get(15), date, time)
    hit = _ISA_PARTS.get(key)
    if hit is None or hit[0] is not d:
        hit = (d, *_isa_parts(inbound, d, date, time))
        if any(len(v) > _MEMO_VALUE for v in key[1:7]):  # not kept
            return f"{hit[1]}{control % 10**9:09d}{hit[2]}"
        if len(_ISA_PARTS) >= _MEMO_MAX:
            _ISA_PARTS.clear()
        _ISA_PARTS[key] = hit
    return f"{hit[1]}{control % 10**9:09d}{hit[2]}"


def _isa_parts(inbound: IsaHeader, d: Delimiters, date: str, time: str) -> tuple[str, str]:
    """The ack's ISA text before ISA13 (its separator included) and after it."""
    version = inbound.version if len(inbound.version) == 5 and is_digits(inbound.version) else ""
    version = version or "00401"
    usage = inbound.get(15).strip()

    def qualifier(value: str) -> str:  # ISA05 / ISA07: ID 2/2
        return value if len(value) == 2 and value.isalnum() and value.isascii() else "ZZ"

    values = (
        "00", "", "00", "",
        qualifier(inbound.receiver_qualifier), fit(inbound.receiver, d, 1, 15) or "0",
        qualifier(inbound.sender_qualifier), fit(inbound.sender, d, 1, 15) or "0",
        date, time, d.repetition if version >= "00402" and d.repetition else "U",
        version, "", "0", usage if usage in ("P", "T", "I") else "P",
    )  # fmt: skip
    fields = [v[:w].ljust(w) for v, w in zip(values, _ISA_WIDTHS, strict=True)]
    sep = d.element
    head = sep.join(["ISA", *fields[:12], ""])
    return head, sep + sep.join([*fields[13:], d.component]) + d.segment + d.suffix


def interchange_text(
    inbound: IsaHeader, control: int, groups: Sequence[Sequence[Segment]], ctx: AckContext
) -> str:
    """The whole ack interchange: ISA (ISA13 = `control`), the given blocks, IEA.

    `groups` are GS..GE blocks (or, for a TA1, the TA1 segment: IEA01 counts only GS).
    """
    body = [s for block in groups for s in block]
    trailer = iea_segment(sum(1 for s in body if s.tag == "GS"), control)
    d = ack_delimiters(inbound)
    return isa_text(inbound, control, ctx) + "".join(_render(s, d) for s in [*body, trailer])


def iea_segment(groups: int, control: int) -> Segment:
    """IEA: IEA01 the GS..GE groups in the interchange, IEA02 = ISA13 (`control`)."""
    return seg("IEA", groups, f"{control % 10**9:09d}")


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
    header = group_header(inbound, group, version, control, ctx, functional_id)
    body = [s for block in sets for s in block]
    return [header, *body, seg("GE", len(sets), control)]


def group_header(
    inbound: IsaHeader,
    group: GroupOutcome,
    version: str,
    control: int,
    ctx: AckContext,
    functional_id: str = "FA",
) -> Segment:
    """The GS of an answer to `group` (see `group_segments`); GS06 = `control`."""
    _, time, date = ctx.stamps()
    d = ack_delimiters(inbound)
    return seg(
        "GS",
        functional_id,
        fit(group.receiver, d, 2, 15) or fit(inbound.receiver, d, 2, 15) or "00",
        fit(group.sender, d, 2, 15) or fit(inbound.sender, d, 2, 15) or "00",
        date,
        time,
        control,
        "X",
        version,
    )


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
    """A TA1-only interchange (IEA01 = 0): TA101..TA105 answer the inbound ISA.

    TA101 (I12, N0 9/9), TA102 (I08, DT YYMMDD) and TA103 (I09, TM HHMM) are copied from
    ISA13 / ISA09 / ISA10 when they are valid; otherwise TA101 is 000000000 and TA102 /
    TA103 are the ack's own date and time (the elements are mandatory)."""
    control = ctx.take_control()
    now = ctx.utc()
    date, time = inbound.get(9).strip(), inbound.get(10).strip()
    ta1 = seg(
        "TA1",
        _fixed_digits(inbound.control.strip(), 9) or "000000000",
        date if _fixed_digits(date, 6) and _valid_yymmdd(date) else now.strftime("%y%m%d"),
        time
        if _fixed_digits(time, 4) and time[:2] < "24" and time[2:] < "60"
        else now.strftime("%H%M"),
        status,
        note,
    )
    return interchange_text(inbound, control, [[ta1]], ctx)


def _fixed_digits(value: str, width: int) -> str | None:
    return value if len(value) == width and is_digits(value) else None


def _valid_yymmdd(value: str) -> bool:
    try:
        datetime.strptime(value, "%y%m%d")
    except ValueError:
        return False
    return True


def render(segments: Iterable[Segment], inbound: IsaHeader) -> str:
    """Segments as text in the ack's delimiters (`ack_delimiters(inbound)`): a part of an
    ack written ahead of its envelope, so a big ack need not keep its segment objects."""
    d = ack_delimiters(inbound)
    return "".join(_render(s, d) for s in segments)


def rendered_interchange_text(
    inbound: IsaHeader, control: int, groups: int, body: Iterable[str], ctx: AckContext
) -> str:
    """`interchange_text` for a body already rendered (`render`) holding `groups` GS."""
    trailer = _render(iea_segment(groups, control), ack_delimiters(inbound))
    return "".join([isa_text(inbound, control, ctx), *body, trailer])
