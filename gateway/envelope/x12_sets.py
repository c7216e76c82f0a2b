"""Checks of an X12 transaction set's ST header and SE trailer: present, of their element
formats (X12 dictionary 004010/005010), SE01 the segment count and SE02 = ST02; with a
shortcut for the plain pair most sets carry (`check_se`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gateway.envelope.x12_groups import format_faults
from gateway.problems import Level, Problem, ProblemCode

__all__ = ["SE_FORMATS", "ST_FORMATS", "check_se"]

# element -> (min, max, numeric N0 else AN/ID), as `x12_groups.format_faults` reads them
ST_FORMATS = {1: (3, 3, False), 2: (4, 9, False), 3: (1, 35, False)}
SE_FORMATS = {1: (1, 10, True), 2: (4, 9, False)}


def _get(seg: Sequence[str], n: int) -> str:
    return seg[n].strip() if n < len(seg) else ""


def check_se(
    segments: Sequence[Sequence[str]],
    se: Sequence[str] | None,
    delimiters: str = "",
    count: int | None = None,
) -> list[Problem]:
    """SE trailer: present, SE01 = segments ST..SE, SE02 = ST02; ST01/ST02 present; ST and
    SE elements of their type and length, without delimiter or control character (AK502
    6 / 7 for ST01 / ST02). `count`: the set's segments when `segments` holds only some
    (a set past the profile's max_set_segments), else len(segments)."""
    total = len(segments) if count is None else count
    if se is not None and _plain_envelope(segments[0], se, total, delimiters):
        return []
    return _se_problems(segments, se, delimiters, total)


def _se_problems(
    segments: Sequence[Sequence[str]],
    se: Sequence[str] | None,
    delimiters: str,
    total: int | None = None,
) -> list[Problem]:
    """`check_se` without its shortcut for the plain case: every check, one by one."""
    total = len(segments) if total is None else total
    st = segments[0]
    problems: list[Problem] = []
    where: dict[str, Any] = {"level": Level.TRANSACTION}

    def st_fault(n: int, message: str, value: str | None = None) -> Problem:
        return Problem(code=ProblemCode.SET_HEADER_INVALID, message=message, segment="ST",
                       position=1, element=n, value=value, **where)  # fmt: skip

    for n, value, why in format_faults(st, ST_FORMATS, delimiters):
        problems.append(st_fault(n, f"ST{n:02d} {value!r} {why}", value))
    if not _get(st, 1) or not _get(st, 2):
        n = 1 if not _get(st, 1) else 2
        problems.append(st_fault(n, f"ST{n:02d} is missing"))
    if se is None:
        problems.append(
            Problem(
                code=ProblemCode.SET_TRAILER_MISSING,
                message=f"transaction set {_get(st, 2)} has no SE trailer",
                segment="SE",
                position=total + 1,
                **where,
            )
        )
        return problems
    where.update(segment="SE", position=total)  # SE01/SE02 faults sit on the SE
    count, control = _get(se, 1), _get(se, 2)
    if format_faults(se, SE_FORMATS, delimiters):
        count, control = se[1] if len(se) > 1 else "", se[2] if len(se) > 2 else ""

    def se_fault(code: ProblemCode, message: str, n: int, ref: str, value: str) -> Problem:
        return Problem(code=code, message=message, element=n, element_ref=ref,
                       value=value or None, **where)  # fmt: skip

    if count != str(total):
        message = f"SE01 says {count or 'nothing'} segments, the set has {total}"
        problems.append(se_fault(ProblemCode.SET_COUNT_MISMATCH, message, 1, "96", count))
    if control != _get(st, 2):
        message = f"SE02 {control!r} does not match ST02 {_get(st, 2)!r}"
        problems.append(se_fault(ProblemCode.SET_CONTROL_MISMATCH, message, 2, "329", control))
    return problems


_ALNUM_DELIMITERS: dict[str, bool] = {}  # delimiters -> whether one is a letter or digit


def _plain_envelope(st: Sequence[str], se: Sequence[str], count: int, delimiters: str) -> bool:
    """True for the common ST and SE that `check_se` finds nothing in: ST01 (3) and ST02
    (4..9) ASCII letters and digits, ST03 absent or 1..35 of them, SE01 the segment count
    written plainly, SE02 the same text as ST02, no other element; with delimiters that are
    no letter or digit (so no such value holds one). Anything else takes the full check."""
    if len(se) != 3 or not 3 <= len(st) <= 4:
        return False
    held = _ALNUM_DELIMITERS.get(delimiters)
    if held is None:
        held = _ALNUM_DELIMITERS[delimiters] = any(c.isalnum() for c in delimiters)
    if held:
        return False
    code, control = st[1], st[2]
    version = st[3] if len(st) > 3 else ""
    return (
        len(code) == 3
        and 4 <= len(control) <= 9
        and len(version) <= 35
        and (code + control + version).isalnum()
        and (code + control + version).isascii()
        and se[1] == str(count)
        and se[2] == control
    )
