"""EDIFACT envelope reader: UNA/UNB/UNZ, UNG/UNE, UNH/UNT over the streaming splitter.

Segments come from `edifact_lexer.split_segments` one at a time; only the segments of the
message being read are kept. Each interchange's charset follows its UNB syntax identifier;
control references and counts are checked at every trailer; each finished IFTSTA/DESADV is
validated and parsed (`edifact_messages`) and, when free of syntax errors, handed to the
sink. Every fault is a Problem on the outcome of the level it rejects; nothing here raises
on bad data.

The common segment (inside a message, one line, decodable, nothing released, not a service
segment) takes a short path (`_Reader.feed_batch`): split with str.split, and shared with
its repeats; every other segment takes the long path (`feed_any`), which reports faults.
The two give the same segments (tests/test_edifact_lexer.py holds them to it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import BinaryIO

from gateway.envelope.edifact_faults import (
    control_character,
    line_break,
    repetition_too_many,
    una_cut_short,
    unb_own_delimiters,
    unb_run_on,
)
from gateway.envelope.edifact_header import (
    check_une,
    check_unt,
    check_unz,
    not_edifact,
    read_unb,
    read_ung,
    read_unh,
    truncated,
    whole,
)
from gateway.envelope.edifact_lexer import (
    Batch,
    RawSegment,
    cut_segments,
    decode_segment,
    replaced_at,
    tokenize,
)
from gateway.envelope.edifact_messages import (
    ACK_MESSAGES,
    TRANSLATED_MESSAGES,
    message_origin,
    parse_message,
)
from gateway.envelope.limits import (
    TooLarge,
    count_set,
    edifact_size,
    hold,
    keep_group,
    most_segments,
    set_too_large,
    size_cut,
)
from gateway.envelope.outcome import (
    DocumentSink,
    GroupOutcome,
    InterchangeOutcome,
    SetOutcome,
    SetOutcomes,
    SetSpool,
    has_error,
)
from gateway.envelope.trailing import FileProblems
from gateway.envelope.unb import DEFAULT_DELIMITERS, EdifactDelimiters, UnbHeader, usable
from gateway.parse.edifact_accept import text_acceptance
from gateway.parse.edifact_checks import segment_clean
from gateway.parse.edifact_common import EdiSegment
from gateway.problems import Level, Problem, ProblemCode, clip_value, problem, with_segment_tag
from gateway.profile import PartnerProfile
from gateway.set_problems import SetProblems
from gateway.text import invalid_character

__all__ = ["EdifactResult", "read_edifact"]

_SERVICE = frozenset({"UNB", "UNZ", "UNG", "UNE", "UNH", "UNT"})
# a line break, then a service segment tag and an element separator: the segment before it
# lost its terminator (`UNB+...+CT2301<LF>UNH+1+...`); read as two segments, reported
_RUN_ON = re.compile(rb"[\r\n]+(?=UN[BGHTEZ][^A-Z0-9\r\n])")


@dataclass
class EdifactResult:
    interchanges: list[InterchangeOutcome[UnbHeader]] = field(default_factory=list)
    # file level, outside interchanges: the first KEPT_FILE_PROBLEMS (trailing.FileProblems);
    # `unlisted` counts the others, `unlisted_error` an error among them
    problems: list[Problem] = field(default_factory=list)
    unlisted: int = 0
    unlisted_error: bool = False


@dataclass
class _Message:
    outcome: SetOutcome
    segments: list[EdiSegment]
    # every body segment was split by `feed_batch` and found `segment_clean` there
    checked: bool = True
    # the faults the reader finds in its segments (control characters, repetitions cut
    # short), SET_PROBLEMS listed at most: made at the first
    faults: SetProblems | None = None
    # (position, element) of each repetition fault among them, listed or not
    repeated: set[tuple[int | None, int | None]] | None = None
    too_large: TooLarge | None = None  # past the profile's max_set_segments (`hold`)
    most: int = 0  # the most segments it may have (`limits.most_segments`)
    # its items (tags, components) and characters, at least (`_Reader.count_sizes`), and
    # the (setting, limit) it went past (`limits.size_cut`)
    items: int = 0
    chars: int = 0
    past: tuple[str, int, int] | None = None
    # the segments counted exactly (`size_cut`), and their (items, characters)
    sized: int = 0
    exact: tuple[int, int] = (0, 0)

    def position(self) -> int:
        """The position of the segment last read (UNH = 1)."""
        too_large = self.too_large
        return len(self.segments) + (too_large.dropped if too_large is not None else 0)

    def fault(self, found: Problem) -> None:
        if self.faults is None:
            self.faults = SetProblems()
        self.faults.append(found)
        if found.code is ProblemCode.TOO_MANY_REPETITIONS:
            if self.repeated is None:
                self.repeated = set()
            self.repeated.add((found.position, found.element))


# reader faults (control characters, bad repetitions, ...) of the segments outside any
# message listed per interchange; the others counted in one PROBLEMS_NOT_LISTED (as X12's
# STRUCTURE_FAULTS)
INTERCHANGE_FAULTS = 100
_PADDING = b" \t\r\n\f\v\x1a\x00"
_WHITESPACE = b" \t\r\n"  # what the lexer strips before a segment
_KNOWN_MAX = 4096
# the longest segment text kept as known (`feed_batch`): the ones a file repeats are
# short, and a clean segment may not be (4,096 texts of a megabyte would be 8 GB held)
_KNOWN_LENGTH = 256
# what the known segments of every delimiter set may weigh, in bytes at about 200 a
# segment, twice its text and 56 a data element: 4,096 clean segments of 245 empty
# elements each (250 bytes of text, 14 KB split) held 271 MB over four UNAs
_KNOWN_BYTES = 8_000_000


class _Reader:
    def __init__(self, sink: DocumentSink, profile: PartnerProfile, keep: bool = True) -> None:
        self.sink, self.profile = sink, profile
        self.most_items, self.most_chars = profile.max_set_elements, profile.max_set_characters
        # the items and characters of the batch being read (`feed_batch`), at least
        self.batch_items = self.batch_chars = 0
        self.keep = keep  # every interchange outcome in the result, or only the last one
        self.result = EdifactResult()
        self.file_problems = FileProblems(self.result.problems, "EDIFACT")
        self.delimiters, self.una = DEFAULT_DELIMITERS, False
        self.ic: InterchangeOutcome[UnbHeader] | None = None
        self.charset = "latin-1"
        # the open interchange's repetition separator: syntax 4 only (UNA5; reserved before)
        self.repetition = ""
        self.group: GroupOutcome | None = None
        self.spool = SetSpool()  # where the groups keep their finished messages (compact)
        self.explicit = False  # the open group began with UNG
        self.ung = ""  # its UNG 0048, whole (its outcome keeps it clipped)
        self.msg: _Message | None = None
        self.messages = self.groups = 0  # counted for UNZ 0036
        self.stray = False  # a stretch of stray segments inside the interchange was reported
        self.faults = 0  # reader faults of the open interchange outside its messages
        self.outside: str | None = None  # "junk" / "orphan": stretch outside interchanges
        self.envelope_seen = self.content_seen = False
        self.suffix_pending = False
        self.trailing = False  # see feed_piece
        self.una_cut: bytes | None = None  # a UNA cut short before the next UNB (the lexer's)
        # the element separator and terminator a UNA declared before the next UNB (None:
        # none, the defaults) and the delimiters the UNB shows instead (the lexer's `own`)
        self.una_own: tuple[str | None, EdifactDelimiters] | None = None
        # message segments seen under these delimiters, charset and repetition separator,
        # each `segment_clean`: bytes -> segment
        self.known: dict[bytes, EdiSegment] = {}
        self.known_for: tuple[EdifactDelimiters | None, str, str] = (None, "", "")
        self.known_by: dict[tuple[EdifactDelimiters | None, str, str], dict[bytes, EdiSegment]]
        self.known_by = {}
        self.known_weight = 0  # what the known segments weigh (_KNOWN_BYTES)
        # one object per distinct UNA, and per (UNA, line break after the UNB): a mailbag
        # repeats them, and the acks key their memos on the object (`contrl_delimiters`)
        self.shared: dict[EdifactDelimiters, EdifactDelimiters] = {}
        self.suffixed: dict[tuple[int, str], tuple[EdifactDelimiters, EdifactDelimiters]] = {}

    # -- placement -----------------------------------------------------------------------
    def where(self) -> dict[str, object]:
        return {
            "interchange": self.ic.control if self.ic else None,
            "group": self.group.control if self.group else None,
            "transaction": self.msg.outcome.control or None if self.msg else None,
        }

    def fault(self, code: ProblemCode, message: str, seg: EdiSegment | None = None) -> None:
        """A problem where the reader stands: message, interchange or file."""
        tag = seg.tag[:3] if seg else None
        if self.msg is not None:
            where = {**self.where(), "segment": tag, "position": self.msg.position()}
            self.msg.fault(problem(code, message, Level.SEGMENT, **where))
        elif self.ic is not None:
            self.interchange_fault(
                problem(code, message, Level.INTERCHANGE, **self.where(), segment=tag)
            )
        else:
            self.file_problems.add(problem(code, message, Level.FILE, segment=tag))

    # -- segments ------------------------------------------------------------------------
    def feed(self, raw: RawSegment) -> None:
        msg = self.msg
        if msg is not None and raw.una is None and raw.complete and not raw.overlong | raw.run_on:
            self.feed_batch(Batch([raw.lead + raw.data], raw.offset - len(raw.lead)))
        else:
            self.feed_any(raw)

    def feed_batch(self, batch: Batch) -> None:
        """Complete segments cut at once (no UNA or UNB among them). The common case is cut
        short here: a segment inside a message, on one line, that decodes, holds no release
        character and is not a service segment; any other goes the long way (`feed_any`),
        which gives the same segment plus what it reports. Carrier files repeat most of
        their segments: each distinct one (with the white space before it) that passes
        every element check (`segment_clean`: the text's fast acceptance, else the full
        checks) is split once per delimiters, charset and repetition separator (a mailbag's
        interchanges share them) and shared; a message made only of those is
        `checked`."""
        if not batch.pieces:
            return
        segments, d, charset = self.known, self.delimiters, self.charset
        if (d, charset, self.repetition) != self.known_for:
            # a mailbag goes back and forth between its interchanges' charset and the one
            # read between them: each keeps its segments
            self.known_for = (d, charset, self.repetition)
            if len(self.known_by) >= 4:
                self.known_by.clear()
                self.known_weight = 0
            segments = self.known = self.known_by.setdefault(self.known_for, {})
        element, component, release = d.element, d.component, d.release or "\n"
        repetition = self.repetition or "\n"  # a segment holding it goes the long way
        # what the batch holds, at least (a message's, when it began inside or runs on past
        # the batch: counted exactly only past a limit, `count_sizes`): a tag and a
        # separator before each further item; its text and a terminator after each segment
        joined = b"".join(batch.pieces)
        seps = sum(joined.count(c.encode("latin-1", "replace")) for c in (element, component))
        chars = self.batch_chars = len(joined) + len(batch.pieces)
        items = self.batch_items = len(batch.pieces) + seps
        del joined
        plain = len({d.component, d.element, d.segment}) == 3
        accept = text_acceptance(component, element)
        new = tuple.__new__  # new(EdiSegment, (tag, elements)): the named tuple, built directly
        pieces, known = batch.pieces, segments.get
        at, offset = 0, batch.offset  # the file offset of pieces[at], counted when needed
        msg = self.msg
        add = msg.segments.append if msg is not None else None
        for n, piece in enumerate(pieces):
            if add is not None:
                seg = known(piece)
                if seg is None and plain:
                    try:  # every charset read keeps ASCII: a line break is "\r" / "\n"
                        text = piece.lstrip(_WHITESPACE).decode(charset)
                    except (UnicodeDecodeError, LookupError):
                        text = "\n"
                    # printable: on one line, no control character
                    if release not in text and repetition not in text and text.isprintable():
                        rest = text.split(element)
                        tag = rest[0]
                        if len(tag) == 3 and tag not in _SERVICE and tag.isalnum():
                            del rest[0]
                            elements = tuple(
                                [
                                    tuple(e.split(component)) if component in e else (e,)
                                    for e in rest
                                ]
                            )
                            seg = new(EdiSegment, (tag, elements))
                            check = accept[tag]
                            if (
                                check is not None and elements and check(text, 4) is not None
                            ) or segment_clean(seg):
                                if len(piece) <= _KNOWN_LENGTH:
                                    self.known_weight += 200 + 2 * len(piece) + 56 * len(elements)
                                    if (len(segments) >= _KNOWN_MAX
                                            or self.known_weight > _KNOWN_BYTES):  # fmt: skip
                                        for kept in self.known_by.values():
                                            kept.clear()
                                        self.known_weight = 0
                                    segments[piece] = seg
                            elif msg is not None:
                                msg.checked = False
                if seg is not None:
                    add(seg)
                    continue
            offset += sum(map(len, pieces[at:n])) + n - at
            at = n
            data = piece.lstrip(_WHITESPACE)
            lead = len(piece) - len(data)
            self.feed_any(RawSegment(data, offset + lead, piece[:lead]))
            msg = self.msg
            add = msg.segments.append if msg is not None else None
            if self.delimiters is not d or self.charset != charset:  # a run-on UNB
                self.feed_batch(Batch(pieces[n + 1 :], offset + len(piece) + 1))
                return
        self.batch_items = self.batch_chars = 0
        if msg is not None:
            self.held(msg, items, chars)

    def held(self, msg: _Message, items: int, chars: int) -> None:
        """Count `items` and `chars` more (at least what the message read since the last
        count) and hold what its limits allow of its segments (`count_sizes`, `hold`)."""
        if msg.too_large is None:
            msg.items += items
            msg.chars += chars
            if msg.items > self.most_items or msg.chars > self.most_chars:
                self.count_sizes(msg)
        if len(msg.segments) > msg.most:
            msg.too_large = hold(msg.segments, msg.most, msg.too_large)

    def count_sizes(self, msg: _Message) -> None:
        """Count exactly what the message's segments hold (`limits.size_cut`), when the
        cheap count went past a limit: past the profile's max_set_elements (tags and
        components) or max_set_characters it keeps the segments before the one that went
        past (its `most`, then `hold` drops the rest as they are read), and is rejected as
        too large. A message of RFF segments of 10,000 components each took 153 MB at
        5 MB, 501 MB at 20 MB."""
        if msg.too_large is not None:
            return  # nothing past a cut is held
        segments = msg.segments[: msg.most]  # (past it, that limit came first)
        most_items, most_chars = self.most_items, self.most_chars
        msg.items, msg.chars, cut, past = size_cut(segments, edifact_size, most_items, most_chars,
                                                   msg.sized, msg.exact)  # fmt: skip
        msg.sized, msg.exact = len(segments), (msg.items, msg.chars)
        if past is not None:
            msg.most, msg.past = cut, past
            msg.too_large = hold(msg.segments, cut, None)

    def feed_any(self, raw: RawSegment) -> None:
        """One segment the long way. A segment that ran on into the next ones (their
        terminators lost: `run_on`) is read piece by piece in a loop, not by recursion: a
        run-on interchange may hold thousands of them."""
        rest: RawSegment | None = raw
        while rest is not None:
            rest = self.feed_piece(rest)

    def share(self, d: EdifactDelimiters, suffix: str | None = None) -> EdifactDelimiters:
        """`d` (with `suffix` when given) as the object kept for equal ones (`shared`)."""
        if len(self.shared) >= 64 or len(self.suffixed) >= 64:
            self.shared.clear()
            self.suffixed.clear()
        if suffix is None:
            return self.shared.setdefault(d, d)
        hit = self.suffixed.get((id(d), suffix))
        if hit is None or hit[0] is not d:
            hit = self.suffixed[(id(d), suffix)] = (d, self.share(replace(d, suffix=suffix)))
        return hit[1]

    def feed_piece(self, raw: RawSegment) -> RawSegment | None:
        """Read one segment; what follows a run-on segment's cut (see `run_on`) is returned
        to be read next."""
        if self.ic is None and raw.una is None and not raw.data.strip(_PADDING):
            return None  # white space, SUB (0x1A, DOS end of file) or NUL padding between or
            # after interchanges: ignored, as by the X12 reader
        self.content_seen = True
        self.trailing = False  # `raw` is text after a whole interchange (outside_interchange)
        if self.suffix_pending and self.ic is not None and self.ic.header is not None:
            header = self.ic.header
            suffix = line_break(raw.lead)
            if suffix != header.delimiters.suffix:
                self.ic.header = replace(header, delimiters=self.share(header.delimiters, suffix))
        self.suffix_pending = False
        if raw.una is not None:
            if self.ic is not None:
                self.close_interchange(None)
            if raw.own:  # the delimiters the UNB after it shows; the UNA, if any, kept
                declared = raw.data.decode("latin-1")  # (the element separator, terminator)
                self.una_own = (declared or None, raw.una)
            else:
                self.una_cut, self.una_own = (raw.data if raw.short else None), None
            self.delimiters, self.una, self.envelope_seen = self.share(raw.una), True, True
            self.outside = None
            return None
        is_unb = raw.data[:3] == b"UNB"
        if is_unb and not self.una:
            self.delimiters = DEFAULT_DELIMITERS
        elif (
            self.una
            and self.delimiters.element.encode("latin-1", "replace") in raw.data
            and raw.data[:12].translate(None, b"\r\n")[:3] != b"UNB"  # (nor a wrapped UNB)
        ):
            # a segment with data between a UNA and the next UNB: the UNA's UNB was cut off
            # (its tag taken into a short UNA); the next UNB goes back to the defaults, as
            # the lexer's cut does (a stray character, e.g. a second terminator, is no data)
            self.una = False
        data = raw.data
        one_line = b"\n" not in data and b"\r" not in data
        if is_unb and one_line and (cut := unb_run_on(data, self.delimiters)) is not None:
            return self.run_on(raw, cut, cut)  # a one-line file whose UNB lost its terminator
        if b"\n" in data or b"\r" in data:  # rare: a run-on segment or a wrapped line
            run_on = _RUN_ON.search(data)
            if run_on is not None and data[run_on.end() + 3 : run_on.end() + 4] == (
                self.delimiters.element.encode("latin-1", "replace")
            ):
                return self.run_on(raw, run_on.start(), run_on.end())
            if self.profile.drop_line_breaks:
                d = self.delimiters
                for brk in (b"\r", b"\n"):  # CR/LF that is not a delimiter is no data
                    if brk.decode() not in (d.segment, d.element, d.component, d.release):
                        data = data.replace(brk, b"")
        text, bad = decode_segment(data, "latin-1" if is_unb else self.charset)
        d = self.delimiters
        if is_unb and self.una and not usable(d):
            # a UNA that no interchange can be read with (two equal service characters, a
            # letter...): the UNB is read with the default delimiters, so that it is known as
            # a UNB and answered (UCI code 20); the UNA's fault is reported by read_unb
            d = replace(DEFAULT_DELIMITERS, segment=d.segment)
        seg = tokenize(text, d)
        if isinstance(seg, str):
            why, seg = seg, EdiSegment(text[:3], ())
            self.dispatch(seg, raw)
            self.fault(ProblemCode.UNRECOGNIZED_SEGMENT, why, seg)
            return None
        self.dispatch(seg, raw)
        if not text.isprintable() and invalid_character(text):  # rare; delimiters are no fault
            self.control_fault(seg)
        if self.repetition and self.repetition in text and not is_unb:
            self.repetition_fault(seg, text)
        if raw.overlong:
            why = f"segment at byte {raw.offset} has no terminator within its size limit"
            self.fault(ProblemCode.ELEMENT_TOO_LONG, why, seg)
        if raw.run_on and not self.trailing:  # the next interchange header came first
            why = (f"segment {seg.tag[:3]!r} at byte {raw.offset} has no segment terminator "
                   f"{self.delimiters.segment!r} before the next interchange header at byte "
                   f"{raw.offset + len(raw.data)}")  # fmt: skip
            self.fault(ProblemCode.SEGMENT_TERMINATOR_MISSING, why, seg)
        if bad is not None:
            self.charset_fault(raw, bad, self.charset, seg)
        return None

    def run_on(self, raw: RawSegment, cut: int, resume: int) -> RawSegment:
        """A segment that ran on into the next one (its terminator is missing): the first
        is read and reported (segment_terminator_missing); the rest is returned, to be read
        next (`feed_any`)."""
        first = RawSegment(raw.data[:cut], raw.offset, raw.lead)
        self.feed_any(first)
        tag = first.data[:3].decode("latin-1")
        why = f"{tag} has no segment terminator before the line break at byte {raw.offset + cut}"
        self.fault(ProblemCode.SEGMENT_TERMINATOR_MISSING, why, EdiSegment(tag, ()))
        lead = raw.data[cut:resume]
        rest = raw.data[resume:]
        return RawSegment(rest, raw.offset + resume, lead, None, raw.complete, run_on=raw.run_on)

    def element_fault(
        self,
        code: ProblemCode,
        why: str,
        tag: str,
        at: tuple[int | None, int | None],
        in_message: bool,
    ) -> None:
        """A fault of the segment just read at data element and component `at`: an element
        problem at its position in the open message when `in_message`, else an interchange
        problem."""
        element, component = at
        if in_message and self.msg is not None:
            where = {**self.where(), "segment": tag, "position": self.msg.position()}
            self.msg.fault(
                problem(code, why, Level.ELEMENT, element=element, component=component, **where)
            )
        elif self.ic is not None:
            found = problem(code, why, Level.INTERCHANGE, **self.where(), segment=tag,
                            element=element, component=component)  # fmt: skip
            self.interchange_fault(found)

    def interchange_fault(self, found: Problem) -> None:
        """A fault of a segment outside any message: the first INTERCHANGE_FAULTS of an
        interchange listed, the others counted (`close_interchange`): 100,000 segments
        with a control character between UNB and UNZ made 100,000 problems (179 MB)."""
        assert self.ic is not None
        self.faults += 1
        if self.faults <= INTERCHANGE_FAULTS:
            self.ic.problems.append(found)

    def control_fault(self, seg: EdiSegment) -> None:
        """A control character left in a segment's data: invalid character (UCD 21)."""
        found = control_character(seg)
        if found is not None:  # else the control characters were delimiters
            why, at = found
            in_message = seg.tag not in _SERVICE
            self.element_fault(ProblemCode.INVALID_CHARACTER, why, seg.tag[:3], at, in_message)

    def repetition_fault(self, seg: EdiSegment, text: str) -> None:
        """A syntax-4 repetition separator that no release character escapes (CONTRL UCD
        35): in a message's segment only (the envelope checks read the service ones)."""
        found = repetition_too_many(seg, text, self.repetition, self.delimiters)
        if found is not None and self.msg is not None and seg.tag not in _SERVICE:
            why, at = found
            self.element_fault(ProblemCode.TOO_MANY_REPETITIONS, why, seg.tag[:3], at, True)

    def charset_fault(self, raw: RawSegment, bad: int, charset: str, seg: EdiSegment) -> None:
        code = ProblemCode.INVALID_ENCODING if charset == "utf-8" else ProblemCode.INVALID_CHARACTER
        why = f"byte 0x{raw.data[bad]:02X} at file offset {raw.offset + bad} is not valid {charset}"
        self.element_fault(code, why, seg.tag, replaced_at(seg), True)

    def dispatch(self, seg: EdiSegment, raw: RawSegment) -> None:
        tag = seg.tag
        msg = self.msg
        if msg is not None and tag not in _SERVICE:
            msg.segments.append(seg)
            msg.checked = False  # not split by feed_batch: not known to be clean
            self.held(msg, *edifact_size(seg))  # (counted again with its batch, if in one)
        elif tag == "UNB":
            self.start_interchange(seg, raw)
        elif self.ic is None:
            self.outside_interchange(seg, raw)
        elif tag == "UNZ":
            self.close_interchange(seg)
        elif tag == "UNG":
            self.start_group(seg)
        elif tag == "UNE":
            self.close_group(seg)
        elif tag == "UNH":
            self.start_message(seg)
        elif tag == "UNT" and self.msg is not None:
            self.close_message(seg)
        elif not self.stray:
            self.stray = True
            what = "UNT without a UNH" if tag == "UNT" else "outside any message"
            self.fault(ProblemCode.INVALID_CONTROL_STRUCTURE, f"segment {tag[:3]!r} {what}", seg)

    def outside_interchange(self, seg: EdiSegment, raw: RawSegment) -> None:
        done = self.result.interchanges
        if done and seg.tag != "UNH" and self.outside is None:  # after a whole interchange
            self.outside = "junk"
            text = raw.data.decode("latin-1")
            # text cut where the next interchange header begins ended with no terminator
            # (a mail footer between the interchanges of a mailbag: ignored, as in X12)
            terminated = raw.complete and not raw.run_on
            self.file_problems.after_interchange(
                text, (self.delimiters.element,), terminated, raw.offset
            )
            self.trailing = True
            return
        if seg.tag == "UNH" and self.outside != "orphan":
            self.outside, self.envelope_seen = "orphan", True
            why = f"message {seg.get(1)!r} ({seg.get(2)}) has no UNB interchange header"
            self.fault(ProblemCode.INTERCHANGE_HEADER_MISSING, why, seg)
        elif self.outside is None:
            self.outside = "junk"
            why = f"segment {seg.tag[:3]!r} is outside any UNB..UNZ interchange"
            self.fault(ProblemCode.INVALID_CONTROL_STRUCTURE, why, seg)

    # -- interchange ---------------------------------------------------------------------
    def start_interchange(self, seg: EdiSegment, raw: RawSegment) -> None:
        if self.ic is not None:
            self.close_interchange(None)
        header, problems = read_unb(seg, self.delimiters, self.una)
        self.ic = InterchangeOutcome(header=header, control=header.control or None)
        if self.una and self.una_cut is not None:
            self.ic.problems.append(una_cut_short(self.una_cut, header.control))
        if self.una and self.una_own is not None:
            self.ic.problems.append(unb_own_delimiters(*self.una_own, header.control))
        self.una_cut = self.una_own = None
        self.ic.problems.extend(problems)
        self.file_problems.interchange(header.control)
        self.charset, self.una, self.envelope_seen = header.charset, False, True
        repetition = header.delimiters.repetition
        self.repetition = repetition if header.syntax_version == "4" and repetition != " " else ""
        self.messages = self.groups = 0
        self.stray, self.outside, self.suffix_pending = False, None, True
        _, bad = decode_segment(raw.data, header.charset)
        if bad is not None:
            self.charset_fault(raw, bad, header.charset, seg)

    def close_interchange(self, unz: EdiSegment | None) -> None:
        ic = self.ic
        assert ic is not None
        if self.msg is not None:
            self.close_message(None)
        if self.group is not None:
            self.close_group(None)
        ic.problems.extend(check_unz(unz, ic, self.groups or self.messages))
        if self.faults > INTERCHANGE_FAULTS:
            more = self.faults - INTERCHANGE_FAULTS
            ic.problems.append(problem(
                ProblemCode.PROBLEMS_NOT_LISTED,
                f"{more:,} more faults in segments outside any message of interchange "
                f"{ic.control} are not listed", Level.INTERCHANGE, interchange=ic.control,
                unlisted=more))  # fmt: skip
        self.faults = 0
        if not self.keep:
            self.result.interchanges.clear()  # the sink has had each (see read_edifact)
        self.result.interchanges.append(ic)
        self.ic, self.charset, self.repetition = None, "latin-1", ""
        try:
            self.sink.end_interchange(ic)
        finally:  # its groups' sets go with it (to the spool when the result keeps it)
            self.spool.release(keep=self.keep)

    # -- group ---------------------------------------------------------------------------
    def start_group(self, seg: EdiSegment) -> None:
        assert self.ic is not None
        if self.msg is not None:
            self.close_message(None)
        if self.group is not None:
            self.close_group(None)
        if self.messages and not self.groups:
            why = "UNG after messages outside any group"
            self.fault(ProblemCode.INVALID_CONTROL_STRUCTURE, why, seg)
        self.group, problems = read_ung(seg, self.ic.control, self.delimiters.component)
        self.ung = whole(seg, 5, self.delimiters.component)  # whole, for UNE 0048 (check_une)
        self.group.sets.spool = self.spool
        self.group.problems.extend(problems)
        self.explicit, self.stray = True, False
        self.groups += 1

    def close_group(self, une: EdiSegment | None) -> None:
        assert self.ic is not None
        if self.msg is not None:
            self.close_message(None)
        group, explicit = self.group, self.explicit
        if group is None or not explicit:
            if une is not None:
                self.fault(ProblemCode.INVALID_CONTROL_STRUCTURE, "UNE without a UNG", une)
            if group is None:
                return
        else:
            group.problems.extend(check_une(une, group, self.ic.control, self.ung))
        group.sets.close()
        keep_group(self.ic, group, self.profile.max_interchange_groups)
        self.group, self.explicit = None, False

    # -- message -------------------------------------------------------------------------
    def start_message(self, seg: EdiSegment) -> None:
        if self.msg is not None:
            self.close_message(None)
        if self.group is None:
            bare = GroupOutcome(None, None, sets=SetOutcomes(spool=self.spool))
            self.group, self.explicit = bare, False
        outcome, problems = read_unh(seg, self.delimiters.component)
        self.msg = _Message(outcome, [seg], most=most_segments(self.profile, outcome.type_code))
        # its header counted too (one read alone, longer than the lexer's buffer, is in no
        # batch): one alone past a limit is the segment named (`size_cut`)
        self.held(self.msg, *edifact_size(seg))
        outcome.problems.extend(p.model_copy(update=self.where()) for p in problems)
        self.messages += 1
        self.stray = False

    def close_message(self, unt: EdiSegment | None) -> None:
        assert self.msg is not None and self.ic is not None and self.group is not None
        msg = self.msg
        items, chars = msg.items + self.batch_items, msg.chars + self.batch_chars
        if msg.too_large is None and (items > self.most_items or chars > self.most_chars):
            self.count_sizes(msg)  # (with the batch being read, if any: at least its own)
        outcome, segments, checked, faults = msg.outcome, msg.segments, msg.checked, msg.faults
        most = msg.most
        too_large = hold(segments, most, msg.too_large)
        where = self.where()
        self.msg = None
        if unt is not None:
            segments.append(unt)
        outcome.segment_count = len(segments) + (too_large.dropped if too_large else 0)
        trailer = check_unt(unt, outcome.segment_count, outcome.control)
        outcome.control = clip_value(outcome.control)  # (kept to the UNZ, once compared)
        type_code = outcome.type_code
        if type_code in ACK_MESSAGES:
            self.ic.is_acknowledgment = True  # (never answered, whatever its size)
        if self.ic.groups_full(self.profile.max_interchange_groups):
            return  # its group is past the limit: the interchange is rejected (keep_group)
        if not count_set(self.ic, self.profile.max_interchange_sets):
            self.group.sets.append(outcome)  # past the limit: kept for UNE / UNZ, not read
            return
        if faults is not None:
            outcome.problems.extend(faults.listed(**where))
        outcome.problems.extend(p.model_copy(update=where) for p in trailer)
        large = outcome.segment_count > most or msg.past is not None  # not read at all
        if large:
            tag = too_large.tag if too_large is not None else "UNT"
            found = set_too_large("message", outcome.control, outcome.segment_count, most, tag,
                                  outcome.type_code, msg.past)  # fmt: skip
            outcome.problems.append(found.model_copy(update=where))
        translated = type_code in TRANSLATED_MESSAGES
        if not translated and type_code not in ACK_MESSAGES:
            outcome.supported = False
        elif translated and unt is not None and not large:
            repeated = {  # a value cut short by a repetition separator: one fault is enough
                (p.position, p.element)
                for p in outcome.problems
                if p.code is ProblemCode.TOO_MANY_REPETITIONS
            }
            repeated.update(msg.repeated or ())  # (those past the listed faults too)
            document, problems = parse_message(type_code, segments, self.profile, checked,
                                               repeated)  # fmt: skip
            if problems:  # its faults and its parse's: SET_PROBLEMS listed
                listed = SetProblems()
                listed.extend(outcome.problems)
                listed.extend(
                    p.model_copy(update=where)
                    for p in problems
                    if not repeated or (p.position, p.element) not in repeated
                )
                outcome.problems = listed.listed(**where)
            if document is not None and not has_error(outcome.problems):
                assert self.ic.header is not None
                origin = message_origin(self.ic.header, self.group.control, outcome, segments[0])
                mapped = self.sink.document(origin, document)
                if mapped:
                    tags = [segment.tag for segment in segments]
                    outcome.mapping_problems.extend(with_segment_tag(p, tags) for p in mapped)
        self.group.sets.append(outcome)

    def finish(self, complete: bool) -> None:
        open_interchange = self.ic is not None
        if self.ic is not None:
            self.close_interchange(None)
        files = self.file_problems
        files.end()
        if not self.content_seen:
            self.fault(ProblemCode.EMPTY_FILE, "the file holds no EDIFACT data")
        elif not self.envelope_seen:
            self.result.problems = [not_edifact()]
            files.unlisted, files.unlisted_error = 0, False
        elif open_interchange or (not complete and self.outside == "orphan"):
            # a file cut off inside an interchange (or an orphan message) is truncated: an
            # error; a whole UNZ that only lacks its terminator is read as is (as X12 reads an
            # IEA without its terminator)
            self.result.problems.append(truncated())
        self.result.unlisted, self.result.unlisted_error = files.unlisted, files.unlisted_error


def read_edifact(
    stream: BinaryIO, sink: DocumentSink, profile: PartnerProfile, keep: bool = True
) -> EdifactResult:
    """Read every interchange of an EDIFACT file, handing error-free messages to `sink` and
    every finished interchange outcome to `sink.end_interchange`. The result lists every
    interchange outcome, or with `keep` False only the last one (as `read_x12`)."""
    reader = _Reader(sink, profile, keep)
    complete = True
    for item in cut_segments(stream):
        if isinstance(item, Batch):
            reader.feed_batch(item)
            complete = True
        else:
            reader.feed(item)
            complete = item.complete or not item.data.strip(_PADDING)  # SUB / NUL padding
    reader.finish(complete)
    return reader.result
