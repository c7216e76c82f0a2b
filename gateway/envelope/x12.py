"""X12 envelope reader: ISA/IEA, GS/GE, ST/SE over the streaming tokenizer.

Walks the tokens of `X12Tokenizer` once, keeping only the segments of the transaction set
being read. Control numbers and counts are checked at every trailer; each finished set is
validated and parsed by its document parser (`gateway.parse.x12_documents`) and handed to the
sink. Every fault is a Problem on the outcome of the level it rejects; nothing here raises
on bad data.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import BinaryIO

from gateway.envelope.decode import decoded_chunks
from gateway.envelope.limits import (
    SHIP_NOTICES,
    TooLarge,
    count_set,
    hold,
    keep_group,
    set_too_large,
    size_cut,
    x12_size,
)
from gateway.envelope.outcome import (
    DocumentSink,
    GroupOutcome,
    InterchangeOutcome,
    OneGoSink,
    SetOutcome,
    SetOutcomes,
    SetSpool,
)
from gateway.envelope.trailing import FileProblems
from gateway.envelope.x12_groups import (
    check_ge,
    check_group_sets,
    check_gs,
    check_iea,
    check_set_group,
)
from gateway.envelope.x12_header import IsaHeader, check_isa, isa_header
from gateway.envelope.x12_sets import check_se
from gateway.envelope.x12_skips import run_on_problem, skipped_problem
from gateway.envelope.x12_syntax import Delimiters, Token, X12Tokenizer
from gateway.origin import Origin
from gateway.parse.x12_documents import ACK_SETS, TRANSLATED_SETS, parse_set
from gateway.problems import (
    MAX_VALUE,
    Level,
    Problem,
    ProblemCode,
    clip_value,
    problem,
    with_segment_tag,
)
from gateway.profile import PartnerProfile

__all__ = ["X12Result", "read_x12"]


@dataclass
class X12Result:
    interchanges: list[InterchangeOutcome[IsaHeader]] = field(default_factory=list)
    # outside any interchange: the first KEPT_FILE_PROBLEMS (trailing.FileProblems);
    # `unlisted` counts the others, `unlisted_error` an error among them
    problems: list[Problem] = field(default_factory=list)
    unlisted: int = 0
    unlisted_error: bool = False


_CONTROL_TAGS = frozenset({"SE", "ST", "GS", "GE", "IEA"})  # end the set being read
_SHARED_TEXTS = 1024  # envelope values remembered to share (see _Reader.text)
# control-structure faults listed per interchange (`_Reader.structure_fault`); the rest are
# counted in one problem at its end: an interchange read with the wrong element separator
# makes every segment one, and its outcome is held until its end
STRUCTURE_FAULTS = 100


@dataclass(slots=True)
class _Set:
    outcome: SetOutcome
    segments: list[list[str]]
    too_large: TooLarge | None = None  # past the profile's max_set_segments (`hold`)
    most: int = 0  # the most segments it may have (`limits.most_segments`)
    # its segments' items counted (`_Reader.count_sizes`): how many segments, how many
    # items; its characters, at least (whole batches counted); the (setting, limit,
    # position) it went past (`limits.size_cut`: max_set_elements / max_set_characters)
    counted: int = 0
    elements: int = 0
    chars: int = 0
    past: tuple[str, int, int] | None = None
    # the segments counted exactly (`size_cut`), and their (items, characters)
    sized: int = 0
    exact: tuple[int, int] = (0, 0)


_new = tuple.__new__  # an Origin (a named tuple) from its values, without its __new__


def _delimiter_chars(d: Delimiters, repetition: str | None) -> str:
    """The characters of an X12 interchange that no data value may hold."""
    return d.element + d.component + d.segment + (repetition or "")


class _Reader:
    def __init__(self, sink: DocumentSink, profile: PartnerProfile, keep: bool = True) -> None:
        self.sink = sink
        # the sink's way of taking a clean 214 set whole, when it has one (`OneGoSink`)
        self.one_go = sink.status_set if isinstance(sink, OneGoSink) else None
        self.profile = profile
        # the profile's limits (`limits`), read once
        self.most_segments, self.most_notice = (
            profile.max_set_segments,
            profile.max_ship_notice_segments,
        )
        self.most_groups, self.most_sets = (
            profile.max_interchange_groups,
            profile.max_interchange_sets,
        )
        self.most_elements, self.most_chars = profile.max_set_elements, profile.max_set_characters
        self.batch = 0  # the characters of the batch of segments being read (Token.size)
        self.tokenizer: X12Tokenizer | None = None  # read_x12's (whether a NUL was read)
        self.keep = keep  # every interchange outcome in the result, or only the last one
        self.result = X12Result()
        self.file_problems = FileProblems(self.result.problems, "X12")
        self.ic: InterchangeOutcome[IsaHeader] | None = None
        self.group: GroupOutcome | None = None
        self.set: _Set | None = None
        self.component = ">"
        self.repetition: str | None = None
        self.spool = SetSpool()  # where the groups keep their finished sets (compact)
        self.texts: dict[str, str] = {}  # see text()
        self.texts_delimiters: dict[Delimiters, Delimiters] = {}
        self.faults = 0  # structure faults of the open interchange (see STRUCTURE_FAULTS)
        self.gs_groups = 0  # GS read in the open interchange (IEA01), kept or not
        self.gs06 = ""  # the open group's GS06, whole (its outcome keeps it clipped)
        # the header and group of the last set's Origin, and its values before and after the
        # set's own (`origin`)
        self.origin_head: tuple[IsaHeader, GroupOutcome | None, tuple[object, ...],
                                tuple[object, ...]] | None = None  # fmt: skip

    def text(self, value: str) -> str:
        """`value`, as the same string object as an equal one of an earlier interchange or
        group (a mailbag of one interchange per shipment repeats its parties, dates and
        versions thousands of times: each interchange outcome is kept to the end)."""
        texts = self.texts
        if len(texts) >= _SHARED_TEXTS:
            texts.clear()
        return texts.setdefault(value, value)

    def shared(self, header: IsaHeader) -> IsaHeader:
        """`header` with its element values and delimiters shared (see `text`)."""
        d = self.texts_delimiters.setdefault(header.delimiters, header.delimiters)
        return IsaHeader(tuple(map(self.text, header.elements)), d)

    def delimiters(self) -> str:
        """The current interchange's delimiters (none outside an interchange)."""
        if self.ic is None or self.ic.header is None:
            return ""
        return _delimiter_chars(self.ic.header.delimiters, self.repetition)

    # -- interchange ---------------------------------------------------------------------
    def start_interchange(self, token: Token) -> None:
        assert token.isa is not None
        if self.ic is not None:
            self.close_interchange(missing=True)
        header = self.shared(isa_header(token.isa))
        self.component = header.delimiters.component
        self.repetition = header.delimiters.repetition if header.version >= "00402" else None
        self.ic = InterchangeOutcome(header=header, control=header.control)
        self.faults = self.gs_groups = 0
        self.ic.problems.extend(check_isa(token.isa))
        self.file_problems.interchange(header.control)

    def close_interchange(self, missing: bool, iea: Sequence[str] | None = None) -> None:
        ic = self.ic
        if ic is None:
            return
        if self.set is not None:
            self.close_set(None)
        if self.group is not None:
            self.close_group(None)
        if missing:
            ic.problems.append(
                problem(
                    ProblemCode.INTERCHANGE_TRAILER_MISSING,
                    f"interchange {ic.control} has no IEA trailer",
                    Level.INTERCHANGE,
                    interchange=ic.control,
                    segment="IEA",
                )
            )
        elif iea is not None:
            ic.problems.extend(check_iea(iea, ic, self.delimiters(), self.gs_groups))
        if self.faults > STRUCTURE_FAULTS:
            more = self.faults - STRUCTURE_FAULTS
            why = f"{more} more segments out of place in interchange {ic.control} are not listed"
            ic.problems.append(problem(ProblemCode.INVALID_CONTROL_STRUCTURE, why,
                                       Level.INTERCHANGE, interchange=ic.control,
                                       unlisted=more))  # fmt: skip
        self.faults = 0
        if not self.keep:
            self.result.interchanges.clear()  # the sink has had each (see read_x12)
        self.result.interchanges.append(ic)
        self.ic = None
        try:
            self.sink.end_interchange(ic)
        finally:  # its groups' sets go with it (to the spool when the result keeps it)
            self.spool.release(keep=self.keep)

    # -- functional group ----------------------------------------------------------------
    def start_group(self, gs: list[str]) -> None:
        assert self.ic is not None
        if self.group is not None:
            self.close_group(None)
        text = self.text  # (kept to the IEA: clipped, shared)
        group = GroupOutcome(
            functional_id=text(clip_value(_get(gs, 1))),
            control=clip_value(_get(gs, 6)),  # (as its sets' origins name it: `release`)
            version=text(clip_value(_get(gs, 8))),
            sender=text(clip_value(_get(gs, 2))),
            receiver=text(clip_value(_get(gs, 3))),
            sets=SetOutcomes(spool=self.spool),
        )
        group.problems.extend(check_gs(gs, self.ic.control, self.delimiters()))
        self.gs06 = _get(gs, 6)  # whole, for GE02 (`check_ge`)
        if group.functional_id == "FA":
            self.ic.is_acknowledgment = True
        self.group = group
        self.gs_groups += 1

    def close_group(self, ge: Sequence[str] | None) -> None:
        assert self.ic is not None and self.group is not None
        if self.set is not None:
            self.close_set(None)
        group = self.group
        group.problems.extend(check_ge(ge, group, self.ic.control, self.delimiters(),
                                       self.gs06))  # fmt: skip
        group.problems.extend(check_group_sets(group, self.ic.control))
        group.sets.close()
        keep_group(self.ic, group, self.most_groups)
        self.group = None

    # -- transaction set -----------------------------------------------------------------
    def start_set(self, st: list[str]) -> None:
        if self.set is not None:
            self.close_set(None)
        control = st[2] if len(st) > 2 else ""
        type_code = st[1] if len(st) > 1 else ""
        version = _get(st, 3)
        if len(control) + len(type_code) + len(version) > MAX_VALUE:  # kept to the IEA
            control, type_code, version = map(clip_value, (control, type_code, version))
        type_code = sys.intern(type_code)  # one "214" for all sets
        outcome = SetOutcome(control=control, type_code=type_code, version=version or None)
        most = self.most_notice if type_code in SHIP_NOTICES else self.most_segments
        self.set = _Set(outcome, [st], most=most)  # (limits.most_segments, inline)

    def count_sizes(self, current: _Set) -> None:
        """Count exactly what the set's segments hold (`limits.size_cut`), when the cheap
        count went past a limit: past the profile's max_set_elements or max_set_characters
        it keeps the segments before the one that went past (its `most`, then `hold` drops
        the rest as they are read), and is rejected as too large. A segment's elements are
        held as one object each: a set of a few segments of 10,000 elements each took
        300 MB; one of 90 elements of a megabyte each, 297 MB."""
        if current.too_large is not None:
            return  # nothing past a cut is held
        segments = current.segments[: current.most]  # (past it, that limit came first)
        most_items, most_chars = self.most_elements, self.most_chars
        items, chars, cut, past = size_cut(segments, x12_size, most_items, most_chars,
                                           current.sized, current.exact)  # fmt: skip
        current.counted, current.elements, current.chars = len(segments), items, chars
        current.sized, current.exact = len(segments), (items, chars)
        if past is not None:
            current.most, current.past = cut, past
            current.too_large = hold(current.segments, cut, None)

    def close_set(self, se: list[str] | None) -> None:
        assert self.set is not None
        current, self.set = self.set, None
        if current.too_large is None:  # count_sizes, its common case inlined
            segs, counted = current.segments, current.counted
            total = current.elements + sum(map(len, segs[counted : current.most]))
            if total > self.most_elements or current.chars + self.batch > self.most_chars:
                self.count_sizes(current)
        most = current.most
        too_large = hold(current.segments, most, current.too_large)
        outcome, segments = current.outcome, current.segments
        if se is not None:
            segments.append(se)
        dropped = too_large.dropped if too_large is not None else 0
        outcome.segment_count = len(segments) + dropped
        large = outcome.segment_count > most or current.past is not None  # not read at all
        ic, group = self.ic, self.group
        if outcome.type_code in ACK_SETS and ic is not None:
            ic.is_acknowledgment = True  # (never answered, whatever its size)
        # the interchange's limits (`limits.keep_group` / `count_set`), the common case inline
        if ic is not None and (ic.groups_dropped or ic.group_weight >= self.most_groups
                               or ic.sets_read >= self.most_sets):  # fmt: skip
            if ic.groups_full(self.most_groups):
                # its group is past the limit: the interchange is rejected (keep_group)
                if group is None:  # the group of its own a set outside any GS gets, counted
                    keep_group(ic, GroupOutcome(None, None), self.most_groups)
                return
            if not count_set(ic, self.most_sets):
                if group is not None:  # past the limit: kept for GE01, not read (count_set)
                    group.sets.append(outcome)
                return
        elif ic is not None:
            ic.sets_read += 1  # (count_set, inline)
        envelope = check_se(segments, se, self.delimiters(), outcome.segment_count)
        if large:
            tag = too_large.tag if too_large is not None else "SE"
            envelope.append(set_too_large("transaction set", outcome.control,
                                          outcome.segment_count, most, tag,
                                          outcome.type_code, current.past))  # fmt: skip
        misplaced = check_set_group(outcome.type_code, group.functional_id) if group else None
        if misplaced is not None:
            envelope.insert(0, misplaced)  # the set is not sent (AK5 R, AK502 1)
        version = outcome.version or (group.version if group else None)
        one_go = self.one_go
        if (one_go is not None and outcome.type_code == "214" and not envelope
                and group is not None and ic is not None and ic.header is not None
                and one_go(self.origin(ic.header, group, outcome), segments, self.component,
                           self.repetition, version, self.nul_free())):  # fmt: skip
            group.sets.append(outcome)  # translated whole: nothing to say of it
            return
        document, problems = (
            (None, [])
            if large
            else parse_set(segments, self.profile, self.component, self.repetition, version)
        )
        where = {"interchange": ic.control if ic else None,
                 "group": group.control if group else None,
                 "transaction": outcome.control}  # fmt: skip
        if document is None and outcome.type_code not in ACK_SETS:
            outcome.supported = large and outcome.type_code in TRANSLATED_SETS
        if envelope or problems:
            outcome.problems.extend(p.model_copy(update=where) for p in [*envelope, *problems])
        if group is None:
            outcome.problems.append(
                problem(
                    ProblemCode.INVALID_CONTROL_STRUCTURE,
                    f"transaction set {outcome.control} is not inside a GS/GE functional group",
                    Level.TRANSACTION,
                    segment="ST",
                    position=1,
                    **where,
                )
            )
            if ic is not None:
                group = GroupOutcome(None, None, sets=SetOutcomes(spool=self.spool))
                keep_group(ic, group, self.most_groups)
        if document is not None and outcome.accepted and ic is not None and ic.header:
            mapped = self.sink.document(self.origin(ic.header, group, outcome), document)
            if mapped:
                tags = [segment[0] for segment in segments]
                outcome.mapping_problems.extend(with_segment_tag(p.model_copy(update=where), tags)
                                                for p in mapped)  # fmt: skip
        if group is not None:
            group.sets.append(outcome)  # kept compact from here on: finished first

    def nul_free(self) -> bool:
        """True when the file read so far holds no NUL, so no element does."""
        return self.tokenizer is not None and not self.tokenizer.nul_seen

    def origin(self, header: IsaHeader, group: GroupOutcome | None, outcome: SetOutcome) -> Origin:
        """Where a set's requests come from: its interchange, group and set (the values of
        the interchange and group made once for all their sets)."""
        head = self.origin_head
        if head is None or head[0] is not header or head[1] is not group:
            version = group.version if group and group.version else header.version
            before = ("x12", header.sender, header.receiver, header.control,
                      group.control if group else None)  # fmt: skip
            after = (version, header.test, _delimiter_chars(header.delimiters, self.repetition))
            head = self.origin_head = (header, group, before, after)
        return _new(Origin, (*head[2], outcome.control, outcome.type_code, *head[3]))

    # -- dispatch ------------------------------------------------------------------------
    def segment(self, seg: list[str]) -> None:
        """A control segment, or one outside any set (`read_x12` appends a set's body itself)."""
        tag = seg[0]
        if self.ic is None:
            self.file_problems.add(
                problem(
                    ProblemCode.INVALID_CONTROL_STRUCTURE,
                    f"segment {tag[:3]!r} outside any ISA/IEA interchange",
                    Level.FILE,
                    segment=tag[:3],
                )
            )
            return
        if tag == "IEA":
            self.close_interchange(missing=False, iea=seg)
        elif tag == "GS":
            self.start_group(seg)
        elif tag == "GE":
            if self.group is None:
                self.structure_fault("GE without a GS", "GE")
            else:
                self.close_group(seg)
        elif tag == "ST":
            self.start_set(seg)
        elif tag == "SE":
            if self.set is None:
                self.structure_fault("SE without an ST", "SE")
            else:
                self.close_set(seg)
        elif tag == "TA1":
            self.ic.is_acknowledgment = True
        elif tag not in ("ISB", "ISE"):
            self.structure_fault(f"segment {tag[:3]!r} outside any transaction set", tag[:3])

    def structure_fault(self, message: str, tag: str) -> None:
        assert self.ic is not None
        self.faults += 1
        if self.faults > STRUCTURE_FAULTS:
            return  # counted (close_interchange)
        found = problem(
            ProblemCode.INVALID_CONTROL_STRUCTURE,
            message,
            Level.GROUP if self.group is not None else Level.INTERCHANGE,
            interchange=self.ic.control,
            group=self.group.control if self.group else None,
            segment=tag,
        )
        (self.group.problems if self.group is not None else self.ic.problems).append(found)

    def skipped(self, token: Token) -> None:
        """Text skipped up to the next interchange header (`X12Tokenizer`): the interchange
        it belonged to is rejected (`skipped_problem`) and ends there."""
        ic = self.ic
        d = ic.header.delimiters if ic is not None and ic.header is not None else None
        found = skipped_problem(token.reason, token.size, token.text, ic.control if ic else None,
                                d.segment if d else None)  # fmt: skip
        if ic is None:
            self.result.problems.append(found)
            return
        ic.problems.append(found)
        self.close_interchange(missing=False)

    def run_on(self, text: str) -> None:
        """Text after the last segment terminator, just before the next ISA (`run_on_problem`)."""
        ic = self.ic
        if ic is None or ic.header is None:
            self.result.problems.append(run_on_problem(text, None, "*"))
            return
        ic.problems.append(run_on_problem(text, ic.control, ic.header.delimiters.element))

    def end_of_file(self, partial: str | None) -> None:
        if partial is not None:
            found = problem(
                ProblemCode.TRUNCATED,
                f"file ends inside a segment: {partial[:40]!r}",
                Level.FILE,
                interchange=self.ic.control if self.ic else None,
            )
            self.result.problems.append(found)
        if self.ic is not None:
            self.close_interchange(missing=True)
        self.file_problems.end()
        self.result.unlisted = self.file_problems.unlisted
        self.result.unlisted_error = self.file_problems.unlisted_error


def _get(seg: Sequence[str], n: int) -> str:
    return seg[n].strip() if n < len(seg) else ""


def read_x12(
    stream: BinaryIO, sink: DocumentSink, profile: PartnerProfile, keep: bool = True
) -> X12Result:
    """Read every interchange of an X12 file, handing accepted sets to `sink` and every
    finished interchange outcome to `sink.end_interchange`. The result lists every
    interchange outcome, or with `keep` False only the last one (a mailbag of 100,000
    interchanges is not held: the sink takes what it needs of each as it ends)."""
    reader = _Reader(sink, profile, keep)
    budget, most_chars = profile.max_set_elements, profile.max_set_characters
    tokenizer = reader.tokenizer = X12Tokenizer(decoded_chunks(stream), profile.drop_line_breaks)
    partial: str | None = None
    controls = _CONTROL_TAGS  # (a local: read once per segment)
    for token in tokenizer.batches():
        batch = token.segments
        if batch is not None:
            reader.batch = size = token.size
            current = reader.set
            for seg in batch:
                if current is not None and seg[0] not in controls:  # hot: a set's body
                    current.segments.append(seg)
                else:
                    reader.segment(seg)
                    current = reader.set
            if current is not None:
                if current.too_large is None:  # (a batch is at most a chunk's text)
                    segs, counted = current.segments, current.counted  # count_sizes, inlined
                    total = current.elements + sum(map(len, segs[counted : current.most]))
                    # (the whole batch's characters: the set may have begun inside it)
                    chars = current.chars + size
                    if total > budget or chars > most_chars:
                        reader.count_sizes(current)
                    else:
                        current.counted, current.elements = min(len(segs), current.most), total
                        current.chars = chars
                if len(current.segments) > current.most:
                    current.too_large = hold(current.segments, current.most, current.too_large)
        elif token.kind == "isa":
            reader.start_interchange(token)
        elif token.kind == "junk":
            text = token.text.strip()
            done = reader.result.interchanges
            if text and done and reader.ic is None:  # after a whole interchange: see trailing
                d = done[-1].header.delimiters if done[-1].header is not None else None
                seps = (d.element, d.segment) if d is not None else ()
                reader.file_problems.after_interchange(text, seps)
            elif text:
                reader.file_problems.add(
                    problem(
                        ProblemCode.NOT_EDI
                        if not reader.result.interchanges and reader.ic is None
                        else ProblemCode.INVALID_CONTROL_STRUCTURE,
                        f"text that is not an X12 interchange: {text[:40]!r}",
                        Level.FILE,
                    )
                )
        elif token.kind == "skipped":
            reader.skipped(token)
        elif token.kind == "run-on":
            reader.run_on(token.text)
        elif token.kind == "eof-partial":
            partial = token.text
    reader.end_of_file(partial)
    return reader.result
