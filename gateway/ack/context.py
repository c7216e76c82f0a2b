"""What every ack builder needs from outside the file: the clock and control numbers.

Acks carry their own control numbers. The interchange control numbers (ISA13 / UNB 0020) come
from `take_control`: the CLI numbers them from 1 per run (or from --ack-control), the service
from the partner's counter in the ledger, one per ack interchange and without gaps
(gateway.ledger.controls). Group control numbers (GS06) and message references (UNH 0062) come
from `take_reference`: with `references_per_interchange` (the service) 1, 2, ... within each
interchange, so the interchange numbers stay consecutive; otherwise (the CLI, the golden
samples) from the same counter as the interchange numbers. Tests fix `now`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

__all__ = ["MAX_CONTROL", "AckContext"]

# the largest ISA13 / GS06 (N0 9/9, N0 1/9), and so of every control number an ack takes
# (the ledger's counters wrap below it too: gateway.ledger.controls)
MAX_CONTROL = 999_999_999


@dataclass
class AckContext:
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    next_control: int = 1
    references_per_interchange: bool = False
    _reference: int = 0
    # `now` and its stamps (`stamps`), made once per `now`
    _stamps: tuple[datetime, str, str, str] | None = field(default=None, repr=False, compare=False)

    def take_control(self) -> int:
        """The next interchange control number (ISA13 / UNB 0020); references start again.
        After 999,999,999 (ISA13's nine digits) the numbers go on from 1."""
        value = self.next_control
        self.next_control = 1 if value >= MAX_CONTROL else value + 1
        self._reference = 0
        return value

    def take_reference(self) -> int:
        """The next group control number (GS06) or message reference (UNH 0062): 1, 2, ...
        inside the current interchange, or the next of the shared counter (see above)."""
        if not self.references_per_interchange:
            value = self.next_control
            self.next_control = 1 if value >= MAX_CONTROL else value + 1
            return value
        self._reference += 1
        return self._reference

    def utc(self) -> datetime:
        """`now` in UTC (a naive `now` is taken as UTC already)."""
        now = self.now
        return now.replace(tzinfo=UTC) if now.tzinfo is None else now.astimezone(UTC)

    def stamps(self) -> tuple[str, str, str]:
        """`now` in UTC as an ack writes it: (YYMMDD, HHMM, CCYYMMDD): ISA09 / ISA10, GS04
        and UNB 0017 / 0019. Made once per `now` (a mailbag's thousands of acks share it)."""
        now, made = self.now, self._stamps
        if made is None or made[0] is not now:
            utc = self.utc()
            made = (now, utc.strftime("%y%m%d"), utc.strftime("%H%M"), utc.strftime("%Y%m%d"))
            self._stamps = made
        return made[1], made[2], made[3]
