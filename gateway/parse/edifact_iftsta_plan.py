"""Reading plans for IFTSTA messages, one per shape.

A carrier's IFTSTA messages repeat a handful of shapes: the same segment tags in the same
order (CNI, STS, RFF, DTM, LOC per consignment, a hundred consignments a message). What the
parser reads depends on the tags at each position, and on a few values (an RFF's qualifier
1153, a DTM's qualifier 2005); so the positions to read are worked out once per shape, with
the structure check of the segment table (`check_structure`), and remembered
(`parse.shape_plans`, as the X12 214's are): a shape with any structure problem (or
warning) has no plan, and its messages take the full path, which reports it.

A plan gives, by segment position (UNH = 1):
- the RFFs before the first CNI (the message's purchase order);
- per consignment (CNI, segment group 4): its CNI, its RFFs at any depth (its purchase
  order: the first with a qualifier of `edifact_po_qualifiers` and a value), and per status
  (STS, segment group 5) the STS, its DTMs in order (the first 2005 = 334 that reads as a
  time), and its first LOC and NAD (0: none), all at the STS group's own level (not inside
  a TDT / EQD / GID subgroup).
These are the places `edifact_iftsta.parse_iftsta`'s full reading takes its values from
(tests/test_edifact_fast_paths.py holds the two to each other).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from operator import itemgetter
from typing import NamedTuple, cast

from gateway.parse.edifact_common import EdiSegment
from gateway.parse.shape_plans import ShapePlans
from gateway.parse.shape_plans import plan_of as shape_plan
from gateway.parse.x12_structure import Loop

__all__ = ["Plan", "StatusPlan", "plan_of"]


class StatusPlan(NamedTuple):
    """Where one status's values are: positions (UNH = 1), 0 where there is none."""

    sts: int
    dtms: tuple[int, ...]  # at the STS group's level, in order
    loc: int  # the first LOC at that level
    nad: int  # the first NAD at that level
    # a message's segments -> the tuple of those the status reads (STS, DTMs, LOC, NAD)
    places: Callable[[Sequence[EdiSegment]], tuple[EdiSegment, ...]]


def _status_plan(sts: int, dtms: list[int], loc: int, nad: int) -> StatusPlan:
    indices = [at - 1 for at in (sts, *dtms, loc, nad) if at]
    if len(indices) == 1:
        indices.append(indices[0])  # itemgetter of one index gives no tuple
    return StatusPlan(sts, tuple(dtms), loc, nad, itemgetter(*indices))


class Plan(NamedTuple):
    """Where an IFTSTA shape's values are (`plan_of`)."""

    before: tuple[int, ...]  # RFFs before the first CNI
    # per consignment: (CNI position, its RFF positions, its statuses)
    consignments: tuple[tuple[int, tuple[int, ...], tuple[StatusPlan, ...]], ...]


_SUBGROUPS = frozenset({"TDT", "EQD", "GID"})  # segment groups 6, 8, 10: not read

# the shapes remembered of each table read (`shape_plans`: bounded in count and bytes;
# the IFTSTA's, in practice)
_PLANS: dict[int, ShapePlans] = {}


def plan_of(
    table: Loop, segments: Sequence[EdiSegment], tags: tuple[str, ...], tolerant: bool
) -> Plan | None:
    """The plan of a message `segments` (UNH..UNT inclusive) whose body tags (positions
    2..n-1) are `tags`; None when `check_structure(table, segments, tolerant)` reports
    anything. Remembered per table and shape (`_PLANS`)."""
    memo = _PLANS.get(id(table))
    if memo is None or memo.table is not table:
        memo = _PLANS[id(table)] = ShapePlans(table)
    message = cast("Sequence[Sequence[str]]", segments)
    return shape_plan(memo, message, tags, tolerant, _plan, _positions)


def _positions(plan: Plan) -> int:
    """The positions a plan holds."""
    return len(plan.before) + sum(
        [1 + len(rffs) + sum([1 + len(s.dtms) for s in statuses])
         for _, rffs, statuses in plan.consignments]
    )  # fmt: skip


def _plan(tags: Sequence[str]) -> Plan:
    """The places of a shape's values, found as the full reading finds them."""
    before: list[int] = []
    consignments: list[tuple[int, tuple[int, ...], tuple[StatusPlan, ...]]] = []
    cni = 0  # the open consignment's CNI
    rffs: list[int] = []
    statuses: list[StatusPlan] = []
    sts = loc = nad = 0  # the open status's STS, first LOC and NAD
    dtms: list[int] = []
    nested = False  # inside a TDT/EQD/GID subgroup of the open status
    for position, tag in enumerate([*tags, "CNI"], 2):  # a last CNI closes the last one
        if sts and (tag == "CNI" or tag == "STS"):  # the open status ends
            statuses.append(_status_plan(sts, dtms, loc, nad))
            sts = 0
        if tag == "CNI":
            if statuses:  # a consignment without a status has no event
                consignments.append((cni, tuple(rffs), tuple(statuses)))
            cni, rffs, statuses = position, [], []
        elif tag == "STS":
            if cni:
                sts, loc, nad, dtms, nested = position, 0, 0, [], False
        elif tag == "RFF":
            (rffs if cni else before).append(position)
        elif not sts or nested:
            continue  # before the first status, or inside a TDT/EQD/GID subgroup
        elif tag == "DTM":
            dtms.append(position)
        elif tag == "LOC":
            loc = loc or position
        elif tag == "NAD":
            nad = nad or position
        elif tag in _SUBGROUPS:
            nested = True
    return Plan(tuple(before), tuple(consignments))
