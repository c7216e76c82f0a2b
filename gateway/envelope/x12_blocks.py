"""How the X12 tokenizer cuts a block of whole segments (the text of a chunk up to its last
segment terminator) into segment texts.

Most blocks need nothing but a split at the terminator, or at the terminator and the line
end that follows every one of them (LF or CR LF after "~" is the usual layout of partner
files): `plain_texts` finds those in a few scans at C speed. Any other block (an empty
segment, blanks around a segment, a line end after some terminators only) is left to the
tokenizer's segment-by-segment reading, which strips and drops what is no data. Both give
the same texts: tests/test_x12_tokenizer_blocks.py holds them to each other.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

__all__ = ["after_terminators", "padding", "plain_texts", "without"]

# the line ends tried after a terminator, longest first (CR LF is also CR)
_LINE_ENDS = ("\r\n", "\n", "\r")


@functools.lru_cache(maxsize=16)
def padding(term: str, skip: str) -> Callable[[str], bool]:
    """A test for what makes a block's segment texts need more than a split at `term`: an
    empty one (a terminator at the start, after another, or an empty block) or one that
    begins or ends with white space (`skip`). Two regex scans that start from the
    terminator, a literal (fast): the block's, then its reverse's, where a blank before a
    terminator is one after the reversed terminator."""
    space = "[" + re.escape(skip) + "]" if skip else "(?!)"
    t = re.escape(term)
    after = re.compile(f"{t}(?:{space}|{t})").search  # a terminator then a blank or another
    rt = re.escape(term[::-1])
    reverse = re.compile(f"{rt}(?:{space}|{rt})").search
    edges = (*skip, term)

    def padded(block: str) -> bool:
        if not block or block.startswith(edges) or block.endswith(edges):
            return True
        return after(block) is not None or reverse(block[::-1]) is not None

    return padded


def plain_texts(block: str, term: str, skip: str) -> list[str] | None:
    """The segment texts of `block` (whole segments, without the block's last terminator)
    when a split gives them: at `term` when no text is empty or starts or ends with a blank
    of `skip`; else, when every terminator is followed by the same line end (one of CR LF,
    LF, CR whose characters `skip` holds) and the block starts with it or with a segment, at
    the terminator and its line end, if no text is then empty or padded. None for any other
    block: the caller strips and drops segment by segment, which gives the same texts."""
    if not padding(term, skip)(block):
        return block.split(term)
    count = block.count(term)
    for end in _LINE_ENDS:
        if end[0] not in skip or end[-1] not in skip:
            continue
        ended = term + end
        if block.count(ended) != count:
            continue
        rest = block.removeprefix(end)  # the line end of the terminator before the block
        if not padding(ended, skip)(rest):
            return rest.split(ended)
    return None


def without(text: str, chars: str) -> str:
    """`text` without any of `chars` (str.replace is far faster than str.translate)."""
    for c in chars:
        if c in text:
            text = text.replace(c, "")
    return text


def after_terminators(buf: str, term: str, pos: int, count: int) -> int:
    """The offset just after the `count`-th terminator at or after `pos` (one search per
    terminator: the work grows with `count`, not with the text after `pos`)."""
    at, step = pos, len(term)
    for _ in range(count):
        at = buf.find(term, at) + step
    return at
