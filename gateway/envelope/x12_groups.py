"""Checks of the X12 control segments: GS/GE and IEA counts and control numbers, and the
functional group each transaction set type belongs to (ST/SE: `x12_sets`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gateway.envelope.outcome import GroupOutcome, InterchangeOutcome
from gateway.problems import Level, Problem, ProblemCode
from gateway.text import is_digits, value_fault

__all__ = [
    "GROUP_BY_SET",
    "check_ge",
    "check_group_sets",
    "check_gs",
    "check_iea",
    "check_set_group",
    "format_faults",
]


def _get(seg: Sequence[str], n: int) -> str:
    return seg[n].strip() if n < len(seg) else ""


# Envelope element formats from the X12 dictionary (004010/005010): element -> (min, max,
# numeric N0 else AN/ID). Dates and times are checked on their own.
GS_FORMATS = {1: (2, 2, False), 2: (2, 15, False), 3: (2, 15, False), 7: (1, 2, False),
              8: (1, 12, False)}  # fmt: skip
GE_FORMATS = {1: (1, 6, True)}
IEA_FORMATS = {1: (1, 5, True)}


def format_faults(
    seg: Sequence[str], formats: dict[int, tuple[int, int, bool]], delimiters: str
) -> list[tuple[int, str, str]]:
    """(element, value, why) for each present element of `seg` that breaks its format or
    holds a delimiter or control character (blanks around a value are padding, a TAB not)."""
    faults = []
    for n, (low, high, numeric) in formats.items():
        value = seg[n].strip(" ") if n < len(seg) else ""
        why = value_fault(value, low, high, numeric, delimiters) if value else None
        if why is not None:
            faults.append((n, value, why))
    return faults


def _same_number(a: str, b: str) -> bool:
    """Control numbers compare as numbers when both are digits (IEA02 '3438' = '000003438');
    without int(), which refuses more than 4,300 digits."""
    if is_digits(a) and is_digits(b):
        return (a.lstrip("0") or "0") == (b.lstrip("0") or "0")
    return a == b


def _valid_date(value: str) -> bool:
    if not is_digits(value) or len(value) not in (6, 8):
        return False
    month, day = int(value[-4:-2]), int(value[-2:])
    return 1 <= month <= 12 and 1 <= day <= 31


def _valid_time(value: str) -> bool:
    if not is_digits(value) or len(value) < 4 or len(value) > 8:
        return False
    seconds = int(value[4:6]) if len(value) >= 6 else 0
    return int(value[:2]) < 24 and int(value[2:4]) < 60 and seconds < 60


# the GS segments found faultless, but for GS06, with the interchange's delimiters (a
# mailbag repeats one GS thousands of times, its control number aside)
_CLEAN_GS: set[tuple[str, ...]] = set()
_CLEAN_MAX = 1024


def check_gs(gs: Sequence[str], interchange: str | None, delimiters: str = "") -> list[Problem]:
    """GS header faults: mandatory elements, date, time, control number, agency; every
    element's type and length, no delimiter or control character (`delimiters`: the
    interchange's)."""
    # a faultless GS06 (1-9 digits, none of them a delimiter) takes no part in the other
    # checks: a GS checked before with another control number has the same faults (none)
    control = gs[6] if len(gs) > 6 else ""
    plain = (
        0 < len(control) <= 9
        and is_digits(control)
        and not any(map(delimiters.__contains__, control))
    )
    plain = plain and len(gs) <= 10 and all(len(v) <= 64 for v in gs)  # nothing long kept
    key = (*gs[:6], *gs[7:], delimiters)
    if plain and key in _CLEAN_GS:
        return []
    problems = _check_gs(gs, interchange, delimiters)
    if plain and not problems:
        if len(_CLEAN_GS) >= _CLEAN_MAX:
            _CLEAN_GS.clear()
        _CLEAN_GS.add(key)
    return problems


def _check_gs(gs: Sequence[str], interchange: str | None, delimiters: str) -> list[Problem]:
    problems: list[Problem] = []

    def bad(n: int, message: str) -> None:
        problems.append(
            Problem(
                code=ProblemCode.GROUP_HEADER_INVALID,
                message=message,
                level=Level.GROUP,
                interchange=interchange,
                group=_get(gs, 6) or None,
                segment="GS",
                element=n,
                value=_get(gs, n) or None,
            )
        )

    names = ("functional ID", "sender", "receiver", "date", "time", "control number",
             "responsible agency", "version")  # fmt: skip
    for n, name in enumerate(names, start=1):
        if not _get(gs, n):
            bad(n, f"GS{n:02d} ({name}) is missing")
    if _get(gs, 4) and not _valid_date(_get(gs, 4)):
        bad(4, f"GS04 {_get(gs, 4)!r} is not a valid date")
    if _get(gs, 5) and not _valid_time(_get(gs, 5)):
        bad(5, f"GS05 {_get(gs, 5)!r} is not a valid time")
    control = _get(gs, 6)
    if control and (not is_digits(control) or len(control) > 9):
        bad(6, f"GS06 {control!r} is not a control number of up to 9 digits")
    if _get(gs, 7) and _get(gs, 7) not in ("X", "T"):
        bad(7, f"GS07 {_get(gs, 7)!r} is not a responsible agency code (X or T)")
    for n, value, why in format_faults(gs, GS_FORMATS, delimiters):
        bad(n, f"GS{n:02d} {value!r} {why}")
    control_ok = control and is_digits(control) and len(control) <= 9
    if control and control_ok and value_fault(gs[6].strip(" "), 1, 9, True, delimiters):
        bad(6, f"GS06 {gs[6]!r} is not a control number of up to 9 digits")
    if len(gs) > 9:
        bad(9, f"GS has {len(gs) - 1} elements, at most 8 allowed")
    return problems


def check_ge(
    ge: Sequence[str] | None,
    group: GroupOutcome,
    interchange: str | None,
    delimiters: str = "",
    gs06: str | None = None,
) -> list[Problem]:
    """GE trailer: present, GE01 = number of sets, GE02 = GS06 (`gs06`, whole, when given:
    the group keeps it clipped, `problems.clip_value`)."""
    where: dict[str, Any] = {"level": Level.GROUP, "interchange": interchange,
                             "group": group.control, "segment": "GE"}  # fmt: skip
    if ge is None:
        return [
            Problem(
                code=ProblemCode.GROUP_TRAILER_MISSING,
                message=f"functional group {group.control} has no GE trailer",
                **where,
            )
        ]
    problems: list[Problem] = []
    count, control = _get(ge, 1), _get(ge, 2)
    if format_faults(ge, {**GE_FORMATS, 2: (1, 9, True)}, delimiters):
        count, control = ge[1] if len(ge) > 1 else "", ge[2] if len(ge) > 2 else ""
    if count != str(len(group.sets)):
        problems.append(
            Problem(
                code=ProblemCode.GROUP_COUNT_MISMATCH,
                message=f"GE01 says {count or 'nothing'} transaction sets, "
                f"the group holds {len(group.sets)}",
                element=1,
                value=count or None,
                **where,
            )
        )
    header = (group.control if gs06 is None else gs06) or ""
    ge_ok = is_digits(control) and len(control) <= 9
    if not ge_ok and control == header:
        pass  # the same invalid number in GS06 and GE02: the GS06 fault names it (AK905 6)
    elif not ge_ok or not _same_number(control, header):
        why = (
            f"GE02 {control!r} is not a control number of up to 9 digits"
            if control and not ge_ok
            else f"GE02 {control!r} does not match GS06 {group.control!r}"
        )
        problems.append(
            Problem(
                code=ProblemCode.GROUP_CONTROL_MISMATCH,
                message=why,
                element=2,
                value=control or None,
                **where,
            )
        )
    return problems


def check_iea(
    iea: Sequence[str], ic: InterchangeOutcome[Any], delimiters: str = "", groups: int = -1
) -> list[Problem]:
    """IEA trailer: IEA01 = number of groups (`groups`, the GS read, when the reader
    counted them: those past the profile's max_interchange_groups are not in `ic.groups`;
    else `ic.groups` with a GS), IEA02 = ISA13."""
    problems: list[Problem] = []
    where: dict[str, Any] = {"level": Level.INTERCHANGE, "interchange": ic.control,
                             "segment": "IEA"}  # fmt: skip
    count, control = _get(iea, 1), _get(iea, 2)
    if format_faults(iea, {**IEA_FORMATS, 2: (9, 9, True)}, delimiters):
        count, control = iea[1] if len(iea) > 1 else "", iea[2] if len(iea) > 2 else ""
    if groups < 0:
        groups = sum(1 for g in ic.groups if g.control is not None)
    if count != str(groups):
        problems.append(
            Problem(
                code=ProblemCode.INTERCHANGE_COUNT_MISMATCH,
                message=f"IEA01 says {count or 'nothing'} functional groups, "
                f"the interchange holds {groups}",
                element=1,
                value=count or None,
                **where,
            )
        )
    if control != (ic.control or ""):
        padded = is_digits(control) and _same_number(control, ic.control or "")
        problems.append(
            Problem(
                code=ProblemCode.INTERCHANGE_CONTROL_MISMATCH,
                message=f"IEA02 {control!r} does not match ISA13 {ic.control!r}"
                + (" (not zero-padded to 9 digits)" if padded else ""),
                element=2,
                value=control or None,
                **where,
            )
        )
    return problems


# ST01 -> the functional identifier (GS01) of the group it belongs to (X12 code list 479)
GROUP_BY_SET = {
    "204": "SM", "210": "IM", "214": "QM", "810": "IN", "820": "RA", "824": "AG",
    "846": "IB", "850": "PO", "855": "PR", "856": "SH", "860": "PC", "864": "TX",
    "990": "GF", "997": "FA", "999": "FA",
}  # fmt: skip


def _usable_gs01(functional_id: str | None) -> bool:
    value = functional_id or ""
    return len(value) == 2 and value.isascii() and value.isalnum()


def check_set_group(type_code: str, functional_id: str | None) -> Problem | None:
    """A set whose ST01 belongs to another functional group than GS01 names (a 214 in a
    GS*SH group): the set is not supported in this group (AK502 / IK502 1)."""
    expected = GROUP_BY_SET.get(type_code.strip())
    if expected is None or not _usable_gs01(functional_id) or functional_id == expected:
        return None
    return Problem(
        code=ProblemCode.SET_NOT_SUPPORTED,
        message=f"transaction set {type_code.strip()} belongs to functional group "
        f"{expected}, not to GS01 {functional_id!r}",
        level=Level.TRANSACTION,
        segment="ST",
        position=1,
        element=1,
        value=type_code.strip() or None,
    )


def check_group_sets(group: GroupOutcome, interchange: str | None) -> list[Problem]:
    """GS01 that names none of the group's sets (`GS*XX` around a 214, `GS*PO` around an
    856): the functional group is not supported (AK905 1), nothing of it is sent."""
    if not group.sets or not _usable_gs01(group.functional_id) or group.sets.more_bare:
        return []  # (past TYPES_KEPT types, blanks stripped: GROUP_BY_SET names 15)
    types = set(group.sets.bare_types)
    kinds = {GROUP_BY_SET.get(code) for code in types}
    if None in kinds or group.functional_id in kinds:
        return []  # a set of a type without a known group, or one set that belongs
    names = ", ".join(sorted(types))
    return [
        Problem(
            code=ProblemCode.GROUP_HEADER_INVALID,
            message=f"GS01 {group.functional_id!r} is not the functional identifier of its "
            f"transaction sets ({names})",
            level=Level.GROUP,
            interchange=interchange,
            group=group.control,
            segment="GS",
            element=1,
            value=group.functional_id,
        )
    ]
