"""The AK2 .. AK5 loop of a set accepted without any problem is written from kept parts
(`gateway.ack.x12_sets.Accepted`): it must be what the general path (`set_response`, rendered)
writes for the same set, for every ST01, ST02, ST03, group, delimiters and ack kind."""

from __future__ import annotations

import itertools

import pytest

from gateway.ack.x12_envelope import CONVENTIONAL, SegmentWriter
from gateway.ack.x12_sets import Accepted, set_response
from gateway.envelope.outcome import SetOutcome
from gateway.envelope.x12_syntax import Delimiters

TYPE_CODES = ["214", "856", "21", "2140", " 214", "ABC", "", "2*4", "21\x014"]
CONTROLS = ["0001", "000000001", "1", "1234567890", " 0001 ", "00 1", "A*BC", "ÄBCD", "",
            "00\t01", "abcd", "0001~"]  # fmt: skip
VERSIONS = [None, "", "005010", "004010X214", "00 5010", "x" * 36, "5*10"]
GROUPS = [None, "QM", "SH", "FA"]
DELIMITERS = [
    CONVENTIONAL,
    Delimiters("|", "^", "!", "\n", ""),
    Delimiters("*", ":", "^", "'", "\r\n"),
]


def _general(item: SetOutcome, kind: str, five: bool, d: Delimiters, group: str | None) -> str:
    out = SegmentWriter(d)
    segments, status = set_response(item, kind, five, d, group)  # type: ignore[arg-type]
    out.write(*segments)
    return f"{status}:{out.count}:{out.getvalue()}"


@pytest.mark.parametrize(("kind", "five"), [("997", False), ("997", True), ("999", True)])
@pytest.mark.parametrize("d", DELIMITERS)
def test_accepted_loop_text_is_what_the_general_path_writes(
    kind: str, five: bool, d: Delimiters
) -> None:
    for group in GROUPS:
        accepted = Accepted(kind, five, d, group)  # type: ignore[arg-type]
        for type_code, control, version in itertools.product(TYPE_CODES, CONTROLS, VERSIONS):
            item = SetOutcome(control, type_code, version, segment_count=5)
            expected = _general(item, kind, five, d, group)
            text = accepted.text(control, type_code, version)
            if text is None:  # no AK2 loop: the general path writes nothing and counts A
                assert expected == "A:0:"
            else:
                assert f"A:2:{text}" == expected, (type_code, control, version, group)
