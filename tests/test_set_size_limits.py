"""What one set / message holds is bounded by characters too (the partner profile's
max_set_characters: its segments' text up to the trailer, delimiters included, releases
undone), and in EDIFACT by items counting every component (max_set_elements: tags, and
the components of data elements, a simple element counting one). A set of a few segments
of elements of a megabyte each held few items (an X12 214 of 90 such segments peaked at
297 MB), an IFTSTA of RFF segments of 10,000 components each at 153 MB for 5 MB, 501 MB
for 20 MB. Past either limit the set is rejected with SET_TOO_LARGE on the segment that
went past, its segments from there on counted, not held; at it, translated as before.

The readers count cheaply a whole batch of segments at a time (which may hold the ends of
other sets), and exactly only past a limit: many sets near the limit, sharing batches,
must all still be read."""

from __future__ import annotations

import tracemalloc
from typing import Any

import pytest

from gateway.envelope.limits import size_cut
from gateway.problems import Level, Problem, ProblemCode
from gateway.profile import PartnerProfile
from tests.test_set_too_large import (
    ISA,
    _214_body,
    _856_body,
    _edifact,
    _edifact_message,
    _iftsta_body,
    _sets,
    _translate,
    _x12,
    _x12_set,
)


def _events(requests: list[bytes]) -> int:
    """The status events of translated requests (one request a set)."""
    return sum(body.count(b'"purchaseOrderNumber"') for body in requests)


def _profile(**limits: int) -> PartnerProfile:
    return PartnerProfile(selling_party="999US", ship_from="ABCD", **limits)


def _too_large(outcome: object) -> list[Problem]:
    return [p for ic in outcome.interchanges for g in ic.groups  # type: ignore[attr-defined]
            for s in g.sets for p in s.problems
            if p.code is ProblemCode.SET_TOO_LARGE]  # fmt: skip


def _traced(data: bytes) -> tuple[Any, list[bytes], int]:
    """The outcome and requests of `data` at the default limits, and the peak traced."""
    _translate(_x12("QM", _x12_set("214", "0001", _214_body(2))), _profile())  # warm-up
    tracemalloc.start()
    try:
        outcome, requests = _translate(data, _profile())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return outcome, requests, peak


def _x12_chars(lines: list[str]) -> int:
    """The characters of an X12 set's segments before its trailer, a terminator each."""
    return sum(len(line) + 1 for line in lines)


def _edifact_items(lines: list[str]) -> int:
    """Tags and components of EDIFACT segments (no release characters among them)."""
    return sum(1 + line.count("+") + line.count(":") for line in lines)


def test_an_x12_set_at_the_character_limit_is_translated_and_past_it_rejected() -> None:
    body = _214_body(30)
    data = _x12("QM", _x12_set("214", "0001", body))
    chars = _x12_chars(["ST*214*0001", *body])
    whole, whole_requests = _translate(data, _profile())
    at_limit, requests = _translate(data, _profile(max_set_characters=chars))
    assert requests == whole_requests and _events(requests) == 30
    assert _sets(at_limit) == _sets(whole) and _sets(at_limit)[0][1]
    over, requests = _translate(data, _profile(max_set_characters=chars - 1))
    assert requests == [] and _sets(over) == [("0001", False, len(body) + 2)]
    (found,) = _too_large(over)
    assert found.level is Level.SEGMENT and found.segment == "L11"
    assert found.position == len(body) + 1  # the last body segment went past
    assert "max_set_characters" in found.message and f"{chars - 1:,} characters" in found.message
    (ack,) = [a.content for a in over.acknowledgements]
    assert f"AK3*L11*{len(body) + 1}**" in ack and "AK5*R" in ack


def test_an_edifact_message_at_either_limit_is_translated_and_past_it_rejected() -> None:
    body = _iftsta_body(30)
    data = _edifact(_edifact_message("1", body))
    lines = ["UNH+1+IFTSTA:D:01B:UN", *body]
    whole, whole_requests = _translate(data, _profile())
    assert _events(whole_requests) == 30
    for setting, exact, words in (
        ("max_set_characters", _x12_chars(lines), "characters (delimiters included)"),
        ("max_set_elements", _edifact_items(lines), "data elements and components"),
    ):
        at_limit, requests = _translate(data, _profile(**{setting: exact}))
        assert requests == whole_requests and _sets(at_limit) == _sets(whole), setting
        over, requests = _translate(data, _profile(**{setting: exact - 1}))
        assert requests == [] and _sets(over) == [("1", False, len(body) + 2)], setting
        (found,) = _too_large(over)
        assert found.position == len(body) + 1 and found.segment == "LOC", (setting, found)
        assert setting in found.message and words in found.message
        (ack,) = [a.content for a in over.acknowledgements]
        assert f"UCS+{len(body) + 1}+" in ack and "UCM+1+IFTSTA:D:01B:UN+4" in ack


@pytest.mark.parametrize("syntax", ["X12", "EDIFACT"])
def test_sets_near_the_limit_that_share_batches_are_all_read(syntax: str) -> None:
    """300 sets of 1,000-2,000 characters, 58-80 segments (a reader's batch holds 64),
    at a limit of the longest one: the cheap count of many goes past it, the exact one
    does not."""
    sizes, texts, events = [], [], 0
    for n in range(1, 301):
        count = 13 + n % 3  # events
        events += count
        if syntax == "X12":
            body = _214_body(count)
            texts.append(_x12_set("214", f"{n:04d}", body))
            sizes.append(_x12_chars([f"ST*214*{n:04d}", *body]))
        else:
            body = _iftsta_body(count)
            texts.append(_edifact_message(str(n), body))
            sizes.append(_x12_chars([f"UNH+{n}+IFTSTA:D:01B:UN", *body]))
    data = _x12("QM", *texts) if syntax == "X12" else _edifact(*texts)
    most = max(sizes)
    assert min(sizes) >= 1_000 and most <= 2_000
    outcome, requests = _translate(data, _profile(max_set_characters=most))
    assert _events(requests) == events and all(accepted for _, accepted, _ in _sets(outcome))
    # and one character less: the longest sets alone are rejected, each at its last segment
    outcome, requests = _translate(data, _profile(max_set_characters=most - 1))
    rejected = [n for n, (_, accepted, _) in enumerate(_sets(outcome), 1) if not accepted]
    assert rejected == [n for n, size in enumerate(sizes, 1) if size == most]
    assert _events(requests) == events - len(rejected) * 15
    longest = _214_body(15) if syntax == "X12" else _iftsta_body(15)
    assert {p.position for p in _too_large(outcome)} == {1 + len(longest)}


def _long_x12(count: int, length: int) -> bytes:
    body = [*_214_body(1), *(f"L11*{i:06d}{'A' * length}*ZZ" for i in range(count))]
    small = _x12_set("214", "0002", _214_body(2, start=7))
    return _x12("QM", _x12_set("214", "0001", body), small)


def _long_iftsta(count: int, component: str) -> bytes:
    # each one distinct: the reader shares one object among equal segments
    body = [*_iftsta_body(1), *(f"FTX+AAA+++{i:06d}{component}" for i in range(count))]
    return _edifact(_edifact_message("1", body), _edifact_message("2", _iftsta_body(2)))


@pytest.mark.parametrize(
    ("make", "first"),
    [
        (lambda: _long_x12(100, 200_000), 7 + 20),  # ST, B10, L11, one event: 7 segments
        (lambda: _long_iftsta(100, "A" * 200_000), 9 + 20),  # UNH, 3 + 5 segments
        # releases: the long way in EDIFACT, counted with their releases undone
        (lambda: _long_iftsta(100, "A?+" * 100_000), 9 + 20),
    ],
    ids=["X12", "EDIFACT", "EDIFACT releases"],
)
def test_megabyte_elements_are_not_held(make: object, first: int) -> None:
    """A set of 100 segments of an element of 200,000 characters (20 MB) goes past the
    default 4,000,000 characters at its 20th: rejected there, the rest counted, not held
    (holding them traced 58 MB in X12, 23 MB with EDIFACT releases; 11 and 8 MB now), and
    the set after it translated."""
    data = make()  # type: ignore[operator]
    outcome, requests, peak = _traced(data)
    (big, small) = _sets(outcome)
    assert big[1:] == (False, first - 20 + 100 + 1) and small[1]
    assert _events(requests) == 2  # the small set's events
    (found,) = _too_large(outcome)
    assert found.position == first and "max_set_characters" in found.message, found
    assert peak < 16 * 2**20, f"{peak / 2**20:.0f} MB traced"


def test_a_message_of_wide_composites_is_rejected_at_the_component_budget() -> None:
    """RFF segments of 10,000 components each: past max_set_elements (150,000 by default)
    at the 15th one (the message's first 4 segments hold 11 items), not held."""
    body = [*_iftsta_body(0), "CNI+1+1Z00000001", *(["RFF+ON" + ":ab" * 10_000] * 40)]
    data = _edifact(_edifact_message("1", body))
    outcome, requests, peak = _traced(data)
    (found,) = _too_large(outcome)
    items = _edifact_items(["UNH+1+IFTSTA:D:01B:UN", *body[:4]])
    assert found.position == 5 + 15 and items + 15 * 10_002 > 150_000 > items + 14 * 10_002
    assert "max_set_elements" in found.message and "components" in found.message
    assert requests == [] and peak < 20 * 2**20, f"{peak / 2**20:.0f} MB traced"


@pytest.mark.parametrize("type_code", ["856", "DESADV"])
def test_ship_notices_have_the_character_limit_too(type_code: str) -> None:
    if type_code == "856":
        body = _856_body(3)
        body[-1:-1] = [f"REF*ZZ*{'R' * 500}"] * 10
        data = _x12("SH", _x12_set("856", "0001", body))
    else:
        body = ["BGM+351+DN1+9", "DTM+137:20261124:102", *[f"FTX+AAA+++{'R' * 500}"] * 10]
        data = _edifact(_edifact_message("1", body, "DESADV:D:96A:UN"))
    outcome, _ = _translate(data, _profile(max_set_characters=2_000))
    (found,) = _too_large(outcome)
    assert "max_set_characters" in found.message and found.segment in ("REF", "FTX")


def test_the_first_limit_reached_is_named() -> None:
    """Wide segments then long ones, and the other way round: whichever of
    max_set_elements / max_set_characters a set reaches first is named."""
    wide = "L11*" + "*".join(["ab"] * 99)  # 100 items, 300 characters
    long = "L11*" + "A" * 2_000 + "*ZZ"  # 3 items, 2,008 characters
    for body, setting in (([wide] * 20 + [long] * 20, "max_set_elements"),
                          ([long] * 20 + [wide] * 20, "max_set_characters")):  # fmt: skip
        data = _x12("QM", _x12_set("214", "0001", [*_214_body(1), *body]))
        outcome, _ = _translate(data, _profile(max_set_elements=1_000,
                                               max_set_characters=10_000))  # fmt: skip
        (found,) = _too_large(outcome)
        assert setting in found.message, found


def test_the_limits_are_profile_settings() -> None:
    assert PartnerProfile().max_set_characters == 4_000_000
    with pytest.raises(ValueError, match="max_set_characters"):
        PartnerProfile(max_set_characters=999)


@pytest.mark.parametrize("syntax", ["X12", "EDIFACT"])
def test_long_clean_segments_are_not_remembered(syntax: str) -> None:
    """The readers remember the segment texts they found faultless (a file repeats most of
    its segments), 4,096 at most: long ones are not among them. 600 sets each under every
    limit, each with a distinct clean segment of 30,000 characters (an X12 L11 holds
    elements past its table's, an EDIFACT FTX free text), an 18 MB file: remembered, they
    traced 23 MB (X12) and 36 MB (EDIFACT); 7 and 1.5 MB not."""
    if syntax == "X12":
        data = _x12("QM", *[_x12_set("214", f"{n:04d}", [*_214_body(1),
                                                          f"L11*R{n}*ZZ*X*{n:06d}{'A' * 30_000}"])
                            for n in range(1, 601)])  # fmt: skip
    else:
        data = _edifact(*[_edifact_message(str(n), [*_iftsta_body(1),
                                                    f"FTX+AAA+++{n:06d}{'A' * 30_000}"])
                          for n in range(1, 601)])  # fmt: skip
    outcome, requests, peak = _traced(data)
    assert len(_sets(outcome)) == 600 and not _too_large(outcome)
    if syntax == "X12":  # (FTX is not in an IFTSTA there: the messages are rejected)
        assert _events(requests) == 600
    assert peak < 12 * 2**20, f"{peak / 2**20:.0f} MB traced"


def test_a_header_past_a_limit_is_named_itself() -> None:
    """An ST / UNH that alone holds more than a limit is the segment named (position 1),
    not the one after it."""
    body = _214_body(1)
    x12_wide = _x12("QM", _x12_set("214", "0001*" + "*".join(["X"] * 20), body))
    x12_long = _x12("QM", _x12_set("214", "0001*" + "X" * 2_000, body))
    edi_long = _edifact(_edifact_message("1+" + "X" * 2_000, _iftsta_body(1)))
    for data, limits in ((x12_wide, {"max_set_elements": 10}),
                         (x12_long, {"max_set_characters": 1_000}),
                         (edi_long, {"max_set_characters": 1_000})):  # fmt: skip
        outcome, requests = _translate(data, _profile(**limits))
        (found,) = _too_large(outcome)
        assert requests == [] and found.position == 1, found
        assert found.segment in ("ST", "UNH") and "from its segment 1 on" in found.message


def test_a_header_read_alone_is_counted() -> None:
    """A UNH longer than the EDIFACT lexer's buffer is read alone, in no batch: it is
    counted all the same, and one past a limit on its own is named at position 1 at the
    default limits (200,000 components in its message identifier)."""
    unh_tail = "IFTSTA:D:01B:UN:" + ":".join(["ab"] * 200_000)
    data = _edifact(_edifact_message("1", _iftsta_body(1), unh_tail),
                    _edifact_message("2", _iftsta_body(2)))  # fmt: skip
    outcome, requests = _translate(data, _profile())
    (found,) = _too_large(outcome)
    assert found.position == 1 and found.segment == "UNH" and "max_set_elements" in found.message
    assert [accepted for _, accepted, _ in _sets(outcome)] == [False, True]
    assert _events(requests) == 2


def test_long_segments_are_split_one_at_a_time() -> None:
    """A block of long segments reaches the reader one segment a batch, so a set is counted
    after each (4 of 430,000 characters of 2-character elements split at once took a set
    being read past 100 MB before it was counted)."""
    from gateway.envelope.x12_syntax import X12Tokenizer

    wide = "L11*" + "*".join(["ab"] * 1_000)
    body = [*_214_body(1), *[wide] * 8]
    text = _x12("QM", _x12_set("214", "0001", body)).decode("latin-1")
    batches = [t.segments for t in X12Tokenizer(iter([text])).batches() if t.segments]
    sizes = [len(batch) for batch in batches if any(len(s) > 100 for s in batch)]
    assert sizes == [1] * 8


def test_each_segment_is_counted_exactly_once() -> None:
    """The exact count goes on from the segments it counted before (release characters
    make the cheap count of EDIFACT run ahead of it batch after batch: counting from the
    first segment each time cost a release-heavy file a third more time)."""
    calls: list[int] = []

    def size(segment: int) -> tuple[int, int]:
        calls.append(segment)
        return 1, 10

    segments = list(range(100))
    whole = size_cut(segments, size, 1_000, 10_000)
    assert whole == (100, 1_000, 0, None) and calls == segments
    calls.clear()
    first = size_cut(segments[:60], size, 1_000, 10_000)
    rest = size_cut(segments, size, 1_000, 10_000, 60, first[:2])
    assert rest == whole and calls == segments
    calls.clear()
    assert size_cut(segments, size, 1_000, 555, 60, (60, 600)) == (
        61,
        610,
        60,
        ("max_set_characters", 555, 61),
    )
    assert calls == [60]


def test_release_characters_are_counted_undone() -> None:
    """EDIFACT text is counted with its releases undone (`?+` is one character): the cheap
    count of the raw text runs ahead, the exact one decides."""
    body = [*_iftsta_body(2), *[f"FTX+AAA+++{'A?+' * 100}"] * 30]
    lines = ["UNH+1+IFTSTA:D:01B:UN", *body]
    exact = sum(len(line.replace("?+", "+")) + 1 for line in lines)
    data = _edifact(_edifact_message("1", body))
    at_limit, _ = _translate(data, _profile(max_set_characters=exact))
    assert not _too_large(at_limit)  # (rejected for its FTXs, not for its size)
    over, _ = _translate(data, _profile(max_set_characters=exact - 1))
    (found,) = _too_large(over)
    assert found.position == len(lines) and found.segment == "FTX"


def _codes(outcome: Any) -> list[list[str]]:
    """The problem codes of each interchange, group and set, in order."""
    return [[p.code.value for p in ic.problems]
            + [p.code.value for g in ic.groups for p in g.problems]
            + [p.code.value for g in ic.groups for s in g.sets for p in s.problems]
            for ic in outcome.interchanges]  # fmt: skip


def _huge_headers(syntax: str, value: str, sets: int, trailer: str | None = None) -> bytes:
    """`sets` sets / messages whose control numbers (ST02, GS06; UNH 0062, UNG 0048) are
    all `value`, and their trailers' (SE02, GE02; UNT 0062, UNE 0048) `trailer` (the same
    when not given)."""
    end = value if trailer is None else trailer
    if syntax == "X12":
        lines = _214_body(1)
        body = "".join("~\n".join([f"ST*214*{value}", *lines, f"SE*{len(lines) + 2}*{end}"])
                       + "~\n" for _ in range(sets))  # fmt: skip
        group = f"GS*QM*SCAC*AMAZONDF*20261125*1200*{value}*X*004010~\n"
        tail = f"GE*{sets}*{end}~\nIEA*1*000000001~\n"
        return (ISA + group + body + tail).encode("latin-1")
    lines = [f"UNH+{value}+IFTSTA:D:01B:UN", *_iftsta_body(1)]
    messages = "".join("'\n".join([*lines, f"UNT+{len(lines) + 1}+{end}"]) + "'\n"
                       for _ in range(sets))  # fmt: skip
    head = "UNA:+.? '\nUNB+UNOC:3+DEMOCARRIER:ZZ+AMAZONDF:ZZ+261124:1830+IC1001+++++1'\n"
    group = f"UNG+IFTSTA+DEMOCARRIER:ZZ+AMAZONDF:ZZ+261124:1830+{value}+UN+D:01B'\n"
    tail = f"UNE+{sets}+{end}'\nUNZ+1+IC1001'\n"
    return (head + group + messages + tail).encode("latin-1")


@pytest.mark.parametrize("syntax", ["X12", "EDIFACT"])
def test_long_header_values_are_kept_clipped(syntax: str) -> None:
    """Control numbers, types and versions are kept until the interchange's trailer: a
    long one is kept clipped (60 sets with a 200,000-character ST02 traced 25 MB, 24 MB
    for UNH 0062; 7 and 2 MB now), once its trailer's value is compared with it whole: the
    same problems as a value merely too long."""
    short = _translate(_huge_headers(syntax, "1" * 20, 60), _profile())[0]
    outcome, requests, peak = _traced(_huge_headers(syntax, "1" * 200_000, 60))
    assert _codes(outcome) == _codes(short) and requests == []
    assert peak < 10 * 2**20, f"{peak / 2**20:.0f} MB traced"


@pytest.mark.parametrize("syntax", ["X12", "EDIFACT"])
def test_long_header_values_are_compared_whole(syntax: str) -> None:
    """A trailer's control number is compared with its header's whole, before the header's
    is clipped: two long ones that differ only where a clipped text leaves characters out
    still mismatch, and a trailer that is the header's clipped text is not the header's."""
    from gateway.problems import clip_value

    header = "1" * 300
    middle = header[:150] + "2" + header[151:]
    mismatches = {"group_control_mismatch", "set_control_mismatch"}
    for trailer in (middle, clip_value(header)):
        outcome, _ = _translate(_huge_headers(syntax, header, 2, trailer), _profile())
        codes = {code for codes in _codes(outcome) for code in codes}
        assert mismatches <= codes, (trailer[:20], codes)
    same = _translate(_huge_headers(syntax, header, 2), _profile())[0]
    assert not mismatches & {code for codes in _codes(same) for code in codes}


@pytest.mark.parametrize("syntax", ["X12", "EDIFACT"])
def test_a_group_rejected_for_a_long_control_sends_nothing(syntax: str) -> None:
    """A group whose GS06 / UNG 0048 is too long is rejected: none of its sets' requests
    goes, whatever the length (the group and its sets' origins name it clipped alike)."""
    for length in (9, 20, 201, 5_000):
        control = "1" * length
        if syntax == "X12":
            data = (ISA + f"GS*QM*SCAC*AMAZONDF*20261125*1200*{control}*X*004010~\n"
                    + _x12_set("214", "0001", _214_body(2))
                    + f"GE*1*{control}~\nIEA*1*000000001~\n").encode("latin-1")  # fmt: skip
        else:
            data = ("UNA:+.? '\nUNB+UNOC:3+DEMOCARRIER:ZZ+AMAZONDF:ZZ+261124:1830+IC1001'\n"
                    f"UNG+IFTSTA+DEMOCARRIER:ZZ+AMAZONDF:ZZ+261124:1830+{control}+UN+D:01B'\n"
                    + _edifact_message("1", _iftsta_body(2))
                    + f"UNE+1+{control}'\nUNZ+1+IC1001'\n").encode("latin-1")  # fmt: skip
        outcome, requests = _translate(data, _profile())
        valid = length <= (9 if syntax == "X12" else 14)
        assert (requests != []) == valid and outcome.accepted == valid, length
