"""Big interchanges spill their pending requests to disk: the output must not change."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import IO

import pytest

import gateway.pipeline as pipeline
import gateway.request_spool as request_spool
from gateway.ack.context import AckContext
from gateway.envelope.outcome import has_error
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


def _count_spill_files(monkeypatch: pytest.MonkeyPatch) -> list[IO[bytes]]:
    """Records every temporary file the spool opens."""
    opened: list[IO[bytes]] = []
    make = tempfile.TemporaryFile

    def counting() -> IO[bytes]:
        opened.append(make())
        return opened[-1]

    monkeypatch.setattr(tempfile, "TemporaryFile", counting)
    return opened


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
    monkeypatch.setattr(request_spool, "SPILL_AFTER", 1)  # spill after every event
    spill_files = _count_spill_files(monkeypatch)
    spilled, accepted_spilled = _translate(data)
    assert spill_files  # the requests really went through the disk
    assert in_memory and accepted == accepted_spilled
    assert [r.body_json() for r in spilled] == [r.body_json() for r in in_memory]
    assert [r.lineage for r in spilled] == [r.lineage for r in in_memory]
    assert [r.origin for r in spilled] == [r.origin for r in in_memory]
    assert [r.tracking_numbers for r in spilled] == [r.tracking_numbers for r in in_memory]


def test_spilled_requests_of_a_rejected_interchange_are_dropped(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    data = (SAMPLES / "05-x12-214-iea-mismatch" / "input.edi").read_bytes()
    monkeypatch.setattr(request_spool, "SPILL_AFTER", 1)
    spill_files = _count_spill_files(monkeypatch)
    requests, accepted = _translate(data)
    assert requests == [] and not accepted
    assert spill_files and all(f.closed for f in spill_files)


def test_a_file_lists_its_first_problems_and_counts_the_others(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Past LISTED_PROBLEMS a file's problems are counted, not kept; an error among them
    still makes the file not accepted."""
    from gateway.pipeline import TranslationOutcome
    from gateway.problems import Level, Problem, ProblemCode, Severity

    monkeypatch.setattr(pipeline, "LISTED_PROBLEMS", 3)

    def problem(n: int, severity: Severity) -> Problem:
        return Problem(code=ProblemCode.UNMAPPED_STATUS, message=f"set {n}", severity=severity,
                       level=Level.TRANSACTION, transaction=f"{n:04d}")  # fmt: skip

    warned = TranslationOutcome(syntax="x12")
    warned.add_problems(problem(n, Severity.WARNING) for n in range(1, 6))
    assert [p.transaction for p in warned.problems] == ["0001", "0002", "0003"]
    assert (warned.unlisted, warned.problem_count, warned.accepted) == (2, 5, True)
    refused = TranslationOutcome(syntax="x12")
    refused.add_problems([*(problem(n, Severity.WARNING) for n in range(1, 5)),
                          problem(5, Severity.ERROR)])  # fmt: skip
    assert refused.problem_count == 5 and not has_error(refused.problems)
    assert not refused.accepted  # the error is only counted, and still counts
