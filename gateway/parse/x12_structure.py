"""Generic X12 transaction-set validation driven by loop tables (data in x12_tables.py).

`check_structure` walks the segments of one set with a stack of loop frames, the way the
standard's table reads: a segment is looked for at or after the current place in the
current loop, then in enclosing loops; leaving a loop checks its mandatory segments.
It returns Problems (positions: ST = 1) and never raises on any input; element checks are
`x12_elements`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter

from gateway.problems import Level, Problem, ProblemCode, Severity
from gateway.set_problems import SetProblems

__all__ = ["Loop", "Seg", "check_structure", "segment_tags"]


@dataclass(frozen=True, slots=True)
class Seg:
    tag: str
    required: bool = False
    max_use: int = 1


@dataclass(frozen=True, slots=True)
class Loop:
    """A loop: its first child is the trigger segment."""

    name: str
    children: tuple[Seg | Loop, ...]
    required: bool = False
    max_use: int = 1

    @property
    def trigger(self) -> str:
        first = self.children[0]
        return first.tag if isinstance(first, Seg) else first.trigger


def segment_tags(loop: Loop) -> set[str]:
    tags: set[str] = set()
    for child in loop.children:
        tags |= {child.tag} if isinstance(child, Seg) else segment_tags(child)
    return tags


class _Frame:
    __slots__ = ("counts", "index", "loop")

    def __init__(self, loop: Loop) -> None:
        self.loop = loop
        self.index = 0
        self.counts = [0] * len(loop.children)
        self.counts[0] = 1


def _missing(frame: _Frame, upto: int, position: int, tag: str) -> list[Problem]:
    problems = []
    for i in range(frame.index, upto):
        child = frame.loop.children[i]
        if child.required and frame.counts[i] == 0:
            name = child.tag if isinstance(child, Seg) else child.trigger
            problems.append(
                Problem(
                    code=ProblemCode.MANDATORY_SEGMENT_MISSING,
                    message=f"mandatory segment {name} missing before {tag}",
                    level=Level.SEGMENT,
                    segment=name,
                    position=position,
                )
            )
    return problems


_first = itemgetter(0)  # a segment's tag
_SEGMENT_ID = re.compile(r"^[A-Z0-9]{2,3}$")


def _starts(loop: Loop) -> dict[str, tuple[int, ...]]:
    """For each tag, the indices of the children of `loop` it starts (computed once)."""
    entry = _STARTS.get(id(loop))
    if entry is None or entry[0] is not loop:
        starts: dict[str, list[int]] = {}
        for i, child in enumerate(loop.children):
            starts.setdefault(child.tag if isinstance(child, Seg) else child.trigger, []).append(i)
        entry = _STARTS[id(loop)] = (loop, {tag: tuple(ix) for tag, ix in starts.items()})
    return entry[1]


_STARTS: dict[int, tuple[Loop, dict[str, tuple[int, ...]]]] = {}


def _find(frame: _Frame, tag: str, is_root: bool) -> int:
    """Index of the child that `tag` starts, at or after the current place; -1 if none.
    Inside a loop the trigger is skipped: a repeated trigger starts the next iteration."""
    start = frame.index if is_root or frame.index else 1
    for i in _starts(frame.loop).get(tag, ()):
        if i >= start:
            return i
    return -1


# table identity + the set's tag sequence -> its problems: carrier files repeat a handful
# of set shapes, and the walk depends on nothing else
_WALKS: dict[tuple[int, int, tuple[str, ...], bool], tuple[Loop, list[Problem]]] = {}
_WALKS_MAX = 4096
_WALK_KEPT_SEGMENTS = 2000  # of longer sets' walks, only the last is kept (4096: GBs)
# what the walks kept may weigh, in bytes at about 60 a tag, 4 a tag character (the key
# keeps the tags alive: 13 sets of 399 tags of 9,900 characters held 60 MB when they did not
# count) and 1,500 a problem: 4,096 sets of 1,990 stray segments each, every one in an
# order of its own, held 670 MB from a 4 MB file (a file's few shapes of 20-60 segments
# weigh a few MB)
_WALKS_BUDGET = 8_000_000
_WEIGHT = [0]  # what those kept weigh
# the key of that walk
_LONG: list[tuple[int, int, tuple[str, ...], bool] | None] = [None]
_KNOWN: dict[int, tuple[Loop, set[str]]] = {}  # table identity -> every tag it names


def check_structure(
    table: Loop,
    segments: Sequence[Sequence[str]],
    tolerant: bool = False,
    tags: tuple[str, ...] | None = None,
) -> list[Problem]:
    """Structure problems of the body of one set: `segments` are ST..SE inclusive.

    Strict (the default): a segment out of its place in the segment table is an error.
    `tolerant` (a partner profile's `structure: tolerant`): every segment that the table
    places elsewhere in the same group, at exactly one place (earlier in the group itself,
    else in one of its sub-groups), is read where it is and reported as a warning, in any
    order and however many; a segment that fits nowhere or at several places is still an
    error. `tags`: the body's tags (positions 2..SE-1), when the caller has them."""
    if tags is None:
        tags = tuple(map(_first, segments[1:-1]))
    key = (id(table), len(segments), tags, tolerant)
    entry = _WALKS.get(key)
    if entry is None or entry[0] is not table:
        if len(_WALKS) >= _WALKS_MAX or _WEIGHT[0] > _WALKS_BUDGET:
            _WALKS.clear()
            _WEIGHT[0] = 0
        known = _KNOWN.get(id(table))
        if known is None or known[0] is not table:
            known = _KNOWN[id(table)] = (table, segment_tags(table))
        walk = _walk(table, tags, known[1], len(segments), tolerant)
        entry = (table, walk)
        # (a tag's characters count 4 bytes each: the widest a str stores)
        _WEIGHT[0] += 60 * len(tags) + 4 * sum(map(len, tags)) + 1_500 * len(walk)
        if len(tags) > _WALK_KEPT_SEGMENTS:
            # a set this long is its own shape: only the last one is kept (the one-go way
            # and the general way both ask for it), not thousands with their problems
            if _LONG[0] is not None:
                _WALKS.pop(_LONG[0], None)
            _LONG[0] = key
        _WALKS[key] = entry
    return list(entry[1])


def _walk(
    table: Loop, tags: Sequence[str], known: set[str], last: int, tolerant: bool = False
) -> list[Problem]:
    """The walk itself: `tags` are those of positions 2..last-1 (the SE is at `last`)."""
    problems = SetProblems()  # a set of 100,000 over-max segments lists SET_PROBLEMS
    stack = [_Frame(table)]
    for position, tag in enumerate(tags, start=2):
        depth, index = len(stack) - 1, -1
        while depth >= 0:
            index = _find(stack[depth], tag, depth == 0)
            if index >= 0:
                break
            depth -= 1
        if index < 0:
            if not (tolerant and _tolerate(stack, tag, position, problems)):
                problems.append(_stray(tag, position, known))
            continue
        while len(stack) - 1 > depth:
            frame = stack.pop()
            problems.extend(_missing(frame, len(frame.loop.children), position, tag))
        frame = stack[-1]
        child = frame.loop.children[index]
        if index == frame.index and frame.counts[index] >= child.max_use:
            code = (
                ProblemCode.SEGMENT_OVER_MAX
                if isinstance(child, Seg)
                else ProblemCode.LOOP_OVER_MAX
            )
            problems.append(_over(code, tag, position))
        problems.extend(_missing(frame, index, position, tag))
        frame.index = index
        frame.counts[index] += 1
        if isinstance(child, Loop):
            stack.append(_Frame(child))
    for frame in reversed(stack):
        problems.extend(_missing(frame, len(frame.loop.children), last, "SE"))
    return problems.listed()


def _tolerate(stack: list[_Frame], tag: str, position: int, problems: SetProblems) -> bool:
    """Tolerant structure: read `tag` where it is when the innermost group that places it at
    all places it exactly once (sub-groups of that group opened since are closed first, so
    a TD5 after an 856 HL's N1 loop is the HL's). A warning is added; False (nothing added)
    when no group places it or the first that does places it more than once."""
    for depth in range(len(stack) - 1, -1, -1):
        places, own = _places_in_group(stack[depth], tag)
        if places == 0:
            continue
        if places > 1:
            return False
        while len(stack) - 1 > depth:
            frame = stack.pop()
            problems.extend(_missing(frame, len(frame.loop.children), position, tag))
        problems.append(_tolerated(tag, position, stack[-1].loop.name))
        if own is not None:
            stack[-1].counts[own] += 1  # a second displaced one beyond max_use: an error
            child = stack[-1].loop.children[own]
            if isinstance(child, Loop):  # a sub-group's trigger opens it where it is
                stack.append(_Frame(child))
        return True
    return False


def _places_in_group(frame: _Frame, tag: str) -> tuple[int, int | None]:
    """Where else the group holds `tag`, and the index of its own place when that is the
    one: its own segments, and the triggers of its sub-groups (an AT7 after the L11 of the
    same 214 LX opens its 0205 loop there), before the current place with uses left (the
    group's own place wins: a segment of a sub-group cannot be read without that
    sub-group's trigger); else
    the non-trigger segments of its sub-groups from the current place on. 1 place is
    unambiguous; 0 none; more is ambiguous."""
    children = frame.loop.children
    own = [
        i
        for i, child in enumerate(children[: frame.index])
        if i and (child.tag if isinstance(child, Seg) else child.trigger) == tag
    ]
    if own:
        left = [i for i in own if frame.counts[i] < children[i].max_use]
        return (len(left), left[0]) if len(left) == 1 else (max(len(left), 2), None)
    places = 0
    for child in children[frame.index :]:
        if isinstance(child, Loop):
            places += sum(1 for c in child.children[1:] if isinstance(c, Seg) and c.tag == tag)
    return places, None


def _tag_of(child: Seg | Loop) -> str | None:
    return child.tag if isinstance(child, Seg) else None


def _tolerated(tag: str, position: int, group: str) -> Problem:
    return Problem(
        code=ProblemCode.SEGMENT_OUT_OF_ORDER,
        message=f"segment {tag!r} is out of its place in group {group}: read where it is"
        " (partner profile: structure tolerant)",
        level=Level.SEGMENT,
        severity=Severity.WARNING,
        segment=tag,
        position=position,
    )


def _over(code: ProblemCode, tag: str, position: int) -> Problem:
    what = "loop" if code is ProblemCode.LOOP_OVER_MAX else "segment"
    return Problem(
        code=code,
        message=f"{tag} {what} repeats more often than the standard allows",
        level=Level.SEGMENT,
        segment=tag,
        position=position,
    )


def _stray(tag: str, position: int, known: set[str]) -> Problem:
    if tag in known:
        code, why = ProblemCode.UNEXPECTED_SEGMENT, "is not allowed at this place"
    elif _SEGMENT_ID.match(tag):
        code, why = ProblemCode.SEGMENT_NOT_IN_SET, "is not defined in this transaction set"
    else:
        code, why = ProblemCode.UNRECOGNIZED_SEGMENT, "is not a segment ID"
    return Problem(
        code=code,
        message=f"segment {tag!r} {why}",
        level=Level.SEGMENT,
        segment=tag[:3],
        position=position,
    )
