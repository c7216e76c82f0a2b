"""Acks numbered again when another ack of the partner took their control numbers
(gateway.ack.renumber): only the interchange control number moves, the ack stays valid."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.ack.renumber import shift_interchange_control

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def _x12_controls(ack: str) -> tuple[str, str]:
    element, terminator = ack[3], ack[105]
    segments = [s.strip("\r\n") for s in ack.split(terminator) if s.strip("\r\n")]
    return segments[0].split(element)[13], segments[-1].split(element)[2]


def test_x12_ack_moves_isa13_and_iea02_only() -> None:
    ack = (SAMPLES / "03-x12-214-set-count-rejected" / "ack.edi").read_text()  # one interchange
    old_isa, old_iea = _x12_controls(ack)
    shifted = shift_interchange_control(ack, 41)
    assert _x12_controls(shifted) == (f"{int(old_isa) + 41:09d}", f"{int(old_iea) + 41:09d}")
    assert len(shifted) == len(ack)  # ISA stays fixed-width
    element, terminator = ack[3], ack[105]
    before = ack.split(terminator)[1:-2]
    after = shifted.split(terminator)[1:-2]
    assert before == after  # GS, ST, AK*, SE, GE untouched
    assert shift_interchange_control(shifted, -41) == ack
    assert element == shifted[3]


@pytest.mark.parametrize(
    "sample", ["12-edifact-iftsta-unt-count", "14-edifact-desadv-unz-mismatch"]
)
def test_edifact_ack_moves_unb_0020_and_unz_0036_only(sample: str) -> None:
    ack = (SAMPLES / sample / "ack.edi").read_text(encoding="latin-1")  # one interchange
    shifted = shift_interchange_control(ack, 7)
    old = [line for line in ack.splitlines() if line.startswith(("UNB+", "UNZ+"))]
    new = [line for line in shifted.splitlines() if line.startswith(("UNB+", "UNZ+"))]
    assert [line.rstrip("'").split("+")[:-1] for line in new] == [
        line.rstrip("'").split("+")[:-1] for line in old
    ]
    assert [int(line.rstrip("'").split("+")[-1]) for line in new] == [
        int(line.rstrip("'").split("+")[-1]) + 7 for line in old
    ]
    others = [line for line in ack.splitlines() if not line.startswith(("UNB+", "UNZ+"))]
    assert others == [
        line for line in shifted.splitlines() if not line.startswith(("UNB+", "UNZ+"))
    ]
    assert shift_interchange_control(shifted, -7) == ack


def test_released_separator_in_a_unb_party_is_not_an_element() -> None:
    ack = ("UNA:+.? 'UNB+UNOA:3+AMAZONDF:ZZ+DEMO?+X:ZZ+261130:0400+12'"
           "UNH+1+CONTRL:D:3:UN'UNT+2+1'UNZ+1+12'")  # fmt: skip
    shifted = shift_interchange_control(ack, 3)
    assert "+261130:0400+15'" in shifted and shifted.endswith("UNZ+1+15'")
    assert "DEMO?+X:ZZ" in shifted


def test_anything_else_and_no_shift_are_left_alone() -> None:
    assert shift_interchange_control("not an ack", 5) == "not an ack"
    ack = "UNB+UNOA:3+A+B+261130:0400+9'UNZ+1+9'"
    assert shift_interchange_control(ack, 0) is ack


def test_a_file_whose_ack_numbers_were_taken_meanwhile_is_numbered_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While a file is read another ack of the partner is recorded: the file's acks move on
    to the next free numbers (no gap, no reuse) without the file being read again."""
    from gateway.ledger import controls
    from gateway.service import translating
    from tests.test_service_jobs import runtime

    rt = runtime(tmp_path)
    data = (SAMPLES / "03-x12-214-set-count-rejected" / "input.edi").read_bytes()
    file_id, path, sha256 = rt.store.store(data)
    rt.ledger.record_file(partner_id="demo", transport="http", name="f.edi", sha256=sha256,
                          size=len(data), stored_path=str(path), file_id=file_id)  # fmt: skip
    reads: list[int] = []
    real = controls.next_control

    def next_control_then_taken(ledger: controls.SessionScope, partner_id: str) -> int:
        first = real(ledger, partner_id)
        reads.append(first)
        if len(reads) == 1:  # another ack of the partner takes this number meanwhile
            with ledger._tx() as session:
                controls.take_controls(session, partner_id, first, 1)
        return first

    monkeypatch.setattr(translating, "next_control", next_control_then_taken)
    record = rt.ledger.get_file(file_id)
    assert record is not None
    summary = translating.translate_received(rt, record)
    assert summary.state.value == "translated"
    (ack,) = rt.ledger.acks_for_file(file_id)
    assert reads == [1, 2]
    assert _x12_controls(ack.content) == ("000000002", "000000002")
    assert real(rt.ledger, "demo") == 3  # 1 (the other ack), 2 (this file's): no gap
