"""Issue 8, kind 1 (leftover): a file hard-wrapped at ANY width is read like the unwrapped
file. Widths under 4 split the "ISA" / "UNA" tag itself and widths under 9 the UNA service
string advice, so syntax detection and the interchange start must look through CR/LF too.
Checked for every width from 1 to 120, X12 and EDIFACT (with and without a UNA), CR LF and
LF breaks: same requests, same problems, and acks without a line break inside any value."""

from __future__ import annotations

import pytest

from gateway.pipeline import detect_syntax
from tests.malformed import (
    STATUS_214,
    STATUS_IFTSTA,
    Translated,
    edifact_iftsta,
    translate,
    x12_214,
)

WIDTHS = range(1, 121)


def _wrap(text: str, width: int, brk: str) -> str:
    return brk.join(text[i : i + width] for i in range(0, len(text), width))


def _same(wrapped: Translated, plain: Translated) -> None:
    assert wrapped.error_codes == plain.error_codes
    assert wrapped.bodies == plain.bodies and plain.bodies
    assert [a.type for a in wrapped.outcome.acknowledgements] == [
        a.type for a in plain.outcome.acknowledgements
    ]


_FILES = {
    "x12": x12_214(*STATUS_214, suffix=""),
    "edifact-una": edifact_iftsta(*STATUS_IFTSTA, head="UNA:+.? '", suffix=""),
    "edifact-no-una": edifact_iftsta(*STATUS_IFTSTA, head="", suffix=""),
}


@pytest.mark.parametrize("brk", ["\r\n", "\n"])
@pytest.mark.parametrize("kind", sorted(_FILES))
def test_every_wrap_width_reads_like_the_unwrapped_file(kind: str, brk: str) -> None:
    text = _FILES[kind]
    plain = translate(text)
    for width in WIDTHS:
        wrapped = translate(_wrap(text, width, brk))
        try:
            _same(wrapped, plain)
        except AssertionError as error:
            raise AssertionError(f"{kind} wrapped at width {width}: {error}") from error
        for ack in wrapped.outcome.acknowledgements:  # one line break per segment at most
            assert "\r" not in ack.content.replace("\r\n", "\n"), (width, ack.content)


@pytest.mark.parametrize(
    ("head", "syntax"),
    [
        (b"I\r\nS\r\nA\r\n*\r\n0", "x12"),
        (b"IS\nA*\n00", "x12"),
        (b"U\r\nN\r\nA\r\n:", "edifact"),
        (b"UN\nB+\nUN", "edifact"),
        (b"\xef\xbb\xbfU\nNH+1", "edifact"),
    ],
)
def test_detection_looks_through_line_breaks_in_the_tag(head: bytes, syntax: str) -> None:
    assert detect_syntax(head) == (syntax, None)


@pytest.mark.parametrize("head", [b"I\r\nS\r\nX*", b"H\nEL\nLO", b"U\nN\nX"])
def test_a_wrapped_head_that_is_no_tag_is_still_no_edi(head: bytes) -> None:
    syntax, fault = detect_syntax(head)
    assert syntax is None and fault is not None and fault.code.value == "not_edi"


def test_a_newline_terminated_una_still_declares_the_newline() -> None:
    # UNA6 = LF, the next segment's tag right after it: LF is the terminator, not a wrap
    segments = ["UNB+UNOC:3+DEMOCARRIER:ZZ+AMAZONDF:ZZ+261124:1830+IC1001",
                "UNH+1+IFTSTA:D:01B:UN", "BGM+77+ST4711+9", *STATUS_IFTSTA,
                f"UNT+{len(STATUS_IFTSTA) + 3}+1", "UNZ+1+IC1001"]  # fmt: skip
    text = "UNA:+.? \n" + "\n".join(segments) + "\n"
    result = translate(text)
    assert result.error_codes == [] and result.bodies
