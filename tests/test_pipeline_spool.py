"""Big interchanges spill their pending requests to disk: the output must not change."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

import gateway.pipeline as pipeline
from gateway.ack.context import AckContext
from gateway.mapping.codes import load_code_tables
from gateway.mapping.result import TranslatedRequest
from gateway.profile import load_profile

SAMPLES = Path(__file__).resolve().parents[1] / "samples"


def _translate(data: bytes) -> tuple[list[TranslatedRequest], bool]:
    requests: list[TranslatedRequest] = []
    outcome = pipeline.translate_stream(
        io.BytesIO(data), load_profile("demo"), load_code_tables(), AckContext(), requests.append
    )
    return requests, outcome.accepted


@pytest.mark.parametrize(
    "sample",
    [
        "01-x12-214-delivered",
        "03-x12-214-set-count-rejected",
        "10-edifact-iftsta-d01b",
        "13-edifact-desadv-d96a-latin1",
    ],
)
def test_spilled_requests_equal_unspilled(sample: str, monkeypatch: pytest.MonkeyPatch) -> None:
    data = next((SAMPLES / sample).glob("input.*")).read_bytes()
    in_memory, accepted = _translate(data)
    monkeypatch.setattr(pipeline, "_SPILL_AFTER", 1)  # spill after every event
    spilled, accepted_spilled = _translate(data)
    assert in_memory and accepted == accepted_spilled
    assert [r.body_json() for r in spilled] == [r.body_json() for r in in_memory]
    assert [r.lineage for r in spilled] == [r.lineage for r in in_memory]
    assert [r.origin for r in spilled] == [r.origin for r in in_memory]
    assert [r.tracking_numbers for r in spilled] == [r.tracking_numbers for r in in_memory]


def test_spilled_requests_of_a_rejected_interchange_are_dropped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = (SAMPLES / "05-x12-214-iea-mismatch" / "input.edi").read_bytes()
    monkeypatch.setattr(pipeline, "_SPILL_AFTER", 1)
    requests, accepted = _translate(data)
    assert requests == [] and not accepted
