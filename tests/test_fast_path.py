"""The X12 element fast path may only accept what the full check accepts: a fast acceptance
skips `check_elements`, so a pattern that accepts too much would hide real faults."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.parse.relations import (
    SATISFIED,
    _x12_faults,
    check_syntax_notes,
    presence_key,
    syntax_notes,
)
from gateway.parse.x12_accept import fast_checks as _fast_checks
from gateway.parse.x12_elements import check_elements
from gateway.parse.x12_tables import ELEMENTS, MAX_ELEMENTS

TAGS = sorted(tag for tag in ELEMENTS if tag in _fast_checks(ELEMENTS, MAX_ELEMENTS))
# values near the edges of the types: digits, dates, times, decimals, codes, junk
VALUE = st.one_of(
    st.just(""),
    st.from_regex(r"-?[0-9]{1,12}(\.[0-9]{0,4})?", fullmatch=True),
    st.from_regex(r"(19|20)[0-9]{2}(0[0-9]|1[0-3])([0-3][0-9])", fullmatch=True),
    st.from_regex(r"([01][0-9]|2[0-5])[0-6][0-9]([0-6][0-9])?", fullmatch=True),
    st.from_regex(r"[A-Z0-9]{1,4}", fullmatch=True),
    st.text(min_size=1, max_size=40),
    # control characters and delimiters inside otherwise plain values (issue 8)
    st.from_regex(r"[A-Z0-9]{0,4}[\x00-\x1f\x7f-\x9f>:^!|][A-Z0-9]{0,4}", fullmatch=True),
)
DELIMITER = st.sampled_from([">", ":", "^", "!", "|", "\\", "\x1f"])


@settings(max_examples=800, deadline=None)
@given(st.sampled_from(TAGS), st.lists(VALUE, max_size=12), DELIMITER, st.none() | DELIMITER)
def test_fast_acceptance_implies_no_element_problem(
    tag: str, values: list[str], component: str, repetition: str | None
) -> None:
    segment = [tag, *values]
    accept = _fast_checks(ELEMENTS, MAX_ELEMENTS, component, repetition)[tag]
    text = "\x00".join(segment)
    if text.count("\x00") == len(segment) - 1 and accept(text):
        table, most = ELEMENTS[tag], MAX_ELEMENTS.get(tag, 99)
        assert check_elements(segment, 2, table, most, component, repetition) == []


def test_the_fast_path_refuses_control_characters_and_delimiters() -> None:
    accept = _fast_checks(ELEMENTS, MAX_ELEMENTS, ">", "^")
    assert accept["L11"]("L11\x001Z4711A\x002I")
    for bad in ("1Z47\r11A", "1Z47\x0111A", "1Z47>11A", "1Z47^11A", "1Z47\x8511A"):
        assert not accept["L11"](f"L11\x00{bad}\x002I")
        problems = check_elements(["L11", bad, "2I"], 2, ELEMENTS["L11"], 5, ">", "^")
        assert [p.element for p in problems] == [1]


def test_the_fast_path_accepts_plain_valid_segments() -> None:
    accept = _fast_checks(ELEMENTS, MAX_ELEMENTS)
    assert accept["AT7"]("AT7\x00D1\x00NS\x00\x00\x0020261124\x001015\x00UT")
    assert not accept["AT7"]("AT7\x00D1\x00NS\x00\x00\x0020261324\x001015\x00UT")  # month 13


NOTE_TAGS = sorted(syntax_notes("004010"))


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(NOTE_TAGS), st.lists(st.sampled_from(["", "X", "12"]), max_size=16))
def test_syntax_note_shortcut_agrees_with_the_full_check(tag: str, values: list[str]) -> None:
    """The memo of satisfied presence patterns (one lookup per segment on the hot path) may
    only skip segments the full evaluation of the notes finds no fault in."""
    found = syntax_notes("004010")[tag]
    segment = [tag, *values]
    full = _x12_faults(found, tuple(map(bool, segment)))
    first = check_syntax_notes(segment, 2, found)
    assert [(p.code, p.element) for p in first] == [(code, n) for code, n, _ in full]
    shortcut = SATISFIED.get(presence_key(segment, found)) is found
    assert shortcut == (not full)
