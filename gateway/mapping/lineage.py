"""Lineage: for every value in a payload, where it came from.

Kinds: `segment` (read from the file), `code_table` (a row of mappings/*.yaml applied),
`profile` (the partner profile or a CLI option supplied it), `default` (a built-in default
was used because the file carried nothing), `derived` (computed from other values, e.g. a
time converted to UTC). Ops read these field by field; replays diff against them.

A plain slotted dataclass: one is made for every value of every body, so it must be cheap.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

from gateway.parse.records import Src

__all__ = ["Lineage", "LineageKind", "from_src"]

LineageKind = Literal["segment", "code_table", "profile", "default", "derived"]


@dataclass(frozen=True, slots=True)
class Lineage:
    path: str  # JSON pointer into the request body
    kind: LineageKind
    segment: str | None = None
    position: int | None = None
    element: int | None = None
    component: int | None = None
    detail: str | None = None

    def rebased(self, prefix: str) -> Lineage:
        """The same entry with `prefix` put before its path."""
        return Lineage(prefix + self.path, self.kind, self.segment, self.position, self.element,
                       self.component, self.detail)  # fmt: skip

    def to_report(self) -> dict[str, object]:
        """JSON shape: the fields that are set."""
        return {k: v for k, v in asdict(self).items() if v is not None}


def from_src(path: str, src: Src, detail: str | None = None) -> Lineage:
    return Lineage(path, "segment", src.segment, src.position, src.element, src.component, detail)
