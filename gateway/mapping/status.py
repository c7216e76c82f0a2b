"""StatusDocument (214 / IFTSTA) -> submitShipmentStatusUpdates requests with lineage.

One ShipmentStatusUpdate per StatusEvent; one request per document, split every 500
updates. An event that cannot be mapped (no PO or tracking number, unmapped status/reason
pair, unusable time) is reported and left out; the rest of the document still goes.
Without a selling or ship-from party the document sends nothing.

An event that every check passes is written straight to its update's JSON text, its lineage
kept by reference (`gateway.mapping.status_one_go`); any other is built here as a plain dict
in the field order of Amazon's model (`gateway.mapping.payloads.ShipmentStatusUpdate`, which
the tests hold them to), reporting why it is left out, with its lineage as a compact trail
(`gateway.mapping.lineage`).
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from operator import attrgetter
from typing import Any

from gateway.mapping.build import CHUNK_SIZE, Builder, Trace, chunks, unique
from gateway.mapping.codes import CodeTables
from gateway.mapping.result import TranslatedRequest
from gateway.mapping.rules import check_purchase_order, check_tracking_number
from gateway.mapping.status_lineage import (
    CITY,
    COUNTRY,
    DATE_TIME,
    POSTAL,
    REASON_CODE,
    STATE,
    STATUS_CODE,
    TRACKING,
    default_notes,
    parties_of,
    resolve_status,
)
from gateway.mapping.status_one_go import fast_update, one_go
from gateway.origin import Origin
from gateway.parse.records import StatusDocument, StatusEvent, Val
from gateway.problems import Problem, ProblemCode
from gateway.profile import PartnerProfile

__all__ = ["map_status", "status_body", "status_parts", "status_requests"]

# a dict as `json.dumps` writes it
_ENCODE = json.JSONEncoder(check_circular=False).encode
# the values of an event that are copied into its update (all but position and time)
_EVENT_VALUES = attrgetter(*(f for f in StatusEvent._fields if f not in ("position", "time")))


def _status(b: Builder, event: StatusEvent, trace: Trace) -> tuple[str, str] | None:
    """(statusCode, reasonCode) through the code tables and the partner's overrides."""
    code, reason = event.status_code, event.reason_code
    syntax = b.origin.syntax
    if code is None:
        b.missing("status code", event.position)
        return None
    reason_text = reason.value if reason else b.tables.missing_reason.get(syntax, "")
    resolved = resolve_status(b, syntax, code.value, reason_text)
    if resolved is None:
        b.fault(
            ProblemCode.UNMAPPED_STATUS,
            f"{syntax} status {code.value!r} with reason {reason_text!r} maps to no Amazon "
            "status event",
            src=code.src,
            value=f"{code.value}/{reason_text}",
        )
        return None
    found, how = resolved
    trace.note(STATUS_CODE, "code_table", how, code.src)
    if reason is None:
        why = f"no reason code: {syntax} default {reason_text!r} ({how})"
        trace.note(REASON_CODE, "default", why)
    else:
        trace.note(REASON_CODE, "code_table", how, reason.src)
    return found.status, found.reason


def _address(b: Builder, event: StatusEvent, trace: Trace) -> dict[str, str]:
    """City/state/postal/country from the file; what carrier EDI lacks from the profile
    (an Address of the model: name, addressLine1, city?, stateOrRegion?, postalCode?,
    countryCode)."""
    defaults = b.profile.address_defaults
    head, country_default = default_notes(b)
    trace.entries += head
    if event.country is not None and len(event.country.value) == 3:
        code = event.country.value.upper()
        country = b.tables.countries.get(code, "")
        if country:
            trace.note(COUNTRY, "code_table",
                       f"countries.yaml {code} -> {country}", event.country.src)  # fmt: skip
        else:
            b.fault(ProblemCode.INVALID_FIELD,
                    f"country code {code!r} is not ISO 3166 alpha-2 and not in countries.yaml",
                    src=event.country.src, value=code)  # fmt: skip
    elif event.country is not None:
        country = trace.segment(COUNTRY, event.country)
    else:
        country = defaults.country_code
        trace.entries += country_default
    address = {"name": defaults.name, "addressLine1": defaults.address_line1}
    if event.city is not None:
        address["city"] = trace.segment(CITY, event.city)
    if event.state is not None:
        address["stateOrRegion"] = trace.segment(STATE, event.state)
    if event.postal_code is not None:
        address["postalCode"] = trace.segment(POSTAL, event.postal_code)
    address["countryCode"] = country
    return address


def _update(
    b: Builder, event: StatusEvent, selling: str, ship_from: str
) -> tuple[dict[str, Any], list[Any]] | None:
    """The update of one event (a ShipmentStatusUpdate as a dict) and its lineage; every
    problem found meanwhile names the event (`Builder.event`, inlined: one per event)."""
    code, reason = event.status_code, event.reason_code
    po, tracking = event.purchase_order, event.tracking_number
    about: dict[str, str] = dict(b.about)
    if code is not None:
        about["status"] = code.value if reason is None else f"{code.value}/{reason.value}"
    elif reason is not None:
        about["status"] = reason.value
    if po is not None:
        about["purchase_order"] = po.value
    if tracking is not None:
        about["tracking_number"] = tracking.value
    saved = b.about, b.at
    b.about, b.at = about, event.position
    try:
        return _event_update(b, event, selling, ship_from)
    finally:
        b.about, b.at = saved


def _free_of_delimiters(b: Builder, event: StatusEvent) -> bool:
    """`Builder.free_of_delimiters` of an event, with a shortcut when no value holds any
    delimiter (the event's time is converted, never copied)."""
    chars = b.origin.delimiters
    if not chars:
        return True
    values: tuple[Val | None, ...] = _EVENT_VALUES(event)
    text = "".join([v.value for v in values if v is not None])
    for c in chars:
        if c in text:
            return b.free_of_delimiters(event)
    return True


def _event_update(
    b: Builder, event: StatusEvent, selling: str, ship_from: str
) -> tuple[dict[str, Any], list[Any]] | None:
    trace = Trace()
    ok = check_purchase_order(b, event.purchase_order, event.position)
    ok &= check_tracking_number(b, event.tracking_number, event.position)
    ok &= _free_of_delimiters(b, event)
    pair = _status(b, event, trace)
    when = b.time(event.time, DATE_TIME, trace, "statusDateTime", event.position)
    address = _address(b, event, trace)
    if not ok or pair is None or when is None or not address["countryCode"]:
        return None
    assert event.purchase_order is not None and event.tracking_number is not None
    details = {
        "trackingNumber": trace.segment(TRACKING, event.tracking_number),
        "statusCode": pair[0],
        "reasonCode": pair[1],
        "statusDateTime": when,
        "statusLocationAddress": address,
    }
    update = {
        "purchaseOrderNumber": trace.segment("/purchaseOrderNumber", event.purchase_order),
        "sellingParty": {"partyId": selling},
        "shipFromParty": {"partyId": ship_from},
        "statusUpdateDetails": details,
    }
    return update, trace.entries


def map_status(
    origin: Origin, document: StatusDocument, profile: PartnerProfile, tables: CodeTables
) -> tuple[list[TranslatedRequest], list[Problem]]:
    """The status-update requests of one document, and the events' mapping problems.
    Each request's body is made as JSON text (`TranslatedRequest.body_text`), one update
    after another: the dicts are made only when a caller asks for them."""
    b = Builder(origin, profile, tables)
    selling, ship_from, shared = parties_of(b)
    both = selling is not None and ship_from is not None
    go = one_go(b, selling or "", ship_from or "", shared) if both else None
    # per update: (JSON text, purchase order, tracking number, trail)
    mapped: list[tuple[str, str, str, tuple[Any, ...]]] = []
    for event in document.events:
        fast = fast_update(b, event, go) if go is not None else None
        if fast is not None:
            mapped.append(fast)
            continue
        update = _update(b, event, selling or "", ship_from or "")
        if update is not None:
            body, trail = update
            mapped.append((_ENCODE(body), body["purchaseOrderNumber"],
                           body["statusUpdateDetails"]["trackingNumber"],
                           shared + tuple(trail)))  # fmt: skip
    if selling is None or ship_from is None:
        return [], b.problems
    return status_requests(origin, mapped), b.problems


def status_requests(
    origin: Origin, mapped: list[tuple[str, str, str, tuple[Any, ...]]]
) -> list[TranslatedRequest]:
    """The submitShipmentStatusUpdates requests of one document's mapped updates, each as
    (JSON text, purchase order, tracking number, trail), in order (`status_parts`)."""
    return [
        TranslatedRequest.from_items(
            "submitShipmentStatusUpdates",
            None,
            origin,
            purchase_orders=purchase_orders,
            tracking_numbers=tracking_numbers,
            trails=trails,
            text=status_body(texts),
        )
        for texts, purchase_orders, tracking_numbers, trails in status_parts(mapped)
    ]


def status_parts(
    mapped: list[tuple[str, str, str, tuple[Any, ...]]],
) -> Iterator[tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...], tuple[Any, ...]]]:
    """One request's worth per `CHUNK_SIZE` mapped updates: (their texts, the purchase
    orders and tracking numbers each once, their trails)."""
    for part in chunks(mapped, CHUNK_SIZE):
        texts, purchase_orders, tracking_numbers, trails = zip(*part, strict=True)
        yield texts, unique(purchase_orders), unique(tracking_numbers), trails


def status_body(texts: Sequence[str]) -> bytes:
    """A submitShipmentStatusUpdates body as JSON text (ASCII), from its updates' texts."""
    return ('{"shipmentStatusUpdates": [' + ", ".join(texts) + "]}").encode("ascii")
