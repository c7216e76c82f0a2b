"""Property test (issue 8): interchanges with random legal delimiters and random corruption
(control and other non-printable characters, the interchange's own delimiters and white
space inserted at random places). Whatever comes in, every acknowledgement produced reads
back with its own delimiters as a valid ack (`tests.ack_checks`), and no API body string
holds a non-printable character or a delimiter of its input interchange.

Gateway-made values (ISO 8601 timestamps) are not input data and are left out of the
delimiter check. EDIFACT corruption also inserts RELEASED delimiters (release character +
component/element/terminator/release): legal syntax, yet no body value may hold the
delimiter it yields, so the release character is one of the checked delimiters."""

from __future__ import annotations

import os
import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.ack_checks import CONTROL, check_contrl, check_x12_ack
from tests.malformed import STATUS_214, STATUS_IFTSTA, Translated, translate

SETTINGS = settings(
    max_examples=int(os.environ.get("EDIGW_PROPERTY_EXAMPLES", "120")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
PUNCTUATION = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"
POOL = PUNCTUATION + "\x1c\x1d\x1e\x1f\u2026\u00a7"
BYTE_POOL = PUNCTUATION + "\x1c\x1d\x1e\x1f"  # EDIFACT service characters are one byte
ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")
# not printable data beyond Cc: line / paragraph separators (Zl, Zp), format characters (Cf:
# zero width space, BOM, soft hyphen, a tag character beyond the BMP), private use (Co),
# unassigned (Cn)
UNPRINTABLE = ["\u2028", "\u2029", "\u200b", "\ufeff", "\u00ad", "\ue000", "\u0378", "\U000e0041"]
NOISE = st.sampled_from(
    [
        "\x00",
        "\x01",
        "\x07",
        "\t",
        "\x0b",
        "\x1b",
        "\x7f",
        "\x85",
        " ",
        "  ",
        "\r\n",
        "\n",
        "\r",
        *UNPRINTABLE,
    ]
)


def _corrupt(draw: st.DrawFn, text: str, extra: list[str]) -> str:
    """`text` with 0..6 insertions of noise or the interchange's own delimiters."""
    inserts = draw(
        st.lists(st.tuples(st.integers(0, len(text)), NOISE | st.sampled_from(extra)), max_size=6)
    )
    for where, what in sorted(inserts, reverse=True):
        text = text[:where] + what + text[where:]
    return text


def _x12(draw: st.DrawFn) -> tuple[str, set[str]]:
    version = draw(st.sampled_from(["00401", "00501"]))
    chars = draw(st.lists(st.sampled_from(POOL), min_size=4, max_size=4, unique=True))
    element, component, repetition = chars[0], chars[1], chars[2]
    segment = draw(st.sampled_from([chars[3], "\n"]))
    suffix = "" if segment == "\n" else draw(st.sampled_from(["", "\n", "\r\n"]))
    isa11 = repetition if version >= "00402" else "U"
    isa = [
        "ISA", "00", " " * 10, "00", " " * 10, "ZZ", "DEMOCARRIER".ljust(15), "ZZ",
        "AMAZONDF".ljust(15), "261124", "1830", isa11, version, "000000101", "1", "P", component,
    ]  # fmt: skip
    gs08 = version + "0"
    body = [
        f"GS*QM*DEMOCARRIER*AMAZONDF*20261124*1830*1*X*{gs08}",
        "ST*214*0001",
        *STATUS_214,
        f"SE*{len(STATUS_214) + 2}*0001",
        "GE*1*1",
        "IEA*1*000000101",
    ]
    text = element.join(isa) + segment + suffix
    text += "".join(s.replace("*", element) + segment + suffix for s in body)
    used = {element, component, segment} | ({repetition} if version >= "00402" else set())
    return text, used


def _edifact(draw: st.DrawFn) -> tuple[str, set[str], str]:
    chars = draw(st.lists(st.sampled_from(BYTE_POOL), min_size=5, max_size=5, unique=True))
    component, element, release, segment, decimal = chars
    una = f"UNA{component}{element}{decimal}{release} {segment}"
    text = edifact_text(component, element, segment, draw(st.sampled_from(["UNOC", "UNOW"])))
    suffix = draw(st.sampled_from(["", "\n", "\r\n"]))
    return (
        una + suffix + text.replace("'\n", segment + suffix),
        {component, element, segment},
        (release),
    )


def edifact_text(component: str, element: str, segment: str, charset: str = "UNOC") -> str:
    status = [s.replace("-06:303", ":203") for s in STATUS_IFTSTA]  # data: alphanumeric only
    segments = ["UNH+1+IFTSTA:D:01B:UN", "BGM+77+ST4711+9", *status]
    segments.append(f"UNT+{len(segments) + 1}+1")
    unb = f"UNB+{charset}:3+DEMOCARRIER:ZZ+AMAZONDF:ZZ+261124:1830+IC1001+++++1"
    out = ""
    for s in [unb, *segments, "UNZ+1+IC1001"]:
        out += s.replace("+", "\x00").replace(":", component).replace("\x00", element) + "'\n"
    return out


def _check(result: Translated, delimiters: set[str]) -> None:
    for ack in result.outcome.acknowledgements:
        if ack.type == "CONTRL":
            check_contrl(ack.content)
        else:
            check_x12_ack(ack.content)
    for value in result.strings():
        assert not CONTROL.search(value), repr(value)
        assert value.isprintable(), repr(value)  # no Zl, Zp, Cf, Co, Cs, Cn either
        if not ISO_TIME.match(value):
            assert not (set(value) & delimiters), (value, delimiters)


@st.composite
def x12_files(draw: st.DrawFn) -> tuple[str, set[str]]:
    text, used = _x12(draw)
    return _corrupt(draw, text, sorted(used)), used


@st.composite
def edifact_files(draw: st.DrawFn) -> tuple[str, set[str]]:
    text, used, release = _edifact(draw)
    released = [release + d for d in sorted(used | {release})]
    return _corrupt(draw, text, sorted(used) + released), used | {release}


@SETTINGS
@given(x12_files())
def test_x12_acks_stay_well_formed_and_bodies_clean(case: tuple[str, set[str]]) -> None:
    text, used = case
    _check(translate(text), used)


@SETTINGS
@given(edifact_files())
def test_edifact_acks_stay_well_formed_and_bodies_clean(case: tuple[str, set[str]]) -> None:
    text, used = case
    _check(translate(text), used)


def test_uncorrupted_files_are_accepted_with_random_delimiters() -> None:
    """The generators themselves are right: without corruption everything goes through."""

    @settings(max_examples=30, deadline=None)
    @given(st.data())
    def run(data: st.DataObject) -> None:
        text, used = data.draw(st.composite(lambda draw: _x12(draw))())
        result = translate(text)
        assert result.error_codes == [] and result.bodies, result.outcome.problems[:3]
        _check(result, used)
        etext, eused, _ = data.draw(st.composite(lambda draw: _edifact(draw))())
        eresult = translate(etext)
        assert eresult.error_codes == [] and eresult.bodies, eresult.outcome.problems[:3]
        _check(eresult, eused)

    run()
