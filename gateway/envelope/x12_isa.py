"""The ISA interchange header as text: its delimiters, its fixed layout, and where the next
one starts.

Delimiters come from each ISA: element separator = ISA character 4, repetition separator =
ISA11 (00402 and later), component separator = ISA16, segment terminator = the character
after ISA16, whether or not CR/LF follows it (X12.5, the interchange control structure).

An ISA whose delimiters cannot split segments (a terminator that is a letter, digit or
blank, equal separators: what a short or cut-off ISA gives when its 16 separators are
counted into the next segments) or whose terminator never comes does not get to swallow the
interchanges after it: the tokenizer looks for the next interchange header that can be told
apart whatever the broken one declared (`header_at`) and goes on from there.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ISA_LENGTH",
    "MAX_SEGMENT_LENGTH",
    "SPACE",
    "Delimiters",
    "IsaText",
    "header_at",
    "line_break_table",
    "parse_isa",
    "readable",
    "usable_delimiter",
]

ISA_LENGTH = 106  # "ISA" + 16 fixed-width elements with their separators + terminator
_ISA_WIDTHS = (2, 10, 2, 10, 2, 15, 2, 15, 6, 4, 1, 5, 9, 1, 1, 1)
SPACE = " \t\r\n\f\v\x1a"  # \x1a: DOS end-of-file mark


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


def parse_isa(
    buf: str, start: int, final: bool, drop_breaks: bool = True, inner: bool = False
) -> tuple[IsaText | None, int]:
    """Read an ISA at buf[start:]; (None, -1) if more text is needed, (None, start) if it
    cannot be an ISA. Tolerant of non-fixed-width ISAs: the 16 element separators are
    counted, the layout is checked afterwards. With `drop_breaks`, CR/LF inside ISA01..ISA15
    are removed first (ISA16 and the terminator are taken as they stand). An ISA cut off
    before its end, whose counted separators run into the next interchange's header (a
    whole ISA in its fixed layout: `_clean_at`), cannot be one: the next one is read whole
    (`inner`: the look for that next header, made once)."""
    if len(buf) - start < 4:
        return (None, start) if final else (None, -1)
    sep = buf[start + 3]
    if sep.isalnum() or sep in SPACE:
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
    if not inner:  # cut off: the next header starts before this one's end
        cut = _clean_at(buf, start, end, final, drop_breaks)
        if cut != 0:
            return None, (-1 if cut < 0 else start)
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


def _clean_at(buf: str, start: int, end: int, final: bool, drop: bool) -> int:
    """Whether an ISA in its fixed layout (`header_at`'s test) starts inside the ISA read at
    buf[start:end] (after its own "ISA"): 1 yes, 0 no, -1 more text needed to tell."""
    tag = "ISA" + buf[start + 3]
    at = buf.find(tag, start + 4, end + 3)  # starting before `end`
    while at >= 0:
        isa, found_end = parse_isa(buf, at, final, drop, inner=True)
        if isa is None and found_end == -1:
            return -1
        if isa is not None and isa.length == ISA_LENGTH and not isa.width_faults \
                and readable(isa.delimiters) and isa.elements[13].isdigit():  # fmt: skip
            return 1
        at = buf.find(tag, at + 4, end + 3)
    return 0


# X12 (X12.5 / X12.6) sets no maximum segment length. The longest element of the sets read
# here is 264 characters (MSG01) and a 214 / 856 segment is well under 2 KB, so a
# "segment" with no terminator after this many characters is a header whose terminator is
# wrong (or a file that is no X12): reported, and skipped up to the next ISA, instead of
# being held whole. The same limit as the EDIFACT reader's (edifact_lexer.MAX_SEGMENT).
MAX_SEGMENT_LENGTH = 1 << 20


def readable(d: Delimiters) -> bool:
    """Whether segments can be split with these delimiters: a segment terminator and an
    element separator that are usable (`usable_delimiter`) and not the same character. A
    short or cut-off ISA read by counting its separators gives a letter, digit or blank."""
    return (
        usable_delimiter(d.segment, terminator=True)
        and usable_delimiter(d.element)
        and d.segment != d.element
    )


def header_at(buf: str, at: int, final: bool, segment_start: bool, drop: bool) -> int:
    """Whether the "ISA" at buf[at] starts an interchange header: 1 yes, 0 no, -1 more
    text is needed to tell. At a segment start of the interchange being read
    (`segment_start`) any ISA that can be read is one (the interchange before it lost its
    IEA); anywhere else only an ISA that cannot be data: after a character that is no
    letter or digit, in its fixed layout (106 characters, every element at its width, a
    numeric ISA13) with delimiters that split segments. That one is found even when the
    interchange being read has a wrong terminator, so nothing after it is swallowed."""
    if not segment_start and at > 0 and buf[at - 1].isalnum():
        return 0
    isa, end = parse_isa(buf, at, final, drop)
    if isa is None:
        return -1 if end == -1 else 0
    if segment_start:
        return 1
    clean = isa.length == ISA_LENGTH and not isa.width_faults and readable(isa.delimiters)
    return 1 if clean and isa.elements[13].isdigit() else 0
