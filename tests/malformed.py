"""Helpers for the malformed-input tests: translate bytes end to end, look at the result.

`translate` runs the whole pipeline (envelope, parse, mapping, acks) on a small input and
returns the outcome with every request body, so a test can say what would reach Amazon.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from gateway.ack.context import AckContext
from gateway.mapping.codes import load_code_tables
from gateway.mapping.result import TranslatedRequest
from gateway.pipeline import TranslationOutcome, translate_stream
from gateway.problems import Severity
from gateway.profile import PartnerProfile

PROFILE = PartnerProfile(selling_party="999US", ship_from="ABCD")
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)

X12_ISA = (
    "ISA*00*          *00*          *ZZ*DEMOCARRIER    *ZZ*AMAZONDF       "
    "*261124*1830*U*00401*000000101*0*P*>~"
)


@dataclass
class Translated:
    outcome: TranslationOutcome
    bodies: list[dict[str, Any]]

    @property
    def error_codes(self) -> list[str]:
        return [p.code.value for p in self.outcome.problems if p.severity is Severity.ERROR]

    def ack(self, kind: str) -> str:
        return next(a.content for a in self.outcome.acknowledgements if a.type == kind)

    def strings(self) -> list[str]:
        """Every string value of every request body."""
        found: list[str] = []

        def walk(node: object) -> None:
            if isinstance(node, str):
                found.append(node)
            elif isinstance(node, dict):
                for value in node.values():
                    walk(value)
            elif isinstance(node, list):
                for value in node:
                    walk(value)

        walk(self.bodies)
        return found


def translate(data: str | bytes, profile: PartnerProfile = PROFILE) -> Translated:
    """Translate one file's bytes (str: UTF-8) with a fixed ack clock."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    bodies: list[dict[str, Any]] = []

    def emit(request: TranslatedRequest) -> None:
        bodies.append(json.loads(json.dumps(request.body_json())))

    outcome = translate_stream(
        io.BytesIO(raw), profile, load_code_tables(), AckContext(now=NOW), emit
    )
    return Translated(outcome, bodies)


def x12_214(*body: str, isa: str = X12_ISA, term: str = "~", suffix: str = "\n") -> str:
    """One 214 interchange with `body` (segments without ST/SE, `*` separated) in one set."""
    segments = ["ST*214*0001", *body, f"SE*{len(body) + 2}*0001"]
    head = ["GS*QM*DEMOCARRIER*AMAZONDF*20261124*1830*1*X*004010"]
    tail = ["GE*1*1", "IEA*1*000000101"]
    return isa + suffix + "".join(s + term + suffix for s in [*head, *segments, *tail])


STATUS_214 = (
    "B10*1Z4711*PO4711*DEMO",
    "L11*PO4711*PO",
    "LX*1",
    "AT7*D1*NS***20261124*1642*CT",
    "MS1*CHICAGO*IL*US",
    "L11*1Z4711A*2I",
)


def edifact_iftsta(*body: str, head: str = "UNA:+.? '\n", suffix: str = "\n") -> str:
    """One IFTSTA interchange with `body` (segments after BGM, `+` separated)."""
    segments = ["UNH+1+IFTSTA:D:01B:UN", "BGM+77+ST4711+9", *body]
    segments.append(f"UNT+{len(segments) + 1}+1")
    unb = "UNB+UNOC:3+DEMOCARRIER:ZZ+AMAZONDF:ZZ+261124:1830+IC1001"
    return head + "".join(s + "'" + suffix for s in [unb, *segments, "UNZ+1+IC1001"])


STATUS_IFTSTA = (
    "CNI+1+1Z4711A",
    "STS+1+302::6+000",
    "RFF+ON:PO4711",
    "DTM+334:202611240715-06:303",
    "LOC+175+USCHI::6:Chicago",
)
