"""The X12 tokenizer splits a block of whole segments in one go when nothing in it needs
more than a split (`x12_syntax._padding`): wherever the chunks end, whatever white space,
empty segments, CR/LF or 'IEA' text the file holds, it must give the segments a plain
reading gives (terminator split, blanks stripped, empty ones dropped, element split). A block
whose every terminator is followed by the same line end is split at both at once
(`x12_blocks.plain_texts`): the line-ended files below take that way and must read the same."""

from __future__ import annotations

import sys
from types import FrameType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.envelope import x12_syntax
from gateway.envelope.x12_blocks import plain_texts
from gateway.envelope.x12_syntax import X12Tokenizer

ISA = (
    "ISA*00*          *00*          *02*SCAC           *ZZ*AMAZONDF       "
    "*240102*1530*U*00401*000000042*0*P*>~"
)
_ELEMENT = st.text(alphabet="AZ09 \t\r\nIE", max_size=6)
_SEGMENT = st.builds(
    lambda tag, elements, before, after: before + "*".join([tag, *elements]) + after,
    st.sampled_from(["N1", "AT7", "L11", "IEA2", "MS1", "LX"]),
    st.lists(_ELEMENT, max_size=4),
    st.sampled_from(["", "", "", " ", "\n", "\r\n", "\t"]),
    st.sampled_from(["", "", "", " ", "\n", "\r\n", "\t"]),
)


def _plain(body: list[str], drop_line_breaks: bool) -> list[list[str]]:
    text = "~".join(body)
    if drop_line_breaks:
        text = text.replace("\r", "").replace("\n", "")
    out = []
    for raw in text.split("~"):
        segment = raw.strip(" \t\r\n\f\v\x1a")
        if segment:
            out.append(segment.split("*"))
    return out


@settings(max_examples=400, deadline=None)
@given(
    body=st.lists(_SEGMENT, max_size=60),
    cuts=st.lists(st.integers(min_value=1, max_value=200), max_size=8),
    drop_line_breaks=st.booleans(),
)
def test_blocks_read_as_a_plain_split(
    body: list[str], cuts: list[int], drop_line_breaks: bool
) -> None:
    text = ISA + "~".join(body) + "~IEA*1*000000042~"
    chunks, at = [], 0
    for cut in cuts:  # the chunk borders fall anywhere, inside segments too
        chunks.append(text[at : at + cut])
        at += cut
    chunks.append(text[at:])
    tokens = list(X12Tokenizer(iter([c for c in chunks if c]), drop_line_breaks))
    assert tokens[0].kind == "isa"
    segments = [t.segment for t in tokens[1:]]
    assert all(t.kind == "segment" for t in tokens[1:])
    expected = [*_plain(body, drop_line_breaks), ["IEA", "1", "000000042"]]
    # a plain reading stops at the first IEA segment, as the tokenizer does
    first_iea = next(i for i, s in enumerate(expected) if s[0] == "IEA")
    assert segments[: first_iea + 1] == expected[: first_iea + 1]


_SKIP = " \t\r\n\f\v\x1a"
_LINE_ENDS = st.sampled_from(["\n", "\r\n", "\r"])


def _reading(block: str) -> list[str]:
    """The texts a segment-by-segment reading of `block` gives (strip, drop empty ones)."""
    return [t for t in (raw.strip(_SKIP) for raw in block.split("~")) if t]


@settings(max_examples=400, deadline=None)
@given(
    texts=st.lists(st.text(alphabet="AZ09*> \t\r\n", min_size=0, max_size=6), max_size=30),
    end=_LINE_ENDS,
    oddities=st.lists(
        st.tuples(st.integers(min_value=0, max_value=40), st.sampled_from(["", " ", "\n", "~"])),
        max_size=2,
    ),
    lead=st.booleans(),
)
def test_a_line_ended_block_splits_at_once_as_a_reading_gives(
    texts: list[str], end: str, oddities: list[tuple[int, str]], lead: bool
) -> None:
    """Terminator + line end everywhere (the usual layout), sometimes with an oddity (an
    extra blank, an empty segment, a terminator without its line end): whenever
    `plain_texts` splits the block it gives what the reading gives, and it does split the
    plain line-ended blocks."""
    segments = [t.strip(_SKIP).replace("~", "") or "N1" for t in texts]
    block = (end if lead else "") + (f"~{end}").join(segments)
    clean = block
    for at, odd in oddities:
        at = min(at, len(block))
        block = block[:at] + odd + block[at:]
    got = plain_texts(block, "~", _SKIP)
    if got is not None:
        assert got == _reading(block)
    if block == clean and segments:
        assert got == segments  # the common layout is not left to the slow reading


@settings(max_examples=200, deadline=None)
@given(
    segments=st.lists(
        st.builds(
            lambda tag, elements: "*".join([tag, *elements]),
            st.sampled_from(["N1", "AT7", "L11", "MS1", "LX"]),
            st.lists(st.text(alphabet="AZ09 ", max_size=5).map(str.strip), max_size=4),
        ),
        min_size=1,
        max_size=80,
    ),
    end=_LINE_ENDS,
    cuts=st.lists(st.integers(min_value=1, max_value=300), max_size=8),
)
def test_a_line_ended_file_reads_the_same_wherever_the_chunks_end(
    segments: list[str], end: str, cuts: list[int]
) -> None:
    text = ISA + end + "".join(f"{s}~{end}" for s in segments) + "IEA*1*000000042~" + end
    chunks, at = [], 0
    for cut in cuts:  # a chunk may end between a terminator and its line end, or within CR LF
        chunks.append(text[at : at + cut])
        at += cut
    chunks.append(text[at:])
    tokens = list(X12Tokenizer(iter([c for c in chunks if c]), drop_line_breaks=False))
    got = [t.segment for t in tokens[1:]]
    assert got == [*(s.split("*") for s in segments), ["IEA", "1", "000000042"]]


def _mailbag(count: int, iea: str) -> str:
    one = "GS*QM*SCAC*AMAZONDF*20240102*1530*1*X*004010~\nST*214*0001~\nLX*1~\nSE*3*0001~\n"
    return "".join(
        ISA.replace("000000042", f"{n:09d}") + "\n" + one + f"GE*1*1~\n{iea}*1*{n:09d}~\n"
        for n in range(1, count + 1)
    )


def _work(text: str, drop: bool) -> int:
    """The text that the tokenizer's str.split / str.replace calls work on (each works on
    the whole string it is called on), seen by a profile hook: nothing is patched."""
    worked = [0]

    def hook(frame: FrameType, event: str, arg: Any) -> None:
        if event == "c_call" and getattr(arg, "__name__", "") in ("split", "replace"):
            held = getattr(arg, "__self__", None)
            worked[0] += len(held) if isinstance(held, str) else 0

    tokenizer = X12Tokenizer(iter([text]), drop_line_breaks=drop)
    sys.setprofile(hook)
    try:
        tokens = list(tokenizer)
    finally:
        sys.setprofile(None)
    count = text.count("ISA*")
    assert sum(t.kind == "isa" for t in tokens) == count
    ieas = [t.segment for t in tokens if t.segment is not None and t.segment[0] == "IEA"]
    assert ieas == [["IEA", "1", f"{n:09d}"] for n in range(1, count + 1)]
    return worked[0]


@pytest.mark.parametrize(
    ("iea", "drop"), [("IEA", True), ("IEA", False), ("I\nEA", True), ("IE\r\nA", True)]
)
def test_a_mailbag_is_read_in_one_pass_not_once_per_interchange(iea: str, drop: bool) -> None:
    """A mailbag of many small interchanges in one chunk: each interchange's segments are
    cut from its own stretch of text, not from the whole rest of the chunk (which made a
    7 MB mailbag of 11,540 interchanges take 36 s instead of 3), also when its IEA tag is
    wrapped by a line break (found only once the breaks are dropped). The work grows with
    the file: twice the interchanges, about twice the text split (4x when it was read once
    per interchange); with a plain IEA, a few times the file."""
    if not x12_syntax.__file__.endswith(".py"):
        pytest.skip("a compiled module's calls are not seen by a profile hook")
    small, large = _mailbag(300, iea), _mailbag(600, iea)
    ratio = _work(large, drop) / _work(small, drop)
    assert 1.5 < ratio < 2.5
    if iea == "IEA":
        assert _work(small, drop) <= 4 * len(small)


@pytest.mark.parametrize("split", [False, True])
def test_an_iea_tag_wrapped_by_a_line_break_still_ends_its_interchange_in_a_mailbag(
    split: bool,
) -> None:
    """With line breaks dropped, "I" LF "EA" is an IEA the text search for "IEA" cannot
    see: the interchange still ends there, and the next one is read from its ISA, whether
    the next IEA is in the same chunk or not (`split`: the chunk ends after the first)."""
    one = "GS*QM*SCAC*AMAZONDF*20240102*1530*1*X*004010~ST*214*0001~LX*1~SE*3*0001~GE*1*1~"
    first = ISA + one + "I\nEA*1*000000042~\n"
    second = ISA.replace("000000042", "000000043") + one + "IEA*1*000000043~"
    chunks = [first, second] if split else [first + second]
    tokens = list(X12Tokenizer(iter(chunks), drop_line_breaks=True))
    assert [t.kind for t in tokens].count("isa") == 2
    ieas = [t.segment for t in tokens if t.segment is not None and t.segment[0] == "IEA"]
    assert ieas == [["IEA", "1", "000000042"], ["IEA", "1", "000000043"]]
