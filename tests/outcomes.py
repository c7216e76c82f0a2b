"""Every problem a reader result holds, walked in file order: file, interchange, group, set."""

from __future__ import annotations

from gateway.envelope.edifact import EdifactResult
from gateway.envelope.x12 import X12Result
from gateway.problems import Problem

__all__ = ["all_problems"]


def all_problems(result: X12Result | EdifactResult) -> list[Problem]:
    found = list(result.problems)
    for ic in result.interchanges:
        found += ic.problems
        for group in ic.groups:
            found += group.problems
            for outcome in group.sets:
                found += outcome.problems + outcome.mapping_problems
    return found
