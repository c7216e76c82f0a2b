"""The memo of faultless X12 segments (issue 11) only skips checks that would find nothing:
a set validates to the same problems whether its segments were seen before or not."""

from __future__ import annotations

from collections.abc import Sequence

from hypothesis import given, settings
from hypothesis import strategies as st

import gateway.parse.x12_accept as x12_accept
import gateway.parse.x12_common as x12_common
from gateway.parse.relations import syntax_notes
from gateway.parse.x12_common import validate_set
from gateway.parse.x12_tables import SET_214
from gateway.problems import Problem, ProblemCode

TAGS = ["B10", "L11", "N1", "N3", "N4", "LX", "AT7", "MS1", "MS2", "K1", "AT8", "G62"]
VALUE = st.one_of(
    st.just(""),
    st.sampled_from(["PO", "2I", "D1", "NS", "ET", "SH", "US", "20261124", "1015", "X1"]),
    st.from_regex(r"[A-Z0-9]{1,12}", fullmatch=True),
    st.from_regex(r"[A-Z0-9]{0,4}[\x00\r\n\x85>^][A-Z0-9]{0,4}", fullmatch=True),
)
SEGMENT = st.tuples(st.sampled_from(TAGS), st.lists(VALUE, max_size=8)).map(lambda t: [t[0], *t[1]])


def _set(body: Sequence[list[str]]) -> list[list[str]]:
    return [["ST", "214", "0001"], *body, ["SE", str(len(body) + 2), "0001"]]


def _shown(problems: list[Problem]) -> list[dict[str, object]]:
    return [p.to_report() for p in problems]


def _validate(segments: list[list[str]]) -> list[Problem]:
    return validate_set(SET_214, segments, component=">", repetition="^",
                        notes=syntax_notes("004010"))  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(SEGMENT, min_size=1, max_size=8), st.lists(SEGMENT, min_size=1, max_size=8))
def test_a_warm_memo_changes_no_problem(seen: list[list[str]], body: list[list[str]]) -> None:
    x12_accept._CLEAN.clear()
    cold = _shown(_validate(_set(body)))
    _validate(_set(seen + body))  # the memo now holds whatever of these was faultless
    assert _shown(_validate(_set(body))) == cold


def test_a_nul_inside_an_element_is_not_taken_for_a_known_segment() -> None:
    x12_accept._CLEAN.clear()
    plain = _validate(_set([["L11", "1Z4711", "2I"]]))
    assert [p for p in plain if p.segment == "L11"] == []  # (a 214 needs more: not here)
    hidden = _validate(_set([["L11", "1Z4711\x002I"]]))  # joins to the same text
    assert ProblemCode.INVALID_CHARACTER in [p.code for p in hidden if p.element == 1]


def _events(body: Sequence[list[str]]) -> list[tuple[object, ...]]:
    """The 214's events with every value as (value, segment, position, element)."""
    from gateway.parse.x12_214 import parse_214
    from gateway.profile import FieldSources

    document, _ = parse_214(_set(body), FieldSources())
    shown = []
    for event in document.events:
        values = [event.purchase_order, event.tracking_number, event.status_code,
                  event.reason_code, event.city, event.state, event.country]  # fmt: skip
        shown.append(tuple((v.value, *v.src[:3]) if v else None for v in values))
    return shown


def _loop(status: str, city: str, tracking: str) -> list[list[str]]:
    return [["LX", "1"], ["AT7", status, "NS", "", "", "20261124", "1015", "ET"],
            ["MS1", city, "WA", "US"], ["L11", tracking, "2I"]]  # fmt: skip


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["D1", "X1", "AF"]), st.sampled_from(["SEA", "TAC"]),
                          st.from_regex(r"1Z[0-9]{4}", fullmatch=True)), min_size=1, max_size=6),
       st.integers(min_value=1, max_value=40))  # fmt: skip
def test_values_shared_between_sets_keep_their_own_value_and_place(
    loops: list[tuple[str, str, str]], budget: int
) -> None:
    """Sets of the same shape share the values read at the same place (`value_of`); with
    any budget (rows dropped when it is spent) each event still reads its own."""
    saved = x12_common._VALS_MAX
    x12_common._VALS_MAX = budget
    try:
        head = [["B10", "T1", "PO1", "SCAC"]]
        for status, city, tracking in loops:
            body = head + _loop(status, city, tracking) + _loop(city[:2], "X", "1Z9")
            assert _events(body) == [
                (("PO1", "B10", 2, 2), (tracking, "L11", 6, 1), (status, "AT7", 4, 1),
                 ("NS", "AT7", 4, 2), (city, "MS1", 5, 1), ("WA", "MS1", 5, 2),
                 ("US", "MS1", 5, 3)),
                (("PO1", "B10", 2, 2), ("1Z9", "L11", 10, 1), (city[:2], "AT7", 8, 1),
                 ("NS", "AT7", 8, 2), ("X", "MS1", 9, 1), ("WA", "MS1", 9, 2),
                 ("US", "MS1", 9, 3)),
            ]  # fmt: skip
    finally:
        x12_common._VALS_MAX = saved
