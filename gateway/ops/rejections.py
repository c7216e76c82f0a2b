"""A rejected file or transaction set is logged at warning level with its error codes and
positions, so that whoever reads the logs sees what was wrong without opening the console."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from gateway.problems import Problem, Severity

__all__ = ["log_rejections", "place"]

_MAX = 20  # errors listed per log line


def place(problem: Problem) -> str:
    """`interchange 000000303 set 0001 SE#12 element 1` style position of a problem."""
    parts = []
    if problem.interchange:
        parts.append(f"interchange {problem.interchange}")
    if problem.transaction:
        parts.append(f"set {problem.transaction}")
    if problem.segment:
        parts.append(problem.segment + (f"#{problem.position}" if problem.position else ""))
    if problem.element:
        parts.append(f"element {problem.element}")
    return " ".join(parts) or "file"


def log_rejections(log: logging.Logger, file_id: str, partner_id: str, accepted: bool,
                   problems: Sequence[Problem]) -> None:  # fmt: skip
    """One warning for a file with errors (all of it or some of its sets rejected)."""
    errors = [p for p in problems if p.severity is Severity.ERROR]
    if accepted and not errors:
        return
    listed = [{"code": p.code.value, "where": place(p), "segment": p.segment,
               "position": p.position, "element": p.element, "interchange": p.interchange,
               "transaction": p.transaction} for p in errors[:_MAX]]  # fmt: skip
    summary = "; ".join(f"{e['code']} at {e['where']}" for e in listed)
    log.warning(f"file rejected: {summary}" if not accepted else f"sets rejected: {summary}",
                extra={"file_id": file_id, "partner": partner_id,
                       "error_codes": sorted({p.code.value for p in errors}),
                       "errors": listed})  # fmt: skip
