"""Review 8, minor: `truncated` has one severity. A file cut off inside an interchange (or
message) is an error in both syntaxes, wherever the cut falls; a whole trailer (IEA / UNZ)
that only lacks its segment terminator is read as is in both syntaxes."""

from __future__ import annotations

import pytest

from gateway.problems import Severity
from tests.malformed import STATUS_214, STATUS_IFTSTA, edifact_iftsta, translate, x12_214

FILES = {"x12": x12_214(*STATUS_214), "edifact": edifact_iftsta(*STATUS_IFTSTA)}


@pytest.mark.parametrize("syntax", sorted(FILES))
def test_every_cut_inside_the_interchange_is_a_truncated_error(syntax: str) -> None:
    whole = FILES[syntax]
    end = whole.rstrip("\n")[:-1].rfind("\n")  # the trailer's start
    for cut in range(whole.index("\n") + 2, end, 7):
        result = translate(whole[:cut])
        found = [p for p in result.outcome.problems if p.code == "truncated"]
        if found:
            assert {p.severity for p in found} == {Severity.ERROR}, (cut, found)
        errors = [p for p in result.outcome.problems if p.severity == Severity.ERROR]
        assert errors, cut  # a cut-off file is never accepted


@pytest.mark.parametrize("syntax", sorted(FILES))
def test_a_trailer_without_its_terminator_is_read_the_same_in_both_syntaxes(syntax: str) -> None:
    text = FILES[syntax].rstrip("\n")[:-1]  # IEA / UNZ without `~` / `'`
    result = translate(text)
    assert result.error_codes == [] and len(result.bodies) == 1
    assert not any(p.code == "truncated" for p in result.outcome.problems)


def test_edifact_cut_inside_a_segment_is_an_error_not_a_warning() -> None:
    text = FILES["edifact"]
    result = translate(text[: text.index("LOC+175") + 9])
    truncated = [p for p in result.outcome.problems if p.code == "truncated"]
    assert truncated and truncated[0].severity == Severity.ERROR
    assert result.bodies == []
