"""The delimiters an EDIFACT interchange's header shows when no whole UNA declares them
(`edifact_lexer.cut_segments` / `split_segments` ask): a UNA cut short by the UNB after it
(`short_una`), a UNA hard-wrapped by CR/LF (`wrapped_una`), and a UNB that uses other
delimiters than those in force (`unb_own`). Each reads a few hundred bytes around the
header, in place (bytes.find and slices, no regex tried at every byte), and returns -1 when
the chunk ends before it can tell. ISO 9735-1 section 7 (UNA), ISO 9735-2 (UNB lengths).
"""

from __future__ import annotations

from gateway.envelope.unb import EdifactDelimiters, usable

__all__ = ["short_una", "una_delimiters", "unb_own", "wrapped_una"]

_WHITESPACE = b" \t\r\n"


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


_BREAKS = b"\r\n"
_UNA_SPAN = 400  # a UNA hard-wrapped at width 1 with CR LF after every character: 27 bytes


def short_una(buf: bytes, at: int) -> int | None:
    """Where a UNA at `at` ends when it is cut short: fewer than its six service characters
    come before the next segment's "UNB" (after a line break, or five right before it). Its
    characters would otherwise take that UNB's first letters as delimiters, and the
    interchange would be lost unanswered. None: a UNA of six characters (its sixth may be a
    line break: a file whose segment terminator is CR or LF)."""
    for end in range(at + 3, at + 9):
        if end == at + 8:  # five characters before it: the UNB right there, not a line break
            return end if buf.startswith(b"UNB", end) else None
        if buf[end : end + 12].lstrip(b"\r\n").startswith(b"UNB"):
            return end
    return None


_UNB_SPAN = 512  # a UNB is ~250 bytes at most (ISO 9735-2 lengths): searched this far
_NEXT_SPAN = 256  # the segment after it, read to confirm its terminator


def unb_own(buf: bytes, at: int, element: bytes, term: bytes, eof: bool) -> bytes | int | None:
    """The six service characters a UNB at `at` shows when they are not those in force
    (`element`, `term`: the UNA's, else the defaults "+" and "'"): the character after its
    tag as the element separator, the one after its syntax identifier UNOx as the component
    separator (else ":"), the one right before the next UNH / UNG / UNZ tag (line breaks
    between skipped) as the segment terminator; "." as the decimal mark, no release
    character, no repetition separator. A partner that left out its UNA (or cut it short,
    or sent another interchange's) is read with them, to be named and answered.

    Only a guess the file bears out: the UNB it cuts holds its five mandatory elements
    (S001..0020), the segment after it ends with the same terminator before any terminator
    in force, and the six are usable delimiters (no NUL, letter, digit or blank); a UNB
    holding "/UNH+" as data (a party "DEMO/UNH") is read with the delimiters in force.
    -1: more bytes are needed; None: the UNB uses the delimiters in force, or shows none."""
    sep = buf[at + 3 : at + 4]
    if not sep:
        return None if eof else -1
    if sep.isalnum() or sep in _WHITESPACE or sep == b"\x00":
        return None
    if sep == element:  # the common case: the terminator in force ends the UNB
        idx = buf.find(term, at + 4, at + _UNB_SPAN)
        text = buf[at + 4 : idx] if idx >= 0 else b""  # (no negative index: mypyc's slice)
        if idx >= 0 and b"UNH" not in text and b"UNG" not in text and b"UNZ" not in text:
            return None
    window = buf[at + 4 : at + _UNB_SPAN + _NEXT_SPAN]
    short = not eof and len(buf) - at < _UNB_SPAN + _NEXT_SPAN  # more bytes may tell
    found = _next_service_tag(window, sep)
    if found is None:
        return -1 if short else None
    end_at, tag_end = found
    seg_term = window[end_at : end_at + 1]
    if sep == element and seg_term == term:
        return None
    if window[:end_at].count(sep) < 4:  # S001 S002 S003 S004 0020: a cut in data
        return None
    component = window[4:5] if window[:3] == b"UNO" else b":"
    if not component or component.isalnum() or component in (sep, seg_term, b" ", b"\r", b"\n"):
        component = b":"
    rest = window[tag_end:]
    ends, other = rest.find(seg_term), rest.find(term)
    if ends < 0 or (0 <= other < ends and term not in (seg_term, sep, component)):
        return -1 if short and ends < 0 else None  # the next segment ends otherwise
    six = component + sep + b".  " + seg_term  # (the decimal mark may equal a delimiter)
    return six if b"\x00" not in six and usable(una_delimiters(six)) else None


def _next_service_tag(window: bytes, sep: bytes) -> tuple[int, int] | None:
    """The first UNH / UNG / UNZ tag and `sep` within the first _UNB_SPAN bytes of `window`
    right after a character that is no letter, digit, underscore or blank (CR / LF between
    skipped): (that character's index, the index after `sep`); None when there is none. A
    few bytes.find in place of a regex that tried every punctuation character."""
    start = 0
    while True:
        hits = [i for tag in (b"UNH", b"UNG", b"UNZ")
                if (i := window.find(tag + sep, start, _UNB_SPAN)) >= 0]  # fmt: skip
        if not hits:
            return None
        at = min(hits)
        before = at
        while before > 0 and window[before - 1] in b"\r\n":
            before -= 1
        char = window[before - 1 : before] if before > 0 else b""  # (no negative index)
        if char and not char.isalnum() and char not in b"_ \t\x0b\x0c\r\n":
            return before - 1, at + 4
        start = at + 1


def wrapped_una(buf: bytes, start: int, eof: bool) -> tuple[bytes, int] | int | None:
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
