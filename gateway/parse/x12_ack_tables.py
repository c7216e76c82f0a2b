"""X12 997 / 999 loop and element tables: inbound acknowledgements are checked, not translated.

Data, read like the standard's tables (004010 997, 005010X231 999).
"""

from __future__ import annotations

from gateway.parse.x12_elements import El
from gateway.parse.x12_structure import Loop, Seg

__all__ = ["ACK_ELEMENTS", "ACK_MAX_ELEMENTS", "SET_997", "SET_999"]

_AN = "AN"
_ACK_CODES = frozenset({"A", "E", "M", "R", "W", "X"})
_GROUP_ACK_CODES = frozenset({"A", "E", "M", "P", "R", "W", "X"})

SET_997 = Loop(
    "997",
    (
        Seg("ST", True), Seg("AK1", True),
        Loop("AK2", (Seg("AK2", True),
                     Loop("AK3", (Seg("AK3", True), Seg("AK4", max_use=99)), max_use=999999),
                     Seg("AK5", True)), max_use=999999),
        Seg("AK9", True),
    ),
    required=True,
)  # fmt: skip

SET_999 = Loop(
    "999",
    (
        Seg("ST", True), Seg("AK1", True),
        Loop("AK2", (Seg("AK2", True),
                     Loop("IK3", (Seg("IK3", True), Seg("CTX", max_use=10),
                                  Loop("IK4", (Seg("IK4", True), Seg("CTX", max_use=10)),
                                       max_use=99)), max_use=999999),
                     Seg("IK5", True)), max_use=999999),
        Seg("AK9", True),
    ),
    required=True,
)  # fmt: skip

_CODES5 = tuple(El("718", "O", "ID", 1, 3) for _ in range(5))
ACK_ELEMENTS: dict[str, tuple[El, ...]] = {
    "AK1": (El("479", "M", "ID", 2, 2), El("28", "M", "N0", 1, 9), El("480", "O", _AN, 1, 12)),
    "AK2": (El("143", "M", "ID", 3, 3), El("329", "M", _AN, 4, 9), El("1705", "O", _AN, 1, 35)),
    "AK3": (El("721", "M", "ID", 2, 3), El("719", "M", "N0", 1, 10), El("447", "O", _AN, 1, 4),
            El("720", "O", "ID", 1, 3)),
    "AK4": (El("C030", "M", _AN, 1, 20), El("725", "O", "N0", 1, 4), El("723", "M", "ID", 1, 3),
            El("724", "O", _AN, 1, 99)),
    "AK5": (El("717", "M", "ID", 1, 1, _ACK_CODES), *_CODES5),
    "AK9": (El("715", "M", "ID", 1, 1, _GROUP_ACK_CODES), El("97", "M", "N0", 1, 6),
            El("123", "M", "N0", 1, 6), El("2", "M", "N0", 1, 6),
            *(El("716", "O", "ID", 1, 3) for _ in range(5))),
    "IK3": (El("721", "M", "ID", 2, 3), El("719", "M", "N0", 1, 10), El("447", "O", _AN, 1, 4),
            El("620", "O", "ID", 1, 3)),
    "IK4": (El("C030", "M", _AN, 1, 20), El("725", "O", "N0", 1, 4), El("621", "M", "ID", 1, 3),
            El("724", "O", _AN, 1, 99)),
    "IK5": (El("717", "M", "ID", 1, 1, _ACK_CODES),
            *(El("618", "O", "ID", 1, 3) for _ in range(5))),
}  # fmt: skip

ACK_MAX_ELEMENTS: dict[str, int] = {
    "ST": 3, "SE": 2, "AK1": 3, "AK2": 3, "AK3": 4, "AK4": 4, "AK5": 6, "AK9": 9,
    "IK3": 4, "IK4": 4, "IK5": 6, "CTX": 6,
}  # fmt: skip
