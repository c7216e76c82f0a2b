"""A UNA cut short before the UNB after it (fewer than its six service characters, a line
break or the UNB right after them): its characters took the UNB's first letters as
delimiters, the interchange was lost and got no CONTRL, only file-level errors about stray
segments. Now the UNA's fault is the interchange's: the UNB is read with the default
delimiters, named and answered with CONTRL UCI action 4 (code 20, UNA), and the
interchanges around it go on as before. A UNA of six characters whose sixth is a line break
(a file terminated by line breaks) is no short UNA."""

from __future__ import annotations

import pytest

from gateway.problems import ProblemCode
from tests.test_broken_headers import COUNT, acks_for, edifact_interchange, translate

UNA = "UNA:+.? '\n"
# up to four service characters, then a line break or the UNB itself (five and a line break
# are six: the line break is then the segment terminator, see the last test)
CUTS = ["UNA", "UNA:", "UNA:+", "UNA:+.", "UNA:+.?", "UNA|+.?"]


def _mailbag(broken: int, una: str) -> bytes:
    """COUNT interchanges, each after a whole UNA but interchange `broken`, after `una`."""
    texts = [(una if n == broken else UNA) + edifact_interchange(n) for n in range(1, COUNT + 1)]
    return "".join(texts).encode("latin-1")


@pytest.mark.parametrize("after", ["\n", "\r\n", ""])
@pytest.mark.parametrize("cut", CUTS)
@pytest.mark.parametrize("broken", [1, 3, COUNT])
def test_an_interchange_after_a_short_una_is_answered_and_rejected(
    cut: str, after: str, broken: int
) -> None:
    outcome, requests = translate(_mailbag(broken, cut + after))
    assert outcome.interchange_count == COUNT
    (contrl,) = acks_for(outcome, f"IC{broken}")
    uci = next(s for s in contrl.content.split("'") if s.strip().startswith("UCI"))
    assert uci.strip().split("+")[4:] == ["4", "20", "UNA"]
    (problem,) = [p for p in outcome.problems if p.segment == "UNA"]
    assert problem.code is ProblemCode.SEGMENT_TERMINATOR_INVALID
    assert problem.interchange == f"IC{broken}"
    assert f"holds {len(cut) - 3} of its 6 service characters" in problem.message
    for n in set(range(1, COUNT + 1)) - {broken}:
        (other,) = acks_for(outcome, f"IC{n}")
        assert f"UCI+IC{n}+CARRIER:ZZ+AMAZON:ZZ+7" in other.content
    assert len(requests) == COUNT - 1


def test_five_characters_right_before_the_unb_are_a_short_una() -> None:
    outcome, requests = translate(_mailbag(2, "UNA:+.? "))
    (contrl,) = acks_for(outcome, "IC2")
    assert "+4+20+UNA'" in contrl.content
    assert len(requests) == COUNT - 1


def test_a_una_whose_terminator_is_a_line_break_is_whole() -> None:
    """UNA:+.?*<LF>: six characters, the sixth the segment terminator (ISO 9735 allows any
    character; files terminated by line breaks exist). Its interchange is read with them."""
    lines = edifact_interchange(1).replace("'\n", "\n")
    outcome, requests = translate(("UNA:+.?*\n" + lines).encode("latin-1"))
    assert outcome.accepted, outcome.problems
    assert len(requests) == 1
    assert [p for p in outcome.problems if p.segment == "UNA"] == []
