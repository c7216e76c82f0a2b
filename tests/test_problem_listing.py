"""How a file's problems are listed (review s18): stray text outside interchanges (one
file-level problem per chunk) is kept as the first KEPT_FILE_PROBLEMS plus a count, so it
neither holds memory per chunk nor pushes the interchanges' problems out of the 1,000 a
file lists; and every output that lists problems says how many it left out (`unlisted`:
the CLI's JSON line, the upload answer, the ops file page)."""

from __future__ import annotations

import gc
import io
import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from gateway.ack.context import AckContext
from gateway.cli import translate_file
from gateway.envelope import trailing
from gateway.envelope.edifact import read_edifact
from gateway.envelope.outcome import InterchangeOutcome
from gateway.envelope.x12 import read_x12
from gateway.mapping.codes import load_code_tables
from gateway.ops_cli import _show
from gateway.origin import Origin
from gateway.parse.records import Document
from gateway.pipeline import LISTED_PROBLEMS
from gateway.problems import Level, Problem, Severity
from gateway.service.worker import Gateway
from tests.malformed import (
    NOW,
    PROFILE,
    STATUS_214,
    STATUS_IFTSTA,
    edifact_iftsta,
    translate,
    x12_214,
)
from tests.ops_support import PARTNER_KEY, VIEWER, scan_214

KEPT = trailing.KEPT_FILE_PROBLEMS
STRAY = 3 * LISTED_PROBLEMS  # stray chunks: more than the file lists in all
# an unmapped status: a mapping problem (an error) in the interchange's set
_UNMAPPED = tuple(s.replace("AT7*D1*NS", "AT7*ZZ*Q7") for s in STATUS_214)
_UNMAPPED_IFTSTA = tuple(s.replace("STS+1+302::6+000", "STS+1+999::6+000") for s in STATUS_IFTSTA)


def _x12(control: int, *body: str) -> str:
    return x12_214(*(body or STATUS_214)).replace("000000101", f"{control:09d}")


def _edifact(control: int, *body: str) -> str:
    text = edifact_iftsta(*(body or STATUS_IFTSTA), head="")
    return text.replace("IC1001", f"IC{control}")


def _stray_x12(chunks: int) -> str:
    """`chunks` stretches of plain text, each one junk chunk (it ends at an "ISA" that is no
    interchange header)."""
    return "ISA stray line of a mail footer\n" * chunks


def _x12_file(chunks: int) -> str:
    """Two interchanges, each with a mapping error, with `chunks` stray chunks between."""
    return _x12(1, *_UNMAPPED) + _stray_x12(chunks) + _x12(2, *_UNMAPPED)


def _edifact_file(gaps: int) -> str:
    """`gaps` + 1 interchanges with a stray line between each two (one problem per gap); the
    first and the last with a mapping error."""
    parts = [_edifact(1, *_UNMAPPED_IFTSTA)]
    parts += [_edifact(n) for n in range(2, gaps + 1)]
    parts.append(_edifact(gaps + 1, *_UNMAPPED_IFTSTA))
    return "UNA:+.? '\n" + "-- footer --\n".join(parts)


@pytest.mark.parametrize(("make", "per_gap"), [(_x12_file, 1), (_edifact_file, 1)],
                         ids=["x12", "edifact"])  # fmt: skip
def test_stray_text_does_not_push_out_the_interchanges_problems(make: Any, per_gap: int) -> None:
    result = translate(make(STRAY))
    own = [p for p in result.outcome.problems if p.level is Level.FILE]
    others = [p for p in result.outcome.problems if p.level is not Level.FILE]
    # both interchanges' mapping errors are listed, though the stray text came first
    assert [p.interchange for p in others if p.level is Level.MAPPING] in (
        ["000000001", "000000002"],
        ["IC1", f"IC{STRAY + 1}"],
    )
    assert len(own) == KEPT
    stray = sum(1 for p in result.outcome.problems if "footer" in p.message) + (
        result.outcome.unlisted
    )
    assert stray >= STRAY * per_gap  # every chunk counted: listed or not
    assert result.outcome.problem_count == len(result.outcome.problems) + result.outcome.unlisted
    assert result.outcome.unlisted >= STRAY - KEPT


@pytest.mark.parametrize("errors", [1, 5])
def test_an_error_among_the_counted_stray_text_still_refuses_the_file(errors: int) -> None:
    """The first KEPT chunks are plain text (warnings), the ones after could be EDI: the
    first of those takes the last warning's place (the reason the file is refused is
    listed), the others are only counted, and still errors."""
    data = _x12(1) + _stray_x12(KEPT) + "ISA*broken header*\n" * errors
    result = translate(data)
    severities = [p.severity for p in result.outcome.problems]
    assert severities == [Severity.WARNING] * (KEPT - 1) + [Severity.ERROR]
    assert "broken header" in result.outcome.problems[-1].message
    assert result.outcome.unlisted == errors
    assert result.outcome.unlisted_error is (errors > 1)
    assert not result.outcome.accepted


class _Sink:
    def document(self, origin: Origin, document: Document) -> list[Problem]:
        return []

    def end_interchange(self, outcome: InterchangeOutcome[Any]) -> None:
        pass


def _held(read: Any, data: bytes) -> tuple[int, Any]:
    """(bytes held after reading `data`, with its result still referenced, the result)."""
    gc.collect()
    tracemalloc.start(1)
    try:
        base = tracemalloc.get_traced_memory()[0]
        result = read(io.BytesIO(data), _Sink(), PROFILE, keep=False)
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    return held, result


N = 2000  # stray chunks, well past KEPT_FILE_PROBLEMS


@pytest.mark.parametrize(
    ("read", "make"),
    [
        (read_x12, lambda n: _x12(1) + _stray_x12(n)),
        (read_x12, lambda n: "Sent from my phone\n".join(_x12(c) for c in range(1, n + 2))),
        (read_edifact, _edifact_file),
    ],
    ids=["x12-after", "x12-between", "edifact-between"],
)
def test_memory_is_flat_in_the_stray_chunks(read: Any, make: Any) -> None:
    _held(read, make(20).encode())  # a warm-up: imports, memos
    small, result1 = _held(read, make(N).encode())
    large, result4 = _held(read, make(4 * N).encode())
    # old: every chunk's Problem held (~1 KB each); now a count past the first KEPT
    assert large - small < 3 * N * 16, (small, large)
    for result, chunks in ((result1, N), (result4, 4 * N)):
        assert len(result.problems) == KEPT
        assert len(result.problems) + result.unlisted >= chunks


def test_the_cli_line_counts_what_it_does_not_list(tmp_path: Path) -> None:
    path = tmp_path / "stray.edi"
    path.write_text(_x12_file(STRAY))
    out = io.StringIO()
    accepted = translate_file(path, PROFILE, load_code_tables(), AckContext(now=NOW), out)
    line = json.loads(out.getvalue())
    assert not accepted and line["accepted"] is False
    assert line["unlisted"] == STRAY - KEPT
    assert sum(1 for e in line["errors"] if e["level"] == "mapping") == 2
    clean = tmp_path / "clean.edi"
    clean.write_text(_x12(7))
    out = io.StringIO()
    translate_file(clean, PROFILE, load_code_tables(), AckContext(now=NOW), out)
    assert json.loads(out.getvalue())["unlisted"] == 0  # always there


def test_upload_answer_and_ops_page_count_what_they_do_not_list(
    app: tuple[TestClient, Gateway],
) -> None:
    client, _ = app
    data = scan_214(4711, "1Z4711", "PO4711") + _stray_x12(STRAY).encode()
    answer = client.post("/v1/partners/demo/interchanges", content=data,
                         headers={**PARTNER_KEY, "X-File-Name": "stray.edi"})  # fmt: skip
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert len(body["errors"]) == KEPT and body["unlisted"] == STRAY - KEPT
    again = client.get(f"/v1/files/{body['file_id']}", headers=PARTNER_KEY).json()
    assert again["unlisted"] == STRAY - KEPT
    page = client.get(f"/v1/ops/files/{body['file_id']}", headers=VIEWER).json()
    assert page["paging"]["error_unlisted"] == STRAY - KEPT
    assert page["paging"]["error_total"] == STRAY and len(page["errors"]) == KEPT
    left = STRAY - KEPT
    assert f"... and {left} more errors, not listed ({left} of them counted only)" in _show(page)
