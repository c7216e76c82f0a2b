"""X12 824 Application Advice answering one original interchange (004010 / 005010 layout).

Envelope (built with `gateway.ack.x12_envelope`): ISA with the original parties swapped
(qualifiers ZZ: the origin does not carry the original ones), ISA12 from the first five
digits of the original GS08 (004010 -> 00401, else 00401), ISA15 T for a test original;
delimiters * > ~ (and ^ repetition from 00402 on), one segment per line. One GS*AG group
per original functional group, GS08 = the original GS08, holding one 824:

  ST*824*0001
  BGN*00*<advice ISA13 + ST02>*CCYYMMDD*HHMM      purpose 00: an original advice
  per original transaction set, one OTI loop:
    OTI*<TA|TR|TE>*TN*<orig ST02>*****<orig GS06>*<orig ST02>*<orig ST01>*<orig GS08>
        OTI01 TA accepted / TR rejected / TE partly accepted or accepted with errors;
        OTI02 TN (transaction reference number) + OTI03 = the original ST02, the one
        reference every original set has (BSN02 / B10 are not kept by the gateway);
        OTI06 / OTI07 (original date/time) are left out: the origin does not carry them.
    REF*PO*<purchase order> and REF*2I*<tracking number> (at most 12 REF per OTI loop;
        a value over 30 characters is cut in REF02 and given whole in REF03)
    per Amazon error: TED*<DE 647 code>*<"PO/tracking: code: message", 60 chars>, and when the
    text is longer, NTE lines (wrapped at 80 chars, at most 10) with the whole of it; a
    gateway refusal adds where it points: TED03 segment ID (DE 721), TED04 segment position
    in the set (DE 719), TED06 element position (C030), TED07 data element reference
    (DE 725), TED08 copy of the refused value (DE 724)
  SE*<count>*0001
X12 has no release character: delimiters inside copied values are removed.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING

from gateway.ack.context import AckContext
from gateway.ack.x12_envelope import (
    Segment,
    clean,
    group_segments,
    render,
    rendered_interchange_text,
    seg,
)
from gateway.envelope.outcome import GroupOutcome
from gateway.envelope.x12_header import IsaHeader
from gateway.envelope.x12_syntax import Delimiters
from gateway.origin import Origin
from gateway.text import is_digits

if TYPE_CHECKING:
    from gateway.ack.advice import AdviceError, AdviceSet

__all__ = ["OTI_STATUS", "X12AdviceText", "advice_isa_version", "x12_advice_interchange"]

OTI_STATUS = {"accepted": "TA", "rejected": "TR", "partial": "TE"}  # OTI01 (DE 110)
_MAX_REF = 12
_TED_TEXT = 60  # TED02 (DE 3) AN 1/60
_NTE_TEXT = 80  # NTE02 (DE 352) AN 1/80
_MAX_NTE = 10


def advice_isa_version(gs_version: str) -> str:
    """ISA12 from the original GS08: its first five characters when they are digits."""
    head = gs_version[:5]
    return head if len(head) == 5 and is_digits(head) else "00401"


def _delimiters(isa_version: str) -> Delimiters:
    repetition = "^" if isa_version >= "00402" else None
    return Delimiters(element="*", component=">", repetition=repetition, segment="~", suffix="\n")


def _original_header(o: Origin, isa_version: str) -> IsaHeader:
    """An ISA standing for the original interchange: the envelope builder swaps its parties."""
    d = _delimiters(isa_version)
    usage = "T" if o.test else "P"
    elements = (
        "ISA", "00", "", "00", "", "ZZ", o.sender, "ZZ", o.receiver, "", "",
        d.repetition or "U", isa_version, o.interchange_control, "0", usage, d.component,
    )  # fmt: skip
    return IsaHeader(elements, d)


def x12_advice_interchange(sets: Sequence[AdviceSet], ctx: AckContext) -> str:
    """The whole 824 interchange (ISA..IEA) for the sets of one original interchange."""
    text = X12AdviceText()
    for s in sets:
        text.add(s)
    return text.interchange(ctx)


class X12AdviceText:
    """An 824 written set by set: each set's OTI loop is text as soon as it is added, so a
    big file's advice (hundreds of thousands of sets) keeps its text, not its sets and
    segment objects. Add the sets of one original interchange in their order, then ask for
    `interchange` (as often as needed: each call numbers it afresh from `ctx`)."""

    def __init__(self) -> None:
        self._first: Origin | None = None
        self._header: IsaHeader | None = None
        # (GS06, GS08) of the original group -> its OTI loops' text and segment count
        self._groups: dict[tuple[str | None, str], tuple[list[str], list[int]]] = {}
        self.sets = 0  # OTI loops written
        self.chars = 0  # characters of their text

    def __bool__(self) -> bool:
        return self._first is not None

    def add(self, s: AdviceSet) -> None:
        if self._header is None:  # the first set's origin stands for the interchange
            self._first = s.origin
            self._header = _original_header(s.origin, advice_isa_version(s.origin.version))
        loops, count = self._groups.setdefault((s.origin.group_control, s.origin.version),
                                               ([], [0]))  # fmt: skip
        loop = _oti_loop(s, self._header.delimiters)
        text = render(loop, self._header)
        loops.append(text)
        count[0] += len(loop)
        self.sets += 1
        self.chars += len(text)

    def interchange(self, ctx: AckContext) -> str:
        """ISA..IEA: one GS*AG group holding one 824 per original group (numbered by `ctx`)."""
        first, header = self._first, self._header
        if first is None or header is None:
            raise ValueError("an 824 needs at least one set")
        control = ctx.take_control()
        pieces: list[str] = []  # joined once, into the interchange: no copy per group
        for number, ((_, version), (loops, count)) in enumerate(self._groups.items(), start=1):
            st02 = f"{number:04d}"
            bgn = _bgn(f"{control % 10**9:09d}{st02}", ctx)
            parties = GroupOutcome(None, None, sender=first.sender, receiver=first.receiver)
            gs, ge = group_segments(header, parties, version, [()], ctx, "AG")  # GE01: one 824
            opening = render([gs, seg("ST", "824", st02, None), bgn], header)
            # SE01 counts ST, BGN, the OTI loops and SE
            closing = render([seg("SE", count[0] + 3, st02), ge], header)
            pieces += [opening, *loops, closing]
        return rendered_interchange_text(header, control, len(self._groups), pieces, ctx)


def _bgn(reference: str, ctx: AckContext) -> Segment:
    """BGN: purpose 00 (original), the advice's own reference, date and time (UTC)."""
    now = ctx.utc()
    return seg("BGN", "00", reference, now.strftime("%Y%m%d"), now.strftime("%H%M"))


def _where(error: AdviceError, d: Delimiters) -> tuple[str | None, ...]:
    """TED03..TED08 for an error that points into the original set (else nothing)."""
    if not error.segment:
        return ()
    return (clean(error.segment, d)[:3], str(error.position) if error.position else None, None,
            str(error.element) if error.element else None,
            clean(error.element_ref or "", d) or None,
            clean(error.value or "", d)[:99] or None)  # fmt: skip


def _oti_loop(s: AdviceSet, d: Delimiters) -> list[Segment]:
    o = s.origin
    st02 = clean(o.transaction_control, d)
    oti = seg(
        "OTI",
        OTI_STATUS[s.status],
        "TN",
        st02,
        None,  # OTI04 application sender's code
        None,  # OTI05 application receiver's code
        None,  # OTI06 date of the original (not known)
        None,  # OTI07 time of the original (not known)
        clean(o.group_control or "", d),  # OTI08 <- original GS06
        st02,  # OTI09 <- original ST02
        clean(o.transaction_type, d),  # OTI10 <- original ST01
        clean(o.version, d),  # OTI11 <- original GS08
    )
    refs = [("PO", p) for p in s.purchase_orders] + [("2I", t) for t in s.tracking_numbers]
    segments = [oti]
    for qualifier, value in refs[:_MAX_REF]:
        v = clean(value, d)  # REF02 is AN 1/30 in 004010: a longer one goes whole in REF03
        segments.append(seg("REF", qualifier, v[:30], v[:80] if len(v) > 30 else None))
    for error in s.errors:
        event = "/".join(v for v in (error.purchase_order, error.tracking_number) if v)
        text = clean(f"{event}: {error.text}" if event else error.text, d)
        segments.append(seg("TED", error.condition, text[:_TED_TEXT].rstrip(), *_where(error, d)))
        if len(text) > _TED_TEXT:
            lines = textwrap.wrap(text, _NTE_TEXT)[:_MAX_NTE]
            segments.extend(seg("NTE", None, line) for line in lines)
    return segments
