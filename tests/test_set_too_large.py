"""A set / message longer than the partner profile's max_set_segments (SE01 / UNT 0074
counting) is not held whole: its segments past the limit are counted as they are read and
the set is rejected with SET_TOO_LARGE on its segment at that position, in X12 and EDIFACT,
for every set type, in any company (other sets of its group and interchange are translated
as before). A set at the limit is translated as before. Stop 22 measured one 214 set of
1,000,000 segments (20 MB) at 755 MB peak RSS: a 100 MB upload could take 4 GB."""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from gateway.ack.context import AckContext
from gateway.mapping.codes import load_code_tables
from gateway.mapping.result import TranslatedRequest
from gateway.pipeline import TranslationOutcome, translate_stream
from gateway.problems import Level, ProblemCode
from gateway.profile import PartnerProfile

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ISA = (
    "ISA*00*          *00*          *02*SCAC           *ZZ*AMAZONDF       "
    "*261125*1200*U*00401*000000001*0*P*>~\n"
)


def _profile(most: int = 50_000) -> PartnerProfile:
    return PartnerProfile(selling_party="999US", ship_from="ABCD", max_set_segments=most,
                          max_ship_notice_segments=most)  # fmt: skip


def _214_body(events: int, start: int = 1) -> list[str]:
    body = ["B10*7000001*PO00000001*SCAC", "L11*PO00000001*PO"]
    for i in range(start, start + events):
        body += [f"LX*{i}", "AT7*D1*NS***20261124*1030*ET", "MS1*SEATTLE*WA*US",
                 f"L11*1Z{i:012d}*2I"]  # fmt: skip
    return body


def _856_body(items: int) -> list[str]:
    body = ["BSN*00*SHIP1*20261124*1830*0001", "HL*1**S", "TD5**2*UPSN*M*UPS Ground",
            "N1*SF*DC*92*ABCD", "N1*SE*Vendor*92*999US", "HL*2*1*O", "PRF*PO4711",
            "HL*3*2*P", "MAN*CP*1Z999AA10123456784"]  # fmt: skip
    for i in range(4, items + 4):
        body += [f"HL*{i}*3*I", f"LIN*{i}*BP*B00EXAMPLE1", "SN1**1*EA"]
    return [*body, f"CTT*{items + 3}"]


def _x12_set(type_code: str, control: str, body: list[str], count: int | None = None) -> str:
    lines = [f"ST*{type_code}*{control}", *body]
    return "~\n".join([*lines, f"SE*{count or len(lines) + 1}*{control}"]) + "~\n"


def _x12(functional_id: str, *sets: str) -> bytes:
    group = f"GS*{functional_id}*SCAC*AMAZONDF*20261125*1200*1*X*004010~\n"
    tail = f"GE*{len(sets)}*1~\nIEA*1*000000001~\n"
    return (ISA + group + "".join(sets) + tail).encode("latin-1")


def _iftsta_body(events: int) -> list[str]:
    body = ["BGM+77+ST4711+9", "DTM+137:202611241830:203", "NAD+CA+DEMOCARRIER::9"]
    for i in range(1, events + 1):
        body += [f"CNI+{i}+1Z{i:08d}", "STS+1+302::6+000", "RFF+ON:PO4711",
                 "DTM+334:202611240715-06:303", "LOC+175+USCHI::6:Chicago"]  # fmt: skip
    return body


def _edifact_message(control: str, body: list[str], kind: str = "IFTSTA:D:01B:UN") -> str:
    lines = [f"UNH+{control}+{kind}", *body]
    return "'\n".join([*lines, f"UNT+{len(lines) + 1}+{control}"]) + "'\n"


def _edifact(*messages: str) -> bytes:
    head = "UNA:+.? '\nUNB+UNOC:3+DEMOCARRIER:ZZ+AMAZONDF:ZZ+261124:1830+IC1001+++++1'\n"
    return (head + "".join(messages) + f"UNZ+{len(messages)}+IC1001'\n").encode("latin-1")


def _translate(data: bytes, profile: PartnerProfile) -> tuple[TranslationOutcome, list[str]]:
    requests: list[TranslatedRequest] = []
    outcome = translate_stream(io.BytesIO(data), profile, load_code_tables(),
                               AckContext(now=NOW), requests.append,
                               keep_interchanges=True)  # fmt: skip
    return outcome, [r.body_text() for r in requests]


def _sets(outcome: TranslationOutcome) -> list[tuple[str, bool, int]]:
    return [(s.control, s.accepted, s.segment_count)
            for ic in outcome.interchanges for g in ic.groups for s in g.sets]  # fmt: skip


# (name, file of a set of `n` segments (trailer included) then a small one, the small one's
# control): 214 and IFTSTA of whole events, 856 of items, and a type the gateway does not
# translate (its own problem plus the size)
# (n = 0: the small one alone)
def _214(n: int) -> bytes:
    events, rest = divmod(n - 4, 4)
    body = _214_body(events)
    body += [f"L11*X{i}*ZZ" for i in range(rest)]
    small = _x12_set("214", "0002", _214_body(2, start=7))
    return _x12("QM", _x12_set("214", "0001", body), small) if n else _x12("QM", small)


def _856(n: int) -> bytes:
    items, rest = divmod(n - 12, 3)
    body = _856_body(items)
    body[-1:-1] = [f"REF*ZZ*{i}" for i in range(rest)]
    small = _x12_set("856", "0002", _856_body(2))
    return _x12("SH", _x12_set("856", "0001", body), small) if n else _x12("SH", small)


def _iftsta(n: int) -> bytes:
    events, rest = divmod(n - 5, 5)
    body = [*_iftsta_body(events), *(f"FTX+AAA+++X{i}" for i in range(rest))]
    small = _edifact_message("2", _iftsta_body(2))
    return _edifact(_edifact_message("1", body), small) if n else _edifact(small)


KINDS: dict[str, tuple[Callable[[int], bytes], str]] = {
    "214": (_214, "0002"),
    "856": (_856, "0002"),
    "IFTSTA": (_iftsta, "2"),
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("most", [40, 1000])
def test_a_set_past_the_limit_is_rejected_at_it(kind: str, most: int) -> None:
    make, small = KINDS[kind]
    at_limit, at_limit_requests = _translate(make(most), _profile(most))
    whole, whole_requests = _translate(make(most), _profile())
    assert at_limit_requests == whole_requests and len(whole_requests) >= 2
    assert _sets(at_limit) == _sets(whole)
    assert _sets(at_limit)[0][1:] == (True, most)

    for n in (most + 1, most + 7, 5 * most):
        over, over_requests = _translate(make(n), _profile(most))
        first, second = _sets(over)
        assert first[1:] == (False, n) and second[0] == small and second[1]
        assert over_requests == _translate(make(0), _profile())[1]  # the small set's
        found = [p for p in over.problems if p.code is ProblemCode.SET_TOO_LARGE]
        assert len(found) == 1  # and nothing else to say of the set:
        assert [p for p in over.problems if p.transaction == first[0]] == found
        (fault,) = found
        assert (fault.position, fault.level, fault.value) == (most + 1, Level.SEGMENT, str(n))
        assert fault.transaction == first[0] and fault.interchange is not None
        assert f"has {n:,} segments, more than the {most:,}" in fault.message
        ack = over.acknowledgements[-1].content
        if kind == "IFTSTA":
            assert f"UCS+{most + 1}+15'" in ack.replace("\n", "")
        else:
            assert f"AK3*{fault.segment}*{most + 1}**2~" in ack
            assert "AK5*R*5~" in ack and "AK9*P*2*2*1~" in ack


def test_the_trailer_count_of_a_long_set_is_still_checked() -> None:
    lines = _214_body(100)  # 402 segments with ST and SE
    wrong = _x12("QM", _x12_set("214", "0001", lines, count=999))
    outcome, _ = _translate(wrong, _profile(50))
    codes = {p.code for p in outcome.problems}
    assert codes == {ProblemCode.SET_TOO_LARGE, ProblemCode.SET_COUNT_MISMATCH}
    mismatch = next(p for p in outcome.problems if p.code is ProblemCode.SET_COUNT_MISMATCH)
    assert "the set has 404" in mismatch.message and mismatch.position == 404


def test_a_message_past_the_limit_places_its_faults_where_they_are() -> None:
    body = _iftsta_body(20)
    assert body[59].startswith("STS+")  # position 61: past a limit of 30
    body[59] = body[59].replace("302", "3\x0702")
    outcome, _ = _translate(_edifact(_edifact_message("1", body)), _profile(30))
    places = {(p.code, p.position) for p in outcome.problems}
    assert (ProblemCode.SET_TOO_LARGE, 31) in places
    assert any(p.code is not ProblemCode.SET_TOO_LARGE and p.position == 61 for p in
               outcome.problems), places  # fmt: skip


def test_an_unterminated_long_set_is_counted_too() -> None:
    data = (ISA + "GS*QM*SCAC*AMAZONDF*20261125*1200*1*X*004010~\n" + "ST*214*0001~\n"
            + "~\n".join(_214_body(50)) + "~\n").encode()  # fmt: skip
    outcome, requests = _translate(data, _profile(20))
    assert not requests and not outcome.accepted
    (st,) = [s for ic in outcome.interchanges for g in ic.groups for s in g.sets]
    assert st.segment_count == 203
    assert {p.code for p in st.problems} >= {ProblemCode.SET_TOO_LARGE,
                                             ProblemCode.SET_TRAILER_MISSING}  # fmt: skip


@pytest.mark.parametrize("kind", ["214", "IFTSTA"])
def test_a_set_past_the_limit_is_not_held(kind: str) -> None:
    """Memory, not time: 300,000 segments in one set, a limit of 2,000: the reader holds
    2,000 of them (without the limit the same file traces about 250 MB)."""
    make = KINDS[kind][0]
    data = make(300_000)
    tracemalloc.start()
    try:
        outcome, _ = _translate(data, _profile(2000))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert _sets(outcome)[0][1:] == (False, 300_000)
    assert peak < 40 * 2**20, f"{peak / 2**20:.0f} MB traced"


def test_the_limit_is_a_profile_setting() -> None:
    assert PartnerProfile().max_set_segments == 20_000
    assert PartnerProfile().max_ship_notice_segments == 5_000
    assert PartnerProfile().max_set_elements == 150_000
    with pytest.raises(ValueError, match="max_set_segments"):
        PartnerProfile(max_set_segments=3)
    with pytest.raises(ValueError, match="max_ship_notice_segments"):
        PartnerProfile(max_ship_notice_segments=3)


def _desadv(n: int) -> bytes:
    """A DESADV of `n` segments (UNH..UNT) of packages (CPS, PAC, PCI, GIN, LIN, QTY)."""
    body = ["BGM+351+DES4711+9", "DTM+137:20261124:102", "RFF+ON:PO4711",
            "NAD+SU+999US::9++Demo Vendor", "NAD+SF+ABCD::9++Demo Vendor DC",
            "TDT+20+V42+30+31:::FEDEX_GROUND+CARR7:172:182", "CPS+1"]  # fmt: skip
    k = 2
    while len(body) + 3 + 6 <= n:
        body += [f"CPS+{k}+1", "PAC+1++CT", "PCI+33E", f"GIN+BJ+{k:020d}",
                 f"LIN+{k}++4006381333931:EN", "QTY+12:2:PCE"]  # fmt: skip
        k += 1
    body += [f"FTX+AAA+++X{i}" for i in range(n - len(body) - 3)]
    body.append(f"CNT+2:{k - 2}")
    return _edifact(_edifact_message("1", body, "DESADV:D:96A:UN:EAN005"))


@pytest.mark.parametrize(
    ("make", "kind"),
    [(_856, "856"), (_desadv, "DESADV"), (_214, "214"), (_iftsta, "IFTSTA")],
)
def test_ship_notices_have_a_limit_of_their_own(make: Callable[[int], bytes], kind: str) -> None:
    """An 856 / DESADV holds about twice a status message's memory a segment (its parse and
    mapping): the profile's max_ship_notice_segments (5,000) is its limit, and
    max_set_segments (20,000) that of a 214 / IFTSTA."""
    ship_notice = kind in ("856", "DESADV")
    profile = PartnerProfile(selling_party="999US", ship_from="ABCD")
    most = profile.max_ship_notice_segments
    assert most < profile.max_set_segments
    outcome, requests = _translate(make(most), profile)
    (first, *_) = _sets(outcome)
    assert first[1:] == (True, most) and requests
    outcome, requests = _translate(make(most + 5), profile)  # (whole IFTSTA events)
    (first, *_) = _sets(outcome)
    assert first[1:] == (not ship_notice, most + 5)
    found = [p for ic in outcome.interchanges for g in ic.groups for s in g.sets
             for p in s.problems if p.code is ProblemCode.SET_TOO_LARGE]  # fmt: skip
    if ship_notice:
        (too_large,) = found
        assert too_large.position == most + 1
        assert "max_ship_notice_segments" in too_large.message
    else:
        assert found == []
    # each limit its own: a low max_set_segments leaves a ship notice alone, and back
    low = PartnerProfile(selling_party="999US", ship_from="ABCD", max_set_segments=100,
                         max_ship_notice_segments=100)  # fmt: skip
    setting = "max_ship_notice_segments" if ship_notice else "max_set_segments"
    outcome, _ = _translate(make(500), low.model_copy(update={setting: 10_000}))
    assert _sets(outcome)[0][1:] == (True, 500)
    outcome, _ = _translate(make(500), low)
    assert _sets(outcome)[0][1:] == (False, 500)


def test_a_set_without_trailer_at_the_limit_is_not_too_large() -> None:
    """Held whole up to the limit: a set cut short after exactly `most` segments is
    rejected for its missing trailer only; one more segment and it is too large too."""
    for n, too_large in ((40, False), (41, True)):
        body = _214_body(10)[: n - 1]
        data = (ISA + "GS*QM*SCAC*AMAZONDF*20261125*1200*1*X*004010~\nST*214*0001~\n"
                + "~\n".join(body) + "~\nGE*1*1~\nIEA*1*000000001~\n").encode()  # fmt: skip
        outcome, _ = _translate(data, _profile(40))
        codes = {p.code for p in outcome.problems}
        assert ProblemCode.SET_TRAILER_MISSING in codes
        assert (ProblemCode.SET_TOO_LARGE in codes) is too_large


def test_a_set_whose_trailer_is_past_the_limit_is_too_large() -> None:
    lines = _214_body(9)  # 38 + ST + SE = 40 segments
    data = _x12("QM", _x12_set("214", "0001", lines))
    assert _translate(data, _profile(40))[0].accepted
    outcome, requests = _translate(data, _profile(39))
    assert not requests
    (fault,) = outcome.problems
    assert (fault.code, fault.segment, fault.position) == (ProblemCode.SET_TOO_LARGE, "SE", 40)


def test_an_unsupported_set_past_the_limit_is_still_unsupported() -> None:
    x12 = _x12("IN", _x12_set("810", "0001", [f"IT1*{i}*1*EA*9.99" for i in range(60)]))
    ack = _translate(x12, _profile(20))[0].acknowledgements[-1].content
    assert "AK5*R*1*5~" in ack and "AK3*IT1*21**2~" in ack
    body = [f"FTX+AAA+++X{i}" for i in range(60)]
    edifact = _edifact(_edifact_message("1", body, kind="INVOIC:D:96A:UN"))
    ack = _translate(edifact, _profile(20))[0].acknowledgements[-1].content.replace("\n", "")
    assert "UCM+1+INVOIC:D:96A:UN+4+14'" in ack and "UCS+21+15'" in ack


def test_an_inbound_acknowledgement_past_the_limit_is_not_acknowledged_back() -> None:
    """Two gateways must not answer each other's acks, however long (CONTRL, 997)."""
    ucm = [f"UCM+{i}+IFTSTA:D:01B:UN+7" for i in range(1, 40)]
    contrl = _edifact(_edifact_message("1", ["UCI+1+A:ZZ+B:ZZ+7", *ucm], "CONTRL:D:3:UN"))
    outcome, _ = _translate(contrl, _profile(20))
    assert not outcome.accepted and not outcome.acknowledgements
    ak2 = [f"AK2*214*{i:04d}" for i in range(1, 40)]
    x997 = _x12("FA", _x12_set("997", "0001", ["AK1*QM*1", *ak2, "AK9*A*39*39*39"]))
    outcome, _ = _translate(x997, _profile(20))
    assert not outcome.accepted and not outcome.acknowledgements


def _wide_214(items: list[int]) -> bytes:
    """A 214 set whose body after B10 / L11 is one event, then one L11 per entry of `items`
    with that many items (tag and elements: L11, the reference, its qualifier and more)."""
    body = _214_body(1)
    body += [
        "L11*" + "*".join(f"R{n}x{i}" for i in range(count - 1)) for n, count in enumerate(items)
    ]
    return _x12("QM", _x12_set("214", "0001", body))


def _elements_profile(budget: int) -> PartnerProfile:
    return PartnerProfile(selling_party="999US", ship_from="ABCD", max_set_elements=budget)


def test_a_set_past_the_element_budget_is_rejected_at_the_segment_that_went_past() -> None:
    """X12 holds each element of a set as an object until its trailer: past the profile's
    max_set_elements (tags counted) the set is rejected with SET_TOO_LARGE on the segment
    that took the count past it, the rest counted, not held; at it, translated as before."""
    clean = _x12("QM", _x12_set("214", "0001", _214_body(30)))
    items = sum(len(line.split("*")) for line in ["ST*214*0001", *_214_body(30)])
    at_budget, requests = _translate(clean, _elements_profile(items))
    whole, whole_requests = _translate(clean, _profile())
    assert requests == whole_requests and _sets(at_budget) == _sets(whole)
    assert _sets(at_budget)[0][1]
    over, requests = _translate(clean, _elements_profile(items - 1))
    assert requests == [] and not _sets(over)[0][1]
    (found,) = [p for ic in over.interchanges for g in ic.groups for s in g.sets
                for p in s.problems]  # fmt: skip
    assert found.code is ProblemCode.SET_TOO_LARGE and found.level is Level.SEGMENT
    assert found.position == 2 + len(_214_body(30)) - 1  # the last body segment went past
    assert "max_set_elements" in found.message and found.segment == "L11"
    # wide segments: the one that crosses the budget is named, the set's count is exact
    # (the body before them holds 27 items: positions 8 on are the wide L11s)
    for budget, widths, position in ((1_000, [400, 400, 400, 400], 10), (1_000, [2_000], 8)):
        outcome, _ = _translate(_wide_214(widths), _elements_profile(budget))
        (first,) = _sets(outcome)
        assert first[1:] == (False, 8 + len(widths))
        (found,) = [p for ic in outcome.interchanges for g in ic.groups for s in g.sets
                    for p in s.problems if p.code is ProblemCode.SET_TOO_LARGE]  # fmt: skip
        assert found.position == position, found


def test_wide_segments_are_not_held() -> None:
    """A set of 200 segments of 5,000 elements each (a 3 MB file) is rejected past the
    default budget while holding about what the budget allows: a few MB traced, where
    holding every element took about 60 MB."""
    data = _wide_214([5_000] * 200)
    assert len(data) > 3_000_000
    _translate(_x12("QM", _x12_set("214", "0001", _214_body(2))), _profile())  # warm-up
    tracemalloc.start()
    try:
        outcome, _ = _translate(data, PartnerProfile(selling_party="999US", ship_from="ABCD"))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not _sets(outcome)[0][1]
    assert peak < 25 * 2**20, f"{peak / 2**20:.0f} MB traced"


@pytest.mark.parametrize("length", [40, 300])  # a set within one batch of 64, and across
def test_the_first_limit_reached_is_the_one_named(length: int) -> None:
    """Whichever of max_set_segments / max_set_elements a set reaches first is named, at
    the segment that reached it, wherever the reader's batches end."""
    body = [f"LX*{i}" for i in range(1, length)]  # two items each, after ST's three
    data = _x12("QM", _x12_set("214", "0001", body))
    most = length // 4
    for budget, setting, position in (
        (2 * most, "max_set_elements", most),  # 3 + 2 (k - 1) items > 2 most at k = most
        (10 * most, "max_set_segments", most + 1),
    ):
        profile = PartnerProfile(selling_party="999US", ship_from="ABCD", max_set_segments=most,
                                 max_set_elements=budget)  # fmt: skip
        outcome, _ = _translate(data, profile)
        found = [p for ic in outcome.interchanges for g in ic.groups for s in g.sets
                 for p in s.problems if p.code is ProblemCode.SET_TOO_LARGE]  # fmt: skip
        assert len(found) == 1 and setting in found[0].message, found
        assert found[0].position == position, (budget, found[0])
