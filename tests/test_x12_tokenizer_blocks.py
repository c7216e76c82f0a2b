"""The X12 tokenizer splits a block of whole segments in one go when nothing in it needs
more than a split (`x12_syntax._padding`): wherever the chunks end, whatever white space,
empty segments, CR/LF or 'IEA' text the file holds, it must give the segments a plain
reading gives (terminator split, blanks stripped, empty ones dropped, element split)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

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
