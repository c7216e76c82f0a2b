"""Lineage: for every value in a payload, where it came from.

Kinds: `segment` (read from the file), `code_table` (a row of mappings/*.yaml applied),
`profile` (the partner profile or a CLI option supplied it), `default` (a built-in default
was used because the file carried nothing), `derived` (computed from other values, e.g. a
time converted to UTC). Ops read these field by field; replays diff against them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

from gateway.parse.records import Src

__all__ = ["Lineage", "LineageKind", "from_src"]

LineageKind = Literal["segment", "code_table", "profile", "default", "derived"]


class Lineage(BaseModel):
    model_config = ConfigDict(frozen=True)

    path: str  # JSON pointer into the request body
    kind: LineageKind
    segment: str | None = None
    position: int | None = None
    element: int | None = None
    component: int | None = None
    detail: str | None = None


def from_src(path: str, src: Src, detail: str | None = None) -> Lineage:
    return Lineage(
        path=path,
        kind="segment",
        segment=src.segment,
        position=src.position,
        element=src.element,
        component=src.component,
        detail=detail,
    )
