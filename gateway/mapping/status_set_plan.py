"""The reading plan of an X12 214 set's shape: which of its segments the one-go way
(`status_set_one_go.one_go_214`) reads, and in what roles, found once per sequence of tags.

`parse.x12_214.parse_214` reads a 214 set as the X12 4010/5010 214 segment table lays it
out: the header's B10 (B10-01, X12 element 127 reference identification; B10-02, 145
shipment identification number) and L11s (128 reference identification qualifier), then
each LX loop's AT7 (shipment status details), the MS1 after it (equipment, shipment or
real property location) and the loop's L11s. Which segment plays which role depends on the
tags alone and their order; a carrier's file repeats a handful of set shapes. So the roles
are worked out once per shape (`plan_of`, remembered as `parse.shape_plans` remembers the
IFTSTA's) and each set of that shape reads only the segments that play one (a set of 19
segments and 2 events: 10), without asking each segment's tag what it is. What the
segments hold (an L11's qualifier, a value) is still read per set.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import itemgetter

from gateway.parse.shape_plans import ShapePlans
from gateway.parse.shape_plans import plan_of as shape_plan
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

# the 214 shapes remembered (`parse.shape_plans`: bounded in count and bytes), of up to 400
# tags each (a longer set is its own shape)
PLANS = ShapePlans(SET_214, most_tags=400)
_first = itemgetter(0)  # a segment's tag


def plan_of(segments: Sequence[Sequence[str]], tolerant: bool) -> Plan | None:
    """The plan of the 214 set `segments` (ST..SE inclusive), as `Plan` says; None when the
    set's structure is not clean (`check_structure` with `SET_214`, strict or `tolerant`,
    finds anything: the general way says what) or an MS1 comes in an LX loop before the
    loop's first AT7. Both depend on the tags of its body (positions 2..SE-1) alone:
    remembered per sequence of tags (`PLANS`)."""
    tags = tuple(map(_first, segments[1:-1]))
    return shape_plan(PLANS, segments, tags, tolerant, _plan, _positions)


def _positions(plan: Plan) -> int:
    """The positions a plan holds."""
    return len(plan[0]) + sum([1 + len(l11s) + 2 * len(events) for _, l11s, events in plan[1]])


def _plan(tags: Sequence[str]) -> Plan | None:
    """The roles `one_go_214`'s reading gives each tag, in order (`parse_214`'s reading, the
    module docstring)."""
    header: list[int] = []
    loops: list[LoopPlan] = []
    b10 = 0  # the last B10 read so far
    in_loop = in_party = False
    l11s: list[int] = []
    events: list[list[int]] = []  # [AT7 position, MS1 position]
    for position, tag in enumerate([*tags, "LX"], start=2):  # a last LX ends the last loop
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
                loops.append((b10, tuple(l11s), tuple([(a, m) for a, m in events])))
            in_loop, in_party, l11s, events = True, False, [], []
        elif tag == "B10":
            b10 = position
        elif tag == "N1":
            in_party = not in_loop
    return tuple(header), tuple(loops)
