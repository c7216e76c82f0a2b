"""The EDIFACT segments the IFTSTA/DESADV parsers read, as data: per segment its data
element / component checks (presence, type, length), its most data elements, which of its
elements are simple and how many components each composite has, and the lengths that grew
between directory releases. Sources: the UN/EDIFACT directories D.96A to D.10B (segment
and composite definitions); `edifact_elements.DIRECTORY` adds every other element.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.parse.edifact_elements import DIRECTORY, Element

__all__ = ["COMPOSITES", "RELEASE_LENGTHS", "SEGMENT_CHECKS", "SIMPLE_ELEMENTS", "Chk"]


@dataclass(frozen=True, slots=True)
class Chk:
    """One data element / component check: req M (always), m (when its composite is
    present) or C (conditional); kind an, a or n (numeric, decimal mark allowed)."""

    element: int
    component: int | None
    ref: str
    req: str
    kind: str
    max: int


_c = Chk  # short name for the table below


# Segments the IFTSTA/DESADV parsers read: (checks, max data elements). Every data element
# and component the parsers (or a partner's field sources) read is checked for presence,
# type and length. Lengths follow the D96A..D10B directories (the larger where they differ;
# `RELEASE_LENGTHS` narrows the ones that grew for the releases before they grew).
SEGMENT_CHECKS: dict[str, tuple[tuple[Chk, ...], int]] = {
    "BGM": ((_c(1, 1, "1001", "C", "an", 3), _c(2, 1, "1004", "C", "an", 70)), 4),
    "DTM": ((_c(1, 1, "2005", "M", "an", 3), _c(1, 2, "2380", "C", "an", 35),
             _c(1, 3, "2379", "C", "an", 3)), 1),
    "RFF": ((_c(1, 1, "1153", "M", "an", 3), _c(1, 2, "1154", "C", "an", 70)), 1),
    "NAD": ((_c(1, None, "3035", "M", "an", 3), _c(2, 1, "3039", "m", "an", 35),
             _c(6, None, "3164", "C", "an", 35), _c(7, None, "3229", "C", "an", 9),
             _c(8, None, "3251", "C", "an", 17), _c(9, None, "3207", "C", "an", 3)), 9),
    "LOC": ((_c(1, None, "3227", "M", "an", 3), _c(2, 1, "3225", "C", "an", 35),
             _c(2, 4, "3224", "C", "an", 256), _c(3, 1, "3223", "C", "an", 25)), 5),
    "CNI": ((_c(1, None, "1490", "C", "n", 4), _c(2, 1, "1004", "m", "an", 70)), 3),
    "STS": ((_c(1, 1, "9015", "m", "an", 3), _c(2, 1, "4405", "m", "an", 3),
             _c(3, 1, "9013", "m", "an", 3)), 7),
    "LIN": ((_c(1, None, "1082", "C", "an", 6), _c(3, 1, "7140", "m", "an", 35),
             _c(3, 2, "7143", "C", "an", 3)), 6),
    "PIA": ((_c(1, None, "4347", "M", "an", 3), _c(2, 1, "7140", "M", "an", 35),
             _c(2, 2, "7143", "C", "an", 3),
             *(_c(n, k, ref, "m" if k == 1 else "C", "an", size)
               for n in range(3, 7) for k, ref, size in ((1, "7140", 35), (2, "7143", 3)))), 6),
    "QTY": ((_c(1, 1, "6063", "M", "an", 3), _c(1, 2, "6060", "M", "n", 15),
             _c(1, 3, "6411", "C", "an", 3)), 1),
    "CPS": ((_c(1, None, "7164", "M", "an", 35), _c(2, None, "7166", "C", "an", 35)), 3),
    "GIN": ((_c(1, None, "7405", "M", "an", 3), _c(2, 1, "7402", "M", "an", 35),
             _c(2, 2, "7402", "C", "an", 35)), 6),
    "MEA": ((_c(1, None, "6311", "M", "an", 3), _c(2, 1, "6313", "C", "an", 3),
             _c(3, 1, "6411", "C", "an", 3), _c(3, 2, "6314", "C", "n", 18)), 4),
    "TDT": ((_c(1, None, "8051", "M", "an", 3), _c(2, None, "8028", "C", "an", 17),
             _c(3, 1, "8067", "C", "an", 3), _c(3, 2, "8066", "C", "an", 17),
             _c(4, 1, "8179", "C", "an", 8),
             _c(4, 4, "8178", "C", "an", 17), _c(5, 1, "3127", "C", "an", 17),
             _c(5, 4, "3128", "C", "an", 35), _c(6, None, "8101", "C", "an", 3),
             _c(8, 1, "8213", "C", "an", 35), _c(8, 4, "8212", "C", "an", 70)), 10),
    "PAC": ((), 5),
    "CNT": ((_c(1, 1, "6069", "M", "an", 3), _c(1, 2, "6066", "M", "n", 18)), 1),
}  # fmt: skip


def _directory_checks(checks: tuple[Chk, ...], elements: tuple[Element, ...]) -> tuple[Chk, ...]:
    """`checks` and a conditional length/type check for every other data element and
    component of the segment's directory definition (`edifact_elements.DIRECTORY`)."""
    covered = {(chk.element, chk.component or 1) for chk in checks}
    more: list[Chk] = []
    for n, element in enumerate(elements, start=1):
        if isinstance(element[0], str):  # a simple data element
            ref, kind, size = element
            if (n, 1) not in covered:
                more.append(Chk(n, None, ref, "C", kind, size))
            continue
        for k, (ref, kind, size) in enumerate(element, 1):
            if (n, k) not in covered:
                more.append(Chk(n, k, ref, "C", kind, size))
    return (*checks, *more)


# every element and component of each segment read: the parsers' checks first (presence)
SEGMENT_CHECKS = {
    tag: (_directory_checks(checks, DIRECTORY.get(tag, ())), most)
    for tag, (checks, most) in SEGMENT_CHECKS.items()
}

# Lengths that grew in a later directory: data element -> (first release with the larger
# length, the length before it). 1004 is an..35 up to D06A (read as an..70 from D06B on:
# an..70 by D17A), 1154 an..35 up to D00A (an..70 from D00B).
RELEASE_LENGTHS: dict[str, tuple[str, int]] = {"1004": ("06B", 35), "1154": ("00B", 35)}

# Simple data elements (by position) of the segments the parsers read, D96A..D10B; every
# other position is a composite or unknown. A simple element holding an unreleased component
# separator has too many constituents (CONTRL UCD 16).
SIMPLE_ELEMENTS: dict[str, frozenset[int]] = {
    "BGM": frozenset({3, 4}),  # 1225, 4343
    "NAD": frozenset({1, 6, 8, 9}),  # 3035, 3164, 3251, 3207
    "LOC": frozenset({1, 5}),  # 3227, 5479
    "CNI": frozenset({1, 3}),  # 1490, 1312
    "LIN": frozenset({1, 2, 5, 6}),  # 1082, 1229, 1222, 7083
    "PIA": frozenset({1}),  # 4347
    "CPS": frozenset({1, 2, 3}),  # 7164, 7166, 7075
    "GIN": frozenset({1}),  # 7405
    "MEA": frozenset({1, 4}),  # 6311, 7383
    "TDT": frozenset({1, 2, 6, 9}),  # 8051, 8028, 8101, 8281
    "PAC": frozenset({1}),  # 7224
    "CNT": frozenset(),
}

# Composite data elements (by position) of the segments the parsers read and the most
# components each has in D96A..D10B: more is too many constituents (CONTRL UCD 16).
COMPOSITES: dict[str, dict[int, int]] = {
    "BGM": {1: 4, 2: 3},  # C002 1001:1131:3055:1000; C106 1004:1056:1060 (D01B on)
    "DTM": {1: 3},  # C507 2005:2380:2379
    "RFF": {1: 5},  # C506 1153:1154:1156:4000:1060
    "NAD": {2: 3, 3: 5, 4: 6, 5: 4, 7: 4},  # C082, C058, C080, C059, C819 (3229 before)
    "LOC": {2: 4, 3: 4, 4: 4},  # C517 3225:1131:3055:3224, C519, C553
    "CNI": {2: 6},  # C503 1004:1373:1366:3453:1056:1060
    "STS": {1: 3, 2: 4, **dict.fromkeys(range(3, 8), 4)},  # C601, C555, C556 (x5)
    "LIN": {3: 4, 4: 2},  # C212 7140:7143:1131:3055, C829 5495:1082
    "PIA": dict.fromkeys(range(2, 7), 4),  # C212 (x5)
    "QTY": {1: 3},  # C186 6063:6060:6411
    "GIN": dict.fromkeys(range(2, 7), 2),  # C208 7402:7402 (x5)
    "MEA": {2: 4, 3: 5},  # C502 6313:6321:6155:6154, C174 6411:6314:6162:6152:6432
    "TDT": {3: 2, 4: 4, 5: 4, 7: 3, 8: 5},  # C220, C228 8179:1131:3055:8178, C040, C401, C222
    "PAC": {2: 3, 3: 4, 4: 5, 5: 2},  # C531, C202, C402, C532
    "CNT": {1: 3},  # C270 6069:6066:6411
}
