"""A mailbag repeats one interchange header thousands of times, and the readers and ack
writers remember what they made of one (issue 11: the ISA / GS checks of a header seen
faultless, the ack's delimiters, copied values and ISA, the CONTRL's delimiters, the UNA's
delimiters). What they remember must never answer for a header that differs: these
mailbags repeat a header and then change one thing in it, in a later interchange only."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gateway.ack.context import AckContext
from gateway.ack.x12_envelope import fit, isa_text
from gateway.envelope.x12_header import IsaHeader
from gateway.envelope.x12_syntax import Delimiters
from gateway.problems import ProblemCode
from tests.test_broken_headers import NOW, acks_for, edifact_interchange, isa, translate
from tests.test_broken_headers import x12_interchange as _x12


def _x12_mailbag(last: str) -> bytes:
    """Interchanges 1 and 2 as usual, then `last` (interchange 3, changed)."""
    return (_x12(1) + _x12(2) + last).encode("latin-1")


# ISA element -> a value of the same fixed width that check_isa rejects
_ISA_FAULTS = {
    9: "261399",  # no 13th month
    10: "2460",  # no hour 24
    12: "0040A",  # version not numeric
    14: "2",  # acknowledgment requested: 0 or 1
    15: "X",  # usage indicator: P, T or I
    6: "DEMO>CARRIER   ",  # holds the component separator
}


@pytest.mark.parametrize("element", sorted(_ISA_FAULTS))
def test_an_isa_fault_is_found_after_the_same_isa_was_faultless(element: int) -> None:
    fields = _x12(3).split("*")
    assert len(fields[element]) == len(_ISA_FAULTS[element])
    fields[element] = _ISA_FAULTS[element]
    outcome, requests = translate(_x12_mailbag("*".join(fields)))
    first, second, third = outcome.interchanges
    assert first.accepted and second.accepted
    assert not third.accepted
    assert [p.element for p in third.problems] == [element]
    assert third.problems[0].code is ProblemCode.INTERCHANGE_FIELD_INVALID
    ta1 = acks_for(outcome, "000000003")[0].content
    assert "TA1*000000003*" in ta1 and "*R*" in ta1
    assert len(requests) == 2


# GS element -> a value check_gs rejects
_GS_FAULTS = {
    2: "DEMO>CARRIER",  # holds the component separator
    4: "20261399",  # no 13th month
    5: "2460",  # no hour 24
    7: "Y",  # responsible agency: X or T
    8: "0040101234567",  # longer than 12
}
_GS = "GS*QM*DEMOCARRIER*AMAZONDF*20261124*1830*1*X*004010"


@pytest.mark.parametrize("element", sorted(_GS_FAULTS))
def test_a_gs_fault_is_found_after_the_same_gs_was_faultless(element: int) -> None:
    fields = _GS.split("*")
    fields[element] = _GS_FAULTS[element]
    outcome, requests = translate(_x12_mailbag(_x12(3).replace(_GS, "*".join(fields))))
    assert all(g.problems == [] for ic in outcome.interchanges[:2] for g in ic.groups)
    (group,) = outcome.interchanges[2].groups
    assert [(p.code, p.element) for p in group.problems] == [
        (ProblemCode.GROUP_HEADER_INVALID, element)
    ]
    assert len(requests) == 2


def test_a_gs_with_another_control_number_is_still_checked_whole() -> None:
    """GS06 is the one element a remembered GS may differ in: a faulty one is reported."""
    last = _x12(3).replace(_GS, _GS.replace("*1830*1*", "*1830*1234567890*"))
    last = last.replace("GE*1*1~", "GE*1*1234567890~")
    outcome, _ = translate(_x12_mailbag(last))
    (group,) = outcome.interchanges[2].groups
    assert (ProblemCode.GROUP_HEADER_INVALID, 6) in [(p.code, p.element) for p in group.problems]


def _other_delimiters(text: str) -> str:
    """The same interchange written with | as element separator, ! as terminator, ^ as
    component separator."""
    return text.replace("*", "|").replace("~", "!").replace(">", "^")


def test_each_interchange_is_answered_with_its_own_delimiters() -> None:
    data = _x12_mailbag(_other_delimiters(_x12(3))) + _x12(4).encode()
    outcome, requests = translate(data)
    assert all(ic.accepted for ic in outcome.interchanges)
    assert len(requests) == 4
    for control, element, terminator in (("1", "*", "~"), ("3", "|", "!"), ("4", "*", "~")):
        acks = acks_for(outcome, f"00000000{control}")
        assert [a.type for a in acks] == ["TA1", "997"]
        for ack in acks:
            assert ack.content.startswith(f"ISA{element}00{element}")
            assert ack.content.rstrip("\n").endswith(terminator)
        assert f"TA1{element}{control.zfill(9)}{element}" in acks[0].content


def test_a_copied_value_fits_by_the_delimiters_it_is_written_with() -> None:
    star = Delimiters("*", ">", None, "~")
    pipe = Delimiters("|", ">", None, "~")
    for first, second in ((star, pipe), (pipe, star)):
        assert fit("A|B", first, 1, 15) == ("A|B" if first is star else None)
        assert fit("A|B", second, 1, 15) == ("A|B" if second is star else None)
    # the same value, another length or type: a fit of its own
    assert fit("12345", star, 1, 5, numeric=True) == "12345"
    assert fit("12345", star, 1, 4, numeric=True) is None
    assert fit("1234A", star, 1, 5, numeric=True) is None


def test_the_ack_isa_follows_the_clock_and_the_inbound_header() -> None:
    elements = tuple(["ISA", *isa(1).rstrip("~\n").split("*")[1:]])
    header = IsaHeader(elements, Delimiters("*", ">", None, "~", "\n"))
    ctx = AckContext(now=NOW)
    first = isa_text(header, 7, ctx)
    assert "*261130*1200*U*00401*000000007*0*P*>~\n" in first
    ctx.now = NOW + timedelta(days=1, minutes=5)
    later = isa_text(header, 8, ctx)
    assert "*261201*1205*U*00401*000000008*0*P*>~\n" in later
    test = IsaHeader((*elements[:15], "T", ">"), header.delimiters)
    assert isa_text(test, 9, ctx).endswith("*000000009*0*T*>~\n")
    assert len(first) == len(later) == 107  # 106 and the line break


def test_each_edifact_interchange_is_answered_with_its_own_una() -> None:
    una_colon, una_bar = "UNA:+.? '\n", "UNA|+.? '\n"
    third = edifact_interchange(3).replace(":", "|")
    data = (
        una_colon + edifact_interchange(1) + una_colon + edifact_interchange(2)
        + una_bar + third + una_colon + edifact_interchange(4)
    )  # fmt: skip
    outcome, requests = translate(data.encode("latin-1"))
    assert all(ic.accepted for ic in outcome.interchanges)
    assert len(requests) == 4
    for control, component in (("IC1", ":"), ("IC3", "|"), ("IC4", ":")):
        (contrl,) = acks_for(outcome, control)
        assert contrl.content.startswith(f"UNA{component}+.? '")
        assert f"UNB+UNOA{component}3+AMAZON{component}ZZ+" in contrl.content


def test_each_edifact_interchange_is_answered_with_its_own_line_break() -> None:
    una = "UNA:+.? '\n"
    crlf = una.replace("\n", "\r\n") + edifact_interchange(2).replace("'\n", "'\r\n")
    data = una + edifact_interchange(1) + crlf + una + edifact_interchange(3)
    outcome, _ = translate(data.encode("latin-1"))
    texts = {control: acks_for(outcome, control)[0].content for control in ("IC1", "IC2", "IC3")}
    assert "\r\n" not in texts["IC1"] and "\r\n" not in texts["IC3"]
    assert texts["IC2"].count("'\r\n") == texts["IC2"].count("'") > 4
    assert texts["IC1"].count("'\n") == texts["IC1"].count("'") > 4


def test_a_contrl_releases_a_value_after_values_that_needed_nothing() -> None:
    """The writer's short cut for a value holding no service character must not skip one
    that does (a sender id with '+', released)."""
    third = edifact_interchange(3).replace("CARRIER:ZZ", "CAR?+RIER:ZZ")
    data = edifact_interchange(1) + edifact_interchange(2) + third
    outcome, _ = translate(data.encode("latin-1"))
    (contrl,) = acks_for(outcome, "IC3")
    assert "+CAR?+RIER:ZZ+" in contrl.content
    assert "+CARRIER:ZZ+" in acks_for(outcome, "IC1")[0].content


def test_without_una_each_edifact_interchange_keeps_its_own_line_break() -> None:
    """No UNA: the line break after each UNB is the one its CONTRL repeats."""
    crlf = edifact_interchange(2).replace("'\n", "'\r\n")
    data = edifact_interchange(1) + crlf + edifact_interchange(3) + crlf.replace("IC2", "IC4")
    outcome, _ = translate(data.encode("latin-1"))
    texts = {control: acks_for(outcome, control)[0].content for control in ("IC1", "IC2", "IC4")}
    assert texts["IC1"].count("'\n") == texts["IC1"].count("'") > 4
    assert "\r\n" not in texts["IC1"]
    for control in ("IC2", "IC4"):
        assert texts[control].count("'\r\n") == texts[control].count("'") > 4


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (("CARRIER:ZZ", "OTHERCAR:ZZ"), "+AMAZON:ZZ+OTHERCAR:ZZ+"),  # the sender, swapped in
        (("CARRIER:ZZ", "CARRIER:01"), "+AMAZON:ZZ+CARRIER:01+"),  # its qualifier
        (("+IC3'", "+IC3++++++1'"), "++++++1'"),  # 0035: a test interchange
        (("UNOA:3", "UNOC:4"), "UNB+UNOC:4+"),  # syntax and level (UNB date in CCYYMMDD)
    ],
)
def test_a_contrl_head_follows_each_interchange_of_a_mailbag(
    change: tuple[str, str], expected: str
) -> None:
    third = edifact_interchange(3).replace(*change, 1)  # the UNB's, not the UNZ's
    data = edifact_interchange(1) + edifact_interchange(2) + third + edifact_interchange(4)
    outcome, _ = translate(data.encode("latin-1"))
    heads = {c: acks_for(outcome, c)[0].content.split("UCI")[0] for c in ("IC1", "IC3", "IC4")}
    assert expected in heads["IC3"], heads["IC3"]
    assert expected not in heads["IC1"] and expected not in heads["IC4"]
