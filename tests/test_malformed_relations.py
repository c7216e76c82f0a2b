"""Issue 8, kind 4: relational conditions between elements (X12 syntax notes P R E C L,
EDIFACT dependency notes D1..D7), checked at parse time as data next to the segment tables:
997 AK4 code 2 / 10 under AK3 code 8, CONTRL UCD 13 / 12, the set or message rejected."""

from __future__ import annotations

import re

import pytest

from gateway.parse.relations import (
    EDIFACT_NOTES,
    X12_NOTES,
    Note,
    check_dependencies,
    check_syntax_notes,
    dependency_notes,
    notes,
    syntax_notes,
)
from gateway.parse.x12_tables import MAX_ELEMENTS
from tests.malformed import STATUS_214, X12_ISA, translate, x12_214


def _codes(seg: list[str], text: str) -> list[tuple[str, int | None]]:
    return [(p.code.value, p.element) for p in check_syntax_notes(seg, 3, notes(text))]


@pytest.mark.parametrize(
    ("seg", "note", "expected"),
    [
        (["X", "A", ""], "P0102", [("conditional_element_missing", 2)]),
        (["X", "", "B"], "P0102", [("conditional_element_missing", 1)]),
        (["X", "A", "B"], "P0102", []),
        (["X"], "P0102", []),
        (["X", "", "", ""], "R0103", [("conditional_element_missing", 1)]),
        (["X", "", "", "C"], "R0103", []),
        (["X", "A", "", "C"], "E0103", [("exclusion_violated", 3)]),
        (["X", "A"], "E0103", []),
        (["X", "", "", "", "", "D", "", "G"], "C0705", []),
        (["X", "", "", "", "", "", "", "G"], "C0705", [("conditional_element_missing", 5)]),
        (["X", "A"], "L010203", [("conditional_element_missing", 2)]),
        (["X", "A", "", "C"], "L010203", []),
        (["X", "", "B", ""], "L010203", []),
        (["X", "", "B", "", "", "E", "F", "", "", "", "", "L"], "R0204050612", []),
        (["X", "A", "", "", "", "", "", "", "", "", "", ""], "R0204050612",
         [("conditional_element_missing", 2)]),
    ],
)  # fmt: skip
def test_each_kind_of_x12_syntax_note(
    seg: list[str], note: str, expected: list[tuple[str, int]]
) -> None:
    assert _codes(seg, note) == expected


@pytest.mark.parametrize(
    ("at7", "element", "code"),
    [
        ("AT7*X1****20231003*0915*ET", 2, "2"),  # P0102: a status without its reason
        ("AT7*D1*NS*AA**20261124*1642*CT", 4, "2"),  # P0304: appointment status alone
        ("AT7*D1*NS***20261124**CT", 6, "2"),  # P0506: a date without its time
        ("AT7*D1*NS*****CT", 5, "2"),  # C0705: a time code without a date
        ("AT7*****20261124*1642*CT", 1, "2"),  # R0103: neither status nor appointment
    ],
)
def test_at7_notes_reject_the_set_with_ak4_code(at7: str, element: int, code: str) -> None:
    body = tuple(at7 if s.startswith("AT7") else s for s in STATUS_214)
    result = translate(x12_214(*body))
    assert result.bodies == []
    ack = result.ack("997")
    assert "AK3*AT7*5**8~" in ack
    assert re.search(rf"AK4\*{element}\*\d*\*{code}~", ack)
    assert "AK5*R*5" in ack


def test_both_status_pairs_together_are_fine() -> None:
    body = tuple(
        "AT7*D1*NS*AA*NS*20261124*1642*CT" if s.startswith("AT7") else s for s in STATUS_214
    )
    result = translate(x12_214(*body))
    assert "conditional_element_missing" not in result.error_codes
    assert "exclusion_violated" not in result.error_codes


@pytest.mark.parametrize(
    ("segment", "bad", "element"),
    [
        ("MS1*CHICAGO*IL*US", "MS1*CHICAGO", 2),  # L010203: city without state or country
        ("L11*1Z4711A*2I", "L11*1Z4711A", 2),  # P0102: reference without its qualifier
        ("B10*1Z4711*PO4711*DEMO", "B10*1Z4711*PO4711*DEMO**BM", 6),  # P0506
    ],
)
def test_other_214_segments_are_checked(segment: str, bad: str, element: int) -> None:
    body = tuple(bad if s == segment else s for s in STATUS_214)
    result = translate(x12_214(*body))
    assert "conditional_element_missing" in result.error_codes and result.bodies == []
    assert re.search(rf"AK4\*{element}\*\d*\*2~", result.ack("997"))


def test_notes_follow_the_version_n4_exclusion_only_in_005010() -> None:
    n4 = ["N4", "SEATTLE", "WA", "98109", "US", "", "", "WA"]
    assert [p.code.value for p in check_syntax_notes(n4, 2, syntax_notes("005010")["N4"])] == [
        "exclusion_violated"
    ]
    assert check_syntax_notes(n4, 2, syntax_notes("004010")["N4"]) == []
    assert syntax_notes("005010X231A1") is syntax_notes("005010")


def test_the_note_tables_name_only_elements_the_segments_have() -> None:
    for table in X12_NOTES.values():
        for tag, found in table.items():
            for note in found:
                assert all(1 <= e <= MAX_ELEMENTS.get(tag, 99) for e, _ in note.positions), (
                    tag,
                    note.text,
                )
    for tag, _, found in EDIFACT_NOTES:
        assert tag in (
            "DTM",
            "STS",
            "NAD",
            "LOC",
            "RFF",
            "QTY",
            "GIN",
            "PAC",
            "TDT",
            "CNI",
            "BGM",
            "CPS",
            "LIN",
            "PIA",
            "MEA",
        )
        assert all(note.kind in {f"D{n}" for n in range(1, 8)} for note in found)


def _dep(kind: str, *positions: tuple[int, int]) -> tuple[Note, ...]:
    return (Note(kind, positions),)


@pytest.mark.parametrize(
    ("kind", "elements", "expected"),
    [
        ("D1", [["A"], [""]], []),
        ("D1", [[""], [""]], [("conditional_element_missing", 1)]),
        ("D1", [["A"], ["B"]], [("exclusion_violated", 2)]),
        ("D2", [["A"], [""]], [("conditional_element_missing", 2)]),
        ("D2", [[""], [""]], []),
        ("D3", [[""], [""]], [("conditional_element_missing", 1)]),
        ("D3", [[""], ["B"]], []),
        ("D4", [["A"], ["B"]], [("exclusion_violated", 2)]),
        ("D4", [[""], [""]], []),
        ("D5", [["A"], [""]], [("conditional_element_missing", 2)]),
        ("D5", [[""], ["B"]], []),
        ("D6", [["A"], [""]], [("conditional_element_missing", 2)]),
        ("D6", [["A"], ["B"]], []),
        ("D7", [["A"], ["B"]], [("exclusion_violated", 2)]),
        ("D7", [[""], ["B"]], []),
    ],
)
def test_each_kind_of_edifact_dependency_note(
    kind: str, elements: list[list[str]], expected: list[tuple[str, int]]
) -> None:
    found = check_dependencies("TST", elements, 4, _dep(kind, (1, 0), (2, 0)))
    assert [(p.code.value, p.element) for p in found] == expected


def test_component_positions_are_checked() -> None:
    found = check_dependencies("TST", [["A", ""]], 4, _dep("D5", (1, 1), (1, 2)))
    assert [(p.element, p.component) for p in found] == [(1, 2)]


def test_tdt_dependency_applies_from_the_directory_that_has_it() -> None:
    assert "TDT" in dependency_notes("10B") and "TDT" in dependency_notes("13A")
    assert "TDT" not in dependency_notes("01B") and "TDT" not in dependency_notes("96A")


def test_a_desadv_of_a_later_directory_breaking_tdt_d5_gets_ucd_13() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    data = (root / "samples" / "13-edifact-desadv-d96a-latin1" / "input.edi").read_bytes()
    data = data.replace(b"DESADV:D:96A:UN:EAN005", b"DESADV:D:10B:UN")
    ok = translate(data)
    assert "conditional_element_missing" not in ok.error_codes
    broken = translate(data.replace(b"TDT+20++30+31+UPSN:172'", b"TDT+20+++31+UPSN:172'"))
    assert "conditional_element_missing" in broken.error_codes and broken.bodies == []
    contrl = broken.ack("CONTRL")
    assert "UCD+13+3'" in contrl and "+DESADV:D:10B:UN+4'" in contrl


def test_x12_ack_sets_have_note_tables_too() -> None:
    isa = X12_ISA
    assert isa  # the 997 / 999 segments (AK1..AK9, IK3..IK5) carry no syntax notes
    for tag in ("AK1", "AK2", "AK3", "AK4", "AK5", "AK9", "IK3", "IK4", "IK5"):
        assert tag not in syntax_notes("004010") and tag not in syntax_notes("005010")


def test_the_directories_partners_send_carry_no_dependency_note_for_the_segments_read() -> None:
    read = ("DTM", "STS", "NAD", "LOC", "RFF", "QTY", "GIN", "PAC", "TDT", "CNI", "BGM",
            "CPS", "LIN", "PIA", "MEA")  # fmt: skip
    for release in ("96A", "01B", "01C", "02A"):
        assert not any(tag in dependency_notes(release) for tag in read), release
