"""X12 delimiters and the streaming segment tokenizer.

Delimiters come from each ISA: element separator = ISA character 4, repetition separator =
ISA11 (00402 and later), component separator = ISA16, segment terminator = the character
after ISA16, whether or not CR/LF follows it. A file may hold several interchanges with
different delimiters (a 'mailbag'): they are read again at every ISA.

The tokenizer yields one segment at a time as a list `[tag, element1, element2, ...]` so
element n is at index n. It keeps one chunk of text in memory, never the whole file.

CR and LF that are not a delimiter are not data: files hard-wrapped at a fixed width put
them in the middle of segments (and of the ISA). With `drop_line_breaks` (the default; a
partner profile may turn it off) they are removed before a segment is split into elements;
left in, they are control characters that the element checks reject (997 AK4 code 6).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from gateway.envelope.x12_blocks import after_terminators, plain_texts, without

__all__ = [
    "ISA_LENGTH",
    "Delimiters",
    "IsaText",
    "Token",
    "X12Tokenizer",
    "line_break_table",
    "usable_delimiter",
]

ISA_LENGTH = 106  # "ISA" + 16 fixed-width elements with their separators + terminator
_ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)
_SPACE = " \t\r\n\f\v\x1a"  # \x1a: DOS end-of-file mark
# Between and after interchanges, SUB (0x1A, the DOS end-of-file mark) and NUL padding are
# ignored like white space, the same rule as the EDIFACT reader's; inside an interchange a
# NUL is an invalid character.
_PADDING = _SPACE + "\x00"
_LEADING_PADDING = re.compile("[" + re.escape(_PADDING) + "]*")  # matches at any offset


_BLANK = " \t\r\n\v\f\x85\xa0"


def usable_delimiter(c: str | None, terminator: bool = False) -> bool:
    """A character that can delimit: one character that is no letter, digit or blank (a
    segment terminator may be CR or LF). Punctuation, the C0 separators (FS GS RS US, BEL)
    and multi-byte characters such as U+2026 are all legal delimiters."""
    if c is None or len(c) != 1:
        return False
    if terminator and c in "\r\n":
        return True
    return not c.isalnum() and c not in _BLANK


def line_break_table(*delimiters: str | None) -> dict[int, None]:
    """str.translate table removing CR and LF, except one that is itself a delimiter."""
    return {ord(c): None for c in "\r\n" if c not in delimiters}


@dataclass(frozen=True, slots=True)
class Delimiters:
    element: str
    component: str
    repetition: str | None
    segment: str
    suffix: str = ""  # what followed the terminator in the ISA (e.g. "\r\n"), for acks


@dataclass(frozen=True, slots=True)
class IsaText:
    """The ISA as read: its elements (index 1..16), delimiters, and layout faults."""

    elements: list[str]
    delimiters: Delimiters
    length: int  # characters from 'I' to the terminator, inclusive
    width_faults: tuple[int, ...]  # ISA element numbers whose width is not the fixed one


# A token is either a parsed ISA, a segment, or a stretch of text that is no segment.
class Token(NamedTuple):  # a tuple: one is made for every segment, so it must be cheap
    kind: str  # "isa" | "segment" | "segments" | "junk" | "eof-partial"
    isa: IsaText | None = None
    segment: list[str] | None = None
    text: str = ""
    # kind "segments" (`X12Tokenizer.batches`): the segments of one chunk, in order
    segments: list[list[str]] | None = None


def _parse_isa(
    buf: str, start: int, final: bool, drop_breaks: bool = True
) -> tuple[IsaText | None, int]:
    """Read an ISA at buf[start:]; (None, -1) if more text is needed, (None, start) if it
    cannot be an ISA. Tolerant of non-fixed-width ISAs: the 16 element separators are
    counted, the layout is checked afterwards. With `drop_breaks`, CR/LF inside ISA01..ISA15
    are removed first (ISA16 and the terminator are taken as they stand)."""
    if len(buf) - start < 4:
        return (None, start) if final else (None, -1)
    sep = buf[start + 3]
    if sep.isalnum() or sep in _SPACE:
        return None, start
    pos = start + 3
    for _ in range(15):
        nxt = buf.find(sep, pos + 1, pos + 200)
        if nxt < 0:
            if not final and len(buf) - pos < 200:
                return None, -1
            return None, start
        pos = nxt
    # pos is the separator before ISA16; ISA16 is the next character, the terminator after
    if pos + 2 >= len(buf):
        if not final:
            return None, -1
        return None, start
    # With `drop_breaks`, a hard-wrapped file may put CR/LF before ISA16 or after it: ISA16
    # is the first character after the separator that is no CR/LF, and the terminator the
    # next one that is no CR/LF - unless a segment tag (a letter) follows the CR/LF
    # directly: then that CR/LF (or CR LF) is the file's terminator, as before.
    at, wrapped = pos + 1, 0
    while drop_breaks and at < len(buf) and buf[at] in "\r\n":
        at, wrapped = at + 1, wrapped + 1
    after = at + 1
    while drop_breaks and after < len(buf) and buf[after] in "\r\n":
        after += 1
    if after >= len(buf) and not final:
        return None, -1
    if after < len(buf) and after > at + 1 and not buf[after].isalpha():
        wrapped += after - at - 1  # the breaks after ISA16 were wrapping, not terminating
    else:
        after = at + 1
    if after >= len(buf):
        return None, start
    component = buf[at]
    terminator = buf[after]
    end = after + 1
    if terminator in "\r\n" and not component.isalnum():
        # ISA16 missing: the character read as ISA16 is the terminator the next segment
        # ends with too (`*P*~` LF `GS*...~` LF): taken as the terminator, ISA16 as the same
        # character, which check_isa reports (TA1 027) and acks answer with `* > ~`.
        nl = buf.find(terminator, end, end + 4096)
        line = buf[end:nl].rstrip("\r\n") if nl > 0 else ""
        if line[:2].isalpha() and line.endswith(component):
            terminator, end = component, at + 1
    suffix_end = end
    while suffix_end < len(buf) and buf[suffix_end] in "\r\n" and buf[suffix_end] != terminator:
        suffix_end += 1
    if suffix_end == len(buf) and not final:
        return None, -1
    body = buf[start + 4 : pos]
    removed = wrapped
    if drop_breaks and ("\n" in body or "\r" in body):
        cleaned = body.translate(line_break_table(sep))
        removed, body = removed + len(body) - len(cleaned), cleaned
    elements = ["ISA", *body.split(sep), component]
    repetition = elements[11] if len(elements[11]) == 1 and not elements[11].isalnum() else None
    faults = tuple(
        i + 1
        for i, width in enumerate(_ISA_WIDTHS)
        if i + 1 < len(elements) and len(elements[i + 1]) != width
    )
    delims = Delimiters(sep, component, repetition, terminator, buf[end:suffix_end])
    return IsaText(elements, delims, end - start - removed, faults), end


class X12Tokenizer:
    """Segments from decoded text chunks, re-reading delimiters at each ISA."""

    def __init__(self, chunks: Iterator[str], drop_line_breaks: bool = True) -> None:
        self._chunks = chunks
        self._drop = drop_line_breaks
        self._buf = ""
        self._pos = 0
        self._eof = False
        self.delimiters: Delimiters | None = None

    def _more(self) -> bool:
        if self._eof:
            return False
        for chunk in self._chunks:
            self._buf = self._buf[self._pos :] + chunk
            self._pos = 0
            return True
        self._eof = True
        return False

    def __iter__(self) -> Iterator[Token]:
        """Tokens one segment at a time (`batches` with each batch taken apart)."""
        for token in self.batches():
            if token.segments is not None:
                for segment in token.segments:
                    yield _new(Token, ("segment", None, segment, "", None))
            else:
                yield token

    def batches(self) -> Iterator[Token]:
        """Tokens with the segments of each chunk together in one "segments" token (a list
        of element lists, in order, none empty; the last one an IEA if the interchange ended
        there): per segment the reader then runs a loop, not a generator."""
        while True:
            # (a local is tested: a narrowed `self.delimiters` would stay narrowed across
            # `_segments()`, which resets it at the IEA, and mypyc would check that type)
            delimiters = self.delimiters
            if delimiters is None:
                token = self._header()
                if token is None:
                    return
                yield token
                continue
            yield from self._segments()
            if self.delimiters is not None:  # text ran out inside an interchange
                return

    def _header(self) -> Token | None:
        while True:
            # skip white space between interchanges
            while True:
                self._pos = _LEADING_PADDING.match(self._buf, self._pos).end()  # type: ignore[union-attr]
                if self._pos < len(self._buf) or not self._more():
                    break
            if self._pos >= len(self._buf):
                return None
            wrapped = self._drop and self._buf[self._pos] == "I" and self._unwrap_tag() < 0
            if wrapped and self._more():
                continue
            if not self._buf.startswith("ISA", self._pos) and (
                len(self._buf) - self._pos >= 3 or self._eof
            ):
                return self._junk()
            isa, end = _parse_isa(self._buf, self._pos, self._eof, self._drop)
            if isa is None and end == -1:
                if not self._more():
                    isa, end = _parse_isa(self._buf, self._pos, True, self._drop)
                else:
                    continue
            if isa is None:
                return self._junk()
            self._pos = end
            self.delimiters = isa.delimiters
            return Token("isa", isa=isa)

    def _unwrap_tag(self) -> int:
        """A file hard-wrapped at a width under 4 splits "ISA" and its element separator
        with CR/LF: those breaks are no data and are dropped here, so the ISA is read as
        usual. 1 when the buffer now starts with "ISA" and a separator (or never will),
        -1 when more text is needed to tell."""
        buf, at = self._buf, self._pos
        kept: list[str] = []
        while at < len(buf) and len(kept) < 4 and at - self._pos < 16:
            if buf[at] not in "\r\n":
                kept.append(buf[at])
            at += 1
        if len(kept) < 4:
            return -1 if not self._eof and at - self._pos < 16 else 1
        if "".join(kept[:3]) == "ISA" and at - self._pos > 4:
            self._buf = buf[: self._pos] + "".join(kept) + buf[at:]
        return 1

    def _junk(self) -> Token:
        """Text up to the next 'ISA' (or the end), which is not part of any interchange."""
        start = self._pos
        while True:
            nxt = self._buf.find("ISA", self._pos + 1)
            if nxt >= 0:
                text = self._buf[start:nxt]
                self._pos = nxt
                return Token("junk", text=text[:200])
            if not self._more():
                text = self._buf[start:]
                self._pos = len(self._buf)
                return Token("junk", text=text[:200])
            start = 0  # _more() rebased the buffer at the old position

    def _segments(self) -> Iterator[Token]:
        """Segments up to the IEA: the text up to the buffer's last terminator is split at
        once; what follows it waits for the next chunk."""
        delims = self.delimiters
        assert delims is not None
        term, sep = delims.segment, delims.element
        step = len(term)
        skip = "".join(c for c in _SPACE if c not in (term, sep))
        breaks = "".join(map(chr, line_break_table(term, sep, delims.component, delims.repetition)))
        drop = self._drop and bool(breaks)
        window = _WINDOW  # with breaks dropped: the most text read at once (see below)
        while True:
            buf, pos = self._buf, self._pos
            last = buf.rfind(term, pos)
            if last < 0:
                if self._more():
                    continue
                rest = self._buf[self._pos :].strip(skip)
                if drop:
                    rest = without(rest, breaks)
                self._pos = len(self._buf)
                if rest.startswith("IEA"):  # a last segment without its terminator
                    self.delimiters = None
                    yield Token("segments", segments=[rest.split(sep)])
                elif rest:
                    yield Token("eof-partial", text=rest[:200])
                return
            iea = buf.find("IEA", pos, last)
            if iea >= 0:  # read up to that segment only: a mailbag holds thousands of IEAs
                last = buf.find(term, iea)
            if drop and last - pos > window:
                # an IEA tag wrapped by a line break ("I" LF "EA") is found only once the
                # breaks are dropped: read a window of whole segments at a time, doubled
                # while no IEA turns up, so an interchange costs about its own length
                cut = buf.rfind(term, pos, pos + window)
                if cut > pos:
                    last = cut
                window *= 2
            self._pos = last + step
            block = buf[pos:last]
            if drop:  # terminators stay where they were
                block = without(block, breaks)
            skipped = 0  # terminators of `block` before `texts`
            first = block.find("IEA") if iea >= 0 or drop else -1  # dropped breaks: "I" LF "EA"
            if first >= 0:  # the segments before the one with "IEA" may split at once
                cut = block.rfind(term, 0, first)
                plain = plain_texts(block[:cut], term, skip) if cut > 0 else None
                if plain is not None:
                    skipped = block.count(term, 0, cut) + 1
                    block = block[cut + step :]
            else:
                plain = plain_texts(block, term, skip)
            if plain is not None:  # the common block: split at once
                for start in range(0, len(plain), _BATCH):
                    batch = [text.split(sep) for text in plain[start : start + _BATCH]]
                    yield _new(Token, ("segments", None, None, "", batch))
                if first < 0:
                    continue
            texts = block.split(term)
            batch = []
            add = batch.append
            for count, text in enumerate(texts, start=skipped + 1):
                if text[:1] in skip or text[-1:] in skip:
                    text = text.strip(skip)
                    if not text:
                        continue
                elements = text.split(sep)
                add(elements)
                if elements[0] == "IEA":
                    self.delimiters = None
                    if count < skipped + len(texts):  # else it ends the block: at last + step
                        self._pos = after_terminators(buf, term, pos, count)
                    yield _new(Token, ("segments", None, None, "", batch))
                    return
                if len(batch) >= _BATCH:  # a few at a time: their memory is soon reused
                    yield _new(Token, ("segments", None, None, "", batch))
                    batch = []
                    add = batch.append
            if batch:
                yield _new(Token, ("segments", None, None, "", batch))


_new = tuple.__new__
_BATCH = 64  # segments per "segments" token
_WINDOW = 4096  # characters first read at once with line breaks dropped (`_segments`)
