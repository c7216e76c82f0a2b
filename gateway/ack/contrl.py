"""EDIFACT CONTRL syntax and service reports, built from the envelope outcomes.

One CONTRL interchange per inbound interchange (when the profile wants CONTRL or UNB 0031
asks for one): UNA when the inbound had one or its delimiters are not the defaults, UNB
with the inbound syntax identifier and the parties swapped, UNH, UCI for the interchange,
then UCM (with UCS / UCD) per message — every message when an acknowledgement was requested
or positive advice is on, otherwise only the rejected ones — grouped under UCF for messages
inside UNG..UNE, UNT, UNZ.

The CONTRL is written with the inbound delimiters when they are usable (distinct, no
letter, digit or blank), else with EDIFACT's defaults `:+.? '`; after each segment it
repeats the partner's line break, never other white space. Values copied from the input
(control references, parties, syntax identifier, message identifiers) are checked against
their element's type and length: an optional one that fails is left out, a mandatory one
replaced by a placeholder.

Message identifier by syntax version (UNB S001 0002): syntax 4 -> CONTRL:4:1:UN (the
service message as published with ISO 9735 version 4, release 1); syntax 3 ->
CONTRL:D:3:UN (the CONTRL directory entry that syntax 3 uses); syntax 1 / 2 ->
CONTRL:2:2:UN (the identifier partners on the older syntax use for it).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from gateway.ack.codes import edifact_code
from gateway.ack.context import AckContext
from gateway.ack.model import Acknowledgement, AckText, Room, answerable, errors_first
from gateway.ack.own_ids import edifact_own_id
from gateway.envelope.edifact_header import CHARSETS
from gateway.envelope.outcome import GroupOutcome, InterchangeOutcome, SetOutcome, has_error
from gateway.envelope.unb import DEFAULT_DELIMITERS, EdifactDelimiters, UnbHeader, usable
from gateway.problems import Level, Problem, Severity, clip_value
from gateway.profile import AckPreferences
from gateway.text import suspect_pattern

__all__ = [
    "EdifactSegment",
    "EdifactWriter",
    "contrl_acks",
    "contrl_delimiters",
    "contrl_interchange",
    "edifact_seg",
    "message_identifier",
]

Element = str | tuple[str, ...]  # a simple element, or a composite's components
_ACCEPTED, _REJECTED = "7", "4"  # 0083 action: acknowledged / rejected
_MAX_UCS = 999
_MAX_UCD = 99
_CONTROL = suspect_pattern()  # CONTROL_CHARACTERS


# inbound delimiters (by identity: a reader shares one object among its interchanges) ->
# (them, the CONTRL's); a mailbag asks once per interchange
_DELIMITERS: dict[int, tuple[EdifactDelimiters, EdifactDelimiters]] = {}
_MEMO_MAX = 4096


def contrl_delimiters(d: EdifactDelimiters) -> EdifactDelimiters:
    """The inbound delimiters when a CONTRL can be written with them, else the defaults
    `:+.? '` (keeping the partner's line break)."""
    hit = _DELIMITERS.get(id(d))
    if hit is not None and hit[0] is d:
        return hit[1]
    ok = usable(d)
    suffix = "" if d.segment in "\r\n" else _line_break(d.suffix)
    made = replace(d if ok else DEFAULT_DELIMITERS, suffix=suffix)
    if len(_DELIMITERS) >= _MEMO_MAX:
        _DELIMITERS.clear()
    _DELIMITERS[id(d)] = (d, made)
    return made


def _line_break(suffix: str) -> str:
    for candidate in ("\r\n", "\n", "\r"):
        if candidate in suffix:
            return candidate
    return ""


def _an(value: str | None, most: int) -> str | None:
    """A copied an..`most` value; None when empty, too long or holding a control character
    (delimiters in it are released by the writer)."""
    text = (value or "").strip()
    return text if 0 < len(text) <= most and not _CONTROL.search(text) else None


@dataclass(frozen=True, slots=True)
class _Segment:
    tag: str
    elements: tuple[Element, ...] = ()


def _seg(tag: str, *elements: Element | int | None) -> _Segment:
    return _Segment(
        tag, tuple(["" if e is None else str(e) if isinstance(e, int) else e for e in elements])
    )


class _Writer:
    """Renders segments with the inbound delimiters, escaping with the release character."""

    def __init__(self, d: EdifactDelimiters, syntax_version: str) -> None:
        self.d = d
        self._una4 = d.repetition if syntax_version == "4" else " "  # reserved before syntax 4
        special = [d.component, d.element, d.segment]
        if d.release:
            special.append(d.release)
        if syntax_version == "4" and d.repetition.strip():
            special.append(d.repetition)
        self._special = frozenset(special)

    def _escape(self, value: str) -> str:
        if self._special.isdisjoint(value):  # the usual value: nothing to release
            return value
        if self.d.release is None:
            return "".join(c for c in value if c not in self._special)
        return "".join(self.d.release + c if c in self._special else c for c in value)

    def _element(self, element: Element) -> str:
        if isinstance(element, tuple):
            parts = [self._escape(c) for c in element]
            while parts and parts[-1] == "":
                parts.pop()
            return self.d.component.join(parts)
        return self._escape(element)

    def render(self, segment: _Segment) -> str:
        parts = [segment.tag, *[self._element(e) for e in segment.elements]]
        while len(parts) > 1 and parts[-1] == "":
            parts.pop()
        return self.d.element.join(parts) + self.d.segment + self.d.suffix

    def una(self) -> str:
        d = self.d
        return f"UNA{d.component}{d.element}{d.decimal}{d.release or ' '}{self._una4}" + (
            d.segment + d.suffix
        )


def message_identifier(syntax_version: str) -> tuple[str, ...]:
    """UNH S009 of the CONTRL for an inbound syntax version (see the module docstring)."""
    if syntax_version == "4":
        return ("CONTRL", "4", "1", "UN")
    if syntax_version in ("1", "2"):
        return ("CONTRL", "2", "2", "UN")
    return ("CONTRL", "D", "3", "UN")


def contrl_acks(
    interchanges: Sequence[InterchangeOutcome[UnbHeader]], prefs: AckPreferences, ctx: AckContext
) -> list[Acknowledgement]:
    """CONTRL interchanges answering each inbound EDIFACT interchange, in order."""
    acks: list[Acknowledgement] = []
    for outcome, inbound in answerable(interchanges):
        if not (prefs.contrl or inbound.ack_requested):
            continue
        header = edifact_own_id(inbound, prefs)  # our UNB S002: S003, else the own id
        list_all = header.ack_requested or prefs.positive_advice
        text = contrl_interchange(outcome, header, list_all, ctx)
        # (the UNB 0020 it answers, clipped: an ack is kept to the end of the file)
        acks.append(Acknowledgement("CONTRL", text, acknowledges=clip_value(header.control)))
    return acks


def _party(identifier: str, qualifier: str) -> tuple[str, ...]:
    """S002 / S003: identification an..35 (mandatory), code qualifier an..4 (left out when
    it does not fit)."""
    return (_an(identifier, 35) or "0", _an(qualifier, 4) or "")


def _where(p: Problem | None) -> tuple[Element, ...]:
    """0085 error code, 0135 service segment tag, S011 element position:component."""
    if p is None:
        return ()
    tag = p.segment if p.segment and p.segment.isalnum() and len(p.segment) == 3 else None
    if tag is None or p.element is None:
        return (edifact_code(p), tag or "")
    position: Element = (str(p.element), str(p.component)) if p.component else str(p.element)
    return (edifact_code(p), tag, position)


def contrl_interchange(
    outcome: InterchangeOutcome[UnbHeader], header: UnbHeader, list_all: bool, ctx: AckContext
) -> str:
    """The whole CONTRL interchange (UNA/UNB..UNZ) for one inbound interchange."""
    version = header.syntax_version if header.syntax_version in ("1", "2", "3", "4") else "3"
    writer, before, after, sender, recipient = _head(header, version, ctx)
    control = str(ctx.take_control())
    rejected = not outcome.accepted
    first = errors_first(outcome.problems)[0] if outcome.problems else None
    uci = _seg(
        "UCI",
        _an(header.control, 14) or "0",  # 0020 an..14, mandatory
        sender,
        recipient,
        _REJECTED if rejected else _ACCEPTED,
        *_where(first),
    )
    out = AckText()
    out.write(before + control + after)  # UNA, UNB, UNH
    out.write(writer.render(uci))
    count = 2  # UNH, UCI: UNT 0074 counts UNH .. UNT
    if not rejected:  # a rejected interchange rejects everything in it: the UCI says all
        bare = [g for g in outcome.groups if g.control is None]
        grouped = [g for g in outcome.groups if g.control is not None]
        # written as the messages are read: a CONTRL listing 100,000 messages is held as
        # its text only
        room = Room()  # the segments in error it may still name (UCS)
        listed = (s for g in bare for m in g.sets for s in _message(m, list_all, room))
        for segment in itertools.chain(listed, *(_group(g, list_all, room) for g in grouped)):
            out.write(writer.render(segment))
            count += 1
    out.write(writer.render(_seg("UNT", count + 1, "1")))
    out.write(writer.render(_seg("UNZ", 1, control)))
    return out.getvalue()


# (id of the inbound delimiters, what the head is made of) -> (those delimiters, `_head`);
# a mailbag's CONTRLs differ in their control numbers only
_HEADS: dict[tuple[object, ...], tuple[EdifactDelimiters, _Head]] = {}
_Head = tuple["_Writer", str, str, tuple[str, ...], tuple[str, ...]]


def _head(header: UnbHeader, version: str, ctx: AckContext) -> _Head:
    """(the CONTRL's writer, its text before and after its own control number, UNB 0020:
    UNA, UNB, UNH; its S002 and S003), made once per inbound delimiters, parties, syntax and
    minute."""
    short, time, long = ctx.stamps()
    date = long if version == "4" else short
    syntax_id = header.syntax_id if header.syntax_id in CHARSETS else "UNOA"  # S001 0001 a4
    h = header
    key = (id(h.delimiters), version, syntax_id, h.sender, h.sender_qualifier, h.recipient,
           h.recipient_qualifier, h.test, h.una, date, time)  # fmt: skip
    hit = _HEADS.get(key)
    if hit is not None and hit[0] is header.delimiters:
        return hit[1]
    delimiters = contrl_delimiters(header.delimiters)
    writer = _Writer(delimiters, version)
    # a control character no delimiter is (a UNA may declare NUL, or any of them)
    d = delimiters
    used = (d.component, d.element, d.decimal, d.release, d.repetition, d.segment)
    mark = next(c for c in "\x00\x01\x02\x03\x04\x05\x06" if c not in used)
    sender = _party(header.sender, header.sender_qualifier)
    recipient = _party(header.recipient, header.recipient_qualifier)
    unb = _seg(
        "UNB",
        (syntax_id, version),
        recipient,
        sender,
        (date, time),
        mark,  # the control number's place: no value copied into the CONTRL holds one
        *([None] * 5 + ["1"] if header.test else []),  # 0035 test indicator
    )
    una = header.una or _non_default(delimiters)
    text = (writer.una() if una else "") + writer.render(unb)
    text += writer.render(_seg("UNH", "1", message_identifier(version)))
    before, after = text.split(mark)
    made = (writer, before, after, sender, recipient)
    if any(isinstance(v, str) and len(v) > 64 for v in key):  # nothing long is kept
        return made
    if len(_HEADS) >= _MEMO_MAX:
        _HEADS.clear()
    _HEADS[key] = (header.delimiters, made)
    return made


def _non_default(d: EdifactDelimiters) -> bool:
    default = DEFAULT_DELIMITERS
    mine = (d.component, d.element, d.decimal, d.release, d.segment)
    return mine != (default.component, default.element, default.decimal, default.release, "'")


def _group(group: GroupOutcome, list_all: bool, room: Room) -> Iterator[_Segment]:
    """UCF for a UNG..UNE group (when rejected, listed or holding a rejected message), then
    its messages (yielded as they are read); `room`: as `_message`."""
    rejected = has_error(group.problems)
    messages: Iterator[_Segment] = (s for m in group.sets for s in _message(m, list_all, room))
    if not (rejected or list_all):  # listed only for a rejected message: look for the first
        found = next(messages, None)
        if found is None:
            return
        messages = itertools.chain([found], messages)
    first = errors_first(group.problems)[0] if group.problems else None
    yield _seg(
        "UCF",
        _an(group.control, 14) or "0",
        (_an(group.sender, 35) or "0",),
        (_an(group.receiver, 35) or "0",),
        _REJECTED if rejected else _ACCEPTED,
        *_where(first),
    )
    if not rejected:
        yield from messages


def _reference(message: SetOutcome, own: list[Problem]) -> str:
    """UCM 0062 (an..14, mandatory): the UNH's message reference, checked; a reference with
    a fault of its own (components, a control character, too long) is not copied but
    replaced by the placeholder '0' (the UCM's 0013 / S011 then name UNH 0062)."""
    if any(p.segment == "UNH" and p.element == 1 for p in own):
        return "0"
    return _an(message.control, 14) or "0"


def _message(message: SetOutcome, list_all: bool, room: Room | None = None) -> list[_Segment]:
    """UCM (+ UCS / UCD per segment in error) for a message that is listed: 0062, S009,
    0083, then for a fault of the message itself 0085 with where it is (0013 service segment
    tag, S011 data element position:component) when known. With `room` (the CONTRL's
    segments in error left to name, `model.SEGMENT_ERRORS`), at most that many UCS, taken
    from it."""
    if message.accepted and not list_all:
        return []
    errors = [p for p in message.problems if p.severity is Severity.ERROR]
    own = [p for p in errors if p.level is Level.TRANSACTION]
    where: tuple[Element, ...] = _where(own[0]) if own else ()
    if not where and not message.supported:
        where = ("14",)  # value (the message type) not supported in this position
    # S009: 0065 an..6, 0052 an..3, 0054 an..3, 0051 an..3 (all mandatory), 0057 an..6
    parts = (message.version or "").split(":")
    identifier = (
        _an(message.type_code, 6) or "0",
        *(_an(parts[i] if i < len(parts) else "", 3) or "0" for i in range(3)),
        *([_an(parts[3], 6) or ""] if len(parts) > 3 else []),
    )
    action = _ACCEPTED if message.accepted else _REJECTED
    control = _reference(message, own)
    if room is None:
        return [_seg("UCM", control, identifier, action, *where), *_segment_reports(errors)]
    reports = _segment_reports(errors, max(room.left, 0))
    room.left -= len(reports)
    if not reports and not where and errors:  # past the budget: its first fault's code
        where = (edifact_code(errors_first(errors)[0]),)
    return [_seg("UCM", control, identifier, action, *where), *reports]


def _segment_reports(errors: list[Problem], most: int = -1) -> list[_Segment]:
    """UCS (segment position, code) per segment-level error; a UCS without code followed by
    UCD (code, element:component) for the element errors of one segment; `_MAX_UCS` UCS at
    most, and with `most` >= 0 that many UCS and UCD in all."""
    segments: list[_Segment] = []
    if most == 0:
        return segments
    last: tuple[int, str | None] | None = None
    ucd_count = 0
    ucs_count = 0
    for p in sorted(errors, key=lambda p: p.position or 0):
        if p.position is None or p.level not in (Level.SEGMENT, Level.ELEMENT):
            continue
        if p.level is Level.SEGMENT or p.element is None:
            segments.append(_seg("UCS", p.position, edifact_code(p)))
            ucs_count += 1
            last = None
        else:
            if last != (p.position, p.segment):
                segments.append(_seg("UCS", p.position))
                ucs_count += 1
                last, ucd_count = (p.position, p.segment), 0
            if ucd_count < _MAX_UCD:
                position: Element = (
                    (str(p.element), str(p.component)) if p.component else str(p.element)
                )
                segments.append(_seg("UCD", edifact_code(p), position))
                ucd_count += 1
        if ucs_count >= _MAX_UCS or 0 <= most <= len(segments):
            break
    return segments


# The segment model and writer, shared with the APERAK builder (gateway.ack.advice_edifact).
EdifactSegment = _Segment
EdifactWriter = _Writer
edifact_seg = _seg
