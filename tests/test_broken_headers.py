"""A broken interchange header in a mailbag does not swallow the interchanges after it.

A mailbag holds many interchanges back to back. When one header declares delimiters that
its segments do not use (a short or cut-off ISA whose 16 separators are counted into the
next segments, an ISA or UNA naming another terminator, a blank or a letter), or an
interchange lacks its trailer, the reader must not read the rest of the file as that one
interchange: it goes on at the next interchange header (gateway.envelope.x12_isa.header_at,
gateway.envelope.edifact_lexer._HEADER). Each case below breaks the third of six
interchanges and checks that:
- every later interchange is read, its requests released and its acks (TA1 A + 997, or
  CONTRL) written, exactly as in the same mailbag without the broken one;
- the broken one is answered by a well-formed TA1 R / CONTRL naming it, with the code
  X12.5 / ISO 9735 has for its fault, and nothing of it is released.
Before, most of these read the rest of the file as the broken interchange: 2 or 3 acks for
6 interchanges, and (X12) one problem per swallowed segment.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import BinaryIO, cast

import pytest

from gateway.ack.context import AckContext
from gateway.ack.model import Acknowledgement
from gateway.mapping.codes import load_code_tables
from gateway.mapping.result import TranslatedRequest
from gateway.pipeline import TranslationOutcome, translate_stream
from gateway.problems import ProblemCode
from gateway.profile import AckPreferences, PartnerProfile
from tests.test_memory_per_set import _BODY_214, _BODY_IFTSTA

PROFILE = PartnerProfile(
    selling_party="999US",
    ship_from="ABCD",
    ack=AckPreferences(ta1="always", contrl=True, positive_advice=True),
)
TABLES = load_code_tables()
NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
COUNT, BROKEN = 6, 3  # interchanges in a mailbag; the one broken


def isa(n: int, tail: str = "*0*P*>~\n") -> str:
    return (
        "ISA*00*          *00*          *ZZ*DEMOCARRIER    *ZZ*AMAZONDF       "
        f"*261124*1830*U*00401*{n:09d}{tail}"
    )


def x12_interchange(n: int) -> str:
    """Interchange `n`: one 214 (one status event) in one group; ISA13 = n."""
    body = "~\n".join(_BODY_214).replace("1Z0000000001", f"1Z{n:010d}")
    return (
        isa(n) + "GS*QM*DEMOCARRIER*AMAZONDF*20261124*1830*1*X*004010~\n"
        f"ST*214*0001~\n{body}~\nSE*{len(_BODY_214) + 2}*0001~\nGE*1*1~\nIEA*1*{n:09d}~\n"
    )


def unb(n: int) -> str:
    return f"UNB+UNOA:3+CARRIER:ZZ+AMAZON:ZZ+261124:1830+IC{n}'\n"


def edifact_interchange(n: int) -> str:
    """Interchange `n` (UNB 0020 = ICn): one IFTSTA."""
    body = "'\n".join(_BODY_IFTSTA).replace("TRK0000000001", f"TRK{n:010d}")
    return (
        f"{unb(n)}UNH+1+IFTSTA:D:01B:UN'\n{body}'\nUNT+{len(_BODY_IFTSTA) + 2}+1'\nUNZ+1+IC{n}'\n"
    )


def mailbag(make: Callable[[int], str], broken: Callable[[str], str] | None) -> bytes:
    """COUNT interchanges of `make`; the BROKEN-th one passed through `broken`."""
    texts = [make(n) for n in range(1, COUNT + 1)]
    if broken is not None:
        texts[BROKEN - 1] = broken(texts[BROKEN - 1])
    return "".join(texts).encode("latin-1")


class _SmallReads(io.BytesIO):
    """Reads of 1 KiB at most: interchanges and headers span the reader's chunks."""

    def read(self, size: int | None = -1) -> bytes:
        return super().read(1024 if size is None or size < 0 else min(size, 1024))


def translate(data: bytes) -> tuple[TranslationOutcome, list[TranslatedRequest]]:
    requests: list[TranslatedRequest] = []
    outcome = translate_stream(
        cast(BinaryIO, _SmallReads(data)), PROFILE, TABLES, AckContext(now=NOW),
        requests.append, keep_interchanges=True,
    )  # fmt: skip
    return outcome, requests


def acks_for(outcome: TranslationOutcome, control: str) -> list[Acknowledgement]:
    return [a for a in outcome.acknowledgements if a.acknowledges == control]


def _texts(requests: list[TranslatedRequest]) -> list[str]:
    return [repr(r) for r in requests]


# -- X12 -------------------------------------------------------------------------------


def _short_element(text: str) -> str:  # ISA06 one character short
    return text.replace("*DEMOCARRIER    *", "*DEMOCARRIER   *", 1)


def _cut_isa(text: str) -> str:  # the ISA cut off after ISA06 (a line ends it)
    return text[:53] + "\n" + text[text.index("GS*") :]


def _no_isa16(text: str) -> str:  # ISA16 and its separator missing
    return text.replace("*0*P*>~\n", "*0*P~\n", 1)


def _blank_terminator(text: str) -> str:
    return text.replace("*0*P*>~\n", "*0*P*> \n", 1)


def _isa_names_another_terminator(text: str) -> str:  # the segments end with "~"
    return text.replace("*0*P*>~\n", "*0*P*>|\n", 1)


def _segments_end_otherwise(text: str) -> str:  # the ISA says "~", the segments "!"
    return text[:106] + text[106:].replace("~", "!")


def _no_iea(text: str) -> str:
    return text[: text.index("IEA*")]


def _no_iea_and_no_terminator(text: str) -> str:  # the IEA lost its terminator, then
    return text.replace(f"IEA*1*{BROKEN:09d}~\n", f"IEA*1*{BROKEN:09d}\n")  # the next ISA


def _no_ge_iea_terminator(text: str) -> str:  # the GE lost its terminator and the IEA
    return text[: text.index("GE*")] + "GE*1*1\n"


X12_CASES: dict[str, tuple[Callable[[str], str], str]] = {
    # case: (break, TA105 of the broken interchange's TA1)
    "short ISA element": (_short_element, "006"),  # TA1 006 invalid interchange sender ID
    "ISA cut off": (_cut_isa, "004"),  # what ends it is no usable terminator
    "ISA16 missing": (_no_isa16, "004"),
    "blank terminator": (_blank_terminator, "004"),
    "ISA terminator not the segments'": (_isa_names_another_terminator, "004"),
    "segments end otherwise": (_segments_end_otherwise, "004"),
    "IEA missing": (_no_iea, "023"),  # TA1 023 interchange trailer missing
    "IEA terminator missing": (_no_iea_and_no_terminator, "000"),  # read: accepted as at EOF
    "GE terminator and IEA missing": (_no_ge_iea_terminator, "004"),
}


@pytest.mark.parametrize("case", sorted(X12_CASES))
def test_x12_later_interchanges_survive_a_broken_one(case: str) -> None:
    broken, note = X12_CASES[case]
    outcome, requests = translate(mailbag(x12_interchange, broken))
    clean, clean_requests = translate(mailbag(x12_interchange, None))
    assert outcome.interchange_count == COUNT
    controls = [ic.control for ic in outcome.interchanges]
    del controls[BROKEN - 1]  # (a cut-off ISA has no ISA13 to read)
    assert controls == [f"{n:09d}" for n in range(1, COUNT + 1) if n != BROKEN]
    for n in (*range(1, BROKEN), *range(BROKEN + 1, COUNT + 1)):
        control = f"{n:09d}"
        acks = acks_for(outcome, control)
        assert [a.type for a in acks] == ["TA1", "997"], (n, acks)
        assert f"TA1*{control}*261124*1830*A*000~" in acks[0].content
        assert "AK9*A*1*1*1~" in acks[1].content
        assert [a.type for a in acks_for(clean, control)] == ["TA1", "997"]
    # every event of the good interchanges released, none of the broken one's
    tracking = f"1Z{BROKEN:010d}"
    good = [r for r in _texts(clean_requests) if tracking not in r]
    if note == "000":  # the broken one is read whole after all
        assert len(requests) == len(clean_requests)
        return
    assert _texts(requests) == good and len(good) == COUNT - 1
    assert not outcome.accepted
    # the broken one: a TA1 R with its note, nothing else
    ta1s = [a for a in outcome.acknowledgements if a.type == "TA1" and "*R*" in a.content]
    assert len(ta1s) == 1, [a.content for a in outcome.acknowledgements]
    (ta1,) = ta1s
    term = ta1.content[105]
    segment = next(s.strip() for s in ta1.content.split(term) if s.strip().startswith("TA1*"))
    assert segment.split("*")[4:] == ["R", note], ta1.content
    assert ta1.content.startswith("ISA*") and len(ta1.content.split("\n")[0]) == 106
    assert ta1.content.rstrip("\n").endswith(ta1.content[105])  # IEA with the ISA's terminator
    assert len(outcome.acknowledgements) == 2 * (COUNT - 1) + 1


def _inner(ack: Acknowledgement) -> tuple[str, list[str]]:
    """An ack's type and segments but its envelopes' (their numbers are the acks' own)."""
    envelopes = ("ISA*", "IEA*", "GS*", "GE*")
    return ack.type, [s for s in ack.content.split("\n") if not s.startswith(envelopes)]


@pytest.mark.parametrize("ending", ["\n", "~\n", ""])
@pytest.mark.parametrize("length", [*range(4, 100, 9), 100, 102, 103, 104])
def test_x12_a_header_cut_off_before_the_next_one_loses_nothing_after_it(
    length: int, ending: str
) -> None:
    """An ISA cut off after `length` characters, the next interchange's ISA right after it
    (a line end, a terminator or nothing between): its separators, counted on into the next
    ISA, must not take that one with it. The cut text is reported (an error: the file is
    not accepted); every other interchange is read and acknowledged as in a clean mailbag.
    Before, the next interchange was lost whole (no ack, nothing sent)."""
    outcome, requests = translate(mailbag(x12_interchange, lambda _: isa(BROKEN)[:length] + ending))
    clean, clean_requests = translate(mailbag(x12_interchange, None))
    tracking = f"1Z{BROKEN:010d}"
    assert _texts(requests) == [r for r in _texts(clean_requests) if tracking not in r]
    for n in (*range(1, BROKEN), *range(BROKEN + 1, COUNT + 1)):
        control = f"{n:09d}"
        assert [_inner(a) for a in acks_for(outcome, control)] == \
            [_inner(a) for a in acks_for(clean, control)], n  # fmt: skip
    assert not outcome.accepted and any(p.severity == "error" for p in outcome.problems)


def test_x12_a_file_cut_off_inside_the_last_isa_keeps_the_ones_before() -> None:
    data = mailbag(x12_interchange, None) + isa(COUNT + 1).encode()[:40]
    outcome, requests = translate(data)
    assert outcome.interchange_count == COUNT and len(requests) == COUNT
    assert [a.type for a in outcome.acknowledgements] == ["TA1", "997"] * COUNT
    assert not outcome.accepted  # the cut-off header is reported on the file


def test_x12_an_interchange_whose_terminator_never_comes_is_skipped_to_the_end() -> None:
    """No further ISA, no terminator for MAX_SEGMENT_LENGTH characters: skipped to the end
    of the file (in chunks), reported as a missing terminator (TA1 004), the ones before
    kept."""
    tail = isa(BROKEN, "*0*P*>|\n") + "GS*QM*DEMOCARRIER~" * 70_000  # 1.26 MB with no "|"
    data = mailbag(x12_interchange, None)[: -len(x12_interchange(COUNT))]
    outcome, requests = translate(data[: data.index(isa(BROKEN).encode())] + tail.encode())
    assert outcome.interchange_count == BROKEN and len(requests) == BROKEN - 1
    last = outcome.interchanges[-1]
    assert [p.code for p in last.problems] == [ProblemCode.SEGMENT_TERMINATOR_MISSING]
    assert "up to the end of the file are skipped" in last.problems[0].message
    (ta1,) = acks_for(outcome, f"{BROKEN:09d}")
    assert f"TA1*{BROKEN:09d}*261124*1830*R*004|" in ta1.content


def test_x12_structure_faults_listed_per_interchange_are_bounded() -> None:
    """Segments with another element separator than the ISA's: each is out of place; the
    first STRUCTURE_FAULTS are listed, the rest counted in one problem."""
    from gateway.envelope.x12 import STRUCTURE_FAULTS

    body = "".join(f"N1|SH|PARTY {n}~\n" for n in range(STRUCTURE_FAULTS + 50))
    data = (isa(1) + body + "IEA*0*000000001~\n").encode()
    outcome, _ = translate(data)
    (ic,) = outcome.interchanges
    faults = [p for p in ic.problems if p.code is ProblemCode.INVALID_CONTROL_STRUCTURE]
    assert len(faults) == STRUCTURE_FAULTS + 1
    assert faults[-1].message.startswith("50 more segments out of place")
    assert faults[-1].unlisted == 50  # it stands for them: the file's count holds each
    assert outcome.problem_count == STRUCTURE_FAULTS + 50 + len(outcome.problems) - len(faults)


# -- EDIFACT ---------------------------------------------------------------------------


def _una(six: str) -> Callable[[str], str]:
    def broken(text: str) -> str:
        return f"UNA{six}\n{text}"

    return broken


def _edifact_no_unz(text: str) -> str:
    return text[: text.index("UNZ+")]


def _edifact_segments_end_otherwise(text: str) -> str:  # the UNB "'", the rest "|"
    head = text.index("'") + 1
    return text[:head] + text[head:].replace("'", "|")


def _unb_without_terminator(text: str) -> str:  # runs on into the UNH on the next line
    return text.replace(f"+IC{BROKEN}'\nUNH", f"+IC{BROKEN}\nUNH", 1)


EDIFACT_CASES: dict[str, tuple[Callable[[str], str], str | None]] = {
    # case: (break, UCI 0085 of the broken interchange's CONTRL; None: no CONTRL can name it)
    "UNA terminator not the segments'": (_una(":+.? |"), "20"),
    "UNA letter terminator": (_una(":+.? X"), "20"),
    "UNA blank terminator": (_una(":+.?  "), "20"),
    "UNA cut off": (_una(":+."), "20"),  # the UNB read with the defaults (test_short_una)
    "UNZ missing": (_edifact_no_unz, "13"),
    "UNB terminator missing": (_unb_without_terminator, "20"),
    "segments end otherwise": (_edifact_segments_end_otherwise, "20"),
}


@pytest.mark.parametrize("case", sorted(EDIFACT_CASES))
def test_edifact_later_interchanges_survive_a_broken_one(case: str) -> None:
    broken, code = EDIFACT_CASES[case]
    outcome, requests = translate(mailbag(edifact_interchange, broken))
    _, clean_requests = translate(mailbag(edifact_interchange, None))
    for n in range(BROKEN + 1, COUNT + 1):
        control = f"IC{n}"
        (ack,) = acks_for(outcome, control)
        assert ack.type == "CONTRL" and f"UCI+{control}+CARRIER:ZZ+AMAZON:ZZ+7'" in ack.content
    tracking = f"TRK{BROKEN:010d}"
    good = [r for r in _texts(clean_requests) if tracking not in r]
    assert _texts(requests) == good and len(good) == COUNT - 1
    assert not outcome.accepted
    answered = [a for a in outcome.acknowledgements if "+7'" not in a.content]
    if code is None:  # no UNB: nothing to answer; reported on the file
        assert answered == [] and outcome.interchange_count == COUNT - 1
        assert any(p.level.value == "file" and p.severity.value == "error"
                   for p in outcome.problems)  # fmt: skip
        return
    assert outcome.interchange_count == COUNT
    (ack,) = answered
    term = ack.content[8] if ack.content.startswith("UNA") else "'"
    # UCI: the broken UNB's reference as read (released where it holds the terminator),
    # its sender and recipient, 0083 = 4 (rejected) and the 0085 code
    uci = re.search(rf"UCI\+IC{BROKEN}\S{{0,2}}\+CARRIER:ZZ\+AMAZON:ZZ\+(\d)\+(\d+)", ack.content)
    assert uci is not None and uci.groups() == ("4", code), ack.content
    assert ack.content.rstrip().endswith(term) and "UNZ+1+" in ack.content


def test_every_case_breaks_the_old_reading_or_is_read_as_before() -> None:
    """The cases are what they claim: the clean mailbag is read whole."""
    for make in (x12_interchange, edifact_interchange):
        outcome, requests = translate(mailbag(make, None))
        assert outcome.accepted and outcome.interchange_count == COUNT
        assert len(requests) == COUNT


def test_edifact_long_interchange_read_with_a_wrong_terminator_is_read_in_a_loop() -> None:
    """A UNA naming "|" before an interchange of 2,000 messages ending with "'": the
    reader splits the run-on text at each line break before a service segment, one cut
    after the other (before: one level of recursion per cut, RecursionError)."""
    body = "'\n".join(_BODY_IFTSTA)
    messages = "".join(
        f"UNH+{n}+IFTSTA:D:01B:UN'\n{body}'\nUNT+{len(_BODY_IFTSTA) + 2}+{n}'\n"
        for n in range(1, 2001)
    )
    # (the UNB ends with the "|" the UNA names: a UNB ending otherwise shows its own
    # terminator and is read with it, tests/test_unb_own_delimiters.py)
    data = f"UNA:+.? |\n{unb(1).replace(chr(39), '|')}{messages}UNZ+2000+IC1'\n".encode()
    outcome, requests = translate(data)
    assert outcome.interchange_count == 1 and requests == []
    (ack,) = outcome.acknowledgements
    assert ack.type == "CONTRL" and re.search(
        r"UCI\+IC1\S{0,2}\+CARRIER:ZZ\+AMAZON:ZZ\+4\+20", ack.content
    )
    assert ProblemCode.SEGMENT_TERMINATOR_MISSING in {p.code for p in outcome.problems}
