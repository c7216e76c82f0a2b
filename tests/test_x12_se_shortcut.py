"""`check_se` takes a shortcut for the plain ST / SE (`_plain_envelope`): whatever the
elements, it must find what the full check finds."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.envelope.x12_sets import _se_problems, check_se

# mostly plain values (the shortcut's case, at every length around its bounds), some odd
_VALUE = st.one_of(
    st.text(alphabet="0129AZaz", max_size=11),
    st.text(alphabet="0129AZaz", min_size=34, max_size=36),
    st.text(alphabet="0129AZaz *~>^ \t\x01Ä٣", max_size=11),
)
_DELIMITERS = st.sampled_from(["*>~", "*>~^", "|^\n", "A>~", "*1~", ""])


@settings(max_examples=3000, deadline=None)
@given(
    st_elements=st.lists(_VALUE, min_size=0, max_size=4),
    se_elements=st.lists(_VALUE, min_size=0, max_size=3),
    body=st.integers(min_value=0, max_value=12),
    delimiters=_DELIMITERS,
    missing_se=st.booleans(),
    consistent=st.booleans(),
)
def test_shortcut_finds_what_the_full_check_finds(
    st_elements: list[str],
    se_elements: list[str],
    body: int,
    delimiters: str,
    missing_se: bool,
    consistent: bool,
) -> None:
    st_seg, se_seg = ["ST", *st_elements], ["SE", *se_elements]
    if consistent:  # SE01 and SE02 as the shortcut wants them: the ST decides
        se_seg = ["SE", str(body + 2), st_elements[1] if len(st_elements) > 1 else ""]
    segments = [st_seg, *[["N1", "SH"]] * body] + ([] if missing_se else [se_seg])
    se = None if missing_se else se_seg
    assert check_se(segments, se, delimiters) == _se_problems(segments, se, delimiters)


_PLAIN = st.text(alphabet="0129AZaz", min_size=1, max_size=11)


@settings(max_examples=2000, deadline=None)
@given(
    code=st.sampled_from(["214", "21", "2140", "ABC", "", " 214", "21*"]),
    control=st.one_of(_PLAIN, _VALUE),
    version=st.one_of(st.sampled_from([None, "", "005010"]), _VALUE),
    count=st.integers(min_value=-1, max_value=1),
    delimiters=_DELIMITERS,
)
def test_shortcut_at_its_bounds(
    code: str, control: str, version: str | None, count: int, delimiters: str
) -> None:
    """ST / SE pairs near the shortcut's case: each element at and around its bounds."""
    st_seg = ["ST", code, control] + ([] if version is None else [version])
    segments: list[list[str]] = [st_seg, ["N1", "SH"]]
    se_seg = ["SE", str(len(segments) + 1 + count), control]
    segments.append(se_seg)
    assert check_se(segments, se_seg, delimiters) == _se_problems(segments, se_seg, delimiters)


@given(control=st.text(alphabet="0123456789ABCabc", min_size=4, max_size=9),
       version=st.sampled_from(["", "004010", "005010X214"]),
       body=st.integers(min_value=0, max_value=30))  # fmt: skip
def test_plain_sets_pass_both_ways(control: str, version: str, body: int) -> None:
    """The shortcut's own case: valid ST / SE pairs give no problem either way."""
    st_seg = ["ST", "214", control] + ([version] if version else [])
    segments = [st_seg, *[["N1", "SH"]] * body]
    se_seg = ["SE", str(body + 2), control]
    segments.append(se_seg)
    assert check_se(segments, se_seg, "*>~") == _se_problems(segments, se_seg, "*>~") == []
