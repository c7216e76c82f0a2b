"""A stored EDI file as numbered segments, read as a stream, and which segment each recorded
problem points at.

X12: the element separator is ISA's 4th character, the component separator ISA16 and the
segment terminator the character after ISA16 (X12.5 interchange control structure).
EDIFACT: the UNA service string advice, or ISO 9735's defaults `:+.? '` without one; a
release character (`?`) keeps the next character literal.

The file page shows one page of a file that may be 100 MB: `iter_segments` reads the file in
chunks and yields one segment at a time, so the memory a page needs does not grow with the
file; `ErrorLocator` finds every error's segment in the same single pass.
"""

from __future__ import annotations

import codecs
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain
from typing import Any

from gateway.ledger.records import CONTROL_WIDTH, column_text

__all__ = [
    "ErrorLocator",
    "RawSegment",
    "control_key",
    "iter_segments",
    "locate_errors",
    "split_segments",
]

_SET_HEADERS = {"ST", "UNH"}
_INTERCHANGE_HEADERS = {"ISA", "UNB"}
_LEAD = "\ufeff\r\n\t "
_TEXT_LINES = 5000  # a file that is not EDI: at most this many of its lines
SEGMENT_CHARS = 100_000  # of one segment read; a longer one (no terminator) is cut
ELEMENTS = 500  # elements of a segment kept, each at most ELEMENT_CHARS characters
ELEMENT_CHARS = 2000


@dataclass
class RawSegment:
    number: int  # 1 = first segment of the file
    tag: str
    elements: list[str]  # elements after the tag, as written (components not split)
    interchange: str | None = None  # ISA13 / UNB 0020 of the interchange it is in
    transaction: str | None = None  # ST02 / UNH 0062 of the set it is in
    position: int | None = None  # position in the set (ST/UNH = 1)
    errors: list[int] = field(default_factory=list)
    bad_elements: list[int] = field(default_factory=list)
    cut: bool = False  # longer than SEGMENT_CHARS, ELEMENTS or ELEMENT_CHARS: the rest left out


def _text(chunks: Iterable[bytes]) -> Iterator[str]:
    """The chunks decoded as UTF-8 (bad bytes replaced), leading BOM and blanks dropped."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    started = False
    for chunk in chunks:
        text = decoder.decode(chunk)
        if not started:
            text = text.lstrip(_LEAD)
            started = bool(text)
        if text:
            yield text
    if tail := decoder.decode(b"", final=True):
        yield tail if started else tail.lstrip(_LEAD)


def _x12(head: str, rest: Iterator[str]) -> Iterator[tuple[list[str], bool]]:
    """(elements, cut) of each segment; a segment longer than `SEGMENT_CHARS` (a file with no
    terminator) is cut there and the rest of it skipped, so memory stays bounded."""
    element, terminator = head[3], head[105] if len(head) > 105 else "~"
    buffer, cut = head, False
    for text in chain(("",), rest):  # lazily: a 100 MB file is never read whole
        if cut:
            end = text.find(terminator)
            if end < 0:
                continue
            yield buffer.split(element), True
            buffer, cut, text = "", False, text[end + 1 :]
        buffer += text
        *pieces, buffer = buffer.split(terminator)
        for piece in pieces:
            piece = piece.strip("\r\n")
            if piece.strip():
                yield piece.split(element), False
        if len(buffer) > SEGMENT_CHARS:
            buffer, cut = buffer[:SEGMENT_CHARS].lstrip("\r\n"), True
    buffer = buffer.strip("\r\n")
    if buffer.strip():
        yield buffer.split(element), cut


def _edifact(head: str, rest: Iterator[str]) -> Iterator[tuple[list[str], bool]]:
    """(elements, cut) of each segment, as `_x12`; ISO 9735's release character keeps the
    next character literal (it stays in the element, as written)."""
    element, release, terminator = "+", "?", "'"
    if head.startswith("UNA") and len(head) >= 9:
        element, release, terminator = head[4], head[6], head[8]
        head = head[9:]
    specials = re.compile("[" + re.escape(release + element + terminator) + "]")
    current: list[str] = []
    buffer: list[str] = []
    size, escaped = 0, False

    def keep(piece: str) -> None:
        nonlocal size
        if size <= SEGMENT_CHARS:
            buffer.append(piece)
            size += len(piece)

    for text in chain((head,), rest):  # lazily: a 100 MB file is never read whole
        at = 0
        if escaped and text:
            keep(text[0])
            escaped, at = False, 1
        while (hit := specials.search(text, at)) is not None:
            char, end = hit.group(), hit.end()
            keep(text[at : end - 1])
            if char == release:  # checked first, as ISO 9735 reads it
                keep(char)
                if end < len(text):
                    keep(text[end])
                    end += 1
                else:
                    escaped = True
            elif char == element:
                if size <= SEGMENT_CHARS:
                    current.append("".join(buffer))
                buffer = []
            else:
                if size <= SEGMENT_CHARS or not current:
                    current.append("".join(buffer))
                if "".join(current).strip():
                    current[0] = current[0].strip("\r\n ")
                    yield current, size > SEGMENT_CHARS
                current, buffer, size = [], [], 0
            at = end
        keep(text[at:])
    if "".join(buffer).strip() or current:
        current.append("".join(buffer))
        current[0] = current[0].strip("\r\n ")
        yield current, size > SEGMENT_CHARS


def iter_segments(chunks: Iterable[bytes]) -> Iterator[RawSegment]:
    """The file's segments, numbered from 1, each knowing its interchange, set and position
    in the set; `chunks` are the file's bytes in any split (a file read 1 MiB at a time).
    Anything that is not X12 or EDIFACT comes back as one segment per text line, at most
    5,000 lines."""
    texts = _text(chunks)
    head = ""
    for text in texts:
        head += text
        if len(head) > 105:
            break
    if head.startswith("ISA") and len(head) > 105:
        parts = _x12(head, texts)
        control_of = {"ISA": 13, "ST": 2}
    elif head.startswith(("UNA", "UNB")):
        parts = _edifact(head, texts)
        control_of = {"UNB": 5, "UNH": 1}
    else:
        for text in texts:  # enough for the first lines, never the whole of a big file
            if head.count("\n") > _TEXT_LINES or len(head) > _TEXT_LINES * 1000:
                break
            head += text
        lines = head.splitlines()[:_TEXT_LINES]
        yield from (RawSegment(n, "", [line]) for n, line in enumerate(lines, 1))
        return
    interchange: str | None = None
    transaction: str | None = None
    position: int | None = None
    for number, ((tag, *elements), cut) in enumerate(parts, 1):
        tag = tag[:ELEMENT_CHARS].strip()
        if len(elements) > ELEMENTS or any(len(e) > ELEMENT_CHARS for e in elements):
            elements, cut = [e[:ELEMENT_CHARS] for e in elements[:ELEMENTS]], True
        if tag in _INTERCHANGE_HEADERS:
            index = control_of[tag] - 1
            interchange = elements[index].strip() if len(elements) > index else None
            transaction, position = None, None
        if tag in _SET_HEADERS:
            index = control_of[tag] - 1
            transaction = elements[index].strip() if len(elements) > index else None
            position = 0
        if position is not None:
            position += 1
        yield RawSegment(number, tag, elements, interchange, transaction, position, cut=cut)
        if tag in ("SE", "UNT"):
            transaction, position = None, None


def split_segments(data: bytes) -> list[RawSegment]:
    """All of `iter_segments` for bytes already in memory (an ack's text, a small file)."""
    return list(iter_segments([data]))


@lru_cache(maxsize=4096)  # a file's segments repeat their set's and interchange's numbers
def control_key(value: Any) -> str | None:
    """A control number as compared: blanks stripped, cut as the ledger records it
    (`column_text`: a problem's or the file's whole one meets the ledger's), leading zeros
    dropped from digits."""
    if value is None:
        return None
    text = column_text(str(value).strip(), CONTROL_WIDTH)
    try:
        return str(int(text)) if text.isdigit() else text
    except ValueError:  # digits int() does not read (superscripts)
        return text


class ErrorLocator:
    """Finds the segment each error (a Problem.to_report() dict) points at, fed the file's
    segments one by one. In order of preference: the segment at the error's position in its
    set, the first of the set with its tag, the set's first segment; else the first segment of
    its interchange with its tag, else (an interchange named) that interchange's first segment.
    Memory grows with the errors, not with the file."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = errors
        self._best: dict[int, tuple[int, int]] = {}  # error -> (preference, segment number)
        self._in_set: dict[tuple[str | None, str], list[int]] = defaultdict(list)
        self._by_tag: dict[str | None, dict[str, list[int]]] = defaultdict(dict)
        self._first: dict[str | None, list[int]] = defaultdict(list)
        for index, error in enumerate(errors):
            interchange = control_key(error.get("interchange"))
            transaction, tag = control_key(error.get("transaction")), error.get("segment")
            if transaction is not None:
                self._in_set[interchange, transaction].append(index)
            if tag:
                self._by_tag[interchange].setdefault(str(tag), []).append(index)
            elif interchange is not None:
                self._first[interchange].append(index)

    def _offer(self, index: int, preference: int, number: int) -> None:
        best = self._best.get(index)
        if best is None or preference < best[0]:
            self._best[index] = (preference, number)

    def feed(self, segment: RawSegment) -> None:
        """Consider one segment (in file order)."""
        if not self.errors:
            return
        interchange = control_key(segment.interchange)
        if segment.transaction is not None:
            transaction = control_key(segment.transaction) or ""
            for key in ((interchange, transaction), (None, transaction)):
                for index in self._in_set.get(key, ()):
                    error = self.errors[index]
                    if segment.position == error.get("position"):
                        self._offer(index, 0, segment.number)
                    elif segment.tag == error.get("segment"):
                        self._offer(index, 1, segment.number)
                    else:
                        self._offer(index, 2, segment.number)
        for scope in (None, interchange) if interchange is not None else (None,):
            tags = self._by_tag.get(scope)
            if tags and (pending := tags.pop(segment.tag, None)):
                for index in pending:
                    self._offer(index, 3, segment.number)
            if scope is not None and (first := self._first.pop(scope, None)):
                for index in first:
                    self._offer(index, 4, segment.number)

    def lines(self) -> list[int | None]:
        """Each error's segment number (None: the file as a whole), in the errors' order."""
        return [
            found[1] if (found := self._best.get(i)) is not None else None
            for i in range(len(self.errors))
        ]


def mark(
    segments: Iterable[RawSegment], errors: list[dict[str, Any]], lines: list[int | None]
) -> None:
    """Fill in `errors` (indexes) and `bad_elements` of those `segments` an error points at."""
    by_number = {s.number: s for s in segments}
    for index, (error, line) in enumerate(zip(errors, lines, strict=True)):
        hit = by_number.get(line) if line is not None else None
        if hit is None:
            continue
        hit.errors.append(index)
        element = error.get("element")
        if isinstance(element, int) and element not in hit.bad_elements:
            hit.bad_elements.append(element)


def locate_errors(segments: list[RawSegment], errors: list[dict[str, Any]]) -> list[int | None]:
    """For each error (a Problem.to_report() dict) the number of the segment it points at
    (None: the file as a whole); the segments' `errors` / `bad_elements` are filled in."""
    locator = ErrorLocator(errors)
    for segment in segments:
        locator.feed(segment)
    lines = locator.lines()
    mark(segments, errors, lines)
    return lines
