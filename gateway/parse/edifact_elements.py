"""Every data element and component of the EDIFACT segments the IFTSTA/DESADV parsers read,
by position, from the UN/EDIFACT directories D.96A and D.01B (the larger length where they
differ): each a (data element, kind an/n, max length) for a simple data element, or a
tuple of them for a composite. `edifact_common` checks the ones its own table lacks as
conditional (length, type), so a value too long anywhere in a segment read is CONTRL UCD 39
and a non-numeric n value UCD 21, not only in the elements the parsers use.
"""

from __future__ import annotations

__all__ = ["DIRECTORY", "Element"]

Element = tuple[str, str, int] | tuple[tuple[str, str, int], ...]

_CL = ("1131", "an", 17)  # code list identification code
_AG = ("3055", "an", 3)  # code list responsible agency code
_C212 = (("7140", "an", 35), ("7143", "an", 3), _CL, _AG)  # item number identification
_C208 = (("7402", "an", 35), ("7402", "an", 35))  # identity number range
_C556 = (("9013", "an", 3), _CL, _AG, ("9012", "an", 256))  # status reason

DIRECTORY: dict[str, tuple[Element, ...]] = {
    # C002, C106 (D01B; 1004 simple in D96A), 1225, 4343
    "BGM": ((("1001", "an", 3), _CL, _AG, ("1000", "an", 35)),
            (("1004", "an", 70), ("1056", "an", 9), ("1060", "an", 6)),
            ("1225", "an", 3), ("4343", "an", 3)),
    "DTM": ((("2005", "an", 3), ("2380", "an", 35), ("2379", "an", 3)),),  # C507
    "RFF": ((("1153", "an", 3), ("1154", "an", 70), ("1156", "an", 6), ("4000", "an", 35),
             ("1060", "an", 6)),),  # C506
    # 3035, C082, C058, C080, C059, 3164, C819, 3251, 3207
    "NAD": (("3035", "an", 3), (("3039", "an", 35), _CL, _AG),
            tuple(("3124", "an", 35) for _ in range(5)),
            (*(("3036", "an", 35) for _ in range(5)), ("3045", "an", 3)),
            tuple(("3042", "an", 35) for _ in range(4)), ("3164", "an", 35),
            (("3229", "an", 9), _CL, _AG, ("3228", "an", 70)), ("3251", "an", 17),
            ("3207", "an", 3)),
    # 3227, C517, C519, C553, 5479
    "LOC": (("3227", "an", 3), (("3225", "an", 35), _CL, _AG, ("3224", "an", 256)),
            (("3223", "an", 25), _CL, _AG, ("3222", "an", 70)),
            (("3233", "an", 25), _CL, _AG, ("3232", "an", 70)), ("5479", "an", 3)),
    # 1490, C503, 1312
    "CNI": (("1490", "n", 4), (("1004", "an", 70), ("1373", "an", 3), ("1366", "an", 3),
            ("3453", "an", 3), ("1056", "an", 9), ("1060", "an", 6)), ("1312", "n", 4)),
    # C601, C555, C556 x5
    "STS": ((("9015", "an", 3), _CL, _AG), (("4405", "an", 3), _CL, _AG, ("4404", "an", 35)),
            *(_C556 for _ in range(5))),
    # 1082, 1229, C212, C829, 1222, 7083
    "LIN": (("1082", "an", 6), ("1229", "an", 3), _C212, (("5495", "an", 3), ("1082", "an", 6)),
            ("1222", "n", 2), ("7083", "an", 3)),
    "PIA": (("4347", "an", 3), *(_C212 for _ in range(5))),  # 4347, C212 x5
    "QTY": ((("6063", "an", 3), ("6060", "n", 15), ("6411", "an", 3)),),  # C186
    "CPS": (("7164", "an", 35), ("7166", "an", 35), ("7075", "an", 3)),
    "GIN": (("7405", "an", 3), *(_C208 for _ in range(5))),  # 7405, C208 x5
    # 6311, C502, C174, 7383
    "MEA": (("6311", "an", 3),
            (("6313", "an", 3), ("6321", "an", 3), ("6155", "an", 17), ("6154", "an", 70)),
            (("6411", "an", 3), ("6314", "an", 18), ("6162", "n", 18), ("6152", "n", 18),
             ("6432", "n", 2)), ("7383", "an", 3)),
    # 8051, 8028, C220, C228, C040, 8101, C401, C222, 8281 (D01B)
    "TDT": (("8051", "an", 3), ("8028", "an", 17), (("8067", "an", 3), ("8066", "an", 17)),
            (("8179", "an", 8), _CL, _AG, ("8178", "an", 17)),
            (("3127", "an", 17), _CL, _AG, ("3128", "an", 35)), ("8101", "an", 3),
            (("8457", "an", 3), ("8459", "an", 3), ("7130", "an", 17)),
            (("8213", "an", 35), _CL, _AG, ("8212", "an", 70), ("8453", "an", 3)),
            ("8281", "an", 3)),
    # 7224, C531, C202, C402, C532
    "PAC": (("7224", "n", 8), (("7075", "an", 3), ("7233", "an", 3), ("7073", "an", 3)),
            (("7065", "an", 17), _CL, _AG, ("7064", "an", 35)),
            (("7077", "an", 3), ("7064", "an", 35), ("7143", "an", 3), ("7064", "an", 35),
             ("7143", "an", 3)), (("8395", "an", 3), ("8393", "an", 3))),
    "CNT": ((("6069", "an", 3), ("6066", "n", 18), ("6411", "an", 3)),),  # C270
}  # fmt: skip
