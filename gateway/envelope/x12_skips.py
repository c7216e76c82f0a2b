"""The problems of an X12 interchange the tokenizer could not read to its IEA.

`X12Tokenizer` ends an interchange at the next interchange header whatever its delimiters
say (gateway.envelope.x12_isa.header_at). What it could not read becomes one problem on
that interchange (or on the file, outside any), so that its TA1 rejects it: the ISA's own
faults come first (check_isa: TA1 004 / 026 / 027 for unusable delimiters, 0xx for a field),
else segment terminator missing (004).
"""

from __future__ import annotations

from gateway.envelope.x12_isa import MAX_SEGMENT_LENGTH
from gateway.problems import Level, Problem, ProblemCode, problem

__all__ = ["run_on_problem", "skipped_problem"]


def skipped_problem(
    reason: str, size: int, sample: str, control: str | None, terminator: str | None
) -> Problem:
    """Text skipped up to the next ISA or the end of the file (a "skipped" token's
    `reason`, `size` in characters and `sample`) in interchange `control` (None: outside
    any), whose ISA named `terminator`."""
    upto = "the end of the file" if reason.endswith(" end") else "the next ISA"
    where = f"{size} characters up to {upto} are skipped: {sample[:40]!r}"
    term = terminator or ""
    if reason.startswith("unreadable"):
        code = ProblemCode.INTERCHANGE_HEADER_INVALID
        why = f"no segment can be read with the ISA's delimiters; {where}"
    elif reason.startswith("overlong"):
        code = ProblemCode.SEGMENT_TERMINATOR_MISSING
        why = f"no segment terminator {term!r} within {MAX_SEGMENT_LENGTH} characters; {where}"
    else:
        code = ProblemCode.SEGMENT_TERMINATOR_MISSING
        why = f"no segment ends with the ISA's terminator {term!r}; {where}"
    level = Level.INTERCHANGE if control is not None else Level.FILE
    return problem(code, why, level, interchange=control)


def run_on_problem(text: str, control: str | None, element: str) -> Problem:
    """`text` after the last segment terminator, just before the next ISA, in interchange
    `control`: a segment that lost its terminator (the IEA missing is reported apart)."""
    tag = text.split(element)[0][:3]
    why = f"segment {tag!r} has no segment terminator before the next ISA: {text[:40]!r}"
    level = Level.INTERCHANGE if control is not None else Level.FILE
    return problem(ProblemCode.SEGMENT_TERMINATOR_MISSING, why, level, interchange=control,
                   segment=tag or None)  # fmt: skip
