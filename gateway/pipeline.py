"""Wires the stages for one file: detect syntax -> envelope + parse -> mapping -> acks.

`translate_stream` streams: every SP-API request is handed to `emit` as soon as the
interchange (and group) it came from is known to be accepted, so memory does not grow with
the file. Requests of an interchange are held (spilling to a temporary file past a few
thousand) until its trailer was checked: an IEA/UNZ fault still stops all of them.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from gateway.ack.context import AckContext
from gateway.ack.contrl import contrl_acks
from gateway.ack.model import Acknowledgement
from gateway.ack.spool import AckSpool
from gateway.ack.x12 import x12_acks
from gateway.envelope.edifact import EdifactResult, read_edifact
from gateway.envelope.outcome import InterchangeOutcome, has_error
from gateway.envelope.x12 import X12Result, read_x12
from gateway.mapping.build import CHUNK_SIZE, unique
from gateway.mapping.codes import CodeTables
from gateway.mapping.confirm import map_ship_notices
from gateway.mapping.part_memo import MEMOS
from gateway.mapping.result import TranslatedRequest
from gateway.mapping.status import map_status, status_parts
from gateway.mapping.status_set_one_go import one_go_214
from gateway.origin import Origin, Syntax
from gateway.parse.records import Document, StatusDocument
from gateway.problems import Level, Problem, ProblemCode, Severity
from gateway.profile import AckPreferences, PartnerProfile
from gateway.request_spool import RequestSpool, status_record

__all__ = ["TranslationOutcome", "detect_syntax", "translate_stream", "unreadable"]

Emit = Callable[[TranslatedRequest], None]
# Called at the end of every interchange with a readable header, before its requests are
# released: interchange-level problems it returns (sender not the delivering partner's,
# control number already processed) reject the interchange and appear in its TA1 / CONTRL.
InterchangeCheck = Callable[[InterchangeOutcome[Any]], list[Problem]]
LISTED_PROBLEMS = 1000  # problems a file's outcome lists (TranslationOutcome)


@dataclass
class TranslationOutcome:
    syntax: Syntax | None
    # the file's problems, LISTED_PROBLEMS of them at most: a file whose every set has a
    # problem would otherwise hold them all (each set's own are recorded with it,
    # gateway.service.translating); `unlisted` counts the others. Its own (file-level:
    # outside every interchange) first, then its interchanges', each kind in file order and
    # each given half the room when it has that many (`_shares`), so stray text between
    # interchanges cannot push out the interchanges' problems, nor these all of the file's
    problems: list[Problem] = field(default_factory=list)
    # every ack in file order; a big file's spill to a temporary file (AckSpool)
    acknowledgements: Sequence[Acknowledgement] = field(default_factory=list)
    requests: int = 0
    events: int = 0  # status updates + confirmations released
    # the interchange outcomes, only when the caller asked to keep them (translate_stream's
    # `keep_interchanges`): a mailbag's would grow with its interchanges
    interchanges: list[InterchangeOutcome[Any]] = field(default_factory=list)
    interchange_count: int = 0  # every interchange read, kept or not
    unlisted: int = 0  # problems past LISTED_PROBLEMS: counted, not kept
    unlisted_error: bool = False  # one of them an error

    @property
    def accepted(self) -> bool:
        return not self.unlisted_error and not has_error(self.problems)

    @property
    def problem_count(self) -> int:
        """Every problem of the file, listed or not."""
        return len(self.problems) + self.unlisted

    def add_problems(self, problems: Iterable[Problem]) -> None:
        """List `problems` (in file order) up to LISTED_PROBLEMS; count the rest."""
        unlisted, error = _list(self.problems, problems)
        self.unlisted += unlisted
        self.unlisted_error = self.unlisted_error or error


def _list(listed: list[Problem], problems: Iterable[Problem]) -> tuple[int, bool]:
    """Append `problems` to `listed` up to LISTED_PROBLEMS in all; (how many were left out,
    whether an error was among them). A set's PROBLEMS_NOT_LISTED problem stands for its
    `unlisted` problems, none of them listed (`SetProblems`), whether it is listed or not."""
    unlisted, error = 0, False
    for problem in problems:
        stands_for = problem.unlisted or 1
        if len(listed) < LISTED_PROBLEMS:
            listed.append(problem)
            unlisted += stands_for - 1
        else:
            unlisted += stands_for
            error = error or problem.severity is Severity.ERROR
    return unlisted, error


def _shares(own: int, of_interchanges: int, room: int) -> tuple[int, int]:
    """How many of a file's own problems and of its interchanges' to list in `room`: each
    kind is sure of half of it, and may use what the other leaves."""
    listed_own = min(own, max(room // 2, room - of_interchanges))
    return listed_own, min(of_interchanges, room - listed_own)


def unreadable(exc: OSError) -> TranslationOutcome:
    """The outcome for a file that cannot even be read (missing, a folder, no permission)."""
    outcome = TranslationOutcome(syntax=None)
    outcome.problems.append(
        Problem(
            code=ProblemCode.FILE_UNREADABLE,
            message=f"cannot read the file: {exc.strerror or exc}",
            level=Level.FILE,
        )
    )
    return outcome


def detect_syntax(head: bytes) -> tuple[Syntax | None, Problem | None]:
    """The syntax a file's first bytes announce, or the problem that it is no EDI at all."""
    text = head.removeprefix(b"\xef\xbb\xbf").lstrip(b" \t\r\n\x00")
    if b"\r" in text[:12] or b"\n" in text[:12]:  # hard-wrapped at a width under 4: "I" CR LF
        text = text.replace(b"\r", b"").replace(b"\n", b"")  # "S" CR LF "A"...: CR/LF no data
    if not text:
        return None, Problem(
            code=ProblemCode.EMPTY_FILE, message="the file is empty", level=Level.FILE
        )
    starts = text.startswith(b"ISA") or text[:3] in (b"UNA", b"UNB", b"UNH")
    if b"\x00" in head and not starts:  # in an EDI file a NUL is an invalid character
        return None, Problem(
            code=ProblemCode.NOT_EDI,
            message="the file is binary (NUL bytes), not X12 or EDIFACT",
            level=Level.FILE,
        )
    if text.startswith(b"ISA"):
        return "x12", None
    if text[:3] in (b"UNA", b"UNB", b"UNH"):
        return "edifact", None
    return None, Problem(
        code=ProblemCode.NOT_EDI,
        message=f"the file starts with {text[:20]!r}: neither an X12 ISA nor an EDIFACT UNA/UNB",
        level=Level.FILE,
    )


AckBuilder = Callable[[Sequence[InterchangeOutcome[Any]], AckPreferences, AckContext],
                      list[Acknowledgement]]  # fmt: skip


class _Translator:
    """The DocumentSink: maps each accepted document, releases requests per interchange,
    and as each interchange ends answers it (`acks`: x12_acks or contrl_acks into an
    AckSpool) and lists its problems, so nothing of it is held to the end of the file but
    what the caller keeps (`keep`)."""

    def __init__(
        self,
        profile: PartnerProfile,
        tables: CodeTables,
        emit: Emit,
        check: InterchangeCheck | None,
        acks: AckBuilder,
        ack_context: AckContext,
        keep: bool,
        one_go: bool = True,
    ) -> None:
        self.profile, self.tables, self.emit, self.check = profile, tables, emit, check
        self.one_go = one_go  # clean 214 sets in one go (`status_set`)
        self.spool = RequestSpool()
        self.requests = 0
        self.events = 0
        self.answer, self.ack_context, self.keep = acks, ack_context, keep
        self.acks = AckSpool()
        self.interchanges: list[InterchangeOutcome[Any]] = []  # kept ones
        self.count = 0  # interchanges ended
        self.problems: list[Problem] = []  # of the interchanges, the first LISTED_PROBLEMS
        self.unlisted, self.unlisted_error = 0, False

    def document(self, origin: Origin, document: Document) -> list[Problem]:
        if isinstance(document, StatusDocument):
            requests, problems = map_status(origin, document, self.profile, self.tables)
        else:
            requests, problems = map_ship_notices(origin, document, self.profile, self.tables)
        for request in requests:
            self.spool.add(origin.group_control, request)
        return problems

    def status_set(
        self,
        origin: Origin,
        segments: list[list[str]],
        component: str,
        repetition: str | None,
        version: str | None,
        nul_free: bool = False,
    ) -> bool:
        if not self.one_go:
            return False
        mapped = one_go_214(segments, origin, self.profile, self.tables, component, repetition,
                            version, nul_free)  # fmt: skip
        if mapped is None:
            return False
        group = origin.group_control
        if 0 < len(mapped) <= CHUNK_SIZE:  # a set's few updates: `status_parts`' one part,
            texts, purchase_orders, tracking_numbers, trails = zip(*mapped, strict=True)
            record = status_record(group, origin, texts, unique(purchase_orders),
                                   unique(tracking_numbers), trails)  # fmt: skip
            self.spool.add_record(record, len(trails))  # made inline (no generator, no slice)
            return True
        for texts, purchase_orders, tracking_numbers, trails in status_parts(mapped):
            record = status_record(group, origin, texts, purchase_orders, tracking_numbers,
                                   trails)  # fmt: skip
            self.spool.add_record(record, len(trails))
        return True

    def end_interchange(self, outcome: InterchangeOutcome[Any]) -> None:
        if self.check is not None and outcome.header is not None:
            outcome.problems.extend(self.check(outcome))
        self.release(outcome)
        self.count += 1
        self.acks.extend(self.answer((outcome,), self.profile.ack, self.ack_context))
        unlisted, error = _list(self.problems, _flatten((outcome,)))
        self.unlisted += unlisted
        self.unlisted_error = self.unlisted_error or error
        if self.keep:  # its sets to the set spool: a kept outcome holds none in memory
            for group in outcome.groups:
                group.sets.flush()
            self.interchanges.append(outcome)

    def release(self, outcome: InterchangeOutcome[Any]) -> None:
        """Emit the interchange's requests, but those of its rejected groups; none when the
        interchange itself was rejected."""
        if not outcome.accepted:
            self.spool.discard()  # nothing of it goes: no need to read back what spilled
            return
        rejected_groups = {g.control for g in outcome.groups if has_error(g.problems)}
        for group, request in self.spool.drain():
            if group not in rejected_groups:
                self.emit(request)
                self.requests += 1
                self.events += request.event_count()


def _flatten(interchanges: Iterable[InterchangeOutcome[Any]]) -> Iterator[Problem]:
    for ic in interchanges:
        yield from ic.problems
        for group in ic.groups:
            yield from group.problems
            for st in group.sets.faulty():  # a set without problems adds none: not read
                yield from st.problems
                if not st.supported:
                    yield Problem(
                        code=ProblemCode.SET_NOT_SUPPORTED,
                        message=f"{st.type_code or 'unknown'} {st.control} is not a document "
                        "the gateway translates (X12 214/856, EDIFACT IFTSTA/DESADV)",
                        level=Level.TRANSACTION,
                        interchange=ic.control,
                        group=group.control,
                        transaction=st.control,
                        value=st.type_code or None,
                    )
                yield from st.mapping_problems
        if ic.is_acknowledgment and not has_error(ic.problems):
            yield Problem(
                code=ProblemCode.ACKNOWLEDGMENT_RECEIVED,
                message="an acknowledgement was received: it is recorded, nothing is translated",
                level=Level.INTERCHANGE,
                severity=Severity.WARNING,
                interchange=ic.control,
            )


_GC_THRESHOLDS = (50_000, 50, 100)  # while translating: see _fewer_collections
_gc_lock = threading.Lock()
_gc_users = 0
_gc_saved: tuple[int, int, int] | None = None


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often while translating. A translation makes
    millions of short-lived containers (segments, values, body dicts) and holds thousands
    (the spool, the outcomes), few of them in cycles: with the default thresholds the
    collector's passes over the held ones take a fifth of the time. Reference counting
    still frees everything at once; the thresholds come back when the last translation
    running in the process ends."""
    global _gc_users, _gc_saved
    with _gc_lock:
        if _gc_users == 0:
            _gc_saved = gc.get_threshold()
            gc.set_threshold(*_GC_THRESHOLDS)
        _gc_users += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_users -= 1
            if _gc_users == 0 and _gc_saved is not None:
                gc.set_threshold(*_gc_saved)
                _gc_saved = None


def translate_stream(
    stream: BinaryIO,
    profile: PartnerProfile,
    tables: CodeTables,
    ack_context: AckContext,
    emit: Emit,
    check: InterchangeCheck | None = None,
    keep_interchanges: bool = False,
    one_go: bool = True,
) -> TranslationOutcome:
    """Translate one file read from `stream` (seekable binary); requests go to `emit`.
    `check` may reject whole interchanges (see InterchangeCheck). The outcome lists the
    interchange outcomes only with `keep_interchanges` (a mailbag's would grow with it);
    its acknowledgements past a few MB wait in a temporary file (AckSpool). X12 214 sets
    that nothing is to be said of are translated in one go (`status_set_one_go`); with
    `one_go` False every set takes the general way (the same outputs: the tests compare)."""
    for memo in MEMOS:  # what one file taught of its scans is not the next one's
        memo.new_file()
    with _fewer_collections():
        return _translate(stream, profile, tables, ack_context, emit, check, keep_interchanges,
                          one_go)  # fmt: skip


def _translate(
    stream: BinaryIO,
    profile: PartnerProfile,
    tables: CodeTables,
    ack_context: AckContext,
    emit: Emit,
    check: InterchangeCheck | None,
    keep: bool,
    one_go: bool = True,
) -> TranslationOutcome:
    head = stream.read(4096)
    stream.seek(0)
    syntax, fault = detect_syntax(head)
    outcome = TranslationOutcome(syntax=syntax)
    if fault is not None:
        outcome.problems.append(fault)
        return outcome
    answer: AckBuilder = x12_acks if syntax == "x12" else contrl_acks
    translator = _Translator(profile, tables, emit, check, answer, ack_context, keep, one_go)
    read: X12Result | EdifactResult
    if syntax == "x12":
        read = read_x12(stream, translator, profile, keep=False)
    else:
        read = read_edifact(stream, translator, profile, keep=False)
    own, of_interchanges = read.problems, translator.problems
    listed_own, listed_interchanges = _shares(len(own), len(of_interchanges), LISTED_PROBLEMS)
    outcome.problems = [*own[:listed_own], *of_interchanges[:listed_interchanges]]
    left_out = [*own[listed_own:], *of_interchanges[listed_interchanges:]]
    outcome.unlisted = read.unlisted + translator.unlisted + len(left_out)
    outcome.unlisted_error = read.unlisted_error or translator.unlisted_error or has_error(left_out)
    outcome.acknowledgements = translator.acks
    outcome.interchanges, outcome.interchange_count = translator.interchanges, translator.count
    outcome.requests, outcome.events = translator.requests, translator.events
    return outcome
