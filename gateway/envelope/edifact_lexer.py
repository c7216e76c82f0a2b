"""EDIFACT bytes -> segments, streaming.

`split_segments` reads the binary stream chunk by chunk and cuts it at segment terminators
that are not released (an odd run of release characters before a terminator makes it
data). It works on bytes: every delimiter is a single ASCII byte and no multi-byte UTF-8
sequence contains one, so cutting before decoding is safe for every EDIFACT charset. A UNA
service string advice switches the delimiters; a UNB not preceded by a UNA goes back to
the defaults `:+.? '`. Only the segment being cut is held in memory.

`decode_segment` decodes one segment with the interchange's charset (a fault becomes a
position, not an exception) and `tokenize` splits the text into data elements and
components: with str.split when nothing in it is released, else with pydifact's
tokenizer, which undoes the release characters.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from pydifact.control.characters import Characters
from pydifact.exceptions import EDISyntaxError
from pydifact.token import Token
from pydifact.tokenizer import Tokenizer

from gateway.envelope.unb import DEFAULT_DELIMITERS, EdifactDelimiters
from gateway.parse.edifact_common import EdiSegment

__all__ = [
    "CHUNK_SIZE",
    "MAX_SEGMENT",
    "RawSegment",
    "decode_segment",
    "replaced_at",
    "split_segments",
    "tokenize",
    "una_delimiters",
]

CHUNK_SIZE = 1 << 16
MAX_SEGMENT = 1 << 20
_WHITESPACE = b" \t\r\n"
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class RawSegment:
    """One segment's bytes (terminator and preceding line breaks removed)."""

    data: bytes
    offset: int  # byte offset of `data` in the file
    lead: bytes  # whitespace between the previous terminator and this segment
    una: EdifactDelimiters | None = None  # set for a UNA service string advice
    complete: bool = True  # False: the file ended before the segment terminator
    overlong: bool = False  # no terminator within MAX_SEGMENT bytes: `data` is its start


def una_delimiters(six: bytes) -> EdifactDelimiters:
    """The delimiters a UNA's six characters declare (a space release: no release)."""
    chars = six.decode("latin-1")
    return EdifactDelimiters(
        component=chars[0],
        element=chars[1],
        decimal=chars[2],
        release=None if chars[3] == " " else chars[3],
        repetition=chars[4],
        segment=chars[5],
    )


def split_segments(
    stream: BinaryIO, chunk_size: int = CHUNK_SIZE, max_segment: int = MAX_SEGMENT
) -> Iterator[RawSegment]:
    """The segments of `stream` in file order; a UTF-8 BOM is skipped."""
    buf = bytearray()
    base = start = 0
    eof = False
    term, release = b"'", b"?"
    after_una = False

    def more() -> bool:
        nonlocal eof
        if eof:
            return False
        data = stream.read(chunk_size)
        if not data:
            eof = True
            return False
        buf.extend(data)
        return True

    more()
    if buf.startswith(_BOM):
        start = len(_BOM)
    while True:
        ws_from = start
        while True:
            while start < len(buf) and buf[start] in _WHITESPACE:
                start += 1
            if start < len(buf) or not more():
                break
        lead = bytes(buf[ws_from:start])
        if start >= len(buf):
            return
        while len(buf) - start < 9 and more():
            pass
        head = bytes(buf[start : start + 3])
        wrapped = None  # a UNA wrapped inside its nine characters (widths under 9)
        if head == b"UNA" or (head[:1] == b"U" and (b"\r" in head or b"\n" in head)):
            wrapped = _wrapped_una(buf, start, eof)
        while wrapped == -1 and more():
            wrapped = _wrapped_una(buf, start, eof)
        if (head == b"UNA" and len(buf) - start >= 9) or isinstance(wrapped, tuple):
            plain = (bytes(buf[start + 3 : start + 9]), 9)
            six, end = wrapped if isinstance(wrapped, tuple) else plain
            end = start + end
            yield RawSegment(bytes(buf[start:end]), base + start, lead, una_delimiters(six))
            term, release = six[5:6], b"" if six[3:4] == b" " else six[3:4]
            after_una, start = True, end
            continue
        if head == b"UNB" and not after_una:
            term, release = b"'", b"?"
        after_una = False
        search, overlong = start, False
        while True:
            idx = buf.find(term, search)
            if idx >= 0 and release:
                run, j = 0, idx - 1
                while j >= start and buf[j] == release[0]:
                    run, j = run + 1, j - 1
                if run % 2:
                    search = idx + 1
                    continue
            if idx >= 0:
                break
            if len(buf) - start > max_segment:
                yield RawSegment(bytes(buf[start : start + 80]), base + start, lead, overlong=True)
                base, start = base + len(buf), 0
                buf.clear()
                while (idx := buf.find(term)) < 0:
                    base += len(buf)
                    buf.clear()
                    if not more():
                        return
                overlong = True
                break
            search = len(buf)
            if not more():
                yield RawSegment(bytes(buf[start:]), base + start, lead, complete=False)
                return
        if not overlong:
            yield RawSegment(bytes(buf[start:idx]), base + start, lead)
        start = idx + 1
        if start > chunk_size:
            del buf[:start]
            base, start = base + start, 0


_BREAKS = b"\r\n"
_UNA_SPAN = 400  # a UNA hard-wrapped at width 1 with CR LF after every character: 27 bytes


def _wrapped_una(buf: bytearray, start: int, eof: bool) -> tuple[bytes, int] | int | None:
    """A UNA hard-wrapped by CR/LF inside its first nine characters (a file wrapped at a
    width under 9): (its six service characters, its length in bytes), -1 if more bytes
    are needed, None if this is no UNA. UNA1..UNA5 are the first five characters after
    "UNA" that are no CR/LF; UNA6 (the segment terminator) is the next one, unless a letter
    (the next segment's tag) follows the CR/LF run directly: then that CR/LF is the
    terminator, as in a newline-terminated file (ISO 9735-1 section 7.2)."""
    chars: list[int] = []
    at, limit = start, min(len(buf), start + _UNA_SPAN)
    seen_break = False
    while at < limit and len(chars) < 8:
        c = buf[at]
        if c in _BREAKS:
            seen_break = True
        else:
            chars.append(c)
        at += 1
    if len(chars) < 3:
        return -1 if not eof and len(buf) < start + _UNA_SPAN else None
    if bytes(chars[:3]) != b"UNA":
        return None
    if len(chars) < 8:
        return -1 if not eof and len(buf) < start + _UNA_SPAN else None
    run = at
    while run < limit and buf[run] in _BREAKS:
        run += 1
    if run >= limit:
        return -1 if not eof and len(buf) < start + _UNA_SPAN else None
    if run > at and chr(buf[run]).isalpha():  # a CR/LF segment terminator
        return (bytes(chars[3:]) + bytes(buf[at : at + 1]), at + 1 - start) if seen_break else None
    if not seen_break and run == at:
        return None  # not wrapped: the plain nine characters
    return bytes(chars[3:]) + bytes(buf[run : run + 1]), run + 1 - start


def decode_segment(data: bytes, charset: str) -> tuple[str, int | None]:
    """(text, offset of the first byte invalid for `charset` or None); invalid bytes are
    replaced by U+FFFD so the segment can still be read."""
    try:
        return data.decode(charset), None
    except UnicodeDecodeError as error:
        return data.decode(charset, errors="replace"), error.start
    except LookupError:
        return data.decode("latin-1"), None


def replaced_at(seg: EdiSegment) -> tuple[int | None, int | None]:
    """(element, component) of the first character decode_segment had to replace."""
    for e, parts in enumerate(seg.elements, start=1):
        for c, part in enumerate(parts, start=1):
            if "\ufffd" in part:
                return e, c
    return None, None


def _characters(delimiters: EdifactDelimiters) -> Characters:
    d = delimiters
    chars = Characters.from_str(":+.? '")  # then set one by one: from_str mistakes 'UNA...'
    chars.component_separator, chars.data_separator = d.component, d.element
    chars.decimal_point, chars.segment_terminator = d.decimal, d.segment
    chars.escape_character = d.release or ""
    return chars


def tokenize(text: str, delimiters: EdifactDelimiters = DEFAULT_DELIMITERS) -> EdiSegment | str:
    """The segment's tag and data elements, or why it cannot be tokenized."""
    d = delimiters
    plain = d.release is None or d.release not in text
    if plain and d.segment not in text and len({d.component, d.element, d.segment}) == 3:
        # nothing released, no terminator inside: the tokenizer would only split
        tag, *rest = text.split(d.element)
        parts = tuple(tuple(element.split(d.component)) for element in rest)
        return EdiSegment(tag.split(d.component, 1)[0].strip(), parts)
    elements: list[list[str]] = [[""]]
    try:
        for token in Tokenizer().get_tokens(text + delimiters.segment, _characters(delimiters)):
            if token.type is Token.Type.CONTENT:
                elements[-1][-1] += token.value
            elif token.type is Token.Type.COMPONENT_SEPARATOR:
                elements[-1].append("")
            elif token.type is Token.Type.DATA_SEPARATOR:
                elements.append([""])
            else:
                break
    except EDISyntaxError as error:
        return f"segment cannot be tokenized: {error}"
    tag = elements[0][0].strip()
    return EdiSegment(tag, tuple(tuple(parts) for parts in elements[1:]))
