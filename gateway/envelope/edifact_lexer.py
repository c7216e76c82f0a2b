"""EDIFACT bytes -> segments, streaming.

`split_segments` reads the binary stream chunk by chunk and cuts it at segment terminators
that are not released (an odd run of release characters before a terminator makes it
data). It works on bytes: every delimiter is a single ASCII byte and no multi-byte UTF-8
sequence contains one, so cutting before decoding is safe for every EDIFACT charset. A UNA
service string advice switches the delimiters; a UNB not preceded by a UNA goes back to
the defaults `:+.? '`, unless it shows others the file bears out (`edifact_shown`: it
is then read with them, to be answered and rejected). Memory stays flat: one chunk (64 KiB) or
one segment at a time. `cut_segments` is the same cut for the reader: the complete segments
buffered after the one at the read position come as one `Batch` (one bytes.split, released
terminators joined back), so the common segment costs no per-byte Python work.

`decode_segment` decodes one segment with the interchange's charset (a fault becomes a
position, not an exception) and `tokenize` splits the text into data elements and
components: with str.split when nothing in it is released, else with pydifact's
tokenizer, which undoes the release characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, BinaryIO, NamedTuple

from gateway.envelope.edifact_shown import short_una, una_delimiters, unb_own, wrapped_una
from gateway.envelope.unb import DEFAULT_DELIMITERS, EdifactDelimiters, usable
from gateway.parse.edifact_common import EdiSegment

if TYPE_CHECKING:  # pydifact is imported when a segment holds a release character
    from pydifact.control.characters import Characters

__all__ = [
    "CHUNK_SIZE",
    "MAX_SEGMENT",
    "Batch",
    "RawSegment",
    "cut_segments",
    "decode_segment",
    "replaced_at",
    "split_segments",
    "tokenize",
    "una_delimiters",
    "unreleased_at",
]

CHUNK_SIZE = 1 << 16
MAX_SEGMENT = 1 << 20
_WHITESPACE = b" \t\r\n"
_BOM = b"\xef\xbb\xbf"
_NON_WHITESPACE = re.compile(rb"[^ \t\r\n]")
# An interchange header that cannot be data, whatever delimiters the interchange being read
# declared: a UNB (after a UNA and white space, or not) whose first element starts with a
# syntax identifier (UNOA..UNOY, ISO 9735 0001) and its version (0002), after a character
# that is no letter or digit (`cut_segments.next_header` checks that one). A UNA whose
# terminator the interchange's segments do not end with (or a letter, a blank) would
# otherwise make the rest of the file one segment.
_HEADER = re.compile(rb"UN(?:A[^\r\n]{6}[ \t\r\n]*UNB|B)[^\w\s]UNO[A-Z][^\w\s][1-9]")
_HEADER_MARGIN = 64  # a header may begin this many bytes before the end of what was searched
# where a batch of segments must stop: a UNA / UNB (the delimiters may change there), or
# such a tag hard-wrapped inside itself (U<CR/LF>NA, UN<CR/LF>B); read one at a time
_SERVICE_TEXT = re.compile(rb"UN[AB]|U[\r\n]|UN[\r\n]")


class RawSegment(NamedTuple):
    """One segment's bytes (terminator and preceding line breaks removed)."""

    data: bytes
    offset: int  # byte offset of `data` in the file
    lead: bytes  # whitespace between the previous terminator and this segment
    una: EdifactDelimiters | None = None  # set for a UNA service string advice
    complete: bool = True  # False: the file ended before the segment terminator
    overlong: bool = False  # no terminator within MAX_SEGMENT bytes: `data` is its start
    # no terminator before the next interchange header (`_HEADER`): `data` runs up to it
    run_on: bool = False
    # a UNA cut short by the UNB after it (`short_una`): `una` is then the defaults
    short: bool = False
    # the delimiters a UNB shows that are not those in force (`unb_own`), given as `una`
    # before the UNB itself; `data` is then the element separator and terminator in force
    # when a UNA declared them, else empty (the defaults)
    own: bool = False


def _odd_release(piece: bytes, release: bytes) -> bool:
    """Whether `piece` ends in an odd run of release characters (its terminator is data)."""
    if not release or not piece.endswith(release):
        return False
    return (len(piece) - len(piece.rstrip(release))) % 2 == 1


class Batch(NamedTuple):
    """Complete segments cut at once: each piece is one segment's bytes with the white
    space before it (no terminator); `offset` is the file offset of the first piece."""

    pieces: list[bytes]
    offset: int


def split_segments(
    stream: BinaryIO, chunk_size: int = CHUNK_SIZE, max_segment: int = MAX_SEGMENT
) -> Iterator[RawSegment]:
    """The segments of `stream` in file order; a UTF-8 BOM is skipped."""
    for item in cut_segments(stream, chunk_size, max_segment):
        if isinstance(item, Batch):
            offset = item.offset
            for piece in item.pieces:
                data = piece.lstrip(_WHITESPACE)
                lead = len(piece) - len(data)
                yield RawSegment(data, offset + lead, piece[:lead])
                offset += len(piece) + 1
        else:
            yield item


def _join_released(pieces: list[bytes], term: bytes, release: bytes) -> tuple[list[bytes], int]:
    """The pieces with each released terminator put back (the piece before it ends in an odd
    run of release characters), and their length with terminators; a last piece whose own
    terminator is released is left out (the segment goes on past the cut)."""
    joined: list[bytes] = []
    group: list[bytes] = []
    for piece in pieces:
        group.append(piece)
        if _odd_release(piece, release):  # its terminator is data (a run ends in its piece)
            continue
        joined.append(group[0] if len(group) == 1 else term.join(group))
        group = []
    return joined, sum(map(len, joined)) + len(joined)


def cut_segments(
    stream: BinaryIO, chunk_size: int = CHUNK_SIZE, max_segment: int = MAX_SEGMENT
) -> Iterator[RawSegment | Batch]:
    """`split_segments`, with the common segments in batches.

    The segment at the read position is cut on its own (UNA, a UNB going back to the
    default delimiters, a segment longer than the buffer); the complete segments buffered
    after it, up to the next UNA or UNB, are then cut with one bytes.split."""
    buf = b""
    base = pos = 0  # file offset of buf[0]; the next byte to read in buf
    eof = False
    term, release = b"'", b"?"
    after_una = False
    element = b"+"  # the element separator of the last UNA read
    unusable = False  # the last UNA read declares delimiters no interchange can be read with
    # the file offset of the next interchange header (`_HEADER`) at or after `searched`
    # (-1: none before `searched`, the file offset up to which the buffer was searched)
    header_abs, searched = -1, 0

    def next_header(start: int) -> int:
        """buf offset of the first interchange header at or after buf[start] (-1: none in
        the buffer); each byte is searched about once."""
        nonlocal header_abs, searched
        if header_abs >= base + start:
            return header_abs - base
        begin = max(start, searched - base)
        found = _HEADER.search(buf, begin)
        while (
            found is not None
            and found.start() > 0  # (a negative slice index: mypyc's slice refuses it)
            and buf[found.start() - 1 : found.start()].isalnum()
        ):
            found = _HEADER.search(buf, found.start() + 1)  # "XUNB+UNOA:3": data
        if found is not None:
            header_abs = searched = base + found.start()
            return found.start()
        header_abs, searched = -1, max(base + start, base + len(buf) - _HEADER_MARGIN)
        return -1

    def more() -> bool:
        """Read a chunk; buf then starts at the old pos (indices move by -pos)."""
        nonlocal buf, base, pos, eof
        if eof:
            return False
        data = stream.read(chunk_size)
        if not data:
            eof = True
            return False
        buf, base, pos = buf[pos:] + data, base + pos, 0
        return True

    more()
    if buf.startswith(_BOM):
        pos = len(_BOM)
    while True:
        # -- the segment at pos: white space, UNA, delimiters, its end (releases honoured)
        found = _NON_WHITESPACE.search(buf, pos)
        while (found is None or len(buf) - found.start() < 20) and more():  # (`short_una`)
            found = _NON_WHITESPACE.search(buf, pos)
        if found is None:
            return
        at = found.start()
        lead = buf[pos:at]
        head = buf[at : at + 3]
        wrapped = None  # a UNA wrapped inside its nine characters (widths under 9)
        if head == b"UNA" or (head[:1] == b"U" and (b"\r" in head or b"\n" in head)):
            wrapped = wrapped_una(buf, at, eof)
            while wrapped == -1:
                moved = pos  # indices move by -pos when more() reads
                if not more():
                    break
                at -= moved
                wrapped = wrapped_una(buf, at, eof)
        cut = short_una(buf, at) if head == b"UNA" else None
        if cut is not None:  # the UNB after it is read with the default delimiters
            yield RawSegment(buf[at:cut], base + at, lead, DEFAULT_DELIMITERS, short=True)
            after_una, pos = False, cut
            continue
        if (head == b"UNA" and len(buf) - at >= 9) or isinstance(wrapped, tuple):
            six, end = wrapped if isinstance(wrapped, tuple) else (buf[at + 3 : at + 9], 9)
            declared = una_delimiters(six)
            yield RawSegment(buf[at : at + end], base + at, lead, declared)
            term, release = six[5:6], b"" if six[3:4] == b" " else six[3:4]
            after_una, pos, element = True, at + end, six[1:2]
            unusable = not usable(declared)  # the reader answers its UNB with the defaults
            continue
        in_force = element + term if after_una else b"+'"
        guess = head == b"UNB" and not (after_una and unusable)
        own = unb_own(buf, at, in_force[:1], in_force[1:], eof) if guess else None
        while own == -1:
            moved = pos  # indices move by -pos when more() reads
            if not more():
                break
            at -= moved
            own = unb_own(buf, at, in_force[:1], in_force[1:], eof)
        if isinstance(own, bytes):  # read with them, as after a UNA that declared them
            in_una = in_force if after_una else b""  # (the reader's message names them)
            yield RawSegment(in_una, base + at, lead, una_delimiters(own), own=True)
            term, release, element = own[5:6], b"", own[1:2]
            after_una, pos = True, at
            continue
        if head == b"UNB" and not after_una:
            term, release = b"'", b"?"
        after_una = False
        search = at
        while True:
            idx = buf.find(term, search)
            if idx > at and release and buf[idx - 1 : idx] == release:
                j = idx - 1
                while j > at and buf[j - 1] == buf[idx - 1]:
                    j -= 1
                if (idx - j) % 2:  # an odd run of release characters: the terminator is data
                    search = idx + 1
                    continue
            header = next_header(at + 1)
            if header >= 0 and (idx < 0 or header < idx):  # the next interchange comes first
                data = buf[at:header].rstrip(_WHITESPACE)
                yield RawSegment(data, base + at, lead, run_on=True)
                pos = header
                break
            if idx >= 0:
                yield RawSegment(buf[at:idx], base + at, lead)
                pos = idx + 1
                break
            if len(buf) - at > max_segment:
                yield RawSegment(buf[at : at + 80], base + at, lead, overlong=True)
                pos = len(buf) - _HEADER_MARGIN  # skipped: up to a terminator or a header
                while True:
                    idx, header = buf.find(term, pos), next_header(pos)
                    if idx >= 0 or header >= 0:
                        break
                    pos = max(pos, len(buf) - _HEADER_MARGIN)
                    if not more():
                        return
                pos = header if header >= 0 and (idx < 0 or header < idx) else idx + 1
                break
            moved = pos  # indices move by -pos when more() reads
            search = len(buf) - moved
            if not more():
                yield RawSegment(buf[at:], base + at, lead, complete=False)
                return
            at -= moved
        # -- the complete segments buffered after it, cut at once
        last = buf.rfind(term, pos)
        header = next_header(pos) if last > pos else -1
        if 0 <= header < last:  # the segment running into it is cut on its own
            last = buf.rfind(term, pos, header)
        block: bytes | None = None
        if last > pos and not (release and release in _WHITESPACE):  # else one at a time:
            # leading white space is skipped before a white-space release could count
            service = _SERVICE_TEXT.search(buf, pos, last)  # (in place: no copy of the rest)
            if service is None:
                block = buf[pos:last]
            else:
                # the batch ends before the piece holding it: a UNA / UNB (or a tag wrapped
                # inside itself) is read on its own, the delimiters may change there (such a
                # tag in data costs one segment read that way); a file of short UNBs was
                # split whole at each one (quadratic: 40 s a MB)
                cut = buf.rfind(term, pos, service.start())
                block = buf[pos:cut] if cut >= 0 else None
        if block is not None:
            pieces = block.split(term)
            size = len(block) + 1
            if release and (release + term in block or block.endswith(release)):
                pieces, size = _join_released(pieces, term, release)
            if pieces:
                yield Batch(pieces, base + pos)
            pos += size
        if pos > chunk_size:
            buf, base, pos = buf[pos:], base + pos, 0


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


def unreleased_at(text: str, char: str, d: EdifactDelimiters) -> tuple[int, int] | None:
    """(data element, component), 1-based, of the first `char` in a segment's text that no
    release character escapes; None when there is none. Used for a syntax-4 repetition
    separator, which no data element of the segments read may hold (none repeats)."""
    if char not in text:
        return None
    element, component, released = 0, 1, False
    for c in text:
        if released:
            released = False
        elif c == d.release:
            released = True
        elif c == d.element:
            element, component = element + 1, 1
        elif c == d.component:
            component += 1
        elif c == char:
            return (element, component) if element else None
    return None


def _characters(delimiters: EdifactDelimiters) -> Characters:
    from pydifact.control.characters import Characters

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
    from pydifact.exceptions import EDISyntaxError
    from pydifact.token import Token
    from pydifact.tokenizer import Tokenizer

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
