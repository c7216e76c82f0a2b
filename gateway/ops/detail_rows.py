"""Rows of the file page: errors with their standard codes, events with their API call and
the errors Amazon's answer names them in, and each body field's lineage next to the raw
element it was read from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gateway.ack.codes import edifact_code, x12_code
from gateway.ledger.tables import ApiCall, Event
from gateway.ops.file_models import CallOut, ErrorOut, EventOut, LineageRow
from gateway.ops.raw import RawSegment
from gateway.problems import Problem
from gateway.spapi import ApiError
from gateway.submit.attribution import CallErrors as Attribution

__all__ = [
    "CallErrors",
    "LineageKey",
    "error_row",
    "event_row",
    "lineage_keys",
    "pointer",
]

LineageKey = tuple[str | None, str | None, int, str]  # interchange, set, position, tag


def pointer(document: Any, path: str) -> Any:
    """The value at JSON pointer `path` (RFC 6901) in `document`, None when absent."""
    node = document
    for part in path.strip("/").split("/") if path.strip("/") else []:
        part = part.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict):
            node = node.get(part)
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return None
    return node


def _standard_code(error: dict[str, Any], syntax: str | None) -> str | None:
    try:
        problem = Problem.model_validate(error)
    except ValueError:
        return None
    try:
        return edifact_code(problem) if syntax == "edifact" else x12_code(problem)
    except (KeyError, ValueError):
        return None


def error_row(error: dict[str, Any], syntax: str | None, line: int | None) -> ErrorOut:
    """One error of the file page with its 997/TA1 or CONTRL code and its segment line."""
    keys = (
        "interchange",
        "group",
        "transaction",
        "segment",
        "position",
        "element",
        "component",
        "value",
    )
    return ErrorOut(
        code=str(error.get("code")),
        message=str(error.get("message", "")),
        level=error.get("level"),
        standard_code=_standard_code(error, syntax),
        line=line,
        **{k: error.get(k) for k in keys},
    )


def _key(origin: Mapping[str, Any], entry: Mapping[str, Any]) -> LineageKey | None:
    position, tag = entry.get("position"), entry.get("segment")
    if not tag or not isinstance(position, int):
        return None
    interchange = origin.get("interchange_control") or None
    return interchange, origin.get("transaction_control"), position, str(tag)


def lineage_keys(events: Sequence[Event]) -> set[LineageKey]:
    """The raw segments the lineage of `events` was read from: (ISA13 / UNB 0020 or None for
    any interchange, ST02 / UNH 0062, position in the set, tag)."""
    keys: set[LineageKey] = set()
    for event in events:
        lineage = event.lineage if isinstance(event.lineage, dict) else {}
        origin = lineage.get("origin") or {}
        for entry in lineage.get("values") or []:
            if (key := _key(origin, entry)) is not None:
                keys.add(key)
    return keys


def _raw_value(
    found: Mapping[LineageKey, RawSegment],
    origin: Mapping[str, Any],
    entry: Mapping[str, Any],
    component_separator: str,
) -> tuple[str | None, int | None]:
    key = _key(origin, entry)
    hit = found.get(key) if key is not None else None
    if hit is None:
        return None, None
    element = entry.get("element")
    if not isinstance(element, int) or not 0 < element <= len(hit.elements):
        return None, hit.number
    value = hit.elements[element - 1]
    component = entry.get("component")
    if isinstance(component, int) and component_separator:
        parts = value.split(component_separator)
        value = parts[component - 1] if 0 < component <= len(parts) else ""
    return value, hit.number


def _lineage(
    event: Event, found: Mapping[LineageKey, RawSegment], separator: str
) -> list[LineageRow]:
    lineage = event.lineage if isinstance(event.lineage, dict) else {}
    origin = lineage.get("origin") or {}
    rows = []
    for entry in lineage.get("values") or []:
        raw, line = _raw_value(found, origin, entry, separator)
        keys = ("kind", "segment", "position", "element", "component", "detail")
        rows.append(
            LineageRow(
                path=entry.get("path", ""),
                value=pointer(event.payload, entry.get("path", "")),
                raw=raw,
                line=line,
                **{k: entry.get(k) for k in keys if k in entry},
            )
        )
    return rows


class CallErrors:
    """A call's recorded errors (dicts of Amazon's SP-API Error model) read once for all of
    the call's events `members`, by the submit stage's rule (gateway.submit.attribution):
    an error about one item names its tracking number, else its purchase order. `of(event)`
    is then the errors naming that event; `unattributed` those naming no item of the call."""

    def __init__(self, errors: Sequence[dict[str, Any]], members: Sequence[Event]) -> None:
        self.errors = list(errors)
        models = [
            ApiError(str(e.get("code", "")), str(e.get("message", "")), _details(e))
            for e in self.errors
        ]
        self._named = Attribution(
            models, [m.purchase_order for m in members], [m.tracking_number for m in members]
        )
        self._recorded = {id(model): error for model, error in zip(models, errors, strict=True)}
        general = self._named.about((), ())  # naming no item of the call
        self._general = {id(model) for model in general}
        self.unattributed = [self._recorded[id(model)] for model in general]

    def of(self, event: Event) -> list[dict[str, Any]]:
        """The errors naming `event`'s tracking number, else (naming no package of the call)
        its purchase order."""
        found = self._named.about(
            [event.purchase_order] if event.purchase_order else [],
            [event.tracking_number] if event.tracking_number else [],
        )
        return [self._recorded[id(m)] for m in found if id(m) not in self._general]


def _details(error: dict[str, Any]) -> str | None:
    details = error.get("details")
    return None if details is None else str(details)


def _call(row: ApiCall, indexed: CallErrors) -> CallOut:
    return CallOut(
        id=row.id,
        operation=row.operation,
        url=row.url,
        sandbox=row.sandbox,
        status_code=row.status_code,
        attempts=row.attempts,
        request_ids=list(row.request_ids),
        transaction_id=row.transaction_id,
        transaction_status=row.transaction_status,
        errors=list(row.errors),
        unattributed=indexed.unattributed,
        started_at=row.started_at,
        finished_at=row.finished_at,
    )


def event_row(
    row: Event,
    call: ApiCall | None,
    found: Mapping[LineageKey, RawSegment],
    separator: str,
    indexed: CallErrors | None,
) -> EventOut:
    """One event of the file page: its body's key values, its API call and the errors of
    that call naming it (`indexed`: the call's errors, read once for all its events; None
    with no call), its lineage with raw values (`found`: the segments of `lineage_keys`,
    `separator`: the component separator)."""
    details = row.payload.get("statusUpdateDetails") or {}
    shipment = row.payload.get("shipmentDetails") or {}
    return EventOut(
        id=row.id,
        operation=row.operation,
        state=row.state,
        purchase_order=row.purchase_order,
        tracking_number=row.tracking_number,
        status=details.get("statusCode"),
        reason=details.get("reasonCode"),
        event_time=details.get("statusDateTime") or shipment.get("shippedDate"),
        updated_at=row.updated_at,
        amazon_transaction_id=row.amazon_transaction_id,
        call=_call(call, indexed) if call is not None and indexed is not None else None,
        errors=indexed.of(row) if indexed is not None else [],
        payload=row.payload,
        lineage=_lineage(row, found, separator),
    )
