"""EDIFACT APERAK (D96A) answering one original interchange.

Envelope (segments and escaping from `gateway.ack.contrl`): default delimiters (no UNA),
one segment per line; UNB with the original parties swapped (no qualifiers: the origin
does not carry them), 0035 = 1 for a test original. Syntax identifier: UNOA level A when
every character fits, else UNOB (adds lower case), else UNOC (Latin-1), else UNOW with
syntax version 4 (UTF-8). One APERAK message per original message:

  UNH+<ref>+APERAK:D:96A:UN
  BGM+305+<ref>+<1225>+<4343>   305 application error and acknowledgement;
        accepted: 29 (accepted without amendment) + AP (accepted);
        rejected: 27 (not accepted) + RE (rejected);
        partial:  27 (not accepted as a whole) and no 4343 — the ERC groups say what failed
  DTM+137:<CCYYMMDDHHMM>:203     document date/time (UTC)
  SG1 (at most 9): RFF+ACW:<original UNH 0062>, then RFF+ON:<purchase order> and
        RFF+CN:<tracking number> (carrier's reference number) while room is left
  per Amazon error, SG3: ERC+<DE 647 condition code (see gateway.ack.advice)>,
        FTX+AAO+++<"code: message" in up to five 70-character pieces>,
        SG4 RFF+CN:<tracking number> (or RFF+ON:<PO>) of the submission it belongs to
  UNT+<count>+<ref>
Special characters in values are escaped with the release character (?).
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from gateway.ack.context import AckContext
from gateway.ack.contrl import EdifactSegment, EdifactWriter, edifact_seg
from gateway.envelope.unb import EdifactDelimiters

if TYPE_CHECKING:
    from gateway.ack.advice import AdviceSet

__all__ = ["APERAK_IDENTIFIER", "AperakText", "aperak_interchange", "syntax_for"]

APERAK_IDENTIFIER = ("APERAK", "D", "96A", "UN")  # UNH S009
_BGM = {"accepted": ("29", "AP"), "rejected": ("27", "RE"), "partial": ("27", None)}
_UNOA = frozenset(string.ascii_uppercase + string.digits + " .,-()/='+:?!\"%&*;<>")
_UNOB = _UNOA | frozenset(string.ascii_lowercase)
_MAX_SG1 = 9
_MAX_SG3 = 999
_REF = 35  # 1154 an..35
_TEXT, _TEXTS = 70, 5  # FTX C108: 4440 an..70, five times


def syntax_for(values: Iterable[str]) -> tuple[str, str]:
    """UNB S001 (syntax identifier, version) the values need (see the module docstring)."""
    chars = {c for v in values for c in v}
    if chars <= _UNOA:
        return "UNOA", "3"
    if chars <= _UNOB:
        return "UNOB", "3"
    if all(ord(c) < 256 and c.isprintable() for c in chars):
        return "UNOC", "3"
    return "UNOW", "4"


def _values(sets: Sequence[AdviceSet]) -> list[str]:
    out: list[str] = []
    for s in sets:
        o = s.origin
        out += [o.sender, o.receiver, o.transaction_control, *s.purchase_orders]
        out += [*s.tracking_numbers, *(e.text for e in s.errors)]
    return out


def aperak_interchange(sets: Sequence[AdviceSet], ctx: AckContext) -> str:
    """The whole APERAK interchange (UNB..UNZ) for the sets of one original interchange."""
    first = sets[0].origin
    syntax_id, version = syntax_for(_values(sets))
    writer = EdifactWriter(EdifactDelimiters(suffix="\n"), version)
    control = str(ctx.take_control())
    now = ctx.utc()
    unb = edifact_seg(
        "UNB",
        (syntax_id, version),
        (first.receiver,),  # S002 <- original S003
        (first.sender,),  # S003 <- original S002
        (now.strftime("%Y%m%d" if version == "4" else "%y%m%d"), now.strftime("%H%M")),
        control,
        *([None] * 5 + ["1"] if first.test else []),  # 0035 test indicator
    )
    segments = [unb]
    for s in sets:
        segments.extend(_message(s, str(ctx.take_reference()), now.strftime("%Y%m%d%H%M")))
    segments.append(edifact_seg("UNZ", len(sets), control))
    return "".join(writer.render(s) for s in segments)


class AperakText:
    """The sets of one APERAK interchange, added one at a time and rendered together (the
    syntax identifier depends on every value of the interchange): a bounded part of a big
    advice (gateway.ack.advice_parts), never a whole file's sets."""

    def __init__(self) -> None:
        self._sets: list[AdviceSet] = []
        self.chars = 0  # about: the text its messages will take

    @property
    def sets(self) -> int:
        return len(self._sets)

    def add(self, s: AdviceSet) -> None:
        self._sets.append(s)
        values = [*s.purchase_orders, *s.tracking_numbers, s.origin.transaction_control]
        self.chars += 120 + sum(len(v) + 12 for v in values)
        self.chars += sum(len(e.text) + 40 for e in s.errors[:_MAX_SG3])

    def interchange(self, ctx: AckContext) -> str:
        """UNB..UNZ numbered from `ctx` (as often as needed)."""
        return aperak_interchange(self._sets, ctx)


def _message(s: AdviceSet, reference: str, stamp: str) -> list[EdifactSegment]:
    function, response = _BGM[s.status]
    body = [
        edifact_seg("UNH", reference, APERAK_IDENTIFIER),
        edifact_seg("BGM", "305", reference, function, response),
        edifact_seg("DTM", ("137", stamp, "203")),
        edifact_seg("RFF", ("ACW", s.origin.transaction_control[:_REF])),
    ]
    refs = [("ON", p) for p in s.purchase_orders] + [("CN", t) for t in s.tracking_numbers]
    body.extend(edifact_seg("RFF", (q, v[:_REF])) for q, v in refs[: _MAX_SG1 - 1])
    for error in s.errors[:_MAX_SG3]:
        pieces = [error.text[i : i + _TEXT] for i in range(0, len(error.text), _TEXT)]
        body.append(edifact_seg("ERC", (error.condition,)))
        body.append(edifact_seg("FTX", "AAO", None, None, tuple(pieces[:_TEXTS])))
        if error.tracking_number:
            body.append(edifact_seg("RFF", ("CN", error.tracking_number[:_REF])))
        elif error.purchase_order:
            body.append(edifact_seg("RFF", ("ON", error.purchase_order[:_REF])))
    body.append(edifact_seg("UNT", len(body) + 1, reference))
    return body
