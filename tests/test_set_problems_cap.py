"""A set's problems are bounded (`gateway.problems.SetProblems`): one transaction set or
message lists SET_PROBLEMS problems at most and counts the others in one PROBLEMS_NOT_LISTED
problem, so a 2 MB file of 100,000 faulty segments no longer holds 100,000 Problems (329 MB
peak at stop 22). Every kind of fault that grows with a set (structure, unknown segments,
element values, control characters, syntax notes, misplaced segments, HL links, unmapped
statuses, the EDIFACT reader's own faults) is translated twice, with a small cap and with
none: the verdicts, counts, requests and ack statuses must be the same, and the capped
sets must list no more than the cap."""

from __future__ import annotations

import io
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from gateway import problems as problems_module
from gateway.ack.context import AckContext
from gateway.envelope.outcome import SetOutcome, SetOutcomes, SetSpool
from gateway.mapping.codes import load_code_tables
from gateway.mapping.result import TranslatedRequest
from gateway.pipeline import TranslationOutcome, translate_stream
from gateway.problems import Level, Problem, ProblemCode, Severity, problem
from gateway.profile import PartnerProfile
from gateway.set_problems import SetProblems

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
PROFILE = PartnerProfile(selling_party="999US", ship_from="ABCD")
TOLERANT = PartnerProfile(selling_party="999US", ship_from="ABCD", structure="tolerant")
N = 1500  # faults per set: past the small cap below and past the acks' 999 segments
CAP = 40

ISA = (
    "ISA*00*          *00*          *02*SCAC           *ZZ*AMAZONDF       "
    "*261125*1200*U*00401*000000001*0*P*>~\n"
)


def _x12(functional_id: str, body: list[str]) -> bytes:
    lines = ["ST*214*0001" if functional_id == "QM" else "ST*856*0001", *body]
    lines.append(f"SE*{len(lines) + 1}*0001")
    group = f"GS*{functional_id}*SCAC*AMAZONDF*20261125*1200*1*X*004010~\n"
    return (ISA + group + "~\n".join(lines) + "~\nGE*1*1~\nIEA*1*000000001~\n").encode("latin-1")


_HEAD = ["B10*7000001*PO00000001*SCAC", "L11*PO00000001*PO"]
_EVENT = ["LX*1", "AT7*D1*NS***20261124*1030*ET", "MS1*SEATTLE*WA*US", "L11*1Z00000001*2I"]


def _events(at7: Callable[[int], str], ms1: str = "MS1*SEATTLE*WA*US") -> list[str]:
    body = list(_HEAD)
    for i in range(1, N + 1):
        body += [f"LX*{i}", at7(i), ms1, f"L11*1Z{i:012d}*2I"]
    return body


def _214_over_max() -> bytes:  # L11 over its loop's maximum use (AK304 5)
    return _x12("QM", [*_HEAD, *_EVENT, *(f"L11*1Z{i:012d}*2I" for i in range(N))])


def _214_unknown() -> bytes:  # segments no 214 has (AK304 1 / 2)
    return _x12("QM", [*_HEAD, *_EVENT, *(f"ZZZ*{i}" for i in range(N))])


def _214_bad_dates() -> bytes:  # an invalid AT705 date per event (AK403 8)
    return _x12("QM", _events(lambda i: f"AT7*D1*NS***2026{i % 90 + 13:02d}24*1030*ET"))


def _214_control_characters() -> bytes:  # a BEL in MS101 per event (AK403 6)
    return _x12("QM", _events(lambda i: "AT7*D1*NS***20261124*1030*ET", "MS1*SEA\x07TTLE*WA*US"))


def _214_syntax_notes() -> bytes:  # AT705 without AT706 (the P0506 note) per event
    return _x12("QM", _events(lambda i: "AT7*D1*NS***20261124"))


def _214_unmapped() -> bytes:  # a status pair the DF table does not know (mapping problems)
    return _x12("QM", _events(lambda i: "AT7*ZZ*QQ***20261124*0715*LT"))


def _214_misplaced_ms1() -> bytes:  # (tolerant) an MS1 before its loop's AT7, per event
    body = list(_HEAD)
    for i in range(1, N + 1):
        body += [f"LX*{i}", "MS1*SEATTLE*WA*US", "AT7*D1*NS***20261124*1030*ET"]
    return _x12("QM", body)


def _856_bad_parents() -> bytes:  # HL02 naming no HL before it (AK4 on HL02)
    body = ["BSN*00*SHIP1*20261124*1830*0001", "HL*1**S", "N1*SF*DC*92*ABCD",
            "N1*SE*Vendor*92*999US", "HL*2*1*O", "PRF*PO1"]  # fmt: skip
    for i in range(3, N + 3):
        body += [f"HL*{i}*{i + 5000}*I", f"LIN*{i}*BP*B00EXAMPLE1", "SN1**1*EA"]
    return _x12("SH", [*body, f"CTT*{N + 2}"])


def _iftsta(events: Callable[[int], list[str]], count: int = 0, four: bool = False) -> bytes:
    """One IFTSTA of N events; `count`: its UNT 0074 when not the right one; `four`: syntax
    4 with `*` as the repetition separator."""
    body = ["BGM+77+ST4711+9", "DTM+137:202611241830:203", "NAD+CA+DEMOCARRIER::9"]
    for i in range(1, N + 1):
        body += events(i)
    lines = ["UNH+1+IFTSTA:D:01B:UN", *body]
    lines.append(f"UNT+{count or len(lines) + 1}+1")
    head = "UNA:+.? '\nUNB+UNOC:3+DEMOCARRIER:ZZ+AMAZONDF:ZZ+261124:1830+IC1001'\n"
    if four:
        head = "UNA:+.?*'\nUNB+UNOC:4+DEMOCARRIER:ZZ+AMAZONDF:ZZ+20261124:1830+IC1001'\n"
    return (head + "'\n".join(lines) + "'\nUNZ+1+IC1001'\n").encode("latin-1")


def _event(i: int, cni: str = "", sts: str = "STS+1+302::6+000") -> list[str]:
    return [f"CNI+{i}+1Z{i:08d}{cni}", sts, "RFF+ON:PO4711", "DTM+334:202611240715-06:303",
            "LOC+175+USCHI::6:Chicago"]  # fmt: skip


def _iftsta_control_characters() -> bytes:  # the reader's own fault per CNI (UCD 21)
    return _iftsta(lambda i: _event(i, cni="\x07"))


def _iftsta_faults_and_count() -> bytes:  # the reader's faults past the cap, a wrong UNT
    return _iftsta(lambda i: _event(i, cni="\x07"), count=7)


def _iftsta_repetitions() -> bytes:  # a repetition separator in a simple element (UCD 35)
    return _iftsta(lambda i: _event(i, sts="STS+1+3*02::6+000"), four=True)


def _iftsta_unknown() -> bytes:  # segments no IFTSTA has
    return _iftsta(lambda i: [*_event(i), f"ZZZ+{i}"])


def _iftsta_unmapped() -> bytes:  # a status the DF table does not know (mapping problems)
    return _iftsta(lambda i: _event(i, sts="STS+1+999::6+000"))


KINDS: dict[str, tuple[Callable[[], bytes], PartnerProfile]] = {
    "214 over max": (_214_over_max, PROFILE),
    "214 unknown segments": (_214_unknown, PROFILE),
    "214 bad dates": (_214_bad_dates, PROFILE),
    "214 control characters": (_214_control_characters, PROFILE),
    "214 syntax notes": (_214_syntax_notes, PROFILE),
    "214 unmapped statuses": (_214_unmapped, PROFILE),
    "214 misplaced MS1 (tolerant)": (_214_misplaced_ms1, TOLERANT),
    "856 bad HL parents": (_856_bad_parents, PROFILE),
    "IFTSTA control characters": (_iftsta_control_characters, PROFILE),
    "IFTSTA control characters, wrong UNT count": (_iftsta_faults_and_count, PROFILE),
    "IFTSTA repetitions": (_iftsta_repetitions, PROFILE),
    "IFTSTA unknown segments": (_iftsta_unknown, PROFILE),
    "IFTSTA unmapped statuses": (_iftsta_unmapped, PROFILE),
}


def _translate(data: bytes, profile: PartnerProfile) -> tuple[TranslationOutcome, list[Any]]:
    requests: list[TranslatedRequest] = []
    outcome = translate_stream(io.BytesIO(data), profile, load_code_tables(),
                               AckContext(now=NOW), requests.append,
                               keep_interchanges=True)  # fmt: skip
    return outcome, [(r.operation, r.body_text()) for r in requests]


def _verdicts(outcome: TranslationOutcome) -> list[str]:
    """The ack segments that say the verdict (AK5 / IK5 / AK9 / TA1, UCI / UCM), each whole."""
    found: list[str] = []
    for ack in outcome.acknowledgements:
        for segment in ack.content.replace("\n", "").replace("'", "~").split("~"):
            if segment[:3] in ("AK5", "IK5", "AK9", "TA1", "UCI", "UCM"):
                found.append(segment)
    return found


def _set_counts(outcome: TranslationOutcome) -> list[tuple[bool, int, int]]:
    """Per set: accepted, its problems counted (a PROBLEMS_NOT_LISTED one standing for its
    `unlisted`), its mapping problems counted."""

    def count(found: list[Problem]) -> int:
        return sum(p.unlisted or 1 for p in found)

    return [(s.accepted, count(s.problems), count(s.mapping_problems))
            for ic in outcome.interchanges for g in ic.groups for s in g.sets]  # fmt: skip


@pytest.mark.parametrize("kind", KINDS)
def test_a_capped_set_says_what_the_whole_list_says(
    kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    make, profile = KINDS[kind]
    data = make()
    monkeypatch.setattr(problems_module, "SET_PROBLEMS", 10**9)
    whole, whole_requests = _translate(data, profile)
    monkeypatch.setattr(problems_module, "SET_PROBLEMS", CAP)
    capped, capped_requests = _translate(data, profile)

    counts = _set_counts(whole)
    assert max(c[1] + c[2] for c in counts) >= 1000  # about a fault per event or segment
    assert _set_counts(capped) == counts
    assert capped.accepted == whole.accepted
    assert capped.problem_count == whole.problem_count
    assert capped_requests == whole_requests
    assert _verdicts(capped) == _verdicts(whole)
    counted = 0
    for ic in capped.interchanges:
        for group in ic.groups:
            for s in group.sets:
                found = s.problems
                summaries = [p for p in found if p.code is ProblemCode.PROBLEMS_NOT_LISTED]
                assert len(found) <= CAP + 5  # the cap, its count, the envelope's own
                assert len(summaries) <= 1
                if summaries:
                    assert summaries[0].transaction == s.control  # placed as the others
                    assert summaries[0].severity is Severity.ERROR
                    counted += 1
                # an application advice names every refused event: mapping problems are
                # not capped (a set's events are bounded by max_set_segments)
                assert all(p.code is not ProblemCode.PROBLEMS_NOT_LISTED
                           for p in s.mapping_problems)  # fmt: skip
    assert counted or "unmapped" in kind  # the cap was reached


def test_the_listed_problems_are_those_of_the_lowest_positions() -> None:
    """A fault at position 6 found after 1,500 structure problems behind it is still the
    first the 997 names (its AK3 / AK4); the structure ones past the first 999 are not."""
    body = [*_HEAD, "LX*1", "AT7*D1*NS***20261124*1030*ET", "MS1*SEA\x07TTLE*WA*US",
            *(f"L11*1Z{i:012d}*2I" for i in range(N))]  # fmt: skip
    outcome, _ = _translate(_x12("QM", body), PROFILE)
    content = outcome.acknowledgements[-1].content
    assert "AK3*MS1*6**8~\nAK4*1*19*6" in content
    assert content.count("AK3*") == 999
    found = SetProblems(most=3)
    at = [problem(ProblemCode.UNRECOGNIZED_SEGMENT, "x", Level.SEGMENT, position=n)
          for n in (9, 7, 8, 2, 5, 1, 6)]  # fmt: skip
    found.extend(at)
    trailer = problem(ProblemCode.SET_COUNT_MISMATCH, "t", Level.TRANSACTION, position=99)
    found.append(trailer)  # (the envelope's own are always kept)
    assert sorted(p.position or 0 for p in found.listed()[:-1]) == [1, 2, 5, 99]
    assert found.listed()[-1].unlisted == 4 and len(found) == 8


def test_the_acks_name_at_most_999_segments_of_a_capped_set() -> None:
    outcome, _ = _translate(_214_over_max(), PROFILE)
    content = outcome.acknowledgements[-1].content
    assert content.count("AK3*L11*") == 999
    assert "AK5*R*5~" in content
    problem_count = sum(p.unlisted or 1 for p in outcome.problems) + outcome.unlisted
    # the LX loop allows 300 L11 (004010 214): its own and N more
    assert problem_count == outcome.problem_count == N + 1 - 300


def test_a_set_of_100000_faulty_segments_holds_a_bounded_number() -> None:
    """Memory, not time: the peak traced while translating a set of 100,000 over-max L11s
    (2.3 MB) was 290 MB at stop 22."""
    data = _x12("QM", [*_HEAD, *_EVENT, *(f"L11*1Z{i:012d}*2I" for i in range(100_000))])
    long_sets = PROFILE.model_copy(update={"max_set_segments": 200_000, "max_set_elements": 10**6})
    tracemalloc.start()
    try:
        outcome, _ = _translate(data, long_sets)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not outcome.accepted and outcome.problem_count == 100_000 + 1 - 300
    assert peak < 80 * 2**20, f"{peak / 2**20:.0f} MB traced"


def _faulty(control: str, problems: int) -> SetOutcome:
    found = [problem(ProblemCode.UNRECOGNIZED_SEGMENT, "x", Level.SEGMENT, position=i + 2)
             for i in range(problems)]  # fmt: skip
    return SetOutcome(control, "214", problems=found)


def test_held_sets_weigh_their_problems() -> None:
    """A group holds 256 problem-free sets in memory before they go to the spool, but only
    a few sets of 1,000 problems each."""
    spool = SetSpool()
    sets = SetOutcomes(spool=spool)
    for i in range(300):
        sets.append(SetOutcome(str(i), "214"))
    assert sets.unflushed == 300 - 256
    heavy = SetOutcomes(spool=spool)
    heavy.append(_faulty("first", 1000))
    assert heavy.unflushed == 1 + 1000 // 16  # a set and its problems' weight
    for i in range(20):
        heavy.append(_faulty(str(i), 1000))
        assert heavy.unflushed < 256
    assert [len(s.problems) for s in heavy] == [1000] * 21
    spool.close()


def test_set_problems_keep_the_first_and_count_the_rest() -> None:
    found = SetProblems(most=3)
    warning = problem(ProblemCode.UNEXPECTED_SEGMENT, "w", Level.SEGMENT, severity="warning")
    error = problem(ProblemCode.UNRECOGNIZED_SEGMENT, "e", Level.SEGMENT)
    found.extend([warning] * 5)
    assert len(found) == 5
    listed = found.listed(transaction="0001")
    assert listed[:3] == [warning] * 3
    more = listed[3]
    assert (more.code, more.unlisted, more.severity, more.transaction, len(listed)) == (
        ProblemCode.PROBLEMS_NOT_LISTED, 2, Severity.WARNING, "0001", 4)  # fmt: skip
    found.append(error)  # an error past the cap rejects the set as the whole list would
    assert found.listed()[-1].severity is Severity.ERROR
    outer = SetProblems(most=10)  # another's count is counted, not listed
    outer.append(error)
    outer.extend(found.listed())
    assert len(outer) == 1 + 6
    codes = [error.code, *[warning.code] * 3, ProblemCode.PROBLEMS_NOT_LISTED]
    assert [p.code for p in outer.listed()] == codes
    assert outer.listed()[-1].unlisted == 3
    assert SetProblems().listed() == []


def test_faults_outside_any_message_are_bounded_per_interchange() -> None:
    """The EDIFACT reader's faults of segments between UNB and UNZ outside any message (a
    control character in each): the first 100 listed, the others counted; 100,000 of them
    made 100,000 problems (179 MB) at stop 22. X12 counts its stray segments the same way
    (STRUCTURE_FAULTS)."""
    head = "UNA:+.? '\nUNB+UNOC:3+DEMOCARRIER:ZZ+AMAZONDF:ZZ+261124:1830+IC1001+++++1'\n"
    stray = "".join(f"FTX+AAA+++X\x07{i}'\n" for i in range(N))
    message = "UNH+1+IFTSTA:D:01B:UN'\nBGM+77+ST4711+9'\nUNT+3+1'\n"
    outcome, requests = _translate((head + stray + message + "UNZ+1+IC1001'\n").encode(), PROFILE)
    own = [p for p in outcome.problems if p.level is Level.INTERCHANGE]
    assert len(own) == 101 and not requests and not outcome.accepted
    (more,) = [p for p in own if p.code is ProblemCode.PROBLEMS_NOT_LISTED]
    # N control characters and the stray stretch itself; the message's own problem after
    assert (more.unlisted, more.severity) == (N + 1 - 100, Severity.ERROR)
    assert outcome.problem_count == N + 1 + 1
    assert "UCI+IC1001+DEMOCARRIER:ZZ+AMAZONDF:ZZ+4+15+FTX'" in outcome.acknowledgements[0].content


def test_an_error_past_the_cap_is_listed_before_warnings() -> None:
    """Tolerant structure: 1,500 consignments with RFF before STS (a warning each), then a
    control character in the last LOC (an error): the CONTRL names errors only, so the
    error must be among those listed (its UCS / UCD 21), not only counted."""

    def event(i: int) -> list[str]:
        loc = "LOC+175+USCHI::6:Chi\x07cago" if i == N else "LOC+175+USCHI::6:Chicago"
        return [f"CNI+{i}+1Z{i:08d}", "RFF+ON:PO4711", "STS+1+302::6+000",
                "DTM+334:202611240715-06:303", loc]  # fmt: skip

    outcome, requests = _translate(_iftsta(event), TOLERANT)
    assert not requests and not outcome.accepted
    listed = [p for p in outcome.problems if p.severity is Severity.ERROR]
    assert any(p.code is ProblemCode.INVALID_CHARACTER for p in listed)
    position = 1 + 3 + 5 * N  # UNH, BGM DTM NAD, then the events: the last LOC
    assert f"UCS+{position}'\nUCD+21+2:4'" in outcome.acknowledgements[-1].content
    found = SetProblems(most=2)
    warning = problem(ProblemCode.UNEXPECTED_SEGMENT, "w", Level.SEGMENT, severity="warning")
    found.extend(warning.model_copy(update={"position": n}) for n in (2, 3, 4))
    found.append(problem(ProblemCode.UNRECOGNIZED_SEGMENT, "e", Level.SEGMENT, position=9))
    assert sorted((p.severity.value, p.position) for p in found.listed()[:2]) == [
        ("error", 9), ("warning", 2)]  # fmt: skip
