"""Relational conditions between the elements of one segment, as data.

X12 syntax notes (X12.6; the segment directories of 004010 and 005010) name a condition and
the element positions it ties together, two digits each:
  P paired: if any is present, all are required;       R required: at least one is present;
  E exclusion: not more than one is present;           C conditional: if the first is
  present, all the others are required;                L list conditional: if the first is
  present, at least one of the others is required.
A missing element is 997/999 AK4 / IK4 code 2 (conditional required data element missing),
one too many is code 10 (exclusion condition violated); the segment gets AK3 code 8.

EDIFACT dependency notes (ISO 9735, the segment directories) work the same way over data
elements (and components): D1 one and only one, D2 all or none, D3 one or more, D4 one or
none, D5 if first then all, D6 if first then at least one more, D7 if first then none of the
others. Missing is CONTRL UCD code 13 (missing), forbidden is code 12 (invalid value).

Checks are pure functions over one segment and return Problems; they are memoized on the
pattern of present elements, which carrier files repeat, so they cost one lookup per segment.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from gateway.problems import Level, Problem, ProblemCode

__all__ = [
    "EDIFACT_NOTES",
    "SATISFIED",
    "X12_ELEMENT_REFS",
    "X12_NOTES",
    "Note",
    "check_dependencies",
    "check_syntax_notes",
    "dependency_notes",
    "element_ref",
    "notes",
    "presence_key",
    "satisfied",
    "syntax_notes",
]

_MISSING = ProblemCode.CONDITIONAL_ELEMENT_MISSING
_EXCLUDED = ProblemCode.EXCLUSION_VIOLATED


@dataclass(frozen=True, slots=True)
class Note:
    """One condition: its kind (P R E C L, or D1..D7) and the positions it ties together
    (X12: element numbers; EDIFACT: (data element, component or 0 for the whole element))."""

    kind: str
    positions: tuple[tuple[int, int], ...]

    @property
    def text(self) -> str:
        if self.kind.startswith("D"):
            inner = ",".join(f"{e:02d}0" if not c else f"{e:02d}0-{c}" for e, c in self.positions)
            return f"{self.kind}({inner})"
        return self.kind + "".join(f"{e:02d}" for e, _ in self.positions)


def notes(text: str) -> tuple[Note, ...]:
    """X12 syntax notes written as in the dictionary, e.g. "P0102 R0103 C0705"."""
    found = []
    for word in text.split():
        kind, digits = word[0], word[1:]
        assert kind in "PRECL" and len(digits) % 2 == 0 and len(digits) >= 4, word
        positions = tuple((int(digits[i : i + 2]), 0) for i in range(0, len(digits), 2))
        found.append(Note(kind, positions))
    return tuple(found)


def _d(kind: str, *positions: tuple[int, int]) -> Note:
    return Note(kind, positions)


# X12 syntax notes of the segments of the 214 and 856 tables and the acks, per version, from
# the X12 segment directory. Where each was checked (public copies of the directory):
#   [S]  stupidedi's 004010 / 005010 segment definitions (github.com/kputnam/stupidedi,
#        lib/stupidedi/versions/00x010/segment_defs/<TAG>.rb, SyntaxNotes::P/R/E/C/L)
#   [W]  Stedi's X12 reference (stedi.com/edi/x12-00xxxx/segment/<TAG>)
#   [F]  FAIMA's 004010 segment directory (faima.com/edi_4010/sg<TAG>.htm)
#   [T]  a published 004010 856 guide quoting the standard's notes (teamadr.com 856-0006)
#   [G]  a published 004040 guide (ws2.segment.co.il x12-4040), same elements as 004010
#   [M]  a published 004010 855 guide quoting the standard's notes (miscouncil.org 4010_855)
# Segments with no syntax note in either version (checked in [S], or the directory page):
# ST SE LX N2 N3 K1 HL PRF and the ack segments AK1 AK2 AK3 AK4 AK5 AK9 IK3 IK4 IK5 CTX ([S]
# 004010 AK1..AK9 and 005010 IK3..IK5, CTX define elements only), so they have no entry.
# Not yet encoded (notes not verified from a public copy): SLN CD3 PWK CLD TSD SAC ETD GF
# LM V1 R4 H1 H2 LEP LH4 LHT LHR LHE SPO, and PO410..PO418.
_X12_004010: dict[str, tuple[Note, ...]] = {
    "B10": notes("R0106 E0105 P0506"),  # [S] 004010 B10; [W] x12-007060 B10 the same
    "L11": notes("P0102"),
    "N1": notes("R0203 P0304"),
    "N4": notes("C0605"),
    "REF": notes("R0203"),
    "PER": notes("P0304 P0506 P0708"),
    "AT7": notes("P0102 P0304 R0103 P0506 C0705"),
    "MS1": notes("L010203 P0405 C0604 C0705 E0104"),
    "MS2": notes("P0102 C0402"),
    "MAN": notes("P0405"),
    "BSN": notes("C0706"),
    "DTM": notes("R020305 C0403 P0506"),
    "TD1": notes("C0102 C0304 C0607 P0708 P0910"),
    # TD5: [S] 005010 TD5 (R0204050612 C0203 C0708 C1011 C1312 C1413 C1512); 004010 has the
    # same fifteen elements ([G] x12-4040 TD5, [T] 004010 856 TD512/TD515) and [W]
    # x12-003010 TD5 already carries C0708 and C1011
    "TD5": notes("R0204050612 C0203 C0708 C1011 C1312 C1413 C1512"),
    "SN1": notes("P0506"),
    "LIN": notes(" ".join(f"P{n:02d}{n + 1:02d}" for n in range(4, 31, 2))),
    "CTT": notes("P0304 P0506"),
    "AT8": notes("P010203 P0607"),  # [S] 004010 AT8; [W] x12-004030 AT8
    "G62": notes("R0103 P0102 P0304"),  # [S] 005010 G62; [W] x12-008050 G62
    "G61": notes("P0304"),  # [S] 004010 G61
    "MS3": notes("C0503"),  # [S] 004010 MS3
    "NM1": notes("P0809 C1110"),  # [S] 004010 NM1
    "PID": notes("C0403 R0405 C0703 C0804 C0905"),  # [F] 004010 PID; [S] 004010 PID
    "MEA": notes("R03050608 E0412 L050412 L060412 L07030506 E0803 P1112"),  # [S] both
    "TD3": notes("C0203 C0405 P0506"),  # [W] x12-003050 TD3; [G] TD3 (TD310 is 00402+)
    "TD4": notes("R010204 C0203"),  # [T] 004010 856 TD4; [W] x12-003060 TD4
    "FOB": notes("C0302 C0405 C0706 C0809"),  # [G] FOB; [W] x12-003030 FOB requirements
    "Q7": notes("C0203"),  # [W] x12 Q7 (current); X12 003010 Q7: "if Q702 then Q703"
    "CUR": notes(  # [S] 004010 CUR; [M] CUR08/09 -> CUR07, CUR10 -> CUR11 or CUR12
        "C0807 C0907 L101112 C1110 C1210 L131415 C1413 C1513 "
        "L161718 C1716 C1816 L192021 C2019 C2119"
    ),
    "LQ": notes("C0102"),  # [S] 004010 LQ
    "LH1": notes("P0607"),  # [S] 004010 LH1
    "LH2": notes("P0607 P0809 P1011 P1213"),  # [S] 004010 LH2
    "LH3": notes("P0102"),  # [S] 004010 LH3
    "LFH": notes("P0506"),  # [S] 004010 LFH
    "AT5": notes("E0103 E0203"),  # [W] x12-003070 AT5; 004010 AT5 has AT501..AT503 only
    "PAL": notes("P0506 C0710 C0810 C0910 P1112 P1314"),  # [W] x12-003020, x12-003040 PAL
    "PKG": notes("R040506 C0403 C0501"),  # [W] x12-003070 and x12-004060 PKG, the same
    # PO4: the notes of PO401..PO409 that x12-003070 and x12-004020 (either side of
    # 004010) and x12-006010 / x12-008040 agree on; PO410..PO418's not encoded
    "PO4": notes("P0203 C0506 P0607 P0809"),  # [W]
    "SDQ": notes(" ".join(f"P{n:02d}{n + 1:02d}" for n in range(5, 22, 2))),  # [W] 003070/004020
    "YNQ": notes("E010910 P0304 C0908"),  # [W] x12-004010 YNQ (the same in 004030..008050)
}
_X12_005010: dict[str, tuple[Note, ...]] = {
    **_X12_004010,
    "N4": notes("E0207 C0605 C0704"),
    "TD3": notes("E0110 C0203 C0405 P0506"),  # [W] x12-005010 TD3: TD310 equipment type
    # AT504..AT506 (temperature) from 004020: [W] x12-004020, x12-004030, x12-005020 AT5
    "AT5": notes("E0103 E0203 L040506 C0504 C0604"),
}
# Data element reference numbers (AK402 / IK402) of the elements the notes name, by position
# (1-based), from the same directory pages ([S] 004010 / 005010 REF AT8 G62 G61 PID MEA TD3
# TD4 TD5 checked); a composite (C040, C001) has no AK402 (N0): it is left out.
# The segment tables of gateway.parse.x12_tables give the others (AT7, N1, MS1, ...).
X12_ELEMENT_REFS: dict[str, tuple[str, ...]] = {
    "REF": ("128", "127", "352", "C040"),
    "PER": ("366", "93", "365", "364", "365", "364", "365", "364", "443"),
    "TD5": ("133", "66", "67", "91", "387", "368", "309", "310", "731", "732", "733", "284",
            "284", "284", "26"),
    "AT8": ("187", "188", "81", "80", "80", "184", "183"),
    "G62": ("432", "373", "176", "337", "623"),
    "G61": ("366", "93", "365", "364", "443"),
    "MS3": ("140", "133", "19", "91", "156"),
    "NM1": ("98", "1065", "1035", "1036", "1037", "1038", "1039", "66", "67", "706", "98"),
    "PID": ("349", "750", "559", "751", "352", "752", "822", "1073", "819"),
    "MEA": ("737", "738", "739", "C001", "740", "741", "935", "936", "752", "1373", "1270",
            "1271"),
    "TD3": ("40", "206", "207", "187", "81", "355", "102", "407", "225", "24"),
    "TD4": ("152", "208", "209", "352", "1073"),
    "FOB": ("146", "309", "352", "334", "335", "309", "352", "54", "352"),
    "CUR": ("98", "100", "280", "98", "100", "669") + ("374", "373", "337") * 5,
    "LQ": ("1270", "1271"),
    "PO4": ("356", "357", "355", "103", "187", "384", "355", "385", "355"),
    "PKG": ("349", "753", "559", "754", "400", "352"),
    "SDQ": ("355", "66") + ("67", "380") * 10 + ("310",),
    "AT5": ("152", "560", "153"),
}  # fmt: skip


def element_ref(tag: str, n: int) -> str | None:
    """The data element reference number of element `n` of segment `tag`, when known."""
    refs = X12_ELEMENT_REFS.get(tag, ())
    return refs[n - 1] or None if 0 < n <= len(refs) else None


X12_NOTES: dict[str, dict[str, tuple[Note, ...]]] = {
    "004010": _X12_004010,
    "005010": _X12_005010,
}

# EDIFACT dependency notes of the segments the parsers read (DTM, STS, NAD, LOC, RFF, QTY,
# GIN, PAC, TDT, CNI, BGM, CPS, LIN, PIA, MEA), by the first directory that carries them.
# The directories partners send (D.96A, D.01B and the EANCOM subsets of them) carry no
# dependency note for these segments: their segment directory text (UNTDID EDSD, e.g. the
# D96A and D01B segments/tdt.txt copies in github.com/fretlink/edi-parser
# specification/references, service.unece.org/trade/untdid/d01c/trsd) lists elements
# only; EANCOM's "Dependency Notes" there are guide text, not D1..D7 rules. From D.10A
# TDT has D5(040,030): a transport means (C001) needs its mode of transport (C220) (the
# D.13A segment directory, service.unece.org/trade/untdid/d13a/trsd/trsdtdt.htm, carries
# the "Dependency note:" section; its wording was not re-read for this table).
EDIFACT_NOTES: tuple[tuple[str, str, tuple[Note, ...]], ...] = (
    ("TDT", "10A", (_d("D5", (4, 0), (3, 0)),)),
)


def syntax_notes(version: str | None) -> Mapping[str, tuple[Note, ...]]:
    """The X12 notes for a GS08 / ST03 version: 005010 and later read the 005010 ones."""
    return _X12_005010 if (version or "")[:6] >= "005010" else _X12_004010


@functools.lru_cache(maxsize=64)
def dependency_notes(release: str) -> Mapping[str, tuple[Note, ...]]:
    """The EDIFACT notes for a directory release such as "01B" or "10A" (UNH 0054)."""
    key = release.strip().upper()
    year = int(key[:2]) if key[:2].isdigit() else 0
    ordered = (year + 100 if year < 90 else year, key[2:])
    table: dict[str, tuple[Note, ...]] = {}
    for tag, since, found in EDIFACT_NOTES:
        first = (int(since[:2]) + (100 if int(since[:2]) < 90 else 0), since[2:])
        if ordered >= first:
            table[tag] = table.get(tag, ()) + found
    return table


# --- X12 --------------------------------------------------------------------------------
_Faults = tuple[tuple[ProblemCode, int, str], ...]
_X12_CACHE: dict[tuple[int, tuple[bool, ...] | int], tuple[tuple[Note, ...], _Faults]] = {}
# (notes identity, presence pattern) -> the notes, for patterns that meet them all: the
# common case costs one dict lookup (`satisfied`); identity is checked, ids are reused
SATISFIED: dict[tuple[int, tuple[bool, ...] | int], tuple[Note, ...]] = {}


def presence_key(seg: Sequence[str], found: tuple[Note, ...]) -> tuple[int, tuple[bool, ...] | int]:
    """The key of `seg`'s presence pattern in SATISFIED: its length when no element is empty
    (the common case, one C-level scan), else which elements are present."""
    return (id(found), tuple(map(bool, seg)) if "" in seg else len(seg))


def satisfied(seg: Sequence[str], found: tuple[Note, ...]) -> bool:
    """True when `seg` is known to meet `found` (a cache hit); False means: check it."""
    return SATISFIED.get(presence_key(seg, found)) is found


def _x12_faults(
    found: tuple[Note, ...], present: tuple[bool, ...]
) -> tuple[tuple[ProblemCode, int, str], ...]:
    def has(n: int) -> bool:
        return n < len(present) and present[n]

    faults: list[tuple[ProblemCode, int, str]] = []
    for note in found:
        elements = [e for e, _ in note.positions]
        here = [e for e in elements if has(e)]
        first, rest = elements[0], elements[1:]
        if note.kind == "P" and here and len(here) < len(elements):
            missing = next(e for e in elements if not has(e))
            faults.append((_MISSING, missing, note.text))
        elif note.kind == "R" and not here:
            faults.append((_MISSING, first, note.text))
        elif note.kind == "E" and len(here) > 1:
            faults.append((_EXCLUDED, here[1], note.text))
        elif note.kind == "C" and has(first) and not all(has(e) for e in rest):
            faults.append((_MISSING, next(e for e in rest if not has(e)), note.text))
        elif note.kind == "L" and has(first) and not any(has(e) for e in rest):
            faults.append((_MISSING, rest[0], note.text))
    return tuple(faults)


_WHY = {
    "P": "if any of them is present, all are required",
    "R": "at least one of them is required",
    "E": "only one of them may be present",
    "C": "if the first is present, the others are required",
    "L": "if the first is present, at least one of the others is required",
    "D1": "one and only one of them", "D2": "all or none of them",
    "D3": "one or more of them", "D4": "one or none of them",
    "D5": "if the first is present, all of the others", "D6": "if the first is present, "
    "at least one more", "D7": "if the first is present, none of the others",
}  # fmt: skip


def check_syntax_notes(seg: Sequence[str], position: int, found: tuple[Note, ...]) -> list[Problem]:
    """Problems of one X12 segment against its syntax notes (`found`); AK4 code 2 / 10."""
    present = tuple(map(bool, seg))
    key: tuple[int, tuple[bool, ...] | int] = (id(found), present)
    entry = _X12_CACHE.get(key)
    if entry is None or entry[0] is not found:  # identity checked: ids are reused
        if len(_X12_CACHE) > 4096:
            _X12_CACHE.clear()
        entry = _X12_CACHE[key] = (found, _x12_faults(found, present))
    faults = entry[1]
    if not faults:
        SATISFIED[presence_key(seg, found)] = found
        return []
    tag = seg[0]
    return [
        Problem(
            code=code,
            message=f"{tag}{n:02d}: syntax note {text} of {tag} is not met ({_WHY[text[0]]})",
            level=Level.ELEMENT,
            segment=tag,
            position=position,
            element=n,
            element_ref=element_ref(tag, n),
            value=seg[n] if n < len(seg) and seg[n] else None,
        )
        for code, n, text in faults
    ]


# --- EDIFACT ----------------------------------------------------------------------------
def check_dependencies(
    tag: str, elements: Sequence[Sequence[str]], position: int, found: tuple[Note, ...]
) -> list[Problem]:
    """Problems of one EDIFACT segment against its dependency notes (`found`): a required
    element missing (UCD 13) or one that must not be there (UCD 12)."""

    def has(where: tuple[int, int]) -> bool:
        e, c = where
        if e > len(elements):
            return False
        parts = elements[e - 1]
        if not c:
            return any(p.strip() for p in parts)
        return c <= len(parts) and bool(parts[c - 1].strip())

    problems: list[Problem] = []
    for note in found:
        here = [p for p in note.positions if has(p)]
        first, rest = note.positions[0], note.positions[1:]
        fault: tuple[ProblemCode, tuple[int, int]] | None = None
        kind = note.kind
        if kind in ("D1", "D3") and not here:
            fault = (_MISSING, first)
        elif kind in ("D1", "D4") and len(here) > 1:
            fault = (_EXCLUDED, here[1])
        elif kind == "D2" and here and len(here) < len(note.positions):
            fault = (_MISSING, next(p for p in note.positions if not has(p)))
        elif kind == "D5" and has(first) and not all(has(p) for p in rest):
            fault = (_MISSING, next(p for p in rest if not has(p)))
        elif kind == "D6" and has(first) and not any(has(p) for p in rest):
            fault = (_MISSING, rest[0])
        elif kind == "D7" and has(first) and any(has(p) for p in rest):
            fault = (_EXCLUDED, next(p for p in rest if has(p)))
        if fault is not None:
            code, (e, c) = fault
            problems.append(
                Problem(
                    code=code,
                    message=f"{tag}{e:02d}: dependency note {note.text} of {tag} is not met"
                    f" ({_WHY[kind]})",
                    level=Level.ELEMENT,
                    segment=tag,
                    position=position,
                    element=e,
                    component=c or None,
                )
            )
    return problems
