"""A set's problems, bounded (`SetProblems`): what one transaction set / message lists of
its syntax problems however long it is, and the count of the rest (`problems_not_listed`).
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Iterable

from gateway import problems as _problems
from gateway.problems import Level, Problem, ProblemCode, Severity, problem

__all__ = ["SetProblems"]


class SetProblems:
    """The syntax problems of one transaction set / message as they are found, in that
    order, a bounded number of them however long the set: the first `most` (SET_PROBLEMS)
    kept, and past that, of the problems with a position, errors before warnings (a CONTRL
    names errors only) and then those of the lowest positions (an ack names the first
    segments in error: a set's structure problems found first would otherwise push out an
    element fault before them); the others are counted.
    Transaction-level problems (its header and trailer: a handful) are always kept. Takes
    `append` / `extend` as a list does; a PROBLEMS_NOT_LISTED problem added (another
    `SetProblems`' count) is counted, not kept. `len` is every problem found; `listed()`
    the list a `SetOutcome` holds. Mapping problems are not capped: an application advice
    names every refused event."""

    __slots__ = ("_error", "_kept", "_level", "_more", "_most", "_skip", "_worst")

    def __init__(
        self,
        level: Level = Level.SEGMENT,
        most: int | None = None,
        skip: Collection[tuple[int | None, int | None]] = (),
    ) -> None:
        """`level`: the count's own (SEGMENT: a 997 AK502 5 / IK502 5 and no AK3, it has
        no position). `skip`: (position, element) of faults already said (the EDIFACT
        reader's repetition faults): a problem there is neither kept nor counted."""
        self._skip = skip
        self._kept: list[Problem] = []
        self._more = 0
        self._error = False
        self._level = level
        self._most = _problems.SET_PROBLEMS if most is None else most
        # once full: a heap of (-position, index in _kept) of the kept with a position
        self._worst: list[tuple[tuple[int, int], int]] | None = None

    def append(self, problem: Problem) -> None:
        if self._skip and (problem.position, problem.element) in self._skip:
            return
        if problem.code is ProblemCode.PROBLEMS_NOT_LISTED:
            self._more += problem.unlisted or 0
            self._error = self._error or problem.severity is Severity.ERROR
        elif len(self._kept) < self._most or problem.level is Level.TRANSACTION:
            self._kept.append(problem)
        else:
            self._count(self._instead(problem))

    def _instead(self, problem: Problem) -> Problem:
        """Which problem is counted rather than kept when `problem` is found with the list
        full: the kept one that ranks last (`_rank`: warnings after errors, then by
        position), put in its place when `problem` ranks before it, else `problem`."""
        if problem.position is None:
            return problem
        worst = self._worst
        if worst is None:  # a heap of (the rank negated, index in _kept)
            worst = self._worst = [
                (_negated(p), i)
                for i, p in enumerate(self._kept)
                if p.position is not None and p.level is not Level.TRANSACTION
            ]
            heapq.heapify(worst)
        rank = _negated(problem)
        if not worst or rank <= worst[0][0]:
            return problem
        index = worst[0][1]
        counted, self._kept[index] = self._kept[index], problem
        heapq.heapreplace(worst, (rank, index))
        return counted

    def _count(self, problem: Problem) -> None:
        self._more += 1
        self._error = self._error or problem.severity is Severity.ERROR

    def extend(self, problems: Iterable[Problem]) -> None:
        for found in problems:
            self.append(found)

    def __len__(self) -> int:
        return len(self._kept) + self._more

    def listed(self, **where: object) -> list[Problem]:
        """The problems kept, then (when there were more) one PROBLEMS_NOT_LISTED problem
        that counts the others (placed by `where`: interchange=, group=, transaction=): an
        error when one of them is (the set is rejected as the whole list would reject it),
        else a warning."""
        if not self._more:
            return self._kept
        more = problem(
            ProblemCode.PROBLEMS_NOT_LISTED,
            f"{self._more:,} more problems of this set are not listed (the first "
            f"{len(self._kept):,} by position are)",
            self._level,
            severity=Severity.ERROR if self._error else Severity.WARNING,
            unlisted=self._more,
            **where,
        )
        return [*self._kept, more]


def _negated(p: Problem) -> tuple[int, int]:
    """A kept problem's rank negated (`SetProblems._instead`): an error before a warning (a
    CONTRL names errors only), then the lowest position (the segments an ack names first)."""
    return (-1 if p.severity is Severity.WARNING else 0), -(p.position or 0)
