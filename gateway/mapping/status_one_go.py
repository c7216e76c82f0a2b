"""The one-go way of mapping a status event: an event that every check passes becomes its
update's JSON text and a trail by reference in one step, with what the document's profile,
tables and interchange give made once (`OneGo`). Any event that would fail or warn is left to
`gateway.mapping.status`, which reports why; the tests hold the two ways to each other."""

from __future__ import annotations

from collections.abc import Callable
from json.encoder import encode_basestring_ascii
from typing import Any, NamedTuple

from gateway.mapping.build import Builder
from gateway.mapping.codes import CodeTables
from gateway.mapping.part_memo import MEMOS, Part, PartMemo
from gateway.mapping.rules import PO_PATTERN
from gateway.mapping.status_lineage import (
    default_notes,
    holding,
    parties_of,
    resolve_status,
)
from gateway.mapping.status_trail import fast_trail
from gateway.mapping.times import TimeError
from gateway.origin import Origin, Syntax
from gateway.parse.records import EventTime, Src, StatusEvent, Val
from gateway.profile import PartnerProfile

__all__ = [
    "OneGo",
    "fast_update",
    "one_go",
    "one_go_of",
    "update_head",
    "update_tail",
    "updated",
]

_esc = encode_basestring_ascii  # a JSON string as `json.dumps` writes it (ASCII, same escapes)


class OneGo(NamedTuple):
    """What `fast_update` needs of a document's profile, tables and interchange, made once
    per (profile, tables, syntax, delimiters) by `one_go`."""

    profile: PartnerProfile
    shared: tuple[Any, ...]  # the parties' trail
    parties_text: str  # their JSON text up to "statusUpdateDetails"
    head_text: str  # the address defaults' JSON text up to the first value from the file
    notes: tuple[tuple[Any, ...], tuple[Any, ...]]  # `default_notes`
    holding: Callable[[str], object] | None  # a search for the interchange's delimiters
    syntax: Syntax
    missing_reason: str  # the reason read when the file gives none
    countries: dict[str, str]  # alpha-3 -> alpha-2 (countries.yaml)
    default_country: str


_MEMO = PartMemo()  # fast_update's, keyed on an event's values from its status code on
MEMOS.append(_MEMO)
_PART_LENGTH = 160  # the most characters of those values remembered


def one_go(b: Builder, selling: str, ship_from: str, shared: tuple[Any, ...]) -> OneGo:
    """The `OneGo` of `b`'s profile, tables and origin (kept on the tables' cache)."""
    profile, tables, origin = b.profile, b.tables, b.origin
    key = ("one-go", id(profile), origin.syntax, origin.delimiters)
    hit = tables.cache.get(key)
    if isinstance(hit, OneGo) and hit.profile is profile:
        return hit
    defaults = profile.address_defaults
    made = OneGo(
        profile,
        shared,
        f'"sellingParty": {{"partyId": {_esc(selling)}}}, '
        f'"shipFromParty": {{"partyId": {_esc(ship_from)}}}, ',
        f'{{"name": {_esc(defaults.name)}, "addressLine1": {_esc(defaults.address_line1)}',
        default_notes(b),
        holding(origin.delimiters) if origin.delimiters else None,
        origin.syntax,
        tables.missing_reason.get(origin.syntax, ""),
        tables.countries,
        defaults.country_code,
    )
    tables.cache[key] = made
    return made


def one_go_of(origin: Origin, profile: PartnerProfile, tables: CodeTables) -> OneGo | None:
    """The `OneGo` of a document from `origin` (`one_go`, kept on the tables' cache); None
    when the profile lacks a selling or ship-from party (`status.map_status` reports
    that). A `Builder` is made only when the cache has none yet."""
    hit = tables.cache.get(("one-go", id(profile), origin.syntax, origin.delimiters))
    if isinstance(hit, OneGo) and hit.profile is profile:
        return hit
    b = Builder(origin, profile, tables)
    selling, ship_from, shared = parties_of(b)
    if selling is None or ship_from is None:
        return None
    return one_go(b, selling, ship_from, shared)


def fast_update(
    b: Builder, event: StatusEvent, go: OneGo
) -> tuple[str, str, str, tuple[Any, ...]] | None:
    """(the update as JSON text, its purchase order, its tracking number, its whole trail,
    the parties' first, by reference: `fast_trail`) of an event that every check passes,
    made in one go; None when any check would fail or warn: the caller then maps the event
    by `status._update`, which reports why. The text is `json.dumps` of the dict it makes
    (the same values, keys in the same order), the trail the same lineage (the tests hold
    the two to each other). The part its status, time and place give (`_part`) is
    remembered (`PartMemo`)."""
    _, po, tracking, code, reason, when, city, state, postal, country = event
    if po is None or tracking is None:
        return None
    memo = _MEMO
    if memo.skipped > 0:  # (scans of their own: not looked up for a while)
        memo.skipped -= 1  # (two threads may take it below 0: lookups then go on)
        part = _part(b, go, code, reason, when, city, state, postal, country)
    else:
        key = (code, reason, when, city, state, postal, country)
        hit = memo.find(key, go)
        if hit is not None:
            part = hit[1]
        else:
            part = _part(b, go, code, reason, when, city, state, postal, country)
            if sum([len(v[0]) for v in key if type(v) is Val]) <= _PART_LENGTH:
                memo.keep(key, go, part)
    return updated(go, part, po.value, tracking.value, tracking.src, po.src)


def updated(
    go: OneGo, part: Part | None, po: str, tracking: str, tracking_src: Src, po_src: Src
) -> tuple[str, str, str, tuple[Any, ...]] | None:
    """An update (JSON text, purchase order, tracking number, whole trail) from its `part`
    and its shipment's purchase order and tracking number (with their sources); None when
    the part is (a check failed), the purchase order is not one Amazon takes, or either
    holds a delimiter of the interchange (the part's values were searched by `_part`)."""
    if part is None or not PO_PATTERN.match(po):
        return None
    delimiters = go.holding
    if delimiters is not None and delimiters(po + tracking):
        return None
    tail, trail = part
    return update_head(go, po, tracking) + tail, po, tracking, (*trail, tracking_src, po_src)


def _part(
    b: Builder,
    go: OneGo,
    code: Val | None,
    reason: Val | None,
    when: EventTime | None,
    city: Val | None,
    state: Val | None,
    postal: Val | None,
    country: Val | None,
) -> Part | None:
    """What an event's status, time and place give its update (`Part`); None when a check
    would fail or warn (the status pair, the time, the country, a delimiter in a value)."""
    if code is None or when is None:
        return None
    delimiters = go.holding
    if delimiters is not None and delimiters(
        "".join([v[0] for v in (code, reason, city, state, postal, country) if v])
    ):
        return None
    syntax = go.syntax
    reason_text = reason.value if reason is not None else go.missing_reason
    resolved = resolve_status(b, syntax, code.value, reason_text)
    if resolved is None:
        return None
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
    iso, zone_how = converted
    tail = update_tail(
        go, found.status, found.reason, iso,
        city.value if city is not None else None, state.value if state is not None else None,
        postal.value if postal is not None else None, country_code,
    )  # fmt: skip
    # the trail by reference (`fast_trail` makes its entries when someone asks): shared
    # objects and the sources read (each `Src` shared by the sets of the same shape), so a
    # spooled trail pickles as references; the tracking number's and purchase order's
    # sources follow (`fast_update`)
    trail = (fast_trail, go.shared, go.notes, syntax, reason_text, how, code.src,
             reason.src if reason is not None else None, when.srcs, when.local, zone_how,
             country.src if country is not None else None,
             country.value if country is not None and len(country.value) == 3 else None,
             country_code, city.src if city is not None else None,
             state.src if state is not None else None,
             postal.src if postal is not None else None)  # fmt: skip
    return tail, trail


def update_head(go: OneGo, po: str, tracking: str) -> str:
    """A ShipmentStatusUpdate's JSON text as `json.dumps` writes its dict (keys in the
    model's order, ASCII escapes) up to the status code: the purchase order, `go`'s
    parties, the tracking number. `update_tail` follows it."""
    return (
        f'{{"purchaseOrderNumber": {_esc(po)}, {go.parties_text}"statusUpdateDetails": '
        f'{{"trackingNumber": {_esc(tracking)}, '
    )


def update_tail(
    go: OneGo,
    status: str,
    reason: str,
    iso: str,
    city: str | None,
    state: str | None,
    postal: str | None,
    country_code: str,
) -> str:
    """A ShipmentStatusUpdate's JSON text from the status code on (what an event's status,
    time and place give: a file repeats it): Amazon's status and reason codes, the ISO-8601
    time, the address defaults with the city, state and postal code read, the alpha-2
    country. `update_head` comes before it."""
    address = go.head_text
    if city is not None:
        address += f', "city": {_esc(city)}'
    if state is not None:
        address += f', "stateOrRegion": {_esc(state)}'
    if postal is not None:
        address += f', "postalCode": {_esc(postal)}'
    return (
        f'"statusCode": {_esc(status)}, "reasonCode": {_esc(reason)}, '
        f'"statusDateTime": {_esc(iso)}, "statusLocationAddress": {address}, '
        f'"countryCode": {_esc(country_code)}}}}}}}'
    )
