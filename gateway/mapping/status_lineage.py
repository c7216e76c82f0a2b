"""What both ways of mapping a status event share: the lineage paths of an update's fields,
the status pair's resolution, the parties' and address defaults' lineage, each made once per
profile and kept on the code tables' cache (`gateway.mapping.status` maps an event with
reports, `gateway.mapping.status_one_go` in one go)."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any, cast

from gateway.mapping.build import Builder, Trace
from gateway.mapping.codes import StatusResolution
from gateway.origin import Syntax

__all__ = ["default_notes", "holding", "parties_of", "resolve_status"]

DETAILS = "/statusUpdateDetails"
ADDRESS = f"{DETAILS}/statusLocationAddress"
# lineage paths, made once (a trail holds the same string objects: cheap to pickle)
STATUS_CODE, REASON_CODE = f"{DETAILS}/statusCode", f"{DETAILS}/reasonCode"
DATE_TIME, TRACKING = f"{DETAILS}/statusDateTime", f"{DETAILS}/trackingNumber"
NAME, LINE1, COUNTRY = f"{ADDRESS}/name", f"{ADDRESS}/addressLine1", f"{ADDRESS}/countryCode"
CITY, STATE, POSTAL = f"{ADDRESS}/city", f"{ADDRESS}/stateOrRegion", f"{ADDRESS}/postalCode"


def resolve_status(
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


def default_notes(b: Builder) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
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
    trace.note(NAME, "default", f"{why}: name")
    trace.note(LINE1, "default", f"{why}: address_line1")
    head = tuple(trace.entries)
    trace = Trace()
    trace.note(COUNTRY, "default", f"{why}: country_code")
    notes = (head, tuple(trace.entries))
    b.tables.cache[key] = (profile, notes)
    return notes


def parties_of(b: Builder) -> tuple[str | None, str | None, tuple[Any, ...]]:
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
def holding(chars: str) -> Callable[[str], object]:
    """A search for any of `chars` (an interchange's delimiters) in a text."""
    return re.compile("[" + re.escape(chars) + "]").search
