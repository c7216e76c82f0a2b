"""The streaming X12 segment tokenizer.

Delimiters come from each ISA (`gateway.envelope.x12_isa`): a file may hold several
interchanges with different delimiters (a 'mailbag'): they are read again at every ISA.

The tokenizer yields one segment at a time as a list `[tag, element1, element2, ...]` so
element n is at index n. It keeps one chunk of text in memory, never the whole file.

A broken interchange ends at the next interchange header (`x12_isa.header_at`), whatever
its own delimiters say: an ISA at a segment start (the interchange before it lost its IEA),
or an ISA in its fixed layout anywhere (the broken one declared a terminator that its
segments do not end with). An ISA whose delimiters cannot split segments, and text with no
terminator for MAX_SEGMENT_LENGTH characters, are skipped up to the next header (a
"skipped" token says why and how much): one chunk, never the rest of the file, is held.

CR and LF that are not a delimiter are not data: files hard-wrapped at a fixed width put
them in the middle of segments (and of the ISA). With `drop_line_breaks` (the default; a
partner profile may turn it off) they are removed before a segment is split into elements;
left in, they are control characters that the element checks reject (997 AK4 code 6).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import repeat
from typing import NamedTuple

from gateway.envelope.x12_blocks import after_terminators, plain_texts, without
from gateway.envelope.x12_isa import (
    ISA_LENGTH,
    MAX_SEGMENT_LENGTH,
    SPACE,
    Delimiters,
    IsaText,
    header_at,
    line_break_table,
    parse_isa,
    readable,
    usable_delimiter,
)

__all__ = [
    "ISA_LENGTH",
    "Delimiters",
    "IsaText",
    "Token",
    "X12Tokenizer",
    "line_break_table",
    "usable_delimiter",
]

# Between and after interchanges, SUB (0x1A, the DOS end-of-file mark) and NUL padding are
# ignored like white space, the same rule as the EDIFACT reader's; inside an interchange a
# NUL is an invalid character.
_PADDING = SPACE + "\x00"
_LEADING_PADDING = re.compile("[" + re.escape(_PADDING) + "]*")  # matches at any offset


# A token is either a parsed ISA, a segment, or a stretch of text that is no segment.
class Token(NamedTuple):  # a tuple: one is made for every segment, so it must be cheap
    # "isa" | "segment" | "segments" | "junk" | "eof-partial" | "run-on" (the text before
    # the next ISA, after the last terminator) | "skipped" (`reason`: "unreadable" - the
    # ISA's delimiters split nothing -, "unterminated" - no segment ended with the ISA's
    # terminator before the next ISA -, "overlong" - no terminator for MAX_SEGMENT_LENGTH;
    # " end" added when the skip ran to the end of the file, not to an ISA)
    kind: str
    isa: IsaText | None = None
    segment: list[str] | None = None
    text: str = ""  # a sample of a junk, partial, run-on or skipped text
    # kind "segments" (`X12Tokenizer.batches`): the segments of one chunk, in order
    segments: list[list[str]] | None = None
    # kind "skipped": the characters skipped; kind "segments": the characters of its
    # segments' texts (line breaks dropped), a terminator counted after each, at least
    size: int = 0
    reason: str = ""  # kind "skipped": why


class X12Tokenizer:
    """Segments from decoded text chunks, re-reading delimiters at each ISA."""

    def __init__(self, chunks: Iterator[str], drop_line_breaks: bool = True) -> None:
        self._chunks = chunks
        self._drop = drop_line_breaks
        # a NUL read anywhere so far: until one is, no element holds one (`faultless`)
        self.nul_seen = False
        self._buf = ""
        self._pos = 0
        self._eof = False
        self.delimiters: Delimiters | None = None
        self._split_any = False  # a segment of the interchange being read ended

    def _more(self) -> bool:
        if self._eof:
            return False
        for chunk in self._chunks:
            if "\x00" in chunk:
                self.nul_seen = True
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
                    yield _new(Token, ("segment", None, segment, "", None, 0, ""))
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
                if token.isa is not None and not readable(token.isa.delimiters):
                    yield self._skip("unreadable")  # nothing could be split: a wrong split
                continue  # would run into the interchanges after it
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
            isa, end = parse_isa(self._buf, self._pos, self._eof, self._drop)
            if isa is None and end == -1:
                if not self._more():
                    isa, end = parse_isa(self._buf, self._pos, True, self._drop)
                else:
                    continue
            if isa is None:
                return self._junk()
            self._pos = end
            self.delimiters, self._split_any = isa.delimiters, False
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
        """Text up to the next 'ISA' (or the end), which is not part of any interchange.
        Its first 200 characters are the token's sample; the rest is passed over chunk by
        chunk (megabytes of it between two interchanges are not held)."""
        start, offset, sample = self._pos, 1, ""  # (at `start` is no ISA that can be read)
        while True:
            buf = self._buf
            nxt = buf.find("ISA", start + offset)
            end = nxt if nxt >= 0 else max(start + offset, len(buf) - 2)  # "IS" may begin one
            if len(sample) < 200:
                sample += buf[start:end][: 200 - len(sample)]
            self._pos = end
            if nxt >= 0:
                return Token("junk", text=sample)
            if not self._more():
                sample += self._buf[end:][: max(0, 200 - len(sample))]
                self._pos = len(self._buf)
                return Token("junk", text=sample)
            start, offset = 0, 0  # _more() rebased the buffer at `end`

    def _skip(self, reason: str) -> Token:
        """Skip from the read position up to the next interchange header in its fixed
        layout (`header_at`) or the end of the file: the interchange being read ends there.
        Of the text skipped, at most the last few characters are kept between chunks."""
        start = at = self._pos
        sample, size = self._buf[start : start + 200], 0
        while True:
            buf, final = self._buf, self._eof
            found, pending = buf.find("ISA", at), -1
            while found >= 0:
                verdict = header_at(buf, found, final, False, self._drop)
                if verdict == 1:
                    self._pos, self.delimiters = found, None
                    return Token("skipped", text=sample, size=size + found - start,
                                 reason=reason)  # fmt: skip
                if verdict == -1:
                    pending = found
                    break
                found = buf.find("ISA", found + 1)
            if final:
                self._pos, self.delimiters = len(buf), None
                size += len(buf) - start
                return Token("skipped", text=sample, size=size, reason=reason + " end")
            # keep the character before an "ISA" that may start a header, or before the
            # place where one may begin in the next chunk
            keep = max(start, pending - 1 if pending >= 0 else len(buf) - 3)
            size += keep - start
            self._pos = keep
            start = at = 0 if self._more() else keep

    def _next_header(self, buf: str, pos: int, end: int, term: str) -> tuple[int, int]:
        """(offset, verdict) of the first "ISA" in buf[pos:end] that starts an interchange
        header (verdict 1) or needs more text to tell (-1); (-1, 0) when there is none.
        `pos` is a segment start of the interchange being read."""
        found = buf.find("ISA", pos, end)
        while found >= 0:
            before = buf.rfind(term, pos, found)
            begin = pos if before < 0 else before + len(term)
            at_start = not buf[begin:found].strip(_PADDING)
            verdict = header_at(buf, found, self._eof, at_start, self._drop)
            if verdict:
                return found, verdict
            found = buf.find("ISA", found + 1, end)
        return -1, 0

    def _cut_before(self, buf: str, pos: int, header: int, delims: Delimiters) -> Iterator[Token]:
        """The interchange being read ends at the header at buf[header]: its segments up to
        there, the text after its last terminator as a "run-on" token (an IEA that only
        lost its terminator is read), or, when no segment of it ended with its terminator,
        a "skipped" one. The next read starts at the header, with its own delimiters."""
        term, sep = delims.segment, delims.element
        skip = "".join(c for c in SPACE if c not in (term, sep))
        region = buf[pos:header]
        self._pos, self.delimiters = header, None
        if term not in region and not self._split_any:
            if region.strip(_PADDING):
                yield Token("skipped", text=region[:200], size=len(region), reason="unterminated")
            return
        texts = region.split(term)
        tail = texts.pop().strip(skip)
        if self._drop:
            breaks = "".join(map(chr, line_break_table(term, sep, delims.component)))
            texts = [without(text, breaks) for text in texts]
            tail = without(tail, breaks)
        batch = [text.split(sep) for text in (t.strip(skip) for t in texts) if text]
        if tail.startswith("IEA"):
            batch.append(tail.split(sep))
        if batch:  # (its size: the region's, at least theirs)
            yield _new(Token, ("segments", None, None, "", batch, len(region) + 1, ""))
        if tail and not tail.startswith("IEA"):
            yield Token("run-on", text=tail[:200])

    def _segments(self) -> Iterator[Token]:
        """Segments up to the IEA: the text up to the buffer's last terminator is split at
        once; what follows it waits for the next chunk."""
        delims = self.delimiters
        assert delims is not None
        term, sep = delims.segment, delims.element
        step = len(term)
        skip = "".join(c for c in SPACE if c not in (term, sep))
        breaks = "".join(map(chr, line_break_table(term, sep, delims.component, delims.repetition)))
        drop = self._drop and bool(breaks)
        window = _WINDOW  # with breaks dropped: the most text read at once (see below)
        while True:
            buf, pos = self._buf, self._pos
            last = buf.rfind(term, pos)
            iea = buf.find("IEA", pos, last) if last >= 0 else -1
            if iea >= 0:  # read up to that segment only: a mailbag holds thousands of IEAs
                last = buf.find(term, iea)
            # the next interchange header ends this one, whatever its terminator found
            header, verdict = self._next_header(buf, pos, len(buf) if last < 0 else last, term)
            if verdict == 1:
                yield from self._cut_before(buf, pos, header, delims)
                return
            if verdict == -1:  # read up to the segment before it; more text tells
                last = buf.rfind(term, pos, header)
                if last < 0:
                    self._more()  # at the end of the file, the verdict is 0 or 1
                    continue
                iea = buf.find("IEA", pos, last)
                if iea >= 0:
                    last = buf.find(term, iea)
            if last < 0:
                if len(buf) - pos > MAX_SEGMENT_LENGTH:
                    yield self._skip("overlong")
                    return
                if self._more():
                    continue
                rest = self._buf[self._pos :].strip(skip)
                if drop:
                    rest = without(rest, breaks)
                self._pos = len(self._buf)
                if rest.startswith("IEA"):  # a last segment without its terminator
                    self.delimiters = None
                    yield Token("segments", segments=[rest.split(sep)], size=len(rest) + 1)
                elif rest:
                    yield Token("eof-partial", text=rest[:200])
                return
            if drop and last - pos > window:
                # an IEA tag wrapped by a line break ("I" LF "EA") is found only once the
                # breaks are dropped: read a window of whole segments at a time, doubled
                # while no IEA turns up, so an interchange costs about its own length
                cut = buf.rfind(term, pos, pos + window)
                if cut > pos:
                    last = cut
                window *= 2
            self._pos = last + step
            self._split_any = True
            block = buf[pos:last]
            if drop:  # terminators stay where they were
                block = without(block, breaks)
            skipped = 0  # terminators of `block` before `texts`
            first = block.find("IEA") if iea >= 0 or drop else -1  # dropped breaks: "I" LF "EA"
            if first >= 0:  # the segments before the one with "IEA" may split at once
                cut = block.rfind(term, 0, first)
                plain = plain_texts(block[:cut], term, skip) if cut > 0 else None
                length = cut  # (of the text `plain` holds)
                if plain is not None:
                    skipped = block.count(term, 0, cut) + 1
                    block = block[cut + step :]
            else:
                plain = plain_texts(block, term, skip)
                length = len(block)
            if plain is not None:  # the common block: split at once
                # one at a time when they are long (each element is an object: 64 wide
                # segments of a 2 MiB block split at once took 40 MB; 4 of 430,000
                # characters took the set being read past 100 MB before it was counted)
                per = _BATCH if length < _LONG * len(plain) else 1
                for start in range(0, len(plain), per):
                    # (str.split mapped over the texts with the separator repeated: a fifth
                    # faster than a comprehension that calls text.split(sep) for each)
                    texts = plain[start : start + per]
                    batch = list(map(str.split, texts, repeat(sep, len(texts))))
                    size = sum(map(len, texts)) + len(texts)
                    yield _new(Token, ("segments", None, None, "", batch, size, ""))
                if first < 0:
                    continue
            texts = block.split(term)
            per = _BATCH if len(block) < _LONG * len(texts) else 1  # (as above)
            batch = []
            add = batch.append
            size = 0  # (the characters of `batch`'s texts and terminators)
            for count, text in enumerate(texts, start=skipped + 1):
                if text[:1] in skip or text[-1:] in skip:
                    text = text.strip(skip)
                    if not text:
                        continue
                elements = text.split(sep)
                add(elements)
                size += len(text) + 1
                if elements[0] == "IEA":
                    self.delimiters = None
                    if count < skipped + len(texts):  # else it ends the block: at last + step
                        self._pos = after_terminators(buf, term, pos, count)
                    yield _new(Token, ("segments", None, None, "", batch, size, ""))
                    return
                if len(batch) >= per:  # a few at a time: their memory is soon reused
                    yield _new(Token, ("segments", None, None, "", batch, size, ""))
                    batch = []
                    add = batch.append
                    size = 0
            if batch:
                yield _new(Token, ("segments", None, None, "", batch, size, ""))


_new = tuple.__new__
_BATCH = 64  # segments per "segments" token
_LONG = 256  # characters a segment of a block, on average, past which it is split 1 at a time
_WINDOW = 4096  # characters first read at once with line breaks dropped (`_segments`)
