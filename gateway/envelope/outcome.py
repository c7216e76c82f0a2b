"""What the envelope readers report per interchange / group / transaction set.

Both syntaxes fill the same shapes; the ack builders (gateway/ack/) read them. `header` is
the syntax's own header record (X12 `IsaHeader`, EDIFACT `UnbHeader`), None when the file
had no readable interchange header at all.

A group's sets (`SetOutcomes`) are kept compact: a tuple of values per set instead of an
object, and a reader's groups move them in batches to one unnamed temporary file per file
read (`SetSpool`), so a mailbag of 200,000 sets costs no more memory than one of 200 while
the acks (which list every set) wait for the trailers.
"""

from __future__ import annotations

import os
import pickle
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar, runtime_checkable

from gateway.origin import Origin
from gateway.parse.records import Document
from gateway.problems import Problem, Severity

__all__ = [
    "DocumentSink",
    "GroupOutcome",
    "InterchangeOutcome",
    "OneGoSink",
    "SetOutcome",
    "SetOutcomes",
    "SetSpool",
    "has_error",
]

H = TypeVar("H")


class DocumentSink(Protocol):
    """What an envelope reader hands its documents to (the pipeline's mapping stage).

    `document` is called for every transaction set / message that passed its syntax checks,
    in file order, and returns the mapping problems (application level: they do not change
    the ack). `end_interchange` is called once per interchange after its trailer (or the
    end of the file), with the finished outcome: the sink releases what it translated only
    for groups and interchanges that were accepted, so an envelope fault found at IEA/UNZ
    still stops every request of that interchange.
    """

    def document(self, origin: Origin, document: Document) -> list[Problem]: ...

    def end_interchange(self, outcome: InterchangeOutcome[Any]) -> None: ...


@runtime_checkable
class OneGoSink(DocumentSink, Protocol):
    """A sink that may also take a whole X12 214 set in one go (`status_set`): it returns
    True when it translated the set and nothing is to be said of it (no parse or mapping
    problem), False when the reader is to parse it and hand the document to `document`
    (which says what is wrong). `segments` are ST..SE inclusive; `component` /
    `repetition` the interchange's ISA16 / ISA11, `version` the set's ST03 or GS08;
    `nul_free` True when the file read so far holds no NUL (so no element of the set
    does)."""

    def status_set(
        self,
        origin: Origin,
        segments: list[list[str]],
        component: str,
        repetition: str | None,
        version: str | None,
        nul_free: bool = False,
    ) -> bool: ...


def has_error(problems: list[Problem]) -> bool:
    return any(p.severity is Severity.ERROR for p in problems)


@dataclass(slots=True)
class SetOutcome:
    """One transaction set (ST..SE) or message (UNH..UNT)."""

    control: str  # ST02 / UNH 0062
    type_code: str  # ST01 / UNH S009 0065
    version: str | None = None  # ST03 / UNH S009 version:release:agency[:association]
    problems: list[Problem] = field(default_factory=list)  # syntax: decide the ack
    mapping_problems: list[Problem] = field(default_factory=list)  # application level
    supported: bool = True
    segment_count: int = 0

    @property
    def accepted(self) -> bool:
        return self.supported and not has_error(self.problems)


class SetSpool:
    """An unnamed temporary file (opened on the first write, gone when closed) holding
    batches of set outcomes for the `SetOutcomes` of one file read. Reads and writes go by
    offset (pread / pwrite), so groups may be read in any order, also interleaved."""

    def __init__(self) -> None:
        self._fd: int | None = None
        self._end = 0
        self._held: list[SetOutcomes] = []  # finished groups of the interchange read (`hold`)
        self._held_sets = 0

    def hold(self, sets: SetOutcomes) -> None:
        """Keep a finished group's last sets in memory while the finished groups of the
        interchange being read hold fewer than `_BATCH` in all; past that move them all
        here. A mailbag's interchange of one set is answered and dropped without a write
        and a read back; an interchange of 10,000 small groups holds `_BATCH` sets at most."""
        self._held.append(sets)
        self._held_sets += sets.unflushed
        if self._held_sets >= _BATCH:
            self.release(keep=True)

    def release(self, keep: bool = False) -> None:
        """The interchange read has ended (its sink had it): its groups are held no longer.
        Their sets stay with their outcome, and go with it; with `keep` (the outcome is kept
        to the end of the file) they are moved here first, so that kept outcomes hold no
        sets in memory."""
        held, self._held, self._held_sets = self._held, [], 0
        if keep:
            for sets in held:
                sets.flush()

    def write(self, data: bytes) -> tuple[int, int]:
        """Append `data`; its (offset, length) for `read`. Raises OSError (disk full)."""
        if self._fd is None:
            with tempfile.TemporaryFile() as file:  # the duplicate keeps the unnamed file open
                self._fd = os.dup(file.fileno())
        offset = self._end
        view = memoryview(data)
        while view:
            written = os.pwrite(self._fd, view, self._end)
            view, self._end = view[written:], self._end + written
        return offset, len(data)

    def read(self, offset: int, length: int) -> bytes:
        """The bytes one `write` returned (offset, length) for."""
        assert self._fd is not None
        parts: list[bytes] = []
        while length > 0:
            part = os.pread(self._fd, length, offset)
            if not part:
                raise OSError(f"set spool: {length} bytes missing at offset {offset}")
            parts.append(part)
            offset, length = offset + len(part), length - len(part)
        return b"".join(parts)

    def close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)

    def __del__(self) -> None:
        self.close()


# one set as kept: (control, type_code, version, segment_count) when it is accepted without
# any problem (nearly every set of a big file), else with (supported, problems,
# mapping_problems) after them
_Entry = tuple[Any, ...]
_BATCH = 256  # sets a group holds in memory before they go to its spool
# ... where 16 problems held weigh as one set: a set lists up to SET_PROBLEMS (1,000), a
# problem is about 1.2 KB, so 256 faulty sets would hold 300 MB (4,096 problems: 5 MB)
_PROBLEMS_PER_SET = 16
# distinct ST01 / UNH 0065 a group's `type_codes` keeps: a group of 100,000 sets each of a
# type of its own took 243 s (a tuple remade per new type) and held them all to its end
TYPES_KEPT = 64


class SetOutcomes:
    """The sets / messages of one functional group, in file order: an append-only sequence
    that stores each set compactly (see `_Entry`) and, given a `spool`, moves them there in
    batches. Reading gives new `SetOutcome` objects each time: a set is not changed once
    appended. `type_codes` and `any_version` summarise the sets without reading them."""

    __slots__ = ("_batches", "_count", "_problems", "_tail", "any_version", "bare_types",
                 "more_bare", "more_types", "spool", "type_codes")  # fmt: skip

    def __init__(self, sets: Iterable[SetOutcome] = (), spool: SetSpool | None = None) -> None:
        self._batches: list[tuple[int, int]] = []  # (offset, length) in the spool
        self._tail: list[_Entry] = []
        self._problems = 0  # those of the sets in `_tail`
        self._count = 0
        self.spool = spool
        # every ST01 / UNH 0065 seen, as read, once; TYPES_KEPT at most (`more_types`: more)
        self.type_codes: tuple[str, ...] = ()
        self.more_types = False
        # the same stripped of blanks ("214 " is a 214 to `check_group_sets`), likewise
        self.bare_types: tuple[str, ...] = ()
        self.more_bare = False
        self.any_version = False  # a set with ST03 / a message with a version
        for outcome in sets:
            self.append(outcome)

    def append(self, outcome: SetOutcome) -> None:
        entry: _Entry = (outcome.control, outcome.type_code, outcome.version,
                         outcome.segment_count)  # fmt: skip
        if outcome.problems or outcome.mapping_problems or not outcome.supported:
            problems = (outcome.supported, list(outcome.problems), list(outcome.mapping_problems))
            entry = (*entry, *problems)
            self._problems += len(outcome.problems) + len(outcome.mapping_problems)
        self._tail.append(entry)
        self._count += 1
        code = outcome.type_code
        if code not in self.type_codes:  # (a tuple: most groups hold one type)
            if len(self.type_codes) < TYPES_KEPT:
                self.type_codes = (*self.type_codes, code)
            else:
                self.more_types = True
            bare = code.strip()
            if bare not in self.bare_types:
                if len(self.bare_types) < TYPES_KEPT:
                    self.bare_types = (*self.bare_types, bare)
                else:
                    self.more_bare = True
        self.any_version = self.any_version or bool(outcome.version)
        if self.unflushed >= _BATCH:
            self.flush()

    @property
    def unflushed(self) -> int:
        """Sets held in memory, not (yet) moved to the spool, each `_PROBLEMS_PER_SET` of
        their problems weighing one more set."""
        return len(self._tail) + self._problems // _PROBLEMS_PER_SET

    def close(self) -> None:
        """The group has ended: its sets held in memory go to the spool when the
        interchange's finished groups hold `_BATCH` of them (`SetSpool.hold`)."""
        if self.spool is not None and self._tail:
            self.spool.hold(self)

    def flush(self) -> None:
        """Move the sets held in memory to the spool (when there is one)."""
        if self.spool is not None and self._tail:
            data = pickle.dumps(self._tail, protocol=pickle.HIGHEST_PROTOCOL)
            self._batches.append(self.spool.write(data))
            self._tail, self._problems = [], 0

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return self._count > 0

    def _entries(self) -> Iterator[_Entry]:
        for offset, length in self._batches:
            assert self.spool is not None
            yield from pickle.loads(self.spool.read(offset, length))
        yield from list(self._tail)

    def __iter__(self) -> Iterator[SetOutcome]:
        return map(_outcome, self._entries())

    def read(self) -> Iterator[SetOutcome | tuple[str, str, str | None, int]]:
        """The sets in file order: one accepted without any problem as its (control,
        type_code, version, segment_count), any other as its `SetOutcome` (a reader that
        handles the plain case apart makes no object for it)."""
        for entry in self._entries():
            yield entry if len(entry) == 4 else _outcome(entry)

    def faulty(self) -> Iterator[SetOutcome]:
        """Only the sets with a problem (or not supported): what a problem list reads."""
        return (_outcome(entry) for entry in self._entries() if len(entry) > 4)

    def __getitem__(self, index: int) -> SetOutcome:
        position = index + self._count if index < 0 else index
        if not 0 <= position < self._count:
            raise IndexError(index)
        for number, outcome in enumerate(self):
            if number == position:
                return outcome
        raise IndexError(index)  # pragma: no cover - the count says it is there

    def __eq__(self, other: object) -> bool:
        if isinstance(other, SetOutcomes | list):
            return len(self) == len(other) and list(self) == list(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"SetOutcomes({list(self)!r})"


def _outcome(entry: _Entry) -> SetOutcome:
    if len(entry) == 4:
        return SetOutcome(entry[0], entry[1], entry[2], segment_count=entry[3])
    control, type_code, version, count, supported, problems, mapping = entry
    return SetOutcome(control, type_code, version, list(problems), list(mapping), supported,
                      count)  # fmt: skip


@dataclass(init=False)
class GroupOutcome:
    """One functional group (GS..GE, UNG..UNE); EDIFACT messages outside a group sit in a
    group with `control=None`."""

    functional_id: str | None  # GS01 / UNG 0038
    control: str | None  # GS06 / UNG 0048
    version: str | None  # GS08
    sender: str | None
    receiver: str | None
    sets: SetOutcomes
    problems: list[Problem]

    def __init__(
        self,
        functional_id: str | None,
        control: str | None,
        version: str | None = None,
        sender: str | None = None,
        receiver: str | None = None,
        sets: Iterable[SetOutcome] = (),
        problems: list[Problem] | None = None,
    ) -> None:
        self.functional_id, self.control, self.version = functional_id, control, version
        self.sender, self.receiver = sender, receiver
        self.sets = sets if isinstance(sets, SetOutcomes) else SetOutcomes(sets)
        self.problems = [] if problems is None else problems


@dataclass
class InterchangeOutcome(Generic[H]):
    header: H | None
    control: str | None
    problems: list[Problem] = field(default_factory=list)
    groups: list[GroupOutcome] = field(default_factory=list)
    is_acknowledgment: bool = False  # inbound 997/999/TA1/CONTRL: never acknowledged back
    # groups read past the partner profile's max_interchange_groups: counted, not held
    # (envelope.limits.keep_group, which weighs `groups`); the interchange is rejected
    groups_dropped: int = 0
    group_weight: int = 0
    sets_read: int = 0  # transaction sets / messages, for max_interchange_sets (`limits`)

    def groups_full(self, most: int) -> bool:
        """Whether a group read now would not be held (`keep_group`): its sets need not be
        translated."""
        return bool(self.groups_dropped) or self.group_weight >= most

    @property
    def accepted(self) -> bool:
        return not has_error(self.problems)
