"""One very long 214 set (tens of thousands of segments) is read in time and memory that grow
with it, and leaves little behind: the caches that make repeated set shapes cheap keep
neither its texts past their cap nor more than the last such set's structure walk
(benchmarks/x12_worst.py prints the seconds per segment of such sets, both ways). Stop 22's
reviewer: the first one-go element check searched the whole set once per new text (30 s for
100,000 segments) and remembered every text of it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from gateway.parse import x12_accept, x12_structure
from tests.test_one_go_sets import same_both_ways

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from x12_worst import write


@pytest.mark.parametrize("kind", ["distinct LX", "distinct L11", "events"])
def test_a_long_set_is_read_the_same_both_ways_and_kept_by_no_cache(
    tmp_path: Path, kind: str
) -> None:
    path = tmp_path / "long.edi"
    count = write(path, kind, 12_000)
    out = same_both_ways(path.read_bytes())
    assert out["counts"][4] == 1  # one interchange
    remembered = [len(entry[3]) for entry in x12_accept._CLEAN.values()]
    assert remembered and max(remembered) <= x12_accept.CLEAN_SIZE
    long = [key for key in x12_structure._WALKS if len(key[2]) > x12_structure._WALK_KEPT_SEGMENTS]
    assert len(long) <= 1 and count > x12_structure._WALK_KEPT_SEGMENTS  # the last one only


def test_a_long_clean_set_sends_every_event(tmp_path: Path) -> None:
    path = tmp_path / "events.edi"
    write(path, "events", 6_000)
    out = same_both_ways(path.read_bytes())
    assert out["counts"][0] and out["counts"][1] == 6_000 // 5  # every event sent


def test_structure_walks_of_long_tags_are_weighed_by_their_characters() -> None:
    """The structure walks remembered per tag sequence keep their tags alive: sets of long
    junk tags (399 a set, 9,900 characters each: 51 MB in all) leave no more than the walks'
    8 MB budget behind (a review measured 60 MB when a tag's characters did not count)."""
    import gc
    import tracemalloc

    from gateway.parse.x12_tables import SET_214

    x12_structure._WALKS.clear()
    x12_structure._WEIGHT[0] = 0
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for c in range(13):
            tags = tuple(f"{c:04d}{i:04d}".ljust(9_900, "X") for i in range(399))
            segments = [["ST"], *([t] for t in tags), ["SE"]]
            assert x12_structure.check_structure(SET_214, segments, False, tags)
        del segments, tags
        gc.collect()
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
        x12_structure._WALKS.clear()
        x12_structure._WEIGHT[0] = 0
    assert held < 10_000_000, held
