"""The reading plan of an X12 214 set's shape: which of its segments the one-go way
(`status_set_one_go.one_go_214`) reads, and in what roles, found once per sequence of tags.

`parse.x12_214.parse_214` reads a 214 set as the X12 4010/5010 214 segment table lays it
out: the header's B10 (B10-01, X12 element 127 reference identification; B10-02, 145
shipment identification number) and L11s (128 reference identification qualifier), then
each LX loop's
AT7 (shipment status details), the MS1 after it (equipment, shipment or real property
location) and the loop's L11s. Which segment plays which role depends on the tags alone
and their order; a carrier's file repeats a handful of set shapes. So the roles are worked
out once per shape (`plan_of`) and each set of that shape reads only the segments that
play one (a set of 19 segments and 2 events: 10), without asking each segment's tag what
it is. What the segments hold (an L11's qualifier, a value) is still read per set.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from gateway.parse.x12_structure import check_structure
from gateway.parse.x12_tables import SET_214

__all__ = ["LoopPlan", "Plan", "plan_of"]

# an LX loop: the B10 read when the loop ends (its position, 0: none yet), the loop's L11
# positions in order, and its events: (AT7 position, position of the last MS1 after that
# AT7 and before the next AT7 or LX, 0: none)
LoopPlan = tuple[int, tuple[int, ...], tuple[tuple[int, int], ...]]
# the header's L11s read for the purchase order (positions, before the first N1 and LX),
# and the LX loops in order; None: the set cannot be read the one-go way (an MS1 in a
# loop before its first AT7: `parse_214` says why)
Plan = tuple[tuple[int, ...], tuple[LoopPlan, ...]]

# per structure reading (strict, tolerant): a shape's tags -> its plan, or None
_PLANS: tuple[dict[tuple[str, ...], Plan | None], dict[tuple[str, ...], Plan | None]] = ({}, {})
# per reading: the shapes remembered, then all of that reading's are dropped at once; and
# what they may weigh, in bytes at about 64 a tag (its place in the key and the string it
# keeps alive) and 64 a position planned: 1,024 shapes of 390 segments each held 57 MB
# without this (a file's few shapes of 20-60 segments weigh a few hundred KB). Only shapes
# of X12 tags (1-3 ASCII characters) are remembered: a set of longer tags or of others is
# no clean 214 anyway, and its tags may be a megabyte each
_PLANS_KEPT: Final = 1024
_PLANS_BUDGET: Final = 4_000_000
_WEIGHT = [0, 0]  # what each reading's remembered plans weigh
_PLAN_TAGS: Final = 400  # the longest shape remembered (a longer set is its own shape)
_TAG_LENGTH: Final = 3  # the longest tag of a shape remembered


def plan_of(
    segments: Sequence[Sequence[str]], tags: tuple[str, ...], tolerant: bool
) -> Plan | None:
    """The plan of the 214 set `segments` (ST..SE inclusive) whose body (positions
    2..SE-1) has `tags`, as `Plan` says; None when the set's structure is not clean
    (`check_structure` with `SET_214`, strict or `tolerant`, finds anything: the general way
    says what) or an MS1 comes in an LX loop before the loop's first AT7. Both depend on
    the tags alone: remembered per sequence of tags (per reading, up to `_PLANS_KEPT` of
    them and `_PLANS_BUDGET` bytes, of up to `_PLAN_TAGS` tags each, every one of up to
    `_TAG_LENGTH` ASCII characters)."""
    plans = _PLANS[tolerant]
    try:
        return plans[tags]
    except KeyError:  # a shape not seen (or not kept) yet
        pass
    plan = None if check_structure(SET_214, segments, tolerant, tags) else _plan(tags)
    if (
        len(tags) <= _PLAN_TAGS
        and max(map(len, tags), default=0) <= _TAG_LENGTH
        and "".join(tags).isascii()
    ):
        weight = 64 * len(tags) + 64 * _positions(plan)  # (at most about 77 KB: 400 tags)
        if len(plans) >= _PLANS_KEPT or _WEIGHT[tolerant] + weight > _PLANS_BUDGET:
            plans.clear()
            _WEIGHT[tolerant] = 0
        plans[tags] = plan
        _WEIGHT[tolerant] += weight
    return plan


def _positions(plan: Plan | None) -> int:
    """The positions a plan holds (none when None)."""
    if plan is None:
        return 0
    return len(plan[0]) + sum([1 + len(l11s) + 2 * len(events) for _, l11s, events in plan[1]])


def _plan(tags: Sequence[str]) -> Plan | None:
    """The walk `plan_of` remembers: the roles `one_go_214`'s reading gives each tag, in
    order (`parse_214`'s reading, the module docstring)."""
    header: list[int] = []
    loops: list[LoopPlan] = []
    b10 = 0  # the last B10 read so far
    in_loop = in_party = False
    l11s: list[int] = []
    events: list[list[int]] = []  # [AT7 position, MS1 position]
    for position, tag in enumerate(tags, start=2):
        if tag == "AT7":
            if in_loop:
                events.append([position, 0])
        elif tag == "MS1":
            if events:
                events[-1][1] = position
            elif in_loop:
                return None  # an MS1 before its loop's AT7
        elif tag == "L11":
            if in_loop:
                l11s.append(position)
            elif not in_party:
                header.append(position)
        elif tag == "LX":
            if in_loop:
                loops.append((b10, tuple(l11s), tuple((a, m) for a, m in events)))
            in_loop, in_party, l11s, events = True, False, [], []
        elif tag == "B10":
            b10 = position
        elif tag == "N1":
            in_party = not in_loop
    if in_loop:  # the set's end ends the last loop, as the next LX would
        loops.append((b10, tuple(l11s), tuple((a, m) for a, m in events)))
    return tuple(header), tuple(loops)
