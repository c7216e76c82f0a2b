"""`lineage_text` words a compact trail whose function `varies_in_time` once per shape (its
time left out) and only the time's entries per item: a 214 with a scan a minute had every
trail distinct, so `--lineage` cost 1.32x a run without it compiled (issue 11: 1.3x at most).
The text stays exactly what `json.dumps` writes of the expanded entries, also for a function
whose other entries depend on the time too (that shape is worded per trail)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from gateway.mapping import lineage
from gateway.mapping.lineage import expand, full_trail, lineage_text, varies_in_time
from gateway.mapping.result import ITEM_KEY
from tests.test_fast_output import _iftsta, _translated

SRC = ("AT7", 6, 5, None)


def _expected(key: str, trails: list[tuple[Any, ...]]) -> str:
    return ", ".join(json.dumps(e.to_report()) for e in expand(key, map(full_trail, trails)))


def _scan(label: str, local: datetime, how: str) -> tuple[Any, ...]:
    """A compact trail function of the test: a label entry, the converted time's entry."""
    return ("/label", "segment", "L11", 3, 1, None, label,
            "/time", "derived", *SRC, (local, (SRC,), how))  # fmt: skip


def _dated_label(label: str, local: datetime, how: str) -> tuple[Any, ...]:
    """Like `_scan`, but its label entry depends on the time too: no shape of its own."""
    return ("/label", "segment", "L11", 3, 1, None, f"{label} on {local:%d %b}",
            "/time", "derived", *SRC, (local, (SRC,), how))  # fmt: skip


varies_in_time(_scan, 2)
varies_in_time(_dated_label, 2)


def test_distinct_times_are_worded_from_their_shapes() -> None:
    requests = _translated(_iftsta(40, 80, distinct_times=True))
    trail: tuple[Any, ...] = ()
    for r in requests:
        trails = list(r.stored_trails())
        assert r.lineage_text() == _expected(ITEM_KEY[r.operation], trails)
        trail = trails[-1]
    at = lineage._TIME_AT[trail[0]]  # the status updates' trails went by their shapes
    assert lineage._SHAPES.get((*trail[:at], None, *trail[at + 1 :])) is not None


def test_a_shape_is_worded_per_item_where_its_time_goes() -> None:
    start = datetime(2026, 3, 8, 1, 30)  # a day with a DST change in the US
    for function in (_scan, _dated_label):
        trails = [(function, f"label {n % 3}", start + timedelta(minutes=37 * n), "zone ET")
                  for n in range(200)]  # fmt: skip
        text = lineage_text("items", trails)
        assert text == _expected("items", trails)
        assert lineage_text("items", reversed(trails)) == _expected("items", trails[::-1])
    shape = (_dated_label, "label 0", None, "zone ET")
    assert shape in lineage._SHAPES and lineage._SHAPES[shape] is None  # worded per trail
    assert lineage._SHAPES[(_scan, "label 0", None, "zone ET")] is not None
