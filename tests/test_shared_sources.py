"""Values read at the same place of messages / sets of the same shape share one `Src`
object, so a spooled trail (`request_spool`) pickles each source once, by reference, and
not once per value: a 20 MB IFTSTA spent a fifth of its time pickling sources."""

from __future__ import annotations

import io
import pickle
from typing import Any

from gateway.ack.context import AckContext
from gateway.mapping.codes import load_code_tables
from gateway.mapping.result import TranslatedRequest
from gateway.parse.records import Src
from gateway.pipeline import translate_stream
from gateway.profile import PartnerProfile
from tests.test_one_go_sets import clean_file

PROFILE = PartnerProfile(selling_party="999US", ship_from="ABCD")


def _message(number: int) -> str:
    return (
        f"UNH+{number}+IFTSTA:D:01B:UN'BGM+23+ST{number}+9'CNI+1+TRK{number:08d}'"
        "STS+1+301:::Status text+000'RFF+ON:PO1'DTM+334:202611241000UTC:303'"
        f"LOC+175+USSEA::6:Seattle'UNT+8+{number}'"
    )


def _trails(data: bytes) -> list[Any]:
    requests: list[TranslatedRequest] = []
    translate_stream(io.BytesIO(data), PROFILE, load_code_tables(), AckContext(), requests.append)
    assert requests
    return [trail for r in requests for trail in r.stored_trails()]


def _sources(trail: Any) -> list[Src]:
    return [v for v in trail if isinstance(v, Src)]


def test_iftsta_messages_of_one_shape_share_their_sources() -> None:
    text = "UNA:+.? 'UNB+UNOA:3+CARRIER:ZZ+AMAZON:ZZ+261125:1200+1'"
    text += "".join(_message(n) for n in (1, 2, 3)) + "UNZ+3+1'"
    first, *others = _trails(text.encode())
    assert _sources(first) and len(others) == 2
    for other in others:
        assert [id(s) for s in _sources(other)] == [id(s) for s in _sources(first)]
    assert _sources(first)[0] == Src(*_sources(first)[0])  # equal to one made anew


def test_214_sets_in_one_go_share_their_sources() -> None:
    trails = _trails(clean_file(6))
    at_place: dict[tuple[object, ...], int] = {}
    for trail in trails:
        for src in _sources(trail):
            assert at_place.setdefault(tuple(src), id(src)) == id(src)


class _Counting(pickle.Pickler):
    """A pickler that counts the sources it writes out (not those it refers back to)."""

    sources = 0

    def reducer_override(self, obj: Any) -> Any:
        if type(obj) is Src:
            self.sources += 1
        return NotImplemented


def test_a_spooled_trail_pickles_each_source_once() -> None:
    text = "UNA:+.? 'UNB+UNOA:3+CARRIER:ZZ+AMAZON:ZZ+261125:1200+1'"
    trails = _trails((text + "".join(_message(n) for n in range(1, 41)) + "UNZ+40+1'").encode())
    pickler = _Counting(io.BytesIO(), pickle.HIGHEST_PROTOCOL)
    pickler.dump(trails)
    assert len(trails) == 40
    assert 0 < pickler.sources <= len(_sources(trails[0])) + 1  # one message's, not 40
