"""Text outside every interchange, after one has been read whole: how much it matters, where
it is, and how many such problems a file lists.

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
SUB (0x1A) and NUL padding is ignored before this is asked. The message names the
interchanges the text lies between (by number in the file and control number), or says it
follows the last one, and its byte offset where the reader knows it.

A file may hold any number of such stretches (a mailbag with a footer after each
interchange, a file of stray lines): a reader keeps its file-level problems in a
`FileProblems`, which lists the first KEPT_FILE_PROBLEMS and only counts the others.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from gateway.problems import Level, Problem, ProblemCode, Severity

__all__ = ["KEPT_FILE_PROBLEMS", "FileProblems", "trailing_text"]

KEPT_FILE_PROBLEMS = 100  # file-level problems a reader lists; the others are counted

# a segment tag followed by a separator: "ISA*", "GS*", "UNB+", "UNA:" (not "STOP" or "GST")
_ENVELOPE = re.compile(r"(?<![A-Za-z0-9])(ISA|IEA|GS|GE|ST|SE|UNA|UNB|UNZ|UNH|UNT|UNG)(?=[^\w\s])")
_CONTROL = {"X12": "ISA13", "EDIFACT": "UNB 0020"}


def interchange_name(number: int, control: str | None, syntax: str) -> str:
    """'#3 (ISA13 000000103)': the `number`th interchange of the file (from 1) and its
    control number, when it has one."""
    control = (control or "").strip()[:20]
    return f"#{number} ({_CONTROL[syntax]} {control})" if control else f"#{number}"


def trailing_text(
    text: str,
    delimiters: Iterable[str | None],
    syntax: str,
    terminated: bool = False,
    between: tuple[str, str | None] | None = None,
    offset: int | None = None,
) -> Problem:
    """The file-level problem for `text` found after a complete interchange (`syntax`
    "X12" or "EDIFACT"), given that interchange's element separator and segment terminator;
    `terminated`: the text ended with a segment terminator (it was read as a segment).
    `between`: the names (`interchange_name`) of the interchange before the text and of the
    one after it (None: none follows); `offset`: the text's byte offset in the file."""
    sample = text.strip()
    edi_like = terminated or bool(_ENVELOPE.search(sample))
    edi_like = edi_like or any(d and d in sample for d in delimiters)
    envelope = "ISA..IEA" if syntax == "X12" else "UNB..UNZ"
    before, after = between if between is not None else (None, None)
    at = f", at byte {offset}" if offset is not None else ""
    if edi_like:
        if after is not None:
            where = f"between {before} and {after}"
        else:
            where = f"after the last one, {before}" if before else "after the last one"
        why = f"text that could be EDI is outside any {envelope} interchange, {where}{at}"
    elif after is not None:
        why = f"text between {envelope} interchanges {before} and {after}{at}{at and ','}"
        why += " is ignored"
    else:
        last = f", {before}" if before else ""
        why = f"text after the last {envelope} interchange{last}{at}{(last or at) and ','}"
        why += " is ignored"
    return Problem(
        code=ProblemCode.INVALID_CONTROL_STRUCTURE,
        message=f"{why}: {sample[:40]!r}",
        level=Level.FILE,
        severity=Severity.ERROR if edi_like else Severity.WARNING,
    )


# text after an interchange, listed: (index in the listed problems, text, delimiters,
# terminated, byte offset): its message is written again once the next interchange is known
_Pending = tuple[int, str, tuple[str | None, ...], bool, int | None]


class FileProblems:
    """A reader's file-level problems (outside every interchange) in file order: the first
    KEPT_FILE_PROBLEMS go to `listed` (the reader's result list), the others are only
    counted (`unlisted`; `unlisted_error`: an error among them), so what is held does not
    grow with the number of stray chunks. The reader calls `interchange` as each interchange
    begins and `end` at the end of the file, so text after an interchange is placed between
    the two it lies between, or after the last one."""

    def __init__(self, listed: list[Problem], syntax: str) -> None:
        self.listed = listed
        self.syntax = syntax
        self.unlisted = 0
        self.unlisted_error = False
        self.error_listed = False  # known: an error is among `listed`
        self.number = 0  # interchanges begun
        self.last = ""  # the latest one's interchange_name
        self.pending: list[_Pending] = []

    def add(self, found: Problem) -> int:
        """List `found`, or count it past KEPT_FILE_PROBLEMS; its index in `listed`, -1 when
        it was only counted. The first error past them takes the place of the last warning
        listed, when no error is listed yet: the reason a file is refused is never among
        the unlisted only (a reviewer's 251st stray chunk, the one error, went unseen)."""
        if len(self.listed) < KEPT_FILE_PROBLEMS:
            self.listed.append(found)
            return len(self.listed) - 1
        self.unlisted += 1
        if found.severity is not Severity.ERROR:
            return -1
        if not self.error_listed and all(p.severity is not Severity.ERROR for p in self.listed):
            self.error_listed = True
            index = len(self.listed) - 1  # a warning, counted now instead
            self.listed[index] = found
            self.pending = [p for p in self.pending if p[0] != index]
            return index
        self.error_listed = self.unlisted_error = True
        return -1

    def after_interchange(
        self,
        text: str,
        delimiters: Iterable[str | None],
        terminated: bool = False,
        offset: int | None = None,
    ) -> None:
        """`text` found outside any interchange after a whole one (see `trailing_text`)."""
        seps = tuple(delimiters)
        between = (self.last, None)
        found = trailing_text(text, seps, self.syntax, terminated, between, offset)
        index = self.add(found)
        if index >= 0:
            self.pending.append((index, text, seps, terminated, offset))

    def interchange(self, control: str | None) -> None:
        """An interchange with control number `control` begins: the text before it, after
        the one before, lies between the two."""
        self.number += 1
        name = interchange_name(self.number, control, self.syntax)
        self._place(name)
        self.last = name

    def end(self) -> None:
        """The file ended: the text after the last interchange is placed so."""
        self._place(None)

    def _place(self, after: str | None) -> None:
        for index, text, seps, terminated, offset in self.pending:
            between = (self.last, after)
            self.listed[index] = trailing_text(text, seps, self.syntax, terminated, between, offset)
        self.pending = []
