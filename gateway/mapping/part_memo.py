"""Parts of status updates remembered across events (`PartMemo`): what a scan's status,
time and place give an update, made once per distinct scan by the one-go ways
(`status_one_go.fast_update`, `status_set_one_go`), and every memo (`MEMOS`) told when a
file begins (`pipeline.translate_stream`)."""

from __future__ import annotations

from typing import Any

__all__ = ["MEMOS", "Part", "PartMemo"]

# an update's JSON text from its status code on (`update_tail`) and its trail up to the
# tracking number's source: what an event's status, time and place give it
Part = tuple[str, tuple[Any, ...]]


class PartMemo:
    """The parts (`Part`, or None when a check fails) of updates made before, per key (the
    values or segments they were made of) and owner (`status_one_go.OneGo`: a profile, its
    code tables, a syntax and delimiters; compared by identity and kept alive here, so a
    part is only ever found by the owner that made it): a carrier file repeats its scans'
    status, time and place (a 214 of 46,070 events held 48 distinct
    AT7s), each is read, resolved, converted and written once. Remembering costs when
    nothing repeats (a time of its own per scan: 4% more instructions), so past `SEEN`
    lookups of a file of which under a quarter found a part, its next `SKIPPED` events are
    not looked up (`skipped`, counted down by the caller; about 1% more then). The parts
    are kept across files; what a file learned of its scans is not (`new_file`)."""

    __slots__ = ("found", "parts", "skipped", "tries")
    KEPT = 2048  # parts kept (the keys' values are bounded by the callers): about 4 MB at most
    SEEN = 1024
    SKIPPED = 16384

    def __init__(self) -> None:
        self.parts: dict[tuple[object, ...], tuple[object, Part | None]] = {}
        self.tries = self.found = self.skipped = 0

    def find(self, key: tuple[object, ...], owner: object) -> tuple[object, Part | None] | None:
        """(`owner`, its part for `key`) when kept, else None."""
        hit = self.parts.get(key)
        if hit is not None and hit[0] is not owner:
            hit = None
        tries = self.tries = self.tries + 1
        if hit is not None:
            self.found += 1
        if tries >= self.SEEN:
            if self.found * 4 < tries:  # under a quarter found: scans of their own
                self.skipped = self.SKIPPED
            self.tries = self.found = 0
        return hit

    def new_file(self) -> None:
        """A file begins: its lookups are counted afresh, and not skipped."""
        self.tries = self.found = self.skipped = 0

    def keep(self, key: tuple[object, ...], owner: object, part: Part | None) -> None:
        """Remember `part` for `key` and `owner` (all are forgotten past `KEPT`)."""
        parts = self.parts
        if len(parts) >= self.KEPT:
            parts.clear()
        parts[key] = (owner, part)


MEMOS: list[PartMemo] = []  # every one (each module that keeps one adds it)
