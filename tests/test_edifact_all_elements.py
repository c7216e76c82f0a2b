"""Review of issue 8: every data element and component of every segment the IFTSTA/DESADV
parsers read is checked against its UN/EDIFACT directory definition (D.96A, D.01B), not
only the ones the parsers use: too long is CONTRL UCD 39, not numeric (an n element) UCD 21,
more data elements than the segment has UCD 16 (too many constituents); the message is
rejected, nothing is sent."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.malformed import translate

_SAMPLES = Path(__file__).resolve().parents[1] / "samples"
_IFTSTA = (_SAMPLES / "10-edifact-iftsta-d01b" / "input.edi").read_bytes()
_DESADV = (_SAMPLES / "27-edifact-desadv-ship-method" / "input.edi").read_bytes()
_LONG = "Q" * 40


def _segments(contrl: str) -> list[list[str]]:
    return [s.strip().split("+") for s in contrl.split("'") if s.strip()]


def _position(sample: bytes, segment: str) -> str:
    """Position of `segment` in the sample's message, UNH = 1."""
    tags = [s.strip() for s in sample.decode("latin-1").split("'")]
    return str(tags.index(segment) - tags.index(next(t for t in tags if t[:3] == "UNH")) + 1)


def _rejected(sample: bytes, old: str, new: str, code: str, where: str) -> None:
    data = sample.replace(f"{old}'".encode(), f"{new}'".encode("latin-1"), 1)
    assert data != sample
    done = translate(data)
    assert done.bodies == []
    contrl = done.ack("CONTRL")
    segments = _segments(contrl)
    assert next(s for s in segments if s[0] == "UCM")[3] == "4"  # the message is rejected
    assert ["UCS", _position(sample, old)] in segments
    assert ["UCD", code, where] in [s for s in segments if s[0] == "UCD"]


def test_the_samples_are_accepted_unchanged() -> None:
    for sample in (_IFTSTA, _DESADV):
        done = translate(sample)
        assert done.bodies != []
        assert "element_too_long" not in done.error_codes


# (segment in the sample, the same with one element the parsers do not read too long, where)
_IFTSTA_LONG = [
    ("BGM+77+ST4711+9", "BGM+77+ST4711+9+ABCDE", "4"),  # 4343 an..3
    ("BGM+77+ST4711+9", f"BGM+77:::{_LONG}+ST4711+9", "1:4"),  # C002 1000 an..35
    ("NAD+CA+DEMOCARRIER::9", f"NAD+CA+DEMOCARRIER::9++{_LONG}", "4:1"),  # C080 3036 an..35
    ("NAD+CA+DEMOCARRIER::9", "NAD+CA+DEMOCARRIER::9+++++++DEUX", "9"),  # 3207 an..3
    ("CNI+1+1Z4711A", "CNI+1+1Z4711A:ABCD", "2:2"),  # C503 1373 an..3
    ("CNI+1+1Z4711A", "CNI+1+1Z4711A+12345", "3"),  # 1312 n..4
    ("STS+1+302::6+000", "STS+1+302::6+000+XXXX", "4:1"),  # second C556 9013 an..3
    ("STS+1+302::6+000", f"STS+1+302::6:{_LONG}+000", "2:4"),  # C555 4404 an..35
    ("RFF+ON:PO4711", "RFF+ON:PO4711:1234567", "1:3"),  # C506 1156 an..6
    ("LOC+175+USCHI::6:Chicago", "LOC+175+USCHI::6:Chicago+++ABCD", "5"),  # 5479 an..3
    ("LOC+175+USCHI::6:Chicago", f"LOC+175+USCHI::6:Chicago+X:{'1' * 18}", "3:2"),  # 1131
]
_DESADV_LONG = [
    ("BGM+351+DES4711+9", f"BGM+351+DES4711+9+{_LONG}", "4"),  # 4343 an..3
    ("NAD+SF+ABCD::9++Demo Vendor DC", f"NAD+SF+ABCD::9++Demo Vendor DC+{_LONG}", "5:1"),  # 3042
    ("NAD+SF+ABCD::9++Demo Vendor DC", f"NAD+SF+ABCD::9++{_LONG}", "4:1"),  # 3036 an..35
    ("PAC+2++CT", "PAC+123456789++CT", "1"),  # 7224 n..8
    ("PAC+2++CT", f"PAC+2++CT{_LONG}", "3:1"),  # C202 7065 an..17
    ("PAC+2++CT", "PAC+2+ABCD+CT", "2:1"),  # C531 7075 an..3
    ("CNT+2:3", "CNT+2:3:ABCD", "1:3"),  # C270 6411 an..3
    ("TDT+20+V42+30+31:::FEDEX_GROUND+CARR7:172:182",
     "TDT+20+V42+30+31:::FEDEX_GROUND+CARR7:172:182++++ABCD", "9"),  # 8281 an..3
    ("TDT+20+V42+30+31:::FEDEX_GROUND+CARR7:172:182",
     "TDT+20+V42+30+31:::FEDEX_GROUND+CARR7:172:182++ABCD:1", "7:1"),  # C401 8457 an..3
    ("CPS+1", "CPS+1++ABCD", "3"),  # 7075 an..3
    ("MEA+PD+AAB+KGM:3.4", "MEA+PD+AAB+KGM:3.4+ABCD", "4"),  # 7383 an..3
    ("MEA+PD+AAB+KGM:3.4", f"MEA+PD+AAB:::{'7' * 71}+KGM:3.4", "2:4"),  # C502 6154 an..70
    ("GIN+BJ+00012345600000000017", f"GIN+BJ+00012345600000000017+{_LONG}", "3:1"),  # 7402
    ("LIN+1++4006381333931:EN", "LIN+1+ABCD+4006381333931:EN", "2"),  # 1229 an..3
    ("LIN+1++4006381333931:EN", "LIN+1++4006381333931:EN+ABCD:1", "4:1"),  # C829 5495 an..3
    ("PIA+1+B00EXAMPLE1:BP", f"PIA+1+B00EXAMPLE1:BP:{'1' * 18}", "2:3"),  # 1131 an..17
    ("RFF+ON:PO4711", f"RFF+ON:PO4711::{_LONG}", "1:4"),  # C506 4000 an..35
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "where"), _IFTSTA_LONG)
def test_iftsta_element_not_read_too_long_is_ucd_39(old: str, new: str, where: str) -> None:
    _rejected(_IFTSTA, old, new, "39", where)


@pytest.mark.parametrize(("old", "new", "where"), _DESADV_LONG)
def test_desadv_element_not_read_too_long_is_ucd_39(old: str, new: str, where: str) -> None:
    _rejected(_DESADV, old, new, "39", where)


@pytest.mark.parametrize(
    ("sample", "old", "new", "where"),
    [
        (_DESADV, "PAC+2++CT", "PAC+2X++CT", "1"),  # 7224 n..8
        (_DESADV, "CNT+2:3", "CNT+2:3X", "1:2"),  # C270 6066 n..18
        (_DESADV, "LIN+1++4006381333931:EN", "LIN+1++4006381333931:EN++A", "5"),  # 1222 n..2
        (_IFTSTA, "CNI+1+1Z4711A", "CNI+1+1Z4711A+A1", "3"),  # 1312 n..4
    ],
)
def test_element_not_read_not_numeric_is_ucd_21(
    sample: bytes, old: str, new: str, where: str
) -> None:
    _rejected(sample, old, new, "21", where)


# (sample, segment in it, most data elements of the segment in D.96A..D.10B)
_MOST = [
    (_IFTSTA, "BGM+77+ST4711+9", 4),
    (_IFTSTA, "DTM+137:202611241830:203", 1),
    (_IFTSTA, "NAD+CA+DEMOCARRIER::9", 9),
    (_IFTSTA, "CNI+1+1Z4711A", 3),
    (_IFTSTA, "STS+1+302::6+000", 7),
    (_IFTSTA, "RFF+ON:PO4711", 1),
    (_IFTSTA, "LOC+175+USCHI::6:Chicago", 5),
    (_DESADV, "BGM+351+DES4711+9", 4),
    (_DESADV, "PAC+2++CT", 5),
    (_DESADV, "CNT+2:3", 1),
    (_DESADV, "TDT+20+V42+30+31:::FEDEX_GROUND+CARR7:172:182", 10),
    (_DESADV, "CPS+1", 3),
    (_DESADV, "MEA+PD+AAB+KGM:3.4", 4),
    (_DESADV, "GIN+BJ+00012345600000000017", 6),
    (_DESADV, "LIN+1++4006381333931:EN", 6),
    (_DESADV, "PIA+1+B00EXAMPLE1:BP", 6),
    (_DESADV, "QTY+12:2:PCE", 1),
]


@pytest.mark.parametrize(("sample", "old", "most"), _MOST, ids=lambda v: str(v)[:12])
def test_one_data_element_too_many_is_ucd_16(sample: bytes, old: str, most: int) -> None:
    new = old + "+" * (most - old.count("+")) + "+AB"  # 'AB' is data element most + 1
    _rejected(sample, old, new, "16", str(most + 1))


def test_bgm_with_six_data_elements_is_rejected() -> None:
    _rejected(_IFTSTA, "BGM+77+ST4711+9", "BGM+77+ST4711+9+AB+X+Y", "16", "5")
