"""The EDIFACT lexer's batches and the reader's short path read exactly as the long way.

`cut_segments` cuts the buffered segments at once and the reader builds the common message
segments without `feed_any`; both must give the same segments, offsets, problems and
documents as reading segment by segment, for any chunk size, delimiters, releases, line
breaks, charsets and corruption.
"""

from __future__ import annotations

import codecs
import io
import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.envelope.edifact import _PADDING, EdifactResult, _Reader, read_edifact
from gateway.envelope.edifact_header import CHARSETS
from gateway.envelope.edifact_lexer import Batch, cut_segments, split_segments, tokenize
from gateway.envelope.unb import EdifactDelimiters
from gateway.parse.edifact_checks import check_segment
from gateway.parse.edifact_common import EdiSegment
from gateway.problems import ProblemCode
from gateway.profile import PartnerProfile
from tests.outcomes import all_problems
from tests.sinks import RecordingSink

_SPECIAL = st.sampled_from(list("!\"#$%&()*+,-./:;<=>?@[]^_`{|}~'"))
_BREAKS = st.sampled_from(["", "\n", "\r\n", " \n", "\t"])
_VALUES = st.text("AB12 :+?'!*~\u00e9", max_size=10)


def _escape(value: str, d: EdifactDelimiters) -> str:
    special = (d.component, d.element, d.release, d.segment)
    return "".join(d.release + c if d.release and c in special else c for c in value)


@st.composite
def files(draw: st.DrawFn) -> tuple[bytes, list[list[Any]]]:
    """A file of one or two interchanges (random UNA or the defaults) and, per interchange,
    the segments written (tag first, then data elements of components)."""
    written: list[list[Any]] = []
    text = ""
    for _ in range(draw(st.integers(1, 2))):
        if draw(st.booleans()):
            comp, sep, release, term = draw(st.lists(_SPECIAL, min_size=4, max_size=4,
                                                     unique=True))  # fmt: skip
            d = EdifactDelimiters(comp, sep, ".", release, " ", term)
            text += f"UNA{comp}{sep}.{release} {term}"
        else:
            d = EdifactDelimiters()
        brk = draw(_BREAKS)
        segments: list[list[Any]] = [
            ["UNB", ["UNOW", "3"], ["S", "ZZ"], ["R", "ZZ"], ["261125", "1200"], ["1"]],
            ["UNH", ["1"], ["IFTSTA", "D", "01B", "UN"]],
        ]
        for n in range(draw(st.integers(0, 30))):
            values = draw(st.lists(st.lists(_VALUES, min_size=1, max_size=2), max_size=3))
            segments.append(["CNI", [str(n)], *values])
        segments += [["UNT", [str(len(segments))], ["1"]], ["UNZ", ["1"], ["1"]]]
        for tag, *elements in segments:
            parts = [d.component.join(_escape(v, d) for v in element) for element in elements]
            text += d.element.join([tag, *parts]) + d.segment + brk
        written.append(segments)
    return text.encode("utf-8"), written


@settings(max_examples=80, deadline=None)
@given(files(), st.sampled_from([1, 2, 7, 64, 1 << 16]))
def test_segments_round_trip_with_their_offsets(
    made: tuple[bytes, list[list[Any]]], chunk: int
) -> None:
    data, written = made
    raws = list(split_segments(io.BytesIO(data), chunk_size=chunk))
    assert [r.data for r in raws] == [r.data for r in split_segments(io.BytesIO(data))]
    d = EdifactDelimiters()
    values = []
    for raw in raws:
        assert data[raw.offset : raw.offset + len(raw.data)] == raw.data
        assert data[raw.offset - len(raw.lead) : raw.offset] == raw.lead
        assert not raw.lead.strip() and raw.complete and not raw.overlong
        if raw.una is not None:
            d = raw.una
            continue
        if raw.data.startswith(b"UNB") and not raws[raws.index(raw) - 1].una:
            d = EdifactDelimiters()
        seg = tokenize(raw.data.decode("utf-8"), d)
        assert isinstance(seg, EdiSegment)
        values.append([seg.tag, *(list(parts) for parts in seg.elements)])
    assert values == [segment for interchange in written for segment in interchange]


@settings(max_examples=40, deadline=None)
@given(files())
def test_batches_hold_complete_segments_after_the_one_cut_alone(
    made: tuple[bytes, list[list[Any]]],
) -> None:
    data = made[0]
    items = list(cut_segments(io.BytesIO(data), chunk_size=16))
    batched = [piece for item in items if isinstance(item, Batch) for piece in item.pieces]
    for item in items:
        if isinstance(item, Batch):
            offset, terminators = item.offset, set()
            for piece in item.pieces:
                assert data[offset : offset + len(piece)] == piece
                assert piece.lstrip()[:3] not in (b"UNA", b"UNB")
                terminators.add(data[offset + len(piece)])
                offset += len(piece) + 1
            assert len(terminators) == 1  # one interchange's terminator
    assert len(batched) + sum(1 for item in items if not isinstance(item, Batch)) == len(
        list(split_segments(io.BytesIO(data)))
    )


def _long_way(data: bytes, profile: PartnerProfile) -> tuple[list[object], RecordingSink]:
    """Every segment through `feed_any`, as before the short path."""
    sink = RecordingSink()
    reader = _Reader(sink, profile)
    complete = True
    for raw in split_segments(io.BytesIO(data)):
        reader.feed_any(raw)
        complete = raw.complete or not raw.data.strip(_PADDING)  # as read_edifact does
    reader.finish(complete)
    return [p.model_dump() for p in all_problems(reader.result)], sink


def _corrupt(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randrange(4)):
        at = rng.randrange(len(out) + 1)
        out[at:at] = rng.choice([b"\n", b"\r\n", b"\x07", b"\xff", b"?", b":", b"'", b"UNB+",
                                 b"UNA:+.? '", b"  ", b"\xc3\xa9"])  # fmt: skip
    return bytes(out)


@settings(max_examples=80, deadline=None)
@given(files(), st.integers(0, 2**32))
def test_short_path_reads_as_the_long_way(made: tuple[bytes, list[list[Any]]], seed: int) -> None:
    profile = PartnerProfile(selling_party="999US", ship_from="ABCD")
    data = _corrupt(made[0], random.Random(seed))
    sink = RecordingSink()
    result = read_edifact(io.BytesIO(data), sink, profile)
    problems, long_sink = _long_way(data, profile)
    assert [p.model_dump() for p in all_problems(result)] == problems
    assert sink.documents == long_sink.documents


def test_a_repeated_segment_reports_its_faults_every_time() -> None:
    bad = EdiSegment("DTM", (("334", "20261399", "102"),))
    first, again = check_segment(bad, 4), check_segment(bad, 9)
    assert [p.code for p in first] == [p.code for p in again] == [ProblemCode.INVALID_DATE]
    assert (first[0].position, again[0].position) == (4, 9)
    good = EdiSegment("DTM", (("334", "20261124", "102"),))
    assert check_segment(good, 4) == check_segment(good, 5) == []


_INSERTS = [b"\n", b"\r\n", b"\x07", b"\xff", b"?", b":", b"'", b"+", b"UNB+", b"UNA:+.? '",
            b"  ", b"\xc3\xa9", b"\x00"]  # fmt: skip


def test_each_kind_of_fault_anywhere_reads_as_the_long_way() -> None:
    profile = PartnerProfile(selling_party="999US", ship_from="ABCD")
    body = (b"UNB+UNOW:3+S:ZZ+R:ZZ+261125:1200+7'\nUNH+1+IFTSTA:D:01B:UN'\nBGM+23+B1+9'\n"
            b"CNI+1+TRK?+1'\nSTS+1+21'\nDTM+334:202611241030UTC:303'\nLOC+175+USSEA::6:Seattle'\n"
            b"UNT+7+1'\nUNZ+1+7'\n")  # fmt: skip
    for at in range(0, len(body) + 1, 3):
        for insert in _INSERTS:
            data = body[:at] + insert + body[at:]
            sink = RecordingSink()
            result = read_edifact(io.BytesIO(data), sink, profile)
            problems, long_sink = _long_way(data, profile)
            assert [p.model_dump() for p in all_problems(result)] == problems, (at, insert)
            assert sink.documents == long_sink.documents


def test_a_syntax_4_repetition_separator_anywhere_reads_as_the_long_way() -> None:
    profile = PartnerProfile(selling_party="999US", ship_from="ABCD")
    body = (b"UNA:+.?*'\nUNB+UNOC:4+S:ZZ+R:ZZ+20261125:1200+7'\nUNH+1+IFTSTA:D:01B:UN'\n"
            b"BGM+23+B1+9'\nCNI+1+TRK1'\nSTS+1+21'\nDTM+334:202611241030UTC:303'\n"
            b"LOC+175+USSEA::6:Seattle'\nUNT+7+1'\nUNZ+1+7'\n")  # fmt: skip
    for at in range(0, len(body) + 1, 2):
        for insert in (b"*", b"?*", b"**"):
            data = body[:at] + insert + body[at:]
            sink = RecordingSink()
            result = read_edifact(io.BytesIO(data), sink, profile)
            problems, long_sink = _long_way(data, profile)
            assert [p.model_dump() for p in all_problems(result)] == problems, (at, insert)
            assert sink.documents == long_sink.documents


def test_every_syntax_identifier_names_a_codec_python_has() -> None:
    for syntax_id, charset in CHARSETS.items():
        assert codecs.lookup(charset).name, syntax_id


def test_a_segment_seen_under_one_charset_is_read_again_under_the_next() -> None:
    profile = PartnerProfile(selling_party="999US", ship_from="ABCD")

    def interchange(syntax: str, ref: str) -> bytes:
        text = (f"UNB+{syntax}:3+S:ZZ+R:ZZ+261125:1200+{ref}'UNH+1+IFTSTA:D:01B:UN'"
                f"BGM+23+B1+9'CNI+1+TR\xe9CK'STS+1+21'UNT+5+1'UNZ+1+{ref}'")  # fmt: skip
        return text.encode("latin-1")

    data = interchange("UNOC", "1") + interchange("UNOA", "2")
    sink = RecordingSink()
    result = read_edifact(io.BytesIO(data), sink, profile)
    latin1, ascii_only = result.interchanges
    assert not all_problems(EdifactResult(interchanges=[latin1]))
    codes = {p.code for p in all_problems(EdifactResult(interchanges=[ascii_only]))}
    assert ProblemCode.INVALID_CHARACTER in codes
    assert [p.model_dump() for p in all_problems(result)] == _long_way(data, profile)[0]


_TWO = (b"UNA:+.? 'UNB+UNOC:3+S:ZZ+R:ZZ+261124:1830+1'UNH+1+IFTSTA:D:01B:UN'UNT+2+1'UNZ+1+1'"
        b"%bUNB+UNOC:3+S:ZZ+R:ZZ+261124:1830+2'UNH+1+IFTSTA:D:01B:UN'UNT+2+1'UNZ+1+2'")  # fmt: skip


def test_a_una_wrapped_inside_its_tag_after_the_first_interchange_is_a_una() -> None:
    """Found by differential review: the batch cutter must stop at a UNA whose tag a hard
    wrap broke (U<LF>NA, UN<CR><LF>A), as it stops at a plain UNA."""
    profile = PartnerProfile(selling_party="999US", ship_from="ABCD")
    for una in (b"U\nNA:+.? '", b"UN\r\nA:+.? '", b"U\r\nN\r\nA\r\n:+.? '", b"UNA:+.? '"):
        result = read_edifact(io.BytesIO(_TWO % una), RecordingSink(), profile)
        codes = [p.code for p in all_problems(result)]
        assert ProblemCode.INVALID_CONTROL_STRUCTURE not in codes, (una, codes)
        assert [ic.control for ic in result.interchanges] == ["1", "2"], una


def test_a_white_space_release_character_never_releases_across_leading_white_space() -> None:
    """A UNA naming TAB as release character (itself an error): a piece that is only a TAB
    is an empty segment, as segment by segment, not a released terminator."""
    profile = PartnerProfile(selling_party="999US", ship_from="ABCD")
    data = (b"UNA:+.\t 'UNB+UNOC:3+S:ZZ+R:ZZ+261124:1830+1'UNH+1+IFTSTA:D:01B:UN'\t'"
            b"UNT+3+1'UNZ+1+1'")  # fmt: skip
    result = read_edifact(io.BytesIO(data), RecordingSink(), profile)
    codes = [p.code for p in all_problems(result)]
    assert ProblemCode.UNRECOGNIZED_SEGMENT in codes
    assert ProblemCode.SET_TRAILER_MISSING not in codes


def test_one_segment_behind_other_white_space_or_outside_a_message_reads_as_the_long_way() -> None:
    """The short path knows a segment by its bytes with the white space before it: the same
    segment after another line break, one with a CR inside, and one between two messages
    (stray: reported) read as segment by segment."""
    profile = PartnerProfile(selling_party="999US", ship_from="ABCD")
    sts = b"STS+1+21'"
    data = (b"UNB+UNOC:3+S:ZZ+R:ZZ+261125:1200+7'\nUNH+1+IFTSTA:D:01B:UN'\nBGM+23+B1+9'\n"
            b"CNI+1+TRK1'\n" + sts + b"\r\n" + sts + b"  " + sts + b"\n"
            b"STS+1\r+21'UNT+8+1'" + sts + b"\nUNH+2+IFTSTA:D:01B:UN'\nBGM+23+B2+9'CNI+1+TRK2'"
            + sts + b"\n" + sts + b"UNT+6+2'\nUNZ+2+7'\n")  # fmt: skip
    sink = RecordingSink()
    result = read_edifact(io.BytesIO(data), sink, profile)
    problems, long_sink = _long_way(data, profile)
    assert [p.model_dump() for p in all_problems(result)] == problems
    assert ProblemCode.INVALID_CONTROL_STRUCTURE in {p.code for p in all_problems(result)}
    assert sink.documents == long_sink.documents
    assert len(result.interchanges[0].groups[0].sets) == 2 and sink.documents
