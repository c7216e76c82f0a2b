"""A DocumentSink for reader tests: records every document and finished interchange."""

from __future__ import annotations

from typing import Any

from gateway.envelope.outcome import InterchangeOutcome
from gateway.origin import Origin
from gateway.parse.records import Document
from gateway.problems import Problem


class RecordingSink:
    def __init__(self) -> None:
        self.documents: list[tuple[Origin, Document]] = []
        self.ended: list[InterchangeOutcome[Any]] = []

    def document(self, origin: Origin, document: Document) -> list[Problem]:
        self.documents.append((origin, document))
        return []

    def end_interchange(self, outcome: InterchangeOutcome[Any]) -> None:
        self.ended.append(outcome)
