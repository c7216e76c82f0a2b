"""An interchange of more functional groups than the partner profile's
max_interchange_groups is not held whole: its groups past the limit are counted, not kept
or translated, and the interchange is rejected with INTERCHANGE_TOO_LARGE (TA1 024, CONTRL
UCI 0085 35), in X12 (GS groups, and the group an X12 set outside any GS gets) and EDIFACT
(UNG groups). The trailer's group count is still checked against every group read, and the
interchanges beside it are translated as before. An interchange at the limit is translated
as before. Stop 23 measured one interchange of 100,000 one-set groups (21 MB) at 146 MB
peak RSS: its group outcomes and its 997 were held until the IEA."""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from gateway.ack.context import AckContext
from gateway.envelope.outcome import GroupOutcome, InterchangeOutcome
from gateway.mapping.codes import load_code_tables
from gateway.mapping.result import TranslatedRequest
from gateway.pipeline import TranslationOutcome, translate_stream
from gateway.problems import Level, ProblemCode, Severity
from gateway.profile import PartnerProfile

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def _isa(control: int = 1) -> str:
    return (
        "ISA*00*          *00*          *02*SCAC           *ZZ*AMAZONDF       "
        f"*261125*1200*U*00401*{control:09d}*0*P*>~\n"
    )


def _profile(most: int = 20_000) -> PartnerProfile:
    return PartnerProfile(selling_party="999US", ship_from="ABCD", max_interchange_groups=most)


def _214(n: int) -> str:
    return (f"ST*214*{n:04d}~B10*7{n:06d}*PO{n:08d}*SCAC~L11*PO{n:08d}*PO~LX*1~"
            f"AT7*D1*NS***20261124*1030*ET~MS1*SEATTLE*WA*US~L11*1Z{n:012d}*2I~"
            f"SE*8*{n:04d}~\n")  # fmt: skip


def _856(n: int) -> str:
    lines = [f"ST*856*{n:04d}", f"BSN*00*SHIP{n}*20261124*1830*0001", "HL*1**S",
             "TD5**2*UPSN*M*UPS Ground", "N1*SF*DC*92*ABCD", "N1*SE*Vendor*92*999US",
             "HL*2*1*O", f"PRF*PO{n:06d}", "HL*3*2*P", f"MAN*CP*1Z{n:016d}", "HL*4*3*I",
             "LIN*1*BP*B00EXAMPLE1", "SN1**1*EA", "CTT*4"]  # fmt: skip
    return "~".join([*lines, f"SE*{len(lines) + 1}*{n:04d}"]) + "~\n"


def _x12(make: Callable[[int], str], functional_id: str, groups: int, iea01: int | None = None,
         control: int = 1) -> str:  # fmt: skip
    """One interchange of `groups` groups of one set each."""
    body = "".join(
        f"GS*{functional_id}*SCAC*AMAZONDF*20261125*1200*{g}*X*004010~\n{make(g)}GE*1*{g}~\n"
        for g in range(1, groups + 1)
    )
    count = groups if iea01 is None else iea01
    return _isa(control) + body + f"IEA*{count}*{control:09d}~\n"


def _x12_stray(sets: int) -> str:
    """One interchange of `sets` 214 sets outside any GS (each gets a group of its own)."""
    return _isa() + "".join(map(_214, range(1, sets + 1))) + "IEA*0*000000001~\n"


def _iftsta(n: int) -> str:
    lines = [f"UNH+{n}+IFTSTA:D:01B:UN", f"BGM+77+ST{n}+9", "DTM+137:202611241830:203",
             "NAD+CA+DEMOCARRIER::9", f"CNI+1+1Z{n:08d}", "STS+1+302::6+000", f"RFF+ON:PO{n}",
             "DTM+334:202611240715-06:303", "LOC+175+USCHI::6:Chicago"]  # fmt: skip
    return "'\n".join([*lines, f"UNT+{len(lines) + 1}+{n}"]) + "'\n"


def _edifact(groups: int, unz: int | None = None, control: str = "IC1001") -> str:
    body = "".join(
        f"UNG+IFTSTA+DEMOCARRIER:ZZ+AMAZONDF:ZZ+261124:1830+G{g}+UN+D:01B'\n{_iftsta(g)}"
        f"UNE+1+G{g}'\n"
        for g in range(1, groups + 1)
    )
    head = f"UNA:+.? '\nUNB+UNOC:3+DEMOCARRIER:ZZ+AMAZONDF:ZZ+261124:1830+{control}+++++1'\n"
    return head + body + f"UNZ+{groups if unz is None else unz}+{control}'\n"


def _translate(text: str, profile: PartnerProfile) -> tuple[TranslationOutcome, list[str]]:
    requests: list[TranslatedRequest] = []
    outcome = translate_stream(io.BytesIO(text.encode("latin-1")), profile, load_code_tables(),
                               AckContext(now=NOW), requests.append,
                               keep_interchanges=True)  # fmt: skip
    return outcome, [r.body_text() for r in requests]


def _acks(outcome: TranslationOutcome) -> list[tuple[str, str]]:
    return [(str(a.type), a.content) for a in outcome.acknowledgements]


def _groups(ic: InterchangeOutcome[object]) -> list[tuple[str | None, int, bool]]:
    def row(g: GroupOutcome) -> tuple[str | None, int, bool]:
        return g.control, len(list(g.sets)), not g.problems

    return [row(g) for g in ic.groups]


KINDS: dict[str, Callable[[int], str]] = {
    "214": lambda n: _x12(_214, "QM", n),
    "856": lambda n: _x12(_856, "SH", n),
    "stray 214": _x12_stray,
    "IFTSTA": _edifact,
}


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("most", [1, 7, 30])
def test_an_interchange_at_the_limit_is_translated_as_before(kind: str, most: int) -> None:
    at_limit, at_limit_requests = _translate(KINDS[kind](most), _profile(most))
    whole, whole_requests = _translate(KINDS[kind](most), _profile())
    assert at_limit_requests == whole_requests
    assert _acks(at_limit) == _acks(whole)
    assert [p.code for p in at_limit.problems] == [p.code for p in whole.problems]
    (ic,) = at_limit.interchanges
    assert _groups(ic) == _groups(whole.interchanges[0]) and len(ic.groups) == most
    assert ic.groups_dropped == 0
    if kind != "stray 214":  # (stray sets are rejected, each for its own missing GS)
        assert at_limit.accepted and len(at_limit_requests) == most


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("most", [1, 7, 30])
def test_an_interchange_past_the_limit_is_rejected_whole(kind: str, most: int) -> None:
    for n in (most + 1, most + 6, 4 * most):
        outcome, requests = _translate(KINDS[kind](n), _profile(most))
        assert requests == [] and not outcome.accepted
        (ic,) = outcome.interchanges
        assert len(ic.groups) == most and ic.groups_dropped == n - most
        # the groups kept are the first ones, as read
        assert _groups(ic) == _groups(_translate(KINDS[kind](most), _profile())[0].interchanges[0])
        too_large = [p for p in ic.problems if p.code is ProblemCode.INTERCHANGE_TOO_LARGE]
        assert len(too_large) == 1, ic.problems
        (found,) = too_large
        assert found.level is Level.INTERCHANGE and found.severity is Severity.ERROR
        assert f"{most:,} functional groups" in found.message
        # the trailer's count is of every group read: it matches
        assert ProblemCode.INTERCHANGE_COUNT_MISMATCH not in {p.code for p in ic.problems}
        assert outcome.problem_count >= 1
        acks = _acks(outcome)
        if kind == "IFTSTA":
            ((kind_, content),) = acks
            assert kind_ == "CONTRL"
            uci = next(s for s in content.split("'") if s.strip().startswith("UCI"))
            assert uci.strip().split("+")[4:6] == ["4", "35"], content
        else:  # a TA1 R 024 alone: no group is acknowledged
            ((kind_, content),) = acks
            assert kind_ == "TA1"
            ta1 = next(s for s in content.split("~") if s.strip().startswith("TA1"))
            assert ta1.strip().split("*")[4:6] == ["R", "024"], content


@pytest.mark.parametrize(
    ("make", "count_code"),
    [
        (lambda n, count: _x12(_214, "QM", n, iea01=count), "IEA01"),
        (lambda n, count: _edifact(n, unz=count), "UNZ"),
    ],
)
def test_the_trailer_counts_every_group_read(
    make: Callable[[int, int], str], count_code: str
) -> None:
    """The groups past the limit are not held but are counted: a right count is no fault,
    a wrong one is still named with the true count."""
    right, _ = _translate(make(12, 12), _profile(5))
    codes = {p.code for p in right.interchanges[0].problems}
    assert codes == {ProblemCode.INTERCHANGE_TOO_LARGE}
    wrong, _ = _translate(make(12, 11), _profile(5))
    mismatch = [p for p in wrong.interchanges[0].problems
                if p.code is ProblemCode.INTERCHANGE_COUNT_MISMATCH]  # fmt: skip
    assert len(mismatch) == 1 and "12" in mismatch[0].message, mismatch


def test_the_interchanges_beside_it_are_translated_as_before() -> None:
    """A mailbag: the interchange past the limit is rejected, the ones around it are not."""
    small = _x12(_214, "QM", 3, control=1)
    big = _x12(_214, "QM", 9, control=2)
    last = _x12(_214, "QM", 2, control=3)
    outcome, requests = _translate(small + big + last, _profile(4))
    _, alone_requests = _translate(small + last, _profile(4))
    assert requests == alone_requests and len(requests) == 5
    first, middle, third = outcome.interchanges
    assert first.accepted and third.accepted and not middle.accepted
    assert (len(middle.groups), middle.groups_dropped) == (4, 5)
    kinds = [kind for kind, _ in _acks(outcome)]
    assert kinds == ["997", "TA1", "997"], kinds


def test_an_inbound_ack_past_the_limit_is_not_answered() -> None:
    """An interchange of 997 groups stays unanswered however many groups it has."""

    def ack997(n: int) -> str:
        return f"ST*997*{n:04d}~AK1*QM*{n}~AK9*A*1*1*1~SE*4*{n:04d}~\n"

    outcome, requests = _translate(_x12(ack997, "FA", 9), _profile(3))
    assert requests == [] and _acks(outcome) == []


def test_an_inbound_ack_seen_only_past_the_limit_is_not_answered() -> None:
    """A 997 set outside any GS, or a CONTRL outside any UNG, past the limit still marks
    its interchange as an ack: never answered (it was not, before the limit)."""
    stray_997 = "ST*997*0001~AK1*QM*1~AK9*A*1*1*1~SE*4*0001~\n"
    x12 = _x12(_214, "QM", 1, iea01=1)
    x12 = x12.replace("IEA*1*", stray_997 + "IEA*1*")
    contrl = ("UNH+2+CONTRL:D:3:UN'\nUCI+IC1001+DEMOCARRIER:ZZ+AMAZONDF:ZZ+7'\n"
              "UNT+3+2'\n")  # fmt: skip
    edifact = _edifact(1).replace("UNZ+1+", contrl + "UNZ+1+")
    for text in (x12, edifact):
        outcome, requests = _translate(text, _profile(1))
        assert requests == [] and _acks(outcome) == [], _acks(outcome)
        assert outcome.interchanges[0].groups_dropped == 1


def test_a_group_weighs_its_own_problems() -> None:
    """A group's header / trailer problems are held with it until the interchange's end (an
    AK9 names them): each counts as one more group toward the limit, so that groups
    faulty in every element cannot hold 15 KB each 10,000 times."""
    bad = _x12(_214, "QM", 6).replace("AMAZONDF*20261125", "AMAZONDF*2026XX25")  # GS04
    outcome, _ = _translate(bad, _profile())
    (ic,) = outcome.interchanges
    weights = [1 + len(g.problems) for g in ic.groups]
    assert all(w > 1 for w in weights) and ic.group_weight == sum(weights)
    most = sum(weights[:4])
    kept, _ = _translate(bad, _profile(most))
    (ic,) = kept.interchanges
    assert (len(ic.groups), ic.groups_dropped, ic.group_weight) == (4, 2, most)
    assert ProblemCode.INTERCHANGE_TOO_LARGE in {p.code for p in ic.problems}
    clean, _ = _translate(_x12(_214, "QM", 6), _profile(most))
    assert clean.accepted and clean.interchanges[0].group_weight == 6


def _sets_profile(most: int) -> PartnerProfile:
    return PartnerProfile(selling_party="999US", ship_from="ABCD", max_interchange_sets=most)


@pytest.mark.parametrize("syntax", ["x12", "edifact"])
def test_an_interchange_past_the_sets_limit_is_rejected_whole(syntax: str) -> None:
    """Its 997 / CONTRL answers every set (an AK2 .. AK5 each), built whole: past the
    profile's max_interchange_sets the interchange is rejected (a TA1 / UCI), its further
    sets counted for GE01 / UNE, not read; at the limit, translated as before."""

    def one_group(n: int, control: int = 1) -> str:
        if syntax == "edifact":
            body = "".join(_iftsta(i) for i in range(1, n + 1))
            head = f"UNA:+.? '\nUNB+UNOC:3+DEMOCARRIER:ZZ+AMAZONDF:ZZ+261124:1830+IC{control}'\n"
            return head + body + f"UNZ+{n}+IC{control}'\n"
        group = "GS*QM*SCAC*AMAZONDF*20261125*1200*1*X*004010~\n"
        body = "".join(_214(i) for i in range(1, n + 1))
        return _isa(control) + group + body + f"GE*{n}*1~\nIEA*1*{control:09d}~\n"

    at_limit, requests = _translate(one_group(5), _sets_profile(5))
    whole, whole_requests = _translate(one_group(5), _sets_profile(250_000))
    assert at_limit.accepted and requests == whole_requests and len(requests) == 5
    assert _acks(at_limit) == _acks(whole)
    for n in (6, 12):
        over, requests = _translate(one_group(n), _sets_profile(5))
        assert requests == [] and not over.accepted
        (ic,) = over.interchanges
        codes = [p.code for p in ic.problems]
        assert codes == [ProblemCode.INTERCHANGE_TOO_LARGE], ic.problems  # counts still agree
        assert "max_interchange_sets" in ic.problems[0].message
        assert all(not g.problems for g in ic.groups)  # GE01 / UNE 0060 counted every set
        ((kind, content),) = _acks(over)
        if syntax == "edifact":
            uci = next(s for s in content.split("'") if s.strip().startswith("UCI"))
            assert kind == "CONTRL" and uci.strip().split("+")[4:6] == ["4", "35"]
        else:
            ta1 = next(s for s in content.split("~") if s.strip().startswith("TA1"))
            assert kind == "TA1" and ta1.strip().split("*")[4:6] == ["R", "024"]
    # a mailbag: the interchange past the limit is rejected, the next one is translated
    outcome, requests = _translate(one_group(7, 1) + one_group(3, 2), _sets_profile(5))
    assert len(requests) == 3 and [ic.accepted for ic in outcome.interchanges] == [False, True]


def _traced_peak(text: str, profile: PartnerProfile) -> int:
    data = text.encode("latin-1")
    tables = load_code_tables()
    tracemalloc.start()
    try:
        translate_stream(io.BytesIO(data), profile, tables, AckContext(now=NOW), lambda r: None)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_memory_is_bounded_past_the_limit() -> None:
    """One-set groups past a limit of 100 are not held: 24,000 of them take what 12,000
    do, but for the reader's text buffers (1 MiB chunks: up to about 3.5 MB apart with
    where a file's end falls in its last chunk), not 12,000 more group outcomes and a 997
    naming each (about 1 KB a group), as without the limit."""
    text = _x12(_214, "QM", 12_000)
    _traced_peak(text, _profile(100))  # caches and code tables made
    bounded = _traced_peak(text, _profile(100))
    twice = _traced_peak(_x12(_214, "QM", 24_000), _profile(100))
    whole = _traced_peak(text, _profile())
    assert twice < bounded + 4_000_000 and whole > bounded + 8_000_000, (bounded, twice, whole)
