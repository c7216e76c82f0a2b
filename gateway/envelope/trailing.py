"""Text outside every interchange, after one has been read whole: how much it matters.

A complete, valid interchange stands on its own: it is released and answered by its own ack
whatever follows it. What follows outside any envelope cannot be acknowledged (no ISA / UNB
names it) and is reported on the file:
- plain text with none of the last interchange's delimiters and no envelope tag (a mail
  footer, a stray line): nothing of the partner's data is lost, so it is a WARNING and the
  file stays accepted;
- anything that could be EDI (it holds the last interchange's element separator or segment
  terminator, or an ISA / GS / ST / UNA / UNB / UNH tag): a segment or interchange may have
  been lost outside its envelope, so it is an ERROR and the file is not accepted, while the
  interchanges read whole before it stay released.
SUB (0x1A) and NUL padding is ignored before this is asked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from gateway.problems import Level, Problem, ProblemCode, Severity

__all__ = ["trailing_text"]

# a segment tag followed by a separator: "ISA*", "GS*", "UNB+", "UNA:" (not "STOP" or "GST")
_ENVELOPE = re.compile(r"(?<![A-Za-z0-9])(ISA|IEA|GS|GE|ST|SE|UNA|UNB|UNZ|UNH|UNT|UNG)(?=[^\w\s])")


def trailing_text(
    text: str, delimiters: Iterable[str | None], syntax: str, terminated: bool = False
) -> Problem:
    """The file-level problem for `text` found after a complete interchange (`syntax`
    "X12" or "EDIFACT"), given that interchange's element separator and segment terminator;
    `terminated`: the text ended with a segment terminator (it was read as a segment)."""
    sample = text.strip()
    edi_like = terminated or bool(_ENVELOPE.search(sample))
    edi_like = edi_like or any(d and d in sample for d in delimiters)
    envelope = "ISA..IEA" if syntax == "X12" else "UNB..UNZ"
    if edi_like:
        why = f"text that could be EDI is outside any {envelope} interchange: {sample[:40]!r}"
    else:
        why = f"text after the last {envelope} interchange is ignored: {sample[:40]!r}"
    return Problem(
        code=ProblemCode.INVALID_CONTROL_STRUCTURE,
        message=why,
        level=Level.FILE,
        severity=Severity.ERROR if edi_like else Severity.WARNING,
    )
