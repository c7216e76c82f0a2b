"""Replay preview: translate a stored file again with the current mappings (partner profile
with its code-table overrides, code tables) without recording or sending anything, and diff
each new item field by field against the first run's events.

Items are paired by (operation, purchase order, tracking number, n-th occurrence), so a
status that now maps differently shows as a changed field of the same item."""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Sequence
from typing import Any

from gateway.ack.context import AckContext
from gateway.ledger.records import EventRecord
from gateway.mapping.codes import CodeTables
from gateway.mapping.result import TranslatedRequest
from gateway.ops.models import EventDiff, FieldChange
from gateway.pipeline import TranslationOutcome, translate_stream
from gateway.profile import PartnerProfile
from gateway.submit.batching import ITEM_KEYS, item_keys

__all__ = ["NewItem", "diff_items", "failed", "flatten", "translate_preview", "would_resend"]

NewItem = tuple[str, dict[str, Any]]  # (operation, item body)
_GOOD = frozenset({"success", "accepted", "sending"})


def flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    """JSON pointer -> leaf value of a JSON document."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            out.update(flatten(item, f"{prefix}/{key}"))
        return out or {prefix or "/": {}}
    if isinstance(value, list):
        out = {}
        for index, item in enumerate(value):
            out.update(flatten(item, f"{prefix}/{index}"))
        return out or {prefix or "/": []}
    return {prefix or "/": value}


def translate_preview(
    data: bytes, profile: PartnerProfile, tables: CodeTables
) -> tuple[TranslationOutcome, list[NewItem]]:
    """Translate `data` in memory (acks numbered from 1, nothing recorded): the outcome and
    every item of every request, in order."""
    requests: list[TranslatedRequest] = []
    outcome = translate_stream(
        io.BytesIO(data), profile, tables, AckContext(next_control=1), requests.append
    )
    items: list[NewItem] = []
    for request in requests:
        body = request.body_json()
        found = body.get(ITEM_KEYS[request.operation])
        for item in found if isinstance(found, list) else []:
            items.append((request.operation, item))
    return outcome, items


def _key(operation: str, item: dict[str, Any]) -> tuple[str, str | None, str | None]:
    po, tracking, _ = item_keys(operation, item)
    return operation, po, tracking[0] if tracking else None


def _label(key: tuple[str, str | None, str | None], n: int) -> str:
    operation, po, tracking = key
    kind = "status" if operation == "submitShipmentStatusUpdates" else "confirmation"
    return f"{kind} PO {po or '-'} / {tracking or '-'}" + (f" #{n + 1}" if n else "")


def diff_items(original: Sequence[EventRecord], new: Sequence[NewItem]) -> list[EventDiff]:
    """Field-by-field differences of the new items against the first run's events."""
    seen: Counter[tuple[str, str | None, str | None]] = Counter()
    before: dict[tuple[tuple[str, str | None, str | None], int], EventRecord] = {}
    for event in original:
        key = _key(event.operation, event.payload)
        before[key, seen[key]] = event
        seen[key] += 1
    seen.clear()
    out: list[EventDiff] = []
    for operation, item in new:
        key = _key(operation, item)
        n = seen[key]
        seen[key] += 1
        old = before.pop((key, n), None)
        if old is None:
            changes = [FieldChange(path=p, before=None, after=v) for p, v in flatten(item).items()]
            out.append(
                EventDiff(
                    key=_label(key, n),
                    original_event=None,
                    original_state=None,
                    change="added",
                    fields=changes,
                )
            )
            continue
        a, b = flatten(old.payload), flatten(item)
        changes = [
            FieldChange(path=p, before=a.get(p), after=b.get(p))
            for p in sorted(set(a) | set(b))
            if a.get(p) != b.get(p)
        ]
        out.append(
            EventDiff(
                key=_label(key, n),
                original_event=old.id,
                original_state=old.state.value,
                change="changed" if changes else "same",
                fields=changes,
            )
        )
    for (key, n), old in before.items():
        out.append(
            EventDiff(
                key=_label(key, n),
                original_event=old.id,
                original_state=old.state.value,
                change="removed",
                fields=[
                    FieldChange(path=p, before=v, after=None)
                    for p, v in flatten(old.payload).items()
                ],
            )
        )
    return out


def failed(events: Sequence[EventRecord]) -> int:
    """How many of the first run's events did not succeed (or are not on their way)."""
    return sum(1 for e in events if e.state.value not in _GOOD)


def would_resend(diffs: Sequence[EventDiff]) -> int:
    """Items a replay of only what did not succeed sends: new or changed bodies, and the same
    bodies whose first run did not succeed (a body Amazon has is not sent again)."""
    return sum(1 for d in diffs if d.change in ("added", "changed")
               or (d.change == "same" and d.original_state not in _GOOD))  # fmt: skip
