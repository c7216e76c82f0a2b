"""X12 loop and element tables for the sets the gateway translates (004010 / 005010).

Data, not code: read like the standard's segment tables. Element tables list the elements
in order; `MAX_ELEMENTS` bounds how many a segment may carry. Segments without an element
table are checked for structure only.
"""

from __future__ import annotations

import yaml

from gateway.parse.x12_elements import El
from gateway.parse.x12_structure import Loop, Seg
from gateway.profile import mappings_dir


def load_time_code_names() -> list[str]:
    """The time codes of mappings/time_codes.yaml (data shared with the mapping stage)."""
    text = (mappings_dir() / "time_codes.yaml").read_text(encoding="utf-8")
    data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return [str(code) for code in data]


__all__ = ["COMPOSITES", "ELEMENTS", "MAX_ELEMENTS", "REPEATS", "SET_214", "SET_856"]

_N1_LOOP = Loop(
    "N1",
    (Seg("N1", True), Seg("N2"), Seg("N3", max_use=2), Seg("N4"), Seg("G61"), Seg("G62"),
     Seg("L11", max_use=10), Seg("REF", max_use=12), Seg("PER", max_use=3), Seg("FOB")),
    max_use=200,
)  # fmt: skip

_AT7_LOOP = Loop("0205", (Seg("AT7", True), Seg("MS1"), Seg("MS2")), max_use=10)

# X12 214 Transportation Carrier Shipment Status Message
SET_214 = Loop(
    "214",
    (
        Seg("ST", True), Seg("B10", True), Seg("L11", max_use=300), Seg("MAN", max_use=9999),
        Seg("Q7", max_use=10), Seg("K1", max_use=10), Seg("AT8", max_use=10),
        Loop("0100", _N1_LOOP.children, max_use=10),
        Loop("MS3", (Seg("MS3", True), Seg("L11", max_use=10)), max_use=99),
        Loop(
            "0200",
            (
                Seg("LX", True), _AT7_LOOP, Seg("L11", max_use=300), Seg("MAN", max_use=9999),
                Seg("Q7", max_use=10), Seg("K1", max_use=10), Seg("AT5", max_use=10),
                Seg("AT8", max_use=10),
                Loop("0210", (Seg("CD3", True), Seg("L11", max_use=20), _AT7_LOOP,
                              Seg("MAN", max_use=10), Seg("Q7", max_use=10),
                              Seg("AT8", max_use=10)), max_use=999),
                Loop("0220", (Seg("NM1", True), Seg("N2"), Seg("N3", max_use=2), Seg("N4"),
                              Seg("G61")), max_use=999),
                Loop("0300", (Seg("SPO", True), Seg("SDQ", max_use=50)), max_use=999),
            ),
            max_use=999999,
        ),

    ),
    required=True,
)  # fmt: skip

# X12 856 Ship Notice/Manifest: header, the HL loop (shipment/order/tare/pack/item), CTT
SET_856 = Loop(
    "856",
    (
        Seg("ST", True), Seg("BSN", True), Seg("DTM", max_use=10),
        Loop(
            "HL",
            (
                Seg("HL", True), Seg("LIN"), Seg("SN1"), Seg("SLN", max_use=1000), Seg("PRF"),
                Seg("PO4"), Seg("PID", max_use=200), Seg("MEA", max_use=40),
                Seg("PWK", max_use=25), Seg("PKG", max_use=25), Seg("TD1", max_use=20),
                Seg("TD5", max_use=10), Seg("TD3", max_use=12), Seg("TD4", max_use=5),
                Seg("TSD"), Seg("REF", max_use=200), Seg("PER", max_use=3),
                Loop("LH1", (Seg("LH1", True), Seg("LH2", max_use=4), Seg("LH3", max_use=10),
                             Seg("LFH", max_use=20), Seg("LEP", max_use=3), Seg("LH4"),
                             Seg("LHT", max_use=3), Seg("LHR", max_use=10),
                             Seg("PER", max_use=5), Seg("LHE")), max_use=100),
                Loop("CLD", (Seg("CLD", True), Seg("REF", max_use=200), Seg("DTM")),
                     max_use=200),
                Seg("MAN", max_use=10), Seg("DTM", max_use=10), Seg("FOB"), Seg("PAL"),
                Loop("N1", _N1_LOOP.children, max_use=200),
                Seg("SDQ", max_use=50), Seg("ETD"), Seg("CUR"),
                Loop("SAC", (Seg("SAC", True), Seg("CUR")), max_use=25),
                Seg("GF"), Seg("YNQ", max_use=10),
                Loop("LM", (Seg("LM", True), Seg("LQ", True, 100)), max_use=10),
                Loop("V1", (Seg("V1", True), Seg("R4", max_use=12), Seg("DTM", max_use=12)),
                     max_use=12),
                Loop("H1", (Seg("H1", True), Seg("H2", max_use=100)), max_use=10),
            ),
            required=True,
            max_use=200000,
        ),
        Seg("CTT"),

    ),
    required=True,
)  # fmt: skip


def _ids(*codes: str) -> frozenset[str]:
    return frozenset(codes)


_AN = "AN"
# DE 623 time codes the gateway can convert (mappings/time_codes.yaml): an AT7-07 / DTM04
# outside them is an invalid code value (997 AK4 code 7), not a time guessed at
TIME_CODES = frozenset(load_time_code_names())
ELEMENTS: dict[str, tuple[El, ...]] = {
    "ST": (El("143", "M", "ID", 3, 3), El("329", "M", _AN, 4, 9), El("1705", "O", _AN, 1, 35)),
    "SE": (El("96", "M", "N0", 1, 10), El("329", "M", _AN, 4, 9)),
    "B10": (El("127", "X", _AN, 1, 30), El("145", "X", _AN, 1, 30), El("140", "M", "ID", 2, 4),
            El("71", "O", "N0", 1, 9), El("128", "X", "ID", 2, 3), El("127", "X", _AN, 1, 30),
            El("1073", "O", "ID", 1, 1)),
    "L11": (El("127", "X", _AN, 1, 30), El("128", "X", "ID", 2, 3), El("352", "O", _AN, 1, 80)),
    "N1": (El("98", "M", "ID", 2, 3), El("93", "X", _AN, 1, 60), El("66", "X", "ID", 1, 2),
           El("67", "X", _AN, 2, 80), El("706", "O", "ID", 2, 2), El("98", "O", "ID", 2, 3)),
    "N3": (El("166", "M", _AN, 1, 55), El("166", "O", _AN, 1, 55)),
    "N4": (El("19", "O", _AN, 2, 30), El("156", "O", "ID", 2, 2), El("116", "O", "ID", 3, 15),
           El("26", "O", "ID", 2, 3), El("309", "X", "ID", 1, 2), El("310", "X", _AN, 1, 30),
           El("1715", "O", "ID", 3, 3)),
    "LX": (El("554", "M", "N0", 1, 6),),
    "AT7": (El("1650", "X", "ID", 2, 2), El("1651", "X", "ID", 2, 2), El("1652", "X", "ID", 2, 2),
            El("1653", "X", "ID", 2, 2), El("373", "O", "DT", 8, 8), El("337", "O", "TM", 4, 8),
            El("623", "O", "ID", 2, 2, TIME_CODES)),
    "MS1": (El("19", "X", _AN, 2, 30), El("156", "X", "ID", 2, 2), El("26", "X", "ID", 2, 3),
            El("1654", "X", "R", 1, 10), El("1655", "X", "R", 1, 10), El("1280", "X", "ID", 1, 1),
            El("1280", "X", "ID", 1, 1)),
    "MS2": (El("140", "X", "ID", 2, 4), El("207", "X", _AN, 1, 15), El("40", "X", "ID", 2, 2),
            El("761", "O", "N0", 1, 3)),
    "MAN": (El("88", "M", "ID", 1, 2), El("87", "M", _AN, 1, 48), El("87", "O", _AN, 1, 48),
            El("88", "X", "ID", 1, 2), El("87", "X", _AN, 1, 48), El("87", "O", _AN, 1, 48)),
    "BSN": (El("353", "M", "ID", 2, 2), El("396", "M", _AN, 2, 30), El("373", "M", "DT", 8, 8),
            El("337", "M", "TM", 4, 8), El("1005", "O", "ID", 4, 4), El("640", "X", "ID", 2, 2),
            El("641", "O", "ID", 3, 3)),
    "HL": (El("628", "M", _AN, 1, 12), El("734", "O", _AN, 1, 12), El("735", "M", "ID", 1, 2),
           El("736", "O", "ID", 1, 1)),
    "PRF": (El("324", "M", _AN, 1, 22), El("328", "O", _AN, 1, 8), El("327", "O", _AN, 1, 8),
            El("373", "O", "DT", 8, 8), El("350", "O", _AN, 1, 20), El("367", "O", _AN, 1, 30),
            El("92", "O", "ID", 2, 2)),
    "DTM": (El("374", "M", "ID", 3, 3), El("373", "X", "DT", 8, 8), El("337", "X", "TM", 4, 8),
            El("623", "O", "ID", 2, 2, TIME_CODES), El("1250", "X", "ID", 2, 3),
            El("1251", "X", _AN, 1, 35)),
    "TD5": (El("133", "O", "ID", 1, 2), El("66", "X", "ID", 1, 2), El("67", "X", _AN, 2, 80),
            El("91", "X", "ID", 1, 2), El("387", "X", _AN, 1, 35)),
    "TD1": (El("103", "O", _AN, 3, 5), El("80", "X", "N0", 1, 7), El("23", "O", "ID", 1, 1),
            El("22", "X", _AN, 2, 30), El("79", "O", _AN, 1, 50), El("187", "O", "ID", 1, 2),
            El("81", "X", "R", 1, 10), El("355", "X", "ID", 2, 2), El("183", "X", "R", 1, 8),
            El("355", "X", "ID", 2, 2)),
    "SN1": (El("350", "O", _AN, 1, 20), El("382", "M", "R", 1, 10), El("355", "M", "ID", 2, 2),
            El("646", "O", "R", 1, 15), El("330", "X", "R", 1, 15), El("355", "X", "ID", 2, 2),
            El("728", "O", "R", 1, 9), El("668", "O", "ID", 2, 2)),
    "LIN": (El("350", "O", _AN, 1, 20),)
    + (El("235", "X", "ID", 2, 2), El("234", "X", _AN, 1, 48)) * 15,
    "PO4": (El("356", "O", "N0", 1, 6), El("357", "O", "R", 1, 8), El("355", "X", "ID", 2, 2),
            El("103", "O", _AN, 3, 5), El("187", "X", "ID", 1, 2), El("384", "X", "R", 1, 9),
            El("355", "X", "ID", 2, 2)),
    "CTT": (El("354", "M", "N0", 1, 6), El("347", "O", "R", 1, 10)),
}  # fmt: skip

MAX_ELEMENTS: dict[str, int] = {
    "ST": 3, "SE": 2, "B10": 7, "L11": 5, "N1": 6, "N2": 2, "N3": 2, "N4": 7, "LX": 1,
    "AT7": 7, "MS1": 7, "MS2": 4, "AT8": 7, "MAN": 6, "BSN": 7, "HL": 4, "PRF": 7, "DTM": 6,
    "TD5": 15, "TD1": 10, "TD3": 10, "SN1": 8, "LIN": 31, "PO4": 18, "PID": 9, "REF": 4,
    "CTT": 7, "G62": 5, "K1": 2, "Q7": 5, "FOB": 9,
}  # fmt: skip

# Element positions that are composites (they may hold the component separator, ISA16);
# every other element is simple (004010 / 005010 segment directories): MEA04 C001, REF04
# C040, SLN05 C001, AK401 / IK401 C030, CTX01 C998, CTX05 C030, CTX06 C999
COMPOSITES: dict[str, frozenset[int]] = {
    "MEA": frozenset({4}), "REF": frozenset({4}), "SLN": frozenset({5}),
    "AK4": frozenset({1}), "IK4": frozenset({1}), "CTX": frozenset({1, 5, 6}),
}  # fmt: skip

# Element positions that may repeat (00402+: they may hold the repetition separator, ISA11):
# CTX01 C998 (999, up to 10 repetitions)
REPEATS: dict[str, frozenset[int]] = {"CTX": frozenset({1})}

# element codes the gateway relies on (checked where present)
HL_LEVELS = _ids("S", "O", "T", "P", "I", "Q", "D", "F")
