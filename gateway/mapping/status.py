"""StatusDocument (214 / IFTSTA) -> submitShipmentStatusUpdates requests with lineage.

One ShipmentStatusUpdate per StatusEvent; one request per document, split every 500
updates. An event that cannot be mapped (no PO or tracking number, unmapped status/reason
pair, unusable time) is reported and left out; the rest of the document still goes.
Without a selling or ship-from party the document sends nothing.

The updates are built as plain dicts in the field order of Amazon's model
(`gateway.mapping.payloads.ShipmentStatusUpdate`, which the tests hold them to), and their
lineage as compact trails (`gateway.mapping.lineage`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import datetime
from functools import lru_cache
from json.encoder import encode_basestring_ascii
from operator import attrgetter
from typing import Any, NamedTuple, cast

from gateway.mapping.build import CHUNK_SIZE, Builder, Trace, chunks, unique
from gateway.mapping.codes import CodeTables, StatusResolution
from gateway.mapping.result import TranslatedRequest
from gateway.mapping.rules import PO_PATTERN, check_purchase_order, check_tracking_number
from gateway.mapping.times import TimeError
from gateway.parse.records import Origin, Src, StatusDocument, StatusEvent, Syntax, Val
from gateway.problems import Problem, ProblemCode
from gateway.profile import PartnerProfile

__all__ = ["map_status"]

_DETAILS = "/statusUpdateDetails"
_ADDRESS = f"{_DETAILS}/statusLocationAddress"
# lineage paths, made once (a trail holds the same string objects: cheap to pickle)
_STATUS_CODE, _REASON_CODE = f"{_DETAILS}/statusCode", f"{_DETAILS}/reasonCode"
_DATE_TIME, _TRACKING = f"{_DETAILS}/statusDateTime", f"{_DETAILS}/trackingNumber"
_NAME, _LINE1, _COUNTRY = f"{_ADDRESS}/name", f"{_ADDRESS}/addressLine1", f"{_ADDRESS}/countryCode"
_CITY, _STATE, _POSTAL = f"{_ADDRESS}/city", f"{_ADDRESS}/stateOrRegion", f"{_ADDRESS}/postalCode"
# a JSON string as `json.dumps` writes it (ASCII, same escapes), and a dict as it does
_esc = encode_basestring_ascii
_ENCODE = json.JSONEncoder(check_circular=False).encode
# the values of an event that are copied into its update (all but position and time)
_EVENT_VALUES = attrgetter(*(f for f in StatusEvent._fields if f not in ("position", "time")))


def _resolve(
    b: Builder, syntax: Syntax, code: str, reason: str
) -> tuple[StatusResolution, str] | None:
    """The resolution of a file's pair and its lineage wording, cached on the code tables
    per (pair, profile)."""
    profile = b.profile
    key = ("status", syntax, code, reason, id(profile))
    cache = b.tables.cache
    hit = cast("tuple[object, tuple[StatusResolution, str] | None] | None", cache.get(key))
    if hit is not None and hit[0] is profile:
        return hit[1]
    found = b.tables.resolve_status(syntax, code, reason, profile)
    result: tuple[StatusResolution, str] | None = None
    if found is not None:
        out = syntax if profile.codes_as == "input" else profile.codes_as
        how = (
            f"{found.row}: {syntax} {code}/{reason} -> {found.event}, "
            f"sent as {out} {found.status}/{found.reason}"
        )
        result = found, how
    cache[key] = (profile, result)
    return result


def _status(b: Builder, event: StatusEvent, trace: Trace) -> tuple[str, str] | None:
    """(statusCode, reasonCode) through the code tables and the partner's overrides."""
    code, reason = event.status_code, event.reason_code
    syntax = b.origin.syntax
    if code is None:
        b.missing("status code", event.position)
        return None
    reason_text = reason.value if reason else b.tables.missing_reason.get(syntax, "")
    resolved = _resolve(b, syntax, code.value, reason_text)
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
    trace.note(_STATUS_CODE, "code_table", how, code.src)
    if reason is None:
        why = f"no reason code: {syntax} default {reason_text!r} ({how})"
        trace.note(_REASON_CODE, "default", why)
    else:
        trace.note(_REASON_CODE, "code_table", how, reason.src)
    return found.status, found.reason


def _default_notes(b: Builder) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """The lineage entries of the address defaults: name and line 1 (every update has
    them), and the country (when the file names none); made once per profile."""
    profile = b.profile
    key = ("address", id(profile))
    hit = cast("tuple[object, tuple[tuple[Any, ...], tuple[Any, ...]]] | None",
               b.tables.cache.get(key))  # fmt: skip
    if hit is not None and hit[0] is profile:
        return hit[1]
    why = f"partner {profile.id} address_defaults (not carried by carrier EDI)"
    trace = Trace()
    trace.note(_NAME, "default", f"{why}: name")
    trace.note(_LINE1, "default", f"{why}: address_line1")
    head = tuple(trace.entries)
    trace = Trace()
    trace.note(_COUNTRY, "default", f"{why}: country_code")
    notes = (head, tuple(trace.entries))
    b.tables.cache[key] = (profile, notes)
    return notes


def _address(b: Builder, event: StatusEvent, trace: Trace) -> dict[str, str]:
    """City/state/postal/country from the file; what carrier EDI lacks from the profile
    (an Address of the model: name, addressLine1, city?, stateOrRegion?, postalCode?,
    countryCode)."""
    defaults = b.profile.address_defaults
    head, country_default = _default_notes(b)
    trace.entries += head
    if event.country is not None and len(event.country.value) == 3:
        code = event.country.value.upper()
        country = b.tables.countries.get(code, "")
        if country:
            trace.note(_COUNTRY, "code_table",
                       f"countries.yaml {code} -> {country}", event.country.src)  # fmt: skip
        else:
            b.fault(ProblemCode.INVALID_FIELD,
                    f"country code {code!r} is not ISO 3166 alpha-2 and not in countries.yaml",
                    src=event.country.src, value=code)  # fmt: skip
    elif event.country is not None:
        country = trace.segment(_COUNTRY, event.country)
    else:
        country = defaults.country_code
        trace.entries += country_default
    address = {"name": defaults.name, "addressLine1": defaults.address_line1}
    if event.city is not None:
        address["city"] = trace.segment(_CITY, event.city)
    if event.state is not None:
        address["stateOrRegion"] = trace.segment(_STATE, event.state)
    if event.postal_code is not None:
        address["postalCode"] = trace.segment(_POSTAL, event.postal_code)
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
    when = b.time(event.time, _DATE_TIME, trace, "statusDateTime", event.position)
    address = _address(b, event, trace)
    if not ok or pair is None or when is None or not address["countryCode"]:
        return None
    assert event.purchase_order is not None and event.tracking_number is not None
    details = {
        "trackingNumber": trace.segment(_TRACKING, event.tracking_number),
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


def _parties(b: Builder) -> tuple[str | None, str | None, tuple[Any, ...]]:
    """(sellingParty, shipFromParty, their lineage trail): the profile's, made once per
    profile when both are set; else each missing one is a problem of the document."""
    profile = b.profile
    key = ("parties", id(profile))
    hit = cast("tuple[object, tuple[str, str, tuple[Any, ...]]] | None", b.tables.cache.get(key))
    if hit is not None and hit[0] is profile:
        return hit[1]
    trace = Trace()
    selling = b.party("/sellingParty/partyId", trace, None, profile.selling_party, "sellingParty")
    ship_from = b.party("/shipFromParty/partyId", trace, None, profile.ship_from, "shipFromParty")
    trail = tuple(trace.entries)
    if selling is not None and ship_from is not None:
        b.tables.cache[key] = (profile, (selling, ship_from, trail))
    return selling, ship_from, trail


@lru_cache(maxsize=64)
def _holding(chars: str) -> Callable[[str], object]:
    """A search for any of `chars` (an interchange's delimiters) in a text."""
    return re.compile("[" + re.escape(chars) + "]").search


class OneGo(NamedTuple):
    """What `_fast_update` needs of a document's profile, tables and interchange, made once
    per (profile, tables, syntax, delimiters) by `_one_go`."""

    profile: PartnerProfile
    shared: tuple[Any, ...]  # the parties' trail
    parties_text: str  # their JSON text up to "statusUpdateDetails"
    head_text: str  # the address defaults' JSON text up to the first value from the file
    notes: tuple[tuple[Any, ...], tuple[Any, ...]]  # `_default_notes`
    holding: Callable[[str], object] | None  # a search for the interchange's delimiters
    syntax: Syntax
    missing_reason: str  # the reason read when the file gives none
    countries: dict[str, str]  # alpha-3 -> alpha-2 (countries.yaml)
    default_country: str
    timezone: str | None  # the partner's


def _one_go(b: Builder, selling: str, ship_from: str, shared: tuple[Any, ...]) -> OneGo:
    """The `OneGo` of `b`'s profile, tables and origin (kept on the tables' cache)."""
    profile, tables, origin = b.profile, b.tables, b.origin
    key = ("one-go", id(profile), origin.syntax, origin.delimiters)
    hit = cast("OneGo | None", tables.cache.get(key))
    if hit is not None and hit.profile is profile:
        return hit
    defaults = profile.address_defaults
    made = OneGo(
        profile,
        shared,
        f'"sellingParty": {{"partyId": {_esc(selling)}}}, '
        f'"shipFromParty": {{"partyId": {_esc(ship_from)}}}, ',
        f'{{"name": {_esc(defaults.name)}, "addressLine1": {_esc(defaults.address_line1)}',
        _default_notes(b),
        _holding(origin.delimiters) if origin.delimiters else None,
        origin.syntax,
        tables.missing_reason.get(origin.syntax, ""),
        tables.countries,
        defaults.country_code,
        profile.timezone,
    )
    tables.cache[key] = made
    return made


def _fast_update(
    b: Builder, event: StatusEvent, go: OneGo
) -> tuple[str, str, str, tuple[Any, ...]] | None:
    """(the update as JSON text, its purchase order, its tracking number, its whole trail,
    the parties' first, by reference: `_fast_trail`) of an event that every check passes,
    made in one go; None when any check would fail or warn: the caller then maps the event
    by `_update`, which reports why. The text is `json.dumps` of the dict `_update` makes
    (the same values, keys in the same order), the trail the same lineage (the tests hold
    the two to each other)."""
    _, po, tracking, code, reason, when, city, state, postal, country = event
    if po is None or tracking is None or code is None or when is None:
        return None
    if not PO_PATTERN.match(po.value):
        return None
    holding = go.holding
    if holding is not None and holding(
        "".join([v[0] for v in (po, tracking, code, reason, city, state, postal, country) if v])
    ):
        return None
    syntax, cache = go.syntax, b.tables.cache
    reason_text = reason.value if reason is not None else go.missing_reason
    # `_resolve` and `Builder.converted`, their cache hits inlined
    hit = cache.get(("status", syntax, code.value, reason_text, id(go.profile)))
    if hit is not None and hit[0] is go.profile:  # type: ignore[index]
        resolved = cast("tuple[StatusResolution, str] | None", hit[1])  # type: ignore[index]
    else:
        resolved = _resolve(b, syntax, code.value, reason_text)
    if resolved is None:
        return None
    zone = when.zone
    converted = cache.get(("time", when.local, zone.value if zone else None, go.timezone))
    if converted is None:
        converted = b.converted(when)
    if isinstance(converted, TimeError):
        return None
    if country is None:
        country_code = go.default_country
        if not country_code:
            return None
    elif len(country.value) == 3:
        country_code = go.countries.get(country.value.upper(), "")
        if not country_code:
            return None
    else:
        country_code = country.value
    found, how = resolved
    iso, zone_how = cast("tuple[str, str]", converted)
    address = go.head_text
    if city is not None:
        address += f', "city": {_esc(city.value)}'
    if state is not None:
        address += f', "stateOrRegion": {_esc(state.value)}'
    if postal is not None:
        address += f', "postalCode": {_esc(postal.value)}'
    text = (
        f'{{"purchaseOrderNumber": {_esc(po.value)}, {go.parties_text}"statusUpdateDetails": '
        f'{{"trackingNumber": {_esc(tracking.value)}, "statusCode": {_esc(found.status)}, '
        f'"reasonCode": {_esc(found.reason)}, "statusDateTime": {_esc(iso)}, '
        f'"statusLocationAddress": {address}, "countryCode": {_esc(country_code)}}}}}}}'
    )
    # the trail by reference (`_fast_trail` makes its entries when someone asks): shared
    # objects and the sources read (each `Src` shared by the sets of the same shape), so a
    # spooled trail pickles as references
    trail = (_fast_trail, go.shared, go.notes, syntax, reason_text, how, code.src,
             reason.src if reason is not None else None, when.srcs, when.local, zone_how,
             country.src if country is not None else None,
             country.value if country is not None and len(country.value) == 3 else None,
             country_code, city.src if city is not None else None,
             state.src if state is not None else None,
             postal.src if postal is not None else None, tracking.src, po.src)  # fmt: skip
    return text, po.value, tracking.value, trail


def _fast_trail(
    shared: tuple[Any, ...],
    notes: tuple[tuple[Any, ...], tuple[Any, ...]],
    syntax: Syntax,
    reason_text: str,
    how: str,
    code: Src,
    reason: Src | None,
    srcs: tuple[Src, ...],
    local: datetime,
    zone_how: str,
    country: Src | None,
    alpha3: str | None,
    country_code: str,
    *read: Src | None,
) -> tuple[Any, ...]:
    """The flat trail (`gateway.mapping.lineage`) of an update `_fast_update` made, from
    what it recorded by reference: the parties' trail, the address defaults' notes, the
    status pair's resolution (`how`, the reason read or defaulted), the sources of the
    values read (`read`: city, state, postal code, tracking number, purchase order), the
    time read and how its zone was chosen, the country read (`alpha3` when a code table
    turned it into `country_code`). The same entries, in the same order, as `_update`
    records."""
    city, state, postal, tracking, po = read
    head, country_default = notes
    trail: list[Any] = [*shared, _STATUS_CODE, "code_table", *code, how]
    if reason is None:
        why = f"no reason code: {syntax} default {reason_text!r} ({how})"
        trail += (_REASON_CODE, "default", None, None, None, None, why)
    else:
        trail += (_REASON_CODE, "code_table", *reason, how)
    trail += (_DATE_TIME, "derived", *srcs[0], (local, tuple(map(tuple, srcs)), zone_how))
    trail += head
    if country is None:
        trail += country_default
    elif alpha3 is not None:
        trail += (_COUNTRY, "code_table", *country,
                  f"countries.yaml {alpha3.upper()} -> {country_code}")  # fmt: skip
    else:
        trail += (_COUNTRY, "segment", *country, None)
    if city is not None:
        trail += (_CITY, "segment", *city, None)
    if state is not None:
        trail += (_STATE, "segment", *state, None)
    if postal is not None:
        trail += (_POSTAL, "segment", *postal, None)
    assert tracking is not None and po is not None
    trail += (_TRACKING, "segment", *tracking, None,
              "/purchaseOrderNumber", "segment", *po, None)  # fmt: skip
    return tuple(trail)


def map_status(
    origin: Origin, document: StatusDocument, profile: PartnerProfile, tables: CodeTables
) -> tuple[list[TranslatedRequest], list[Problem]]:
    """The status-update requests of one document, and the events' mapping problems.
    Each request's body is made as JSON text (`TranslatedRequest.body_text`), one update
    after another: the dicts are made only when a caller asks for them."""
    b = Builder(origin, profile, tables)
    selling, ship_from, shared = _parties(b)
    both = selling is not None and ship_from is not None
    go = _one_go(b, selling or "", ship_from or "", shared) if both else None
    # per update: (JSON text, purchase order, tracking number, trail)
    mapped: list[tuple[str, str, str, tuple[Any, ...]]] = []
    for event in document.events:
        fast = _fast_update(b, event, go) if go is not None else None
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
    requests = []
    for part in chunks(mapped, CHUNK_SIZE):
        texts, purchase_orders, tracking_numbers, trails = zip(*part, strict=True)
        text = '{"shipmentStatusUpdates": [' + ", ".join(texts) + "]}"
        requests.append(
            TranslatedRequest.from_items(
                "submitShipmentStatusUpdates",
                None,
                origin,
                purchase_orders=unique(purchase_orders),
                tracking_numbers=unique(tracking_numbers),
                trails=trails,
                text=text.encode("ascii"),
            )
        )
    return requests, b.problems
