"""What the ack builders return: one acknowledgement document as EDI text."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = ["AckType", "Acknowledgement"]

AckType = Literal["997", "999", "TA1", "CONTRL", "824", "APERAK"]


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    type: AckType
    content: str  # the whole interchange (ISA..IEA / UNA..UNZ) as text
    acknowledges: str | None = None  # inbound interchange control number it answers

    def to_report(self) -> dict[str, str]:
        return {"type": self.type, "content": self.content}
