"""What every ack builder needs from outside the file: the clock and control numbers.

Acks carry their own control numbers. The CLI numbers them from 1 per run (or from
--ack-control); the service will allocate them from the ledger. Tests fix `now`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

__all__ = ["AckContext"]


@dataclass
class AckContext:
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    next_control: int = 1

    def take_control(self) -> int:
        """The next control number (interchange, group or message reference)."""
        value = self.next_control
        self.next_control += 1
        return value

    def utc(self) -> datetime:
        """`now` in UTC (a naive `now` is taken as UTC already)."""
        now = self.now
        return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)
