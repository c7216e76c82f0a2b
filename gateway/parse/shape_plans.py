"""Reading plans remembered per shape of a transaction set or message (`ShapePlans`).

A carrier's files repeat a handful of shapes: the same segment tags in the same order. Where
a fast reading finds its values depends on the tags alone, and so does the structure check
of the segment table (`check_structure`): both are worked out once per shape (`plan_of`),
for the X12 214 (`mapping.status_set_plan`) and the EDIFACT IFTSTA
(`parse.edifact_iftsta_plan`) alike. A shape with any structure problem (or warning) has no
plan: its sets take the full path, which reports it.

What is remembered is bounded in count and in bytes. A hostile file may send sets of a
shape of their own each, and tags a megabyte long (a reviewer held 57 MB with 1,024 X12
shapes of 390 segments, and 14.7 MB against a 4 MB budget with tags of 4-byte characters):
so only shapes of real tags (1-3 ASCII characters, X12 and EDIFACT alike) are kept, each
weighed at 64 bytes a tag (its place in the key) and 64 a planned position.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar, cast

from gateway.parse.x12_structure import Loop, check_structure

__all__ = ["ShapePlans", "plan_of"]

P = TypeVar("P")

_TAG_LENGTH = 3  # the longest tag of a shape remembered


class ShapePlans:
    """The plans remembered for one segment table (`table`): per reading (strict,
    tolerant), body tags -> the plan, or None for a shape with a structure problem. Past
    `KEPT` shapes or `BUDGET` bytes in all, all are dropped at once; a shape of more than
    `most_tags` tags (None: any) is its own and not kept."""

    __slots__ = ("entries", "most_tags", "table", "weight")
    KEPT = 1024
    BUDGET = 4_000_000

    def __init__(self, table: Loop, most_tags: int | None = None) -> None:
        self.table = table
        self.entries: tuple[dict[tuple[str, ...], object], dict[tuple[str, ...], object]]
        self.entries = ({}, {})  # (strict, tolerant)
        self.most_tags = most_tags
        self.weight = 0  # what the plans kept weigh, in bytes (about)

    def __len__(self) -> int:
        return len(self.entries[0]) + len(self.entries[1])

    def clear(self) -> None:
        """Forget every plan."""
        self.entries[0].clear()
        self.entries[1].clear()
        self.weight = 0

    def keep(self, tags: tuple[str, ...], tolerant: bool, plan: object, positions: int) -> None:
        """Remember `plan` (of `positions` planned places) for `tags` and the reading when
        its shape may be kept, dropping all first past a bound."""
        if self.most_tags is not None and len(tags) > self.most_tags:
            return
        if max(map(len, tags), default=0) > _TAG_LENGTH or not "".join(tags).isascii():
            return  # not a shape of real tags: no set of it is read the fast way anyway
        weight = 64 * len(tags) + 64 * positions
        if weight > self.BUDGET:
            return
        if len(self) >= self.KEPT or self.weight + weight > self.BUDGET:
            self.clear()
        self.entries[tolerant][tags] = plan
        self.weight += weight


def plan_of(
    memo: ShapePlans,
    segments: Sequence[Sequence[str]],
    tags: tuple[str, ...],
    tolerant: bool,
    make: Callable[[tuple[str, ...]], P | None],
    positions: Callable[[P], int],
) -> P | None:
    """The plan of the set or message `segments` (its header and trailer included) whose
    body (positions 2..n-1) has `tags`: `make(tags)` (None: the shape cannot be read the
    fast way), or None when `check_structure(memo.table, segments, tolerant)` reports
    anything; remembered in `memo` (its `positions(plan)` weighs it)."""
    try:
        return cast("P | None", memo.entries[tolerant][tags])
    except KeyError:  # a shape not seen (or not kept) yet
        pass
    plan = None if check_structure(memo.table, segments, tolerant, tags) else make(tags)
    memo.keep(tags, tolerant, plan, 0 if plan is None else positions(plan))
    return plan
