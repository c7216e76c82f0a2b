"""StatusDocument (214 / IFTSTA) -> submitShipmentStatusUpdates requests with lineage.

One ShipmentStatusUpdate per StatusEvent; one request per document, split every 500
updates. An event that cannot be mapped (no PO or tracking number, unmapped status/reason
pair, unusable time) is reported and left out; the rest of the document still goes.
Without a selling or ship-from party the document sends nothing.
"""

from __future__ import annotations

from gateway.mapping.build import CHUNK_SIZE, Builder, Trace, chunks, unique
from gateway.mapping.codes import CodeTables
from gateway.mapping.payloads import (
    Address,
    PartyIdentification,
    ShipmentStatusUpdate,
    StatusUpdateDetails,
    SubmitShipmentStatusUpdatesRequest,
)
from gateway.mapping.result import TranslatedRequest
from gateway.mapping.rules import check_purchase_order, check_tracking_number
from gateway.parse.records import Origin, StatusDocument, StatusEvent, Val
from gateway.problems import Problem, ProblemCode
from gateway.profile import PartnerProfile

__all__ = ["map_status"]

_DETAILS = "/statusUpdateDetails"
_ADDRESS = f"{_DETAILS}/statusLocationAddress"


def _status(b: Builder, event: StatusEvent, trace: Trace) -> tuple[str, str] | None:
    """(statusCode, reasonCode) through the code tables and the partner's overrides."""
    code, reason = event.status_code, event.reason_code
    syntax = b.origin.syntax
    if code is None:
        b.fault(ProblemCode.MISSING_FIELD, "status code missing", position=event.position)
        return None
    reason_text = reason.value if reason else b.tables.missing_reason.get(syntax, "")
    found = b.tables.resolve_status(syntax, code.value, reason_text, b.profile)
    if found is None:
        b.fault(
            ProblemCode.UNMAPPED_STATUS,
            f"{syntax} status {code.value!r} with reason {reason_text!r} maps to no Amazon "
            "status event",
            src=code.src,
            value=f"{code.value}/{reason_text}",
        )
        return None
    out = syntax if b.profile.codes_as == "input" else b.profile.codes_as
    how = (
        f"{found.row}: {syntax} {code.value}/{reason_text} -> {found.event}, "
        f"sent as {out} {found.status}/{found.reason}"
    )
    trace.note(f"{_DETAILS}/statusCode", "code_table", how, code.src)
    if reason is None:
        why = f"no reason code: {syntax} default {reason_text!r} ({how})"
        trace.note(f"{_DETAILS}/reasonCode", "default", why)
    else:
        trace.note(f"{_DETAILS}/reasonCode", "code_table", how, reason.src)
    return found.status, found.reason


def _optional(trace: Trace, path: str, value: Val | None) -> str | None:
    return trace.segment(path, value) if value is not None else None


def _address(b: Builder, event: StatusEvent, trace: Trace) -> Address:
    """City/state/postal/country from the file; what carrier EDI lacks from the profile."""
    defaults = b.profile.address_defaults
    why = f"partner {b.profile.id} address_defaults (not carried by carrier EDI)"
    trace.note(f"{_ADDRESS}/name", "default", f"{why}: name")
    trace.note(f"{_ADDRESS}/addressLine1", "default", f"{why}: address_line1")
    if event.country is not None and len(event.country.value) == 3:
        code = event.country.value.upper()
        country = b.tables.countries.get(code, "")
        if country:
            trace.note(f"{_ADDRESS}/countryCode", "code_table",
                       f"countries.yaml {code} -> {country}", event.country.src)  # fmt: skip
        else:
            b.fault(ProblemCode.INVALID_FIELD,
                    f"country code {code!r} is not ISO 3166 alpha-2 and not in countries.yaml",
                    src=event.country.src, value=code)  # fmt: skip
    elif event.country is not None:
        country = trace.segment(f"{_ADDRESS}/countryCode", event.country)
    else:
        country = defaults.country_code
        trace.note(f"{_ADDRESS}/countryCode", "default", f"{why}: country_code")
    return Address(
        name=defaults.name,
        addressLine1=defaults.address_line1,
        city=_optional(trace, f"{_ADDRESS}/city", event.city),
        stateOrRegion=_optional(trace, f"{_ADDRESS}/stateOrRegion", event.state),
        postalCode=_optional(trace, f"{_ADDRESS}/postalCode", event.postal_code),
        countryCode=country,
    )


def _update(
    b: Builder, event: StatusEvent, selling: str, ship_from: str, prefix: str
) -> tuple[ShipmentStatusUpdate, Trace] | None:
    """The update of one event, its lineage already under `prefix` (its place in the body)."""
    code, reason = event.status_code, event.reason_code
    pair = "/".join(v.value for v in (code, reason) if v is not None) or None
    po, tracking = event.purchase_order, event.tracking_number
    with b.event(at=event.position, status=pair, purchase_order=po.value if po else None,
                 tracking_number=tracking.value if tracking else None):  # fmt: skip
        return _event_update(b, event, selling, ship_from, prefix)


def _event_update(
    b: Builder, event: StatusEvent, selling: str, ship_from: str, prefix: str
) -> tuple[ShipmentStatusUpdate, Trace] | None:
    trace = Trace(prefix=prefix)
    ok = check_purchase_order(b, event.purchase_order, event.position)
    ok &= check_tracking_number(b, event.tracking_number, event.position)
    ok &= b.free_of_delimiters(event)
    pair = _status(b, event, trace)
    when = b.time(event.time, f"{_DETAILS}/statusDateTime", trace, "statusDateTime", event.position)
    address = _address(b, event, trace)
    if not ok or pair is None or when is None or not address.countryCode:
        return None
    assert event.purchase_order is not None and event.tracking_number is not None
    details = StatusUpdateDetails(
        trackingNumber=trace.segment(f"{_DETAILS}/trackingNumber", event.tracking_number),
        statusCode=pair[0],
        reasonCode=pair[1],
        statusDateTime=when,
        statusLocationAddress=address,
    )
    update = ShipmentStatusUpdate(
        purchaseOrderNumber=trace.segment("/purchaseOrderNumber", event.purchase_order),
        sellingParty=PartyIdentification(partyId=selling),
        shipFromParty=PartyIdentification(partyId=ship_from),
        statusUpdateDetails=details,
    )
    return update, trace


def map_status(
    origin: Origin, document: StatusDocument, profile: PartnerProfile, tables: CodeTables
) -> tuple[list[TranslatedRequest], list[Problem]]:
    """The status-update requests of one document, and the events' mapping problems."""
    b = Builder(origin, profile, tables)
    parties = Trace()
    selling = b.party("/sellingParty/partyId", parties, None, profile.selling_party, "sellingParty")
    ship_from = b.party("/shipFromParty/partyId", parties, None, profile.ship_from, "shipFromParty")
    mapped: list[tuple[ShipmentStatusUpdate, Trace]] = []
    for event in document.events:
        prefix = f"/shipmentStatusUpdates/{len(mapped) % CHUNK_SIZE}"  # its index in its request
        update = _update(b, event, selling or "", ship_from or "", prefix)
        if update is not None:
            mapped.append(update)
    if selling is None or ship_from is None:
        return [], b.problems
    requests = []
    for part in chunks(mapped):
        lineage = []
        for index, (_, trace) in enumerate(part):
            prefix = f"/shipmentStatusUpdates/{index}"
            lineage += parties.under(prefix) + trace.entries
        requests.append(
            TranslatedRequest(
                operation="submitShipmentStatusUpdates",
                body=SubmitShipmentStatusUpdatesRequest(
                    shipmentStatusUpdates=[update for update, _ in part]
                ),
                origin=origin,
                purchase_orders=unique(u.purchaseOrderNumber for u, _ in part),
                tracking_numbers=unique(u.statusUpdateDetails.trackingNumber for u, _ in part),
                lineage=tuple(lineage),
            )
        )
    return requests, b.problems
