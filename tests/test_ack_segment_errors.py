"""One ack writes at most SEGMENT_ERRORS segment reports (997 / 999 AK3 / AK4, IK3 / IK4;
CONTRL UCS / UCD), over all its sets / messages; past that a set / message is answered by
its AK2 .. AK5 / UCM alone, which still reject it (the standards make the segment reports
optional). A 997 naming every faulty segment of 3 MB of sets was 27.6 MB, built in memory
(131 MB peak). Below the budget every segment in error is named as before."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from gateway.ack.context import AckContext
from gateway.ack.model import SEGMENT_ERRORS
from gateway.mapping.codes import load_code_tables
from gateway.pipeline import TranslationOutcome, translate_stream
from gateway.profile import AckPreferences, PartnerProfile

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ISA = ("ISA*00*          *00*          *02*SCAC           *ZZ*AMAZONDF       "
       "*261125*1200*U*00401*000000001*0*P*>~\n")  # fmt: skip
PER_SET = 900  # faulty segments a set (LX without its mandatory LX01)


def _x12(sets: int) -> bytes:
    body = "".join(
        f"ST*214*{n:04d}~B10*1Z*PO{n}*DEMO~{'LX~' * PER_SET}SE*{PER_SET + 3}*{n:04d}~\n"
        for n in range(1, sets + 1)
    )
    group = "GS*QM*SCAC*AMAZONDF*20261125*1200*1*X*004010~\n"
    return (ISA + group + body + f"GE*{sets}*1~\nIEA*1*000000001~\n").encode()


def _edifact(messages: int) -> bytes:
    """IFTSTAs of PER_SET unknown segments each (a UCS apiece)."""
    body = "".join(
        f"UNH+{n}+IFTSTA:D:01B:UN'BGM+77+ST{n}+9'"
        + "ZZZ+1'" * PER_SET
        + f"UNT+{PER_SET + 3}+{n}'\n"
        for n in range(1, messages + 1)
    )
    head = "UNA:+.? '\nUNB+UNOC:3+DEMOCARRIER:ZZ+AMAZONDF:ZZ+261124:1830+IC1+++++1'\n"
    return (head + body + f"UNZ+{messages}+IC1'\n").encode()


def _ack(data: bytes, kind: str, profile: PartnerProfile) -> tuple[TranslationOutcome, str]:
    outcome = translate_stream(io.BytesIO(data), profile, load_code_tables(),
                               AckContext(now=NOW), lambda r: None)  # fmt: skip
    (content,) = [a.content for a in outcome.acknowledgements if str(a.type) == kind]
    return outcome, content


def _segments(content: str, terminator: str) -> list[str]:
    return [s.strip() for s in content.split(terminator) if s.strip()]


@pytest.mark.parametrize("kind", ["997", "999"])
def test_an_x12_ack_names_at_most_the_budget_of_segments(kind: str) -> None:
    profile = PartnerProfile(selling_party="999US", ship_from="ABCD", ack=AckPreferences(x12=kind))
    sets = SEGMENT_ERRORS // (2 * PER_SET) + 3  # past the budget by three sets' worth
    _, content = _ack(_x12(sets), kind, profile)
    segments = _segments(content, "~")
    k3, k4, k5 = ("IK3", "IK4", "IK5") if kind == "999" else ("AK3", "AK4", "AK5")
    tags = [s.split("*")[0] for s in segments]
    assert tags.count(k3) + tags.count(k4) == SEGMENT_ERRORS  # (an AK4 under each AK3)
    assert tags.count("AK2") == sets and tags.count(k5) == sets  # every set answered
    assert all(s.startswith(f"{k5}*R") for s in segments if s.startswith(k5))
    ak9 = next(s for s in segments if s.startswith("AK9"))
    assert ak9.split("*")[1:5] == ["R", str(sets), str(sets), "0"]
    # the sets within the budget name every faulty segment, as before
    first = segments.index(next(s for s in segments if s.startswith("AK2")))
    following = tags[first + 1 : first + 1 + PER_SET * 2]
    assert following.count(k3) == PER_SET
    # small: about 40 bytes a segment named, not the whole file's faults
    assert len(content) < 60 * SEGMENT_ERRORS + 100 * sets


def test_a_contrl_names_at_most_the_budget_of_segments() -> None:
    profile = PartnerProfile(selling_party="999US", ship_from="ABCD")
    messages = SEGMENT_ERRORS // PER_SET + 3  # (a UCS alone for each unknown segment)
    _, content = _ack(_edifact(messages), "CONTRL", profile)
    segments = _segments(content, "'")
    tags = [s.split("+")[0] for s in segments]
    assert tags.count("UCS") == SEGMENT_ERRORS
    assert tags.count("UCM") == messages  # every message answered (rejected)
    ucms = [s.split("+") for s in segments if s.startswith("UCM")]
    assert all(ucm[3] == "4" for ucm in ucms)
    # those past the budget name no UCS: their UCM carries the first fault's code instead
    bare = [ucm for ucm, after in zip(segments, [*segments[1:], ""], strict=True)
            if ucm.startswith("UCM") and not after.startswith("UCS")]  # fmt: skip
    assert bare and all(len(ucm.split("+")) == 5 and ucm.split("+")[4] for ucm in bare), bare


def test_under_the_budget_every_segment_is_named() -> None:
    profile = PartnerProfile(selling_party="999US", ship_from="ABCD")
    _, content = _ack(_x12(3), "997", profile)
    tags = [s.split("*")[0] for s in _segments(content, "~")]
    assert tags.count("AK3") == 3 * PER_SET


def test_many_element_reports_are_counted_too() -> None:
    """AK4s take from the budget as AK3s do: sets of segments with 99 element faults each
    (an AK4 apiece) are not named past it."""
    faulty = "MS1" + "*\x01" * 99  # 99 elements with a control character: AK4 each
    body = "".join(
        f"ST*214*{n:04d}~B10*1Z*PO{n}*DEMO~{(faulty + '~') * 10}SE*13*{n:04d}~\n"
        for n in range(1, 60)
    )
    group = "GS*QM*SCAC*AMAZONDF*20261125*1200*1*X*004010~\n"
    data = (ISA + group + body + "GE*59*1~\nIEA*1*000000001~\n").encode("latin-1")
    _, content = _ack(data, "997", PartnerProfile(selling_party="999US", ship_from="ABCD"))
    tags = [s.split("*")[0] for s in _segments(content, "~")]
    assert tags.count("AK3") > 0 and tags.count("AK3") + tags.count("AK4") <= SEGMENT_ERRORS
    assert tags.count("AK2") == tags.count("AK5") == 59


def test_reports_a_rejected_group_drops_take_nothing() -> None:
    """A group rejected whole (its GE01 wrong) drops the AK3s of its sets that were not
    rejected themselves: they take nothing from the budget, and the next group's faulty
    sets are named."""
    tolerant = PartnerProfile(selling_party="999US", ship_from="ABCD", structure="tolerant")
    event = "LX*1~L11*1Z1*2I~AT7*D1*NS***20261124*1030*ET~MS1*SEATTLE*WA*US~"
    warned = "".join(
        f"ST*214*{n:04d}~B10*1Z*PO{n}*DEMO~{event * 900}SE*{3602 + 1}*{n:04d}~\n"
        for n in range(1, 10)
    )
    faulty = "".join(
        f"ST*214*{n:04d}~B10*1Z*PO{n}*DEMO~{'LX~' * 50}SE*53*{n:04d}~\n" for n in range(1, 4)
    )
    data = (ISA + "GS*QM*SCAC*AMAZONDF*20261125*1200*1*X*004010~\n" + warned + "GE*99*1~\n"
            + "GS*QM*SCAC*AMAZONDF*20261125*1200*2*X*004010~\n" + faulty + "GE*3*2~\n"
            + "IEA*2*000000001~\n").encode()  # fmt: skip
    _, content = _ack(data, "997", tolerant)
    segments = _segments(content, "~")
    second = segments.index(next(s for s in segments if s.startswith("AK1*QM*2")))
    tags = [s.split("*")[0] for s in segments[second:]]
    assert tags.count("AK3") == 3 * 50
