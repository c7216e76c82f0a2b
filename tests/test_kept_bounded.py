"""What the readers keep beyond the set being read (memos of what they checked, and what
each set, group and interchange leaves for its ack until the end) is bounded by what it
weighs, not only by how many: a second review found a 4 MB file of distinct faulty sets
that held 670 MB of structure walks, 4 MB of EDIFACT segments of empty elements that held
271 MB of known segments, 90 MB of UNB references kept with their CONTRLs (130 MB), and
100,000 sets of distinct types that took 243 s to keep their types."""

from __future__ import annotations

import io
import tracemalloc
from datetime import UTC, datetime

from gateway.ack.context import AckContext
from gateway.envelope.outcome import TYPES_KEPT, SetOutcome, SetOutcomes
from gateway.mapping.codes import load_code_tables
from gateway.pipeline import TranslationOutcome, translate_stream
from gateway.profile import PartnerProfile

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ISA = (
    "ISA*00*          *00*          *02*SCAC           *ZZ*AMAZONDF       "
    "*261125*1200*U*00401*000000001*0*P*>~\n"
)
PROFILE = PartnerProfile(selling_party="999US", ship_from="ABCD")


def _traced(text: str) -> tuple[TranslationOutcome, int]:
    data = text.encode("latin-1")
    translate_stream(io.BytesIO(ISA.encode()), PROFILE, load_code_tables(), AckContext(now=NOW),
                     lambda r: None)  # fmt: skip
    tracemalloc.start()
    try:
        outcome = translate_stream(io.BytesIO(data), PROFILE, load_code_tables(),
                                   AckContext(now=NOW), lambda r: None)  # fmt: skip
        return outcome, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_structure_walks_kept_are_bounded_by_weight() -> None:
    """60 sets of 1,990 stray segments each, every one in an order of its own (a walk of
    1,000 problems each): the walks remembered weigh a few MB, not 1.5 MB each."""
    sets = []
    for i in range(60):
        body = ["ZZA" if (i >> (k % 20)) & 1 else "ZZB" for k in range(1_990)]
        body[0], body[1 + i] = "B10*1Z4711*PO4711*DEMO", "ZZC"
        sets.append(f"ST*214*{i:04d}~" + "~".join(body) + f"~SE*1992*{i:04d}~")
    group = "GS*QM*SCAC*AMAZONDF*20261125*1200*1*X*004010~"
    outcome, peak = _traced(ISA + group + "".join(sets) + "GE*60*1~IEA*1*000000001~")
    assert not outcome.accepted
    assert peak < 60 * 2**20, f"{peak / 2**20:.0f} MB traced"


def test_known_edifact_segments_are_bounded_by_weight() -> None:
    """4,000 distinct short segments of 245 empty elements each (clean: a tag without
    checks) split to 14 KB each: the reader's known segments weigh at most a few MB."""
    lines = ["UNA:+.? '", "UNB+UNOC:3+DEMOCARRIER:ZZ+AMAZONDF:ZZ+261124:1830+IC1'"]
    for n in range(8):
        lines.append(f"UNH+{n}+IFTSTA:D:01B:UN'")
        lines += [f"ZZZ{'+' * 245}{n:01d}{i:04d}'" for i in range(500)]
        lines.append(f"UNT+502+{n}'")
    outcome, peak = _traced("\n".join([*lines, "UNZ+8+IC1'"]) + "\n")
    assert not outcome.accepted
    assert peak < 30 * 2**20, f"{peak / 2**20:.0f} MB traced"


def test_an_interchange_reference_is_kept_clipped_with_its_ack() -> None:
    """The CONTRL kept to the end of the file names the UNB 0020 it answers clipped, as a
    problem's value is (a mailbag of 90 1 MB references held 130 MB)."""
    control = "1" * 100_000
    text = (f"UNA:+.? '\nUNB+UNOC:3+DEMOCARRIER:ZZ+AMAZONDF:ZZ+261124:1830+{control}'\n"
            "UNH+1+IFTSTA:D:01B:UN'\nBGM+77+ST1+9'\nUNT+3+1'\nUNZ+1+1'\n")  # fmt: skip
    outcome, _ = _traced(text)
    (ack,) = outcome.acknowledgements
    assert ack.acknowledges is not None and len(ack.acknowledges) <= 200


def test_a_group_keeps_a_bounded_number_of_set_types() -> None:
    """A group's distinct ST01 / UNH 0065 are kept TYPES_KEPT at most (each new one remade
    the tuple of all: quadratic), and it says there were more."""
    sets = SetOutcomes()
    for n in range(TYPES_KEPT + 10):
        sets.append(SetOutcome(control=str(n), type_code=f"T{n}"))
        sets.append(SetOutcome(control=str(n), type_code="214"))
    assert len(sets.type_codes) == TYPES_KEPT and sets.more_types
    assert sets.type_codes[:2] == ("T0", "214")
    few = SetOutcomes([SetOutcome(control="1", type_code="214")] * 3)
    assert few.type_codes == ("214",) and not few.more_types


def test_a_group_of_many_set_types_is_still_answered() -> None:
    """A group of sets of 2,000 distinct types (unknown ones) is rejected set by set, its
    997 well formed, as with a few."""
    sets = "".join(f"ST*Z{n:04d}*{n:04d}~B10*1*PO1*SCAC~SE*3*{n:04d}~" for n in range(2_000))
    group = "GS*QM*SCAC*AMAZONDF*20261125*1200*1*X*004010~"
    outcome, _ = _traced(ISA + group + sets + "GE*2000*1~IEA*1*000000001~")
    (ack,) = outcome.acknowledgements
    assert ack.content.count("AK2*") == 2_000 and "AK9*R*2000*2000*0" in ack.content


def test_a_group_of_padded_set_types_is_still_named() -> None:
    """65 sets whose ST01 is 214 padded with 0-64 blanks are 214s to the group check (a
    GS01 of SH names none of them): counted once, blanks stripped, not as 65 types."""
    sets = "".join(f"ST*214{' ' * k}*{k:04d}~B10*1*PO1*SCAC~SE*3*{k:04d}~" for k in range(65))
    group = "GS*SH*SCAC*AMAZONDF*20261125*1200*1*X*004010~"
    outcome, _ = _traced(ISA + group + sets + "GE*65*1~IEA*1*000000001~")
    (found,) = [p for p in outcome.problems if p.code.value == "group_header_invalid"]
    assert "(214)" in found.message and found.element == 1
    (ack,) = outcome.acknowledgements
    assert "AK9*R*65*65*0*1" in ack.content
