"""Every golden sample translates exactly to its expected requests, errors and acks."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.contract import validate_body
from tests.golden import cases, run_case


@pytest.mark.parametrize("case", cases(), ids=lambda p: p.name)
def test_sample_matches_golden(case: Path) -> None:
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    assert run_case(case) == expected


@pytest.mark.parametrize("case", cases(), ids=lambda p: p.name)
def test_sample_bodies_follow_the_contract(case: Path) -> None:
    for request in run_case(case)["requests"]:
        assert validate_body(request["operation"], request["body"]) == []


@pytest.mark.parametrize("case", cases(), ids=lambda p: p.name)
def test_ack_file_is_the_acknowledgements_text(case: Path) -> None:
    acks = run_case(case)["acknowledgements"]
    ack_file = case / "ack.edi"
    if acks:
        assert ack_file.read_bytes().decode("utf-8") == "".join(a["content"] for a in acks)
    else:
        assert not ack_file.exists()


def test_there_are_enough_samples_of_each_kind() -> None:
    found = [run_case(case) for case in cases()]
    assert len(found) >= 12
    assert {r["syntax"] for r in found} >= {"x12", "edifact", None}
    ack_types = {a["type"] for r in found for a in r["acknowledgements"]}
    assert ack_types >= {"997", "999", "TA1", "CONTRL"}
    assert any(r["accepted"] for r in found) and any(not r["accepted"] for r in found)
