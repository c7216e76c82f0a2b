"""Replay preview: translate a stored file again with the current mappings (partner profile
with its code-table overrides, code tables) without recording or sending anything, and diff
each new item field by field against the first run's events.

Items are paired with the first run's events by what they say, never by position: the same
body, else the same operation, PO, tracking number and event time (so a status that now maps
differently shows as a changed field of the same item), else the same status."""

from __future__ import annotations

import io
from collections import defaultdict, deque
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from gateway.ack.context import AckContext
from gateway.ledger.records import EventRecord
from gateway.mapping.codes import CodeTables
from gateway.mapping.result import TranslatedRequest
from gateway.ops.models import EventDiff, FieldChange
from gateway.pipeline import TranslationOutcome, translate_stream
from gateway.profile import PartnerProfile
from gateway.submit.batching import ITEM_KEYS, item_keys

__all__ = [
    "LISTED_DIFFS",
    "NewItem",
    "diff_items",
    "failed",
    "flatten",
    "listed_diffs",
    "translate_preview",
    "would_resend",
]

NewItem = tuple[str, dict[str, Any]]  # (operation, item body)
LISTED_DIFFS = 1000  # items a preview lists; it counts them all
_GOOD = frozenset({"success", "accepted", "sending", "pending"})  # as ledger.replays


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


def _when(item: dict[str, Any]) -> Any:
    """The item's event time: a status update's statusDateTime, a confirmation's shippedDate."""
    details = item.get("statusUpdateDetails")
    if isinstance(details, dict):
        return details.get("statusDateTime")
    return item.get("shippedDate")


def _what(item: dict[str, Any]) -> Any:
    """The item's status code and reason (None for a confirmation)."""
    details = item.get("statusUpdateDetails")
    if isinstance(details, dict):
        return details.get("statusCode"), details.get("reasonCode")
    return None


def _label(key: tuple[str, str | None, str | None], item: dict[str, Any]) -> str:
    operation, po, tracking = key
    kind = "status" if operation == "submitShipmentStatusUpdates" else "confirmation"
    what = _what(item)
    code = f" {what[0] or '-'}" if what else ""
    when = _when(item)
    return f"{kind} PO {po or '-'} / {tracking or '-'}{code}" + (f" at {when}" if when else "")


def _fields(before: dict[str, Any], after: dict[str, Any]) -> list[FieldChange]:
    a, b = flatten(before), flatten(after)
    return [
        FieldChange(path=p, before=a.get(p), after=b.get(p))
        for p in sorted(set(a) | set(b))
        if a.get(p) != b.get(p)
    ]


def _plain(value: Any) -> Hashable:
    """`value` as a dict key that is equal exactly when the values are (JSON values)."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return repr(sorted(flatten(value).items()))


def _pair(original: Sequence[EventRecord], new: Sequence[NewItem]) -> dict[int, EventRecord]:
    """new item index -> the first run's event it is, by what the item says, never by its
    position: first the same body, then the same operation, PO, tracking number and event
    time (a status that now maps differently), then the same operation, PO, tracking number
    and status (a time that now converts differently). An item matching none is new. Each
    pass indexes the events still unpaired by identity, so pairing is linear in the items
    (each item takes the first unpaired event, in the first run's order, of its identity)."""
    left = list(original)
    paired: dict[int, EventRecord] = {}
    passes: tuple[Callable[[str, dict[str, Any]], Hashable], ...] = (
        lambda op, item: (op, repr(sorted(flatten(item).items()))),
        lambda op, item: (_key(op, item), _plain(_when(item))),
        lambda op, item: (_key(op, item), _plain(_what(item))),
    )
    for identity in passes:
        index_of: dict[Hashable, deque[EventRecord]] = defaultdict(deque)
        for event in left:
            index_of[identity(event.operation, event.payload)].append(event)
        taken: set[int] = set()
        for index, (operation, item) in enumerate(new):
            if index in paired:
                continue
            candidates = index_of.get(identity(operation, item))
            if candidates:
                event = candidates.popleft()
                paired[index] = event
                taken.add(event.id)
        left = [event for event in left if event.id not in taken]
    return paired


def diff_items(original: Sequence[EventRecord], new: Sequence[NewItem]) -> list[EventDiff]:
    """Field-by-field differences of the new items against the first run's events, each new
    item paired with the event it is (see `_pair`): `same`, `changed`, `added` (no event in
    the first run) or `removed` (an event the file no longer makes)."""
    paired = _pair(original, new)
    out: list[EventDiff] = []
    for index, (operation, item) in enumerate(new):
        old = paired.get(index)
        key = _key(operation, item)
        if old is None:
            changes = [FieldChange(path=p, before=None, after=v) for p, v in flatten(item).items()]
            out.append(
                EventDiff(
                    key=_label(key, item),
                    original_event=None,
                    original_state=None,
                    change="added",
                    fields=changes,
                )
            )
            continue
        changes = _fields(old.payload, item)
        out.append(
            EventDiff(
                key=_label(key, item),
                original_event=old.id,
                original_state=old.state.value,
                change="changed" if changes else "same",
                fields=changes,
            )
        )
    used = {event.id for event in paired.values()}
    for old in original:
        if old.id in used:
            continue
        out.append(
            EventDiff(
                key=_label(_key(old.operation, old.payload), old.payload),
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


def listed_diffs(diffs: Sequence[EventDiff]) -> list[EventDiff]:
    """The diffs a preview lists: all of them up to `LISTED_DIFFS`; beyond, the changed,
    added and removed ones first, then the same ones, each in their order."""
    if len(diffs) <= LISTED_DIFFS:
        return list(diffs)
    moved = [d for d in diffs if d.change != "same"]
    same = [d for d in diffs if d.change == "same"]
    return [*moved, *same][:LISTED_DIFFS]
