"""An interchange whose UNB uses delimiters no UNA declares: the partner left its UNA out,
cut it short, or sent one that declares others. Its UNB was taken for one long segment (or
the file for no EDIFACT), the interchange got no CONTRL, only file-level errors. Now the
UNB is read with the delimiters it shows (`edifact_shown.unb_own`: the character after
its tag, the one after its syntax identifier, the one before the next UNH/UNG/UNZ), the
interchange is named and answered with them, and rejected (CONTRL UCI action 4, code 20,
element UNB 1); the interchanges around it go on as before. A UNB that uses the delimiters
in force is read as it was."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gateway.envelope.edifact_shown import unb_own
from gateway.problems import ProblemCode
from tests.test_broken_headers import COUNT, acks_for, edifact_interchange, translate

UNA = "UNA:+.? '\n"
# (component, element, segment terminator) a partner uses without declaring them
SHOWN = [("|", "*", "~"), (">", "*", "'"), (":", "|", "!"), (":", "+", "~"), ("^", "~", "\x1c")]
# what comes before the UNB: nothing, a whole UNA of the defaults, a short UNA, a whole UNA
# of other delimiters than the UNB's
BEFORE = ["", UNA, "UNA:+.", "UNA|*.? ~\n"]


def _in(text: str, component: str, element: str, terminator: str) -> str:
    """`text` (default delimiters, nothing released) written with other delimiters."""
    table = str.maketrans({":": component, "+": element, "'": terminator})
    return text.translate(table)


def _mailbag(broken: int, before: str, shown: tuple[str, str, str], breaks: bool) -> bytes:
    texts = []
    for n in range(1, COUNT + 1):
        text = edifact_interchange(n)
        if n == broken:
            text = _in(text, *shown)
            text = before + (text if breaks else text.replace("\n", ""))
        else:
            text = UNA + text if n % 2 else text
        texts.append(text)
    return "".join(texts).encode("latin-1")


def _uci(content: str, terminator: str, element: str) -> list[str]:
    segment = next(s for s in content.split(terminator) if s.strip().startswith("UCI"))
    return segment.strip().split(element)


@pytest.mark.parametrize("breaks", [True, False])
@pytest.mark.parametrize("shown", SHOWN)
@pytest.mark.parametrize("before", BEFORE)
@pytest.mark.parametrize("broken", [1, 3, COUNT])
def test_an_interchange_with_undeclared_delimiters_is_answered_and_rejected(
    broken: int, before: str, shown: tuple[str, str, str], breaks: bool
) -> None:
    component, element, terminator = shown
    if before == "UNA|*.? ~\n" and shown[:3] == ("|", "*", "~"):
        pytest.skip("that UNA declares them: a clean interchange")
    outcome, requests = translate(_mailbag(broken, before, shown, breaks))
    assert outcome.interchange_count == COUNT
    (contrl,) = acks_for(outcome, f"IC{broken}")
    # the CONTRL is written with the delimiters the partner's UNB showed, and says so
    assert contrl.content.startswith(f"UNA{component}{element}"), contrl.content
    assert contrl.content.rstrip("\r\n").endswith(terminator)
    uci = _uci(contrl.content, terminator, element)
    assert uci[1:6] == [f"IC{broken}", f"CARRIER{component}ZZ", f"AMAZON{component}ZZ", "4",
                        "20"], uci  # fmt: skip
    faults = [p for p in outcome.problems if p.interchange == f"IC{broken}"]
    declared = before.startswith("UNA") and len(before.strip()) == 9
    in_force = (before[4], before[8]) if declared else ("+", "'")
    (own,) = [p for p in faults if p.segment == "UNB" and "the UNB shows" in p.message]
    if element != in_force[0]:
        assert own.code is ProblemCode.ELEMENT_SEPARATOR_INVALID and own.element == 1
        assert f"separates its elements with {element!r}" in own.message
    else:
        assert own.code is ProblemCode.SEGMENT_TERMINATOR_INVALID and own.element is None
        assert f"ends with {terminator!r}" in own.message
    assert f"segment terminator {terminator!r}" in own.message
    assert ("the UNA declares" if declared else "no UNA declares them") in own.message
    for n in set(range(1, COUNT + 1)) - {broken}:
        (other,) = acks_for(outcome, f"IC{n}")
        assert f"UCI+IC{n}+CARRIER:ZZ+AMAZON:ZZ+7" in other.content, other.content
    assert len(requests) == COUNT - 1
    assert all(f"TRK{broken:010d}" not in repr(r) for r in requests)


def test_a_unb_with_the_delimiters_in_force_is_read_as_before() -> None:
    """The defaults without a UNA, a UNA's own: no fault, every interchange translated."""
    plain = "".join(edifact_interchange(n) for n in range(1, 4))
    declared = "UNA|*.? ~\n" + _in(edifact_interchange(4), "|", "*", "~")
    outcome, requests = translate((plain + declared).encode("latin-1"))
    assert outcome.accepted, outcome.problems
    assert len(requests) == 4
    assert not [p for p in outcome.problems if p.code is ProblemCode.ELEMENT_SEPARATOR_INVALID]


def test_a_second_interchange_goes_back_to_the_defaults() -> None:
    """After an interchange read with its UNB's own delimiters, a UNB of the defaults
    without a UNA is read with the defaults."""
    first = _in(edifact_interchange(1), "|", "*", "~")
    outcome, requests = translate((first + edifact_interchange(2)).encode("latin-1"))
    (second,) = acks_for(outcome, "IC2")
    assert "UCI+IC2+CARRIER:ZZ+AMAZON:ZZ+7'" in second.content
    assert len(requests) == 1


@pytest.mark.parametrize(
    ("text", "element", "expected"),
    [
        (b"UNB*UNOA|3*S*R*261124|1830*1~UNH*1*IFTSTA~", b"+", b"|*.  ~"),
        (b"UNB+UNOA:3+S+R+261124:1830+1~UNH+1+IFTSTA~", b"+", b":+.  ~"),  # the terminator
        (b"UNB*UNOA|3*S*R*261124|1830*1~\r\nUNH*1*IFTSTA~\r\n", b"+", b"|*.  ~"),
        (b"UNB*UNOA|3*S*R*261124|1830*1~UNG*1*X~", b"+", b"|*.  ~"),
        (b"UNB+UNOA:3+S+R+261124:1830+1'UNH+1+IFTSTA'", b"*", b":+.  '"),  # the separator
        (b"UNB+UNOA:3+S+R+261124:1830+1'UNH+1+IFTSTA'", b"+", None),  # the ones in force
        (b"UNB*UNO*S*R*D*1~UNH*1~", b"+", b":*.  ~"),  # no component separator: ":"
        (b"UNB.UNOA:3.S.R.D:T.1~UNH.1~", b"+", b":..  ~"),  # the decimal mark is data
    ],
)
def test_the_delimiters_a_unb_shows(text: bytes, element: bytes, expected: bytes | None) -> None:
    assert unb_own(text, 0, element, b"'", True) == expected


@pytest.mark.parametrize(
    "text",
    [
        b"UNB+UNOA:3+S+R+D:T+1'UNH+1'",  # the delimiters in force
        b"UNBXUNOA:3XSXRXD:TX1'UNHX1'",  # a letter: no separator
        b"UNB UNOA:3 S R D:T 1'UNH 1'",  # a blank
        b"UNB\x00UNOA:3\x00S\x00R\x00D:T\x001~UNH\x001~",  # NUL: no delimiter
        b"UNB*UNOA\x003*S*R*D\x00T*1~UNH*1~",  # nor as the component separator
        b"UNB*UNOA:3*S*R*D:T*1",  # no message after it: no terminator shown
        b"UNB*UNOA:3*S*R*D:T*1*UNH*1",  # the "terminator" is the element separator
        # data that looks like a cut: a party "DEMO/UNH", "ACME-UNG", a released "O?"
        b"UNB+UNOC:3+DEMO/UNH+AMAZONDF:ZZ+261124:1830+IC1'\nUNH+1+IFTSTA'",
        b"UNB+UNOC:3+ACME-UNG+AMAZONDF:ZZ+261124:1830+IC1'UNH+1+IFTSTA'",
        b"UNB+UNOC:3+O??UNH+AMAZONDF:ZZ+261124:1830+IC1'UNH+1+IFTSTA'",
        b"UNB+UNOC:3+S+R+261124:1830+IC/UNH+1'UNH+1+IFTSTA'",  # in 0020: the next ends "'"
        b"UNB*UNOC:3*S*R*261124:1830*IC1~UNH*1*IFTSTA'BGM*1'",  # the next segment ends "'"
    ],
)
def test_no_delimiters_are_guessed_from_what_shows_none(text: bytes) -> None:
    assert unb_own(text, 0, b"+", b"'", True) is None


def test_more_bytes_are_asked_for_before_giving_up() -> None:
    assert unb_own(b"UNB*UNOA:3*S*R*1", 0, b"+", b"'", False) == -1
    assert unb_own(b"UNB", 0, b"+", b"'", False) == -1


@pytest.mark.parametrize("before_cut", [60, 20, 5, 2])
def test_a_unb_spanning_reads_is_read_whole(before_cut: int) -> None:
    """The 1 KiB reads of `translate` cut the UNB (`before_cut` bytes of it before the cut)
    or the text before its UNH."""
    filler = "".join(edifact_interchange(n) for n in range(1, 40))
    filler += "\n" * ((-len(filler) - before_cut) % 1024)  # white space between: ignored
    broken = _in(edifact_interchange(40), "|", "*", "~")
    outcome, requests = translate((filler + broken).encode("latin-1"))
    (contrl,) = acks_for(outcome, "IC40")
    assert re.search(r"UCI\*IC40\*CARRIER\|ZZ\*AMAZON\|ZZ\*4\*20", contrl.content), contrl
    assert len(requests) == 39


SAMPLE = (Path(__file__).resolve().parents[1] / "samples" / "10-edifact-iftsta-d01b"
          / "input.edi").read_text()  # fmt: skip


@pytest.mark.parametrize(
    ("where", "value"),
    [
        ("DEMOCARRIER:ZZ", "DEMO/UNH:ZZ"),  # S002: a party holding "/UNH"
        ("DEMOCARRIER:ZZ", "ACME-UNG:ZZ"),
        ("DEMOCARRIER:ZZ", "O??UNH:ZZ"),  # a released "?" before "UNH"
        ("AMAZONDF:ZZ", "AMAZON.UNZ:ZZ"),  # S003
        ("IC1001", "IC/UNH"),  # 0020 (and UNZ)
    ],
)
@pytest.mark.parametrize("una", [True, False])
def test_a_unb_holding_what_looks_like_a_cut_is_read_as_before(
    where: str, value: str, una: bool
) -> None:
    """Review 20 (HIGH): a party "DEMO/UNH" made the "/" the UNB's terminator, and a good
    file was rejected with a CONTRL addressed to "0"."""
    text = SAMPLE.replace(where, value)
    if not una:
        text = text[text.index("UNB") :]
    outcome, requests = translate(text.encode("latin-1"))
    assert outcome.accepted, [p.message for p in outcome.problems]
    assert len(requests) == 1
    (contrl,) = outcome.acknowledgements
    assert "UCI+IC" in contrl.content and "+7'" in contrl.content, contrl.content


@pytest.mark.parametrize("head", ["", "UNA\x00*.? ~", "UNA:\x00.? '", "UNA:+.?\x00'"])
def test_nul_delimiters_are_no_internal_error(head: str) -> None:
    """Review 20 (MEDIUM): a UNB separated by NUL (no UNA) was guessed and crashed the
    CONTRL writer, which marked the control number's place with a NUL; a UNA declaring a
    NUL delimiter crashed it already. Answered or refused, never an internal error."""
    body = _in(edifact_interchange(1), "|", "\x00", "~") if not head else edifact_interchange(1)
    if head:
        body = body.replace("+", head[4]).replace(":", head[3]).replace("'", head[8])
    outcome, _ = translate((head + body + edifact_interchange(2)).encode("latin-1"))
    assert ProblemCode.INTERNAL_ERROR not in {p.code for p in outcome.problems}
    (second,) = acks_for(outcome, "IC2")
    assert "UCI+IC2+CARRIER:ZZ+AMAZON:ZZ+7'" in second.content


def test_the_message_names_the_delimiters_in_force() -> None:
    """Review 20 (LOW): a UNA, an empty segment, then a UNB of its own: the defaults were in
    force, but the message said "ends with '~' but the UNA declares '~'"."""
    text = "UNA:*.? ~~" + _in(edifact_interchange(1), ":", "*", "~")
    outcome, _ = translate(text.encode("latin-1"))
    (own,) = [p for p in outcome.problems if "the UNB shows" in p.message]
    assert "no UNA declares them (the defaults are '+')" in own.message, own.message
