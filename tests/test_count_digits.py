"""A count element of thousands of digits (GE01, UNT 0074, UNZ 0036; Python's int() stops
at 4,300) raised ValueError out of the translation: the file was retried, quarantined, and
its good interchanges got no ack (reviewer, stop 19). It is a count mismatch like any other."""

from __future__ import annotations

import pytest

from tests.test_broken_headers import edifact_interchange, translate, x12_interchange

_HUGE = "9" * 5000  # more digits than int() converts (sys.get_int_max_str_digits: 4300)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("GE01", x12_interchange(1) + x12_interchange(2).replace("GE*1*1", f"GE*{_HUGE}*1")),
        (
            "UNZ 0036",
            edifact_interchange(1) + edifact_interchange(2).replace("UNZ+1+", f"UNZ+{_HUGE}+"),
        ),
        (
            "UNT 0074",
            edifact_interchange(1) + edifact_interchange(2).replace("UNT+", f"UNT+{_HUGE}", 1),
        ),
    ],
)
def test_a_count_of_thousands_of_digits_is_a_count_mismatch_not_a_crash(
    name: str, text: str
) -> None:
    outcome, requests = translate(text.encode("latin-1"))  # raised ValueError
    first, _second = outcome.interchanges
    assert first.accepted, name
    assert len(requests) >= 1
