"""StatusDocument -> submitShipmentStatusUpdates: codes, times, defaults, lineage, contract."""

from __future__ import annotations

from datetime import datetime

import pytest

from gateway.mapping.codes import CodeTables, load_code_tables
from gateway.mapping.result import TranslatedRequest
from gateway.mapping.status import map_status
from gateway.origin import Origin, Syntax
from gateway.parse.records import EventTime, Src, StatusDocument, StatusEvent, Val
from gateway.problems import Level, ProblemCode
from gateway.profile import PartnerProfile, load_profile
from tests.contract_checks import checked

TABLES: CodeTables = load_code_tables()
PROFILE = PartnerProfile(selling_party="999US", ship_from="ABCD")
EVENTS = [(row.event, row.x12, row.edifact) for row in TABLES.events.values()]
UPDATE = "/shipmentStatusUpdates/0"
DETAILS = f"{UPDATE}/statusUpdateDetails"


def origin(syntax: Syntax = "x12") -> Origin:
    return Origin(
        syntax=syntax,
        sender="DEMOCARRIER",
        receiver="AMAZON",
        interchange_control="000000001",
        group_control="1",
        transaction_control="0001",
        transaction_type="214" if syntax == "x12" else "IFTSTA",
        version="004010" if syntax == "x12" else "D:96A",
        test=False,
    )


def v(value: str, segment: str = "AT7", position: int = 5, element: int = 1) -> Val:
    return Val(value, Src(segment, position, element))


def when(text: str = "2024-07-04T10:30:00", zone: str | None = "UT") -> EventTime:
    return EventTime(
        datetime.fromisoformat(text), v(zone, element=7) if zone else None, (Src("AT7", 5, 5),)
    )


def event(
    status: str | None = "D1",
    reason: str | None = "NS",
    *,
    po: str | None = "PO12345",
    tracking: str | None = "1Z999",
    time: EventTime | None = None,
    position: int = 5,
    country: str | None = None,
) -> StatusEvent:
    return StatusEvent(
        position=position,
        purchase_order=v(po, "L11", 3) if po else None,
        tracking_number=v(tracking, "L11", 4) if tracking else None,
        status_code=v(status, position=position) if status else None,
        reason_code=v(reason, position=position, element=2) if reason else None,
        time=time or when(),
        city=v("SEATTLE", "MS1", 6, 1),
        state=v("WA", "MS1", 6, 2),
        country=v(country, "MS1", 6, 3) if country else None,
    )


def lineage_of(request: TranslatedRequest, path: str) -> tuple[str, str | None]:
    [entry] = [e for e in request.lineage if e.path == path]
    return entry.kind, entry.detail


def map_one(
    ev: StatusEvent, syntax: Syntax = "x12", profile: PartnerProfile = PROFILE
) -> tuple[list[TranslatedRequest], list[ProblemCode]]:
    requests, problems = map_status(origin(syntax), StatusDocument((ev,)), profile, TABLES)
    for request in requests:
        checked(request)
    return requests, [p.code for p in problems]


def status_pair(request: TranslatedRequest) -> tuple[str, str]:
    details = request.body_json()["shipmentStatusUpdates"][0]["statusUpdateDetails"]  # type: ignore[index]
    return details["statusCode"], details["reasonCode"]


@pytest.mark.parametrize(("name", "x12", "edifact"), EVENTS)
def test_amazon_pairs_in_both_standards(name: str, x12: object, edifact: object) -> None:
    assert len(EVENTS) == 8
    for syntax, pair in (("x12", x12), ("edifact", edifact)):
        status, reason = pair.status, pair.reason  # type: ignore[attr-defined]
        requests, problems = map_one(event(status, reason), syntax)  # type: ignore[arg-type]
        assert problems == []
        [request] = requests
        assert status_pair(request) == (status, reason)
        kind, detail = lineage_of(request, f"{DETAILS}/statusCode")
        assert kind == "code_table" and detail is not None and name in detail


def test_codes_as_edifact_translates_an_x12_pair() -> None:
    profile = PROFILE.model_copy(update={"codes_as": "edifact"})
    [request], problems = map_one(event("D1", "NS"), profile=profile)
    assert problems == []
    assert status_pair(request) == ("301", "000")


def test_missing_reason_defaults_per_standard() -> None:
    [request], _ = map_one(event("301", None), "edifact")
    assert status_pair(request) == ("301", "000")
    kind, detail = lineage_of(request, f"{DETAILS}/reasonCode")
    assert kind == "default" and detail is not None and "000" in detail


def test_partner_overrides_from_demo_profile() -> None:
    demo = load_profile("demo")
    [request], problems = map_one(event("AF", "NS"), profile=demo)
    assert problems == []
    assert status_pair(request) == ("XB", "NS")
    _, detail = lineage_of(request, f"{DETAILS}/statusCode")
    assert detail is not None and "override #1" in detail
    [request], _ = map_one(event("X4", "ZZ"), profile=demo)  # any reason
    assert status_pair(request) == ("O1", "NS")
    [request], _ = map_one(event("21", None), "edifact", profile=demo)
    assert status_pair(request) == ("301", "000")
    body = request.body_json()
    update = body["shipmentStatusUpdates"][0]  # type: ignore[index]
    assert update["sellingParty"] == {"partyId": "999US"}
    assert lineage_of(request, f"{UPDATE}/sellingParty/partyId")[0] == "profile"


def test_unmapped_pair_is_reported_and_the_rest_goes() -> None:
    document = StatusDocument((event("X1", "NS", position=5), event("D1", "NS", position=9)))
    requests, problems = map_status(origin(), document, PROFILE, TABLES)
    [problem] = problems
    assert problem.code is ProblemCode.UNMAPPED_STATUS
    assert "X1" in problem.message and "NS" in problem.message
    assert problem.level is Level.MAPPING and problem.position == 5
    assert problem.transaction == "0001" and problem.interchange == "000000001"
    [request] = requests
    assert len(request.body.shipmentStatusUpdates) == 1  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("local", "zone", "partner_tz", "expected"),
    [
        ("2024-07-04T10:30:00", "UT", "UTC", "2024-07-04T10:30:00Z"),
        ("2024-07-04T10:30:00", "ET", "UTC", "2024-07-04T10:30:00-04:00"),
        ("2024-01-04T10:30:00", "ET", "UTC", "2024-01-04T10:30:00-05:00"),
        ("2024-07-04T10:30:00", "LT", "America/Chicago", "2024-07-04T10:30:00-05:00"),
        ("2024-01-04T10:30:00", None, "America/Chicago", "2024-01-04T10:30:00-06:00"),
        ("2024-01-04T10:30:00", None, "UTC", "2024-01-04T10:30:00Z"),
    ],
)
def test_time_zones(local: str, zone: str | None, partner_tz: str, expected: str) -> None:
    profile = PROFILE.model_copy(update={"timezone": partner_tz})
    [request], problems = map_one(event(time=when(local, zone)), profile=profile)
    assert problems == []
    details = request.body_json()["shipmentStatusUpdates"][0]["statusUpdateDetails"]  # type: ignore[index]
    assert details["statusDateTime"] == expected
    kind, detail = lineage_of(request, f"{DETAILS}/statusDateTime")
    assert kind == "derived" and detail is not None
    assert (partner_tz in detail) if zone in (None, "LT") else (zone in detail)


def test_bad_or_missing_time_is_a_problem() -> None:
    requests, problems = map_one(event(time=when(zone="QQ")))
    assert requests == [] and problems == [ProblemCode.INVALID_FIELD]
    missing = StatusEvent(5, v("PO1"), v("T1"), v("D1"), v("NS"), None)
    requests, problems = map_one(missing)
    assert requests == [] and problems == [ProblemCode.MISSING_FIELD]


def test_defaulted_address_fields_are_marked() -> None:
    [request], _ = map_one(event())
    address = f"{DETAILS}/statusLocationAddress"
    assert lineage_of(request, f"{address}/name")[0] == "default"
    assert lineage_of(request, f"{address}/addressLine1")[0] == "default"
    assert lineage_of(request, f"{address}/countryCode")[0] == "default"
    assert lineage_of(request, f"{address}/city")[0] == "segment"
    [entry] = [e for e in request.lineage if e.path == f"{address}/stateOrRegion"]
    assert (entry.segment, entry.position, entry.element) == ("MS1", 6, 2)
    [request], _ = map_one(event(country="CA"))
    assert lineage_of(request, f"{address}/countryCode")[0] == "segment"


def test_missing_party_sends_nothing() -> None:
    document = StatusDocument((event(), event()))
    requests, problems = map_status(origin(), document, PartnerProfile(), TABLES)
    assert requests == []
    assert [p.code for p in problems] == [ProblemCode.MISSING_FIELD] * 2
    assert "sellingParty" in problems[0].message and "shipFromParty" in problems[1].message


def test_missing_po_or_tracking_drops_only_that_event() -> None:
    document = StatusDocument(
        (event(po=None, position=4), event(tracking=None, position=8), event(position=12))
    )
    [request], problems = map_status(origin(), document, PROFILE, TABLES)
    assert [(p.code, p.position) for p in problems] == [
        (ProblemCode.MISSING_FIELD, 4),
        (ProblemCode.MISSING_FIELD, 8),
    ]
    assert "purchaseOrderNumber" in problems[0].message
    assert "trackingNumber" in problems[1].message
    assert request.purchase_orders == ("PO12345",) and request.tracking_numbers == ("1Z999",)
    checked(request)


def test_purchase_order_must_be_alphanumeric() -> None:
    requests, problems = map_one(event(po="PO-123"))
    assert requests == [] and problems == [ProblemCode.INVALID_FIELD]


def test_large_documents_are_chunked_at_500() -> None:
    events = tuple(event(tracking=f"T{i}", position=i + 5) for i in range(1001))
    requests, problems = map_status(origin(), StatusDocument(events), PROFILE, TABLES)
    assert problems == []
    assert [len(r.body.shipmentStatusUpdates) for r in requests] == [500, 500, 1]  # type: ignore[union-attr]
    assert requests[2].tracking_numbers == ("T1000",)
    for request in requests:
        checked(request)


def test_three_letter_country_codes_become_alpha_2() -> None:
    document = StatusDocument((event(country="USA", tracking="T1"),
                               event(country="XYZ", tracking="T2", position=9)))  # fmt: skip
    requests, problems = map_status(origin(), document, PROFILE, TABLES)
    (request,) = requests
    (update,) = checked(request)["shipmentStatusUpdates"]  # type: ignore[misc]
    assert update["statusUpdateDetails"]["statusLocationAddress"]["countryCode"] == "US"
    kind, detail = lineage_of(
        request, "/shipmentStatusUpdates/0/statusUpdateDetails/statusLocationAddress/countryCode"
    )
    assert kind == "code_table" and detail == "countries.yaml USA -> US"
    (problem,) = problems
    assert problem.code is ProblemCode.INVALID_FIELD and problem.value == "XYZ"
    assert (problem.segment, problem.position, problem.element) == ("MS1", 6, 3)


def _slow_and_fast(
    ev: StatusEvent, syntax: Syntax = "x12", delimiters: str = ""
) -> tuple[object, object]:
    """The update (as `json.dumps` text) and trail of `ev` by the reporting path (`_update`)
    and by the one-go path (`status_one_go.fast_update`), or None each when that path sends nothing.
    The one-go path's purchase order and tracking number are checked against its update."""
    import json

    from gateway.mapping.build import Builder
    from gateway.mapping.lineage import full_trail
    from gateway.mapping.status import _update
    from gateway.mapping.status_lineage import parties_of
    from gateway.mapping.status_one_go import fast_update, one_go

    b = Builder(origin(syntax)._replace(delimiters=delimiters), PROFILE, TABLES)
    selling, ship_from, shared = parties_of(b)
    assert selling is not None and ship_from is not None
    slow = _update(b, ev, selling, ship_from)
    fast = fast_update(b, ev, one_go(b, selling, ship_from, shared))
    slow_made = (json.dumps(slow[0]), shared + tuple(slow[1])) if slow else None
    if fast is None:
        return slow_made, None
    text, po, tracking, trail = fast
    trail = full_trail(trail)
    update = json.loads(text)
    assert (po, tracking) == (
        update["purchaseOrderNumber"],
        update["statusUpdateDetails"]["trackingNumber"],
    )
    return slow_made, (text, trail)


@pytest.mark.parametrize(
    "ev",
    [
        event(),
        event(reason=None),
        event(country="US"),
        event(country="USA"),
        event(country="CAN", time=when(zone=None)),
        event(time=when(zone="ET")),
        event(time=when("2024-01-04T10:30:00", zone="CT")),
        StatusEvent(
            7,
            v("PO9", "B10", 2, 2),
            v("T9", "B10", 2, 1),
            v("D1", position=7),
            v("NS", position=7, element=2),
            EventTime(
                datetime(2026, 1, 2, 3, 4),
                v("LT", element=7),
                (Src("AT7", 7, 5), Src("AT7", 7, 6), Src("AT7", 7, 7)),
            ),
            None,
            None,
            v("98109", "MS1", 8, 3),
            None,
        ),
    ],
)
def test_one_go_path_makes_what_the_reporting_path_makes(ev: StatusEvent) -> None:
    slow, fast = _slow_and_fast(ev)
    assert slow is not None
    assert fast == slow  # the same text, byte for byte, and the same trail


@pytest.mark.parametrize(
    ("ev", "delimiters"),
    [
        (event(po=None), ""),
        (event(po="PO-1"), ""),
        (event(tracking=None), ""),
        (event(status=None), ""),
        (event(status="ZZ", reason="ZZ"), ""),
        (event(time=when(zone="QQ")), ""),
        (event(country="XXX"), ""),
        (event(tracking="1Z*9"), "*>~"),
    ],
)
def test_one_go_path_leaves_every_fault_to_the_reporting_path(
    ev: StatusEvent, delimiters: str
) -> None:
    slow, fast = _slow_and_fast(ev, delimiters=delimiters)
    assert slow is None  # the reporting path sends nothing and says why
    assert fast is None


def test_repeated_scans_share_their_part_not_their_shipment_nor_their_partner() -> None:
    """Events alike from their status code on (one scan of many shipments) are read,
    resolved and converted once (`status_one_go._MEMO`); each update keeps its own
    purchase order and tracking number, and a partner with another time zone never gets
    the part made for the first."""
    import json

    from gateway.mapping import status_one_go

    memo = status_one_go._MEMO
    memo.parts.clear()
    memo.tries = memo.found = memo.skipped = 0
    local = when(zone=None)  # the partner's time zone applies
    document = StatusDocument(
        tuple(event(po=f"PO{n}", tracking=f"1Z{n}", time=local) for n in range(1, 6))
    )
    times = []
    for zone in ("America/New_York", "Asia/Tokyo"):
        profile = PartnerProfile(selling_party="999US", ship_from="ABCD", timezone=zone)
        (request,), problems = map_status(origin(), document, profile, TABLES)
        assert problems == []
        updates = json.loads(request.body_text())["shipmentStatusUpdates"]
        assert [u["purchaseOrderNumber"] for u in updates] == [f"PO{n}" for n in range(1, 6)]
        tracking = [u["statusUpdateDetails"]["trackingNumber"] for u in updates]
        assert tracking == [f"1Z{n}" for n in range(1, 6)]
        times.append({u["statusUpdateDetails"]["statusDateTime"] for u in updates})
    assert times == [{"2024-07-04T10:30:00-04:00"}, {"2024-07-04T10:30:00+09:00"}]
    assert (memo.tries, memo.found) == (10, 8)  # each partner's first event made it
