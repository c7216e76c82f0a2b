"""Which parser reads which X12 transaction set (ST01), and the checks for inbound acks."""

from __future__ import annotations

from collections.abc import Sequence

from gateway.parse.records import Document
from gateway.parse.relations import syntax_notes
from gateway.parse.x12_214 import parse_214
from gateway.parse.x12_856 import parse_856
from gateway.parse.x12_ack_tables import ACK_ELEMENTS, ACK_MAX_ELEMENTS, SET_997, SET_999
from gateway.parse.x12_common import validate_set
from gateway.problems import Problem
from gateway.profile import PartnerProfile

__all__ = ["ACK_SETS", "TRANSLATED_SETS", "parse_set"]

TRANSLATED_SETS = frozenset({"214", "856"})
ACK_SETS = frozenset({"997", "999"})


def parse_set(
    segments: Sequence[Sequence[str]],
    profile: PartnerProfile,
    component: str,
    repetition: str | None = None,
    version: str | None = None,
) -> tuple[Document | None, list[Problem]]:
    """(document, problems) for one set ST..SE; document None for sets not translated.
    `component` / `repetition` are the interchange's ISA16 / ISA11 (00402+) separators,
    `version` the set's ST03 or group's GS08 (it picks the syntax notes)."""
    type_code = segments[0][1] if len(segments[0]) > 1 else ""
    tolerant = profile.structure == "tolerant"
    if type_code == "214":
        return parse_214(segments, profile.field_sources, component, repetition, version, tolerant)
    if type_code == "856":
        return parse_856(segments, profile.field_sources, component, repetition, version, tolerant)
    if type_code in ACK_SETS:
        table = SET_997 if type_code == "997" else SET_999
        return None, validate_set(
            table, segments, ACK_ELEMENTS, ACK_MAX_ELEMENTS, component, repetition,
            syntax_notes(version),
        )  # fmt: skip
    return None, []
