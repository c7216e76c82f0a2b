"""The one-go way of translating a whole X12 214 set: a set that every check passes becomes
its updates' JSON texts and trails by reference in one pass over its segments, without the
records (`Val`, `StatusEvent`) and problem lists in between. Any set that anything would be
said of (a structure, element, syntax-note or mapping fault or warning) is left to the
general way (`parse.x12_214.parse_214`, then `mapping.status.map_status`), which says
why. The two ways read the same values from the same places (the module docstring of
`parse.x12_214`), the updates are `status_one_go.fast_update`'s (text and trail), and the
tests hold the two ways to each other on every sample, corpus file and mutation of them."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from gateway.mapping.build import Builder
from gateway.mapping.codes import CodeTables, StatusResolution
from gateway.mapping.part_memo import MEMOS, Part, PartMemo
from gateway.mapping.status_lineage import resolve_status
from gateway.mapping.status_one_go import OneGo, one_go_of, update_tail, updated
from gateway.mapping.status_set_plan import plan_of
from gateway.mapping.status_trail import fast_trail
from gateway.mapping.times import TimeError
from gateway.origin import Origin
from gateway.parse.dates import parse_local
from gateway.parse.records import EventTime, Src, Val
from gateway.parse.relations import syntax_notes
from gateway.parse.x12_accept import faultless
from gateway.parse.x12_common import ROWS, src_of, src_row
from gateway.profile import PartnerProfile

__all__ = ["Mapped", "one_go_214"]

Mapped = tuple[str, str, str, tuple[Any, ...]]  # JSON text, purchase order, tracking, trail

_new = tuple.__new__  # Val / EventTime are named tuples: made without their __new__


def _src(tag: str, position: int, n: int) -> Src:
    """The shared `Src` of element `n` of the segment at `position` (`x12_common.src_row`:
    the same object `parse_214` reads)."""
    row = ROWS.get((tag, position)) or src_row(tag, position)
    found: Src | None = row[n]
    return found if found is not None else src_of(row, tag, position, n)


# position -> the shared `Src`s read of the AT7 there (status, reason, date, time, zone and
# the three times' sources together) and of the MS1 there (city, state, country): a file
# repeats a few set shapes, so each is made once (`_src`), not once per event
_AT7_SRCS: dict[int, tuple[Src, Src, Src, Src, Src, tuple[Src, Src, Src]]] = {}
_MS1_SRCS: dict[int, tuple[Src, Src, Src]] = {}
_SRCS_KEPT = 1024  # positions kept


def _at7_srcs(position: int) -> tuple[Src, Src, Src, Src, Src, tuple[Src, Src, Src]]:
    found = _AT7_SRCS.get(position)
    if found is None:
        if len(_AT7_SRCS) >= _SRCS_KEPT:
            _AT7_SRCS.clear()
        date, time, zone = (
            _src("AT7", position, 5),
            _src("AT7", position, 6),
            _src("AT7", position, 7),
        )
        found = _AT7_SRCS[position] = (_src("AT7", position, 1), _src("AT7", position, 2), date,
                                       time, zone, (date, time, zone))  # fmt: skip
    return found


def _ms1_srcs(position: int) -> tuple[Src, Src, Src]:
    found = _MS1_SRCS.get(position)
    if found is None:
        if len(_MS1_SRCS) >= _SRCS_KEPT:
            _MS1_SRCS.clear()
        found = _MS1_SRCS[position] = (_src("MS1", position, 1), _src("MS1", position, 2),
                                       _src("MS1", position, 3))  # fmt: skip
    return found


def _element(seg: Sequence[str], n: int) -> str:
    """Element `n` as `parse_214` reads it: stripped, '' when absent or blank."""
    return seg[n].strip() if n < len(seg) else ""


def one_go_214(
    segments: list[list[str]],
    origin: Origin,
    profile: PartnerProfile,
    tables: CodeTables,
    component: str = ">",
    repetition: str | None = None,
    version: str | None = None,
    nul_free: bool = False,
) -> list[Mapped] | None:
    """The mapped updates of one 214 set (ST..SE inclusive) in file order, each as (JSON
    text, purchase order, tracking number, trail by reference), when the general way
    would find no problem at all in it (parse or mapping, error or warning) and map every
    event; else None, and the caller takes the general way. `component` / `repetition`
    are the interchange's ISA16 / ISA11 separators, `version` the set's ST03 or GS08 (the
    syntax notes); `nul_free` True when no element holds a NUL (`faultless`)."""
    plan = plan_of(segments, profile.structure == "tolerant")
    if plan is None:
        return None  # a structure fault, or an MS1 before its loop's AT7: parse_214 says why
    header_l11s, loops = plan
    texts = faultless(segments, component, repetition, syntax_notes(version), nul_free=nul_free)
    if texts is None:
        return None
    go = one_go_of(origin, profile, tables)
    if go is None:
        return None
    sources = profile.field_sources
    po_quals, track_quals = sources.po_reference_qualifiers, sources.tracking_reference_qualifiers
    po_from_b10, tracking_from_b10 = sources.po_from_b10, sources.tracking_from_b10
    # (value, tag, position, element) of each reference read, None when absent
    header_po: tuple[str, str, int, int] | None = None
    for position in header_l11s:  # (the header's L11s before its first N1)
        seg = segments[position - 1]
        if header_po is None and (seg[2] if len(seg) > 2 else "") in po_quals:
            value = _element(seg, 1)
            header_po = (value, "L11", position, 1) if value else None
    mapped: list[Mapped] = []
    for b10_at, l11s, events in loops:
        lx_po: tuple[str, str, int, int] | None = None
        lx_tracking: tuple[str, str, int, int] | None = None
        for position in l11s:
            seg = segments[position - 1]
            qualifier = seg[2] if len(seg) > 2 else ""
            if qualifier in po_quals and lx_po is None:
                value = _element(seg, 1)
                lx_po = (value, "L11", position, 1) if value else None
            elif qualifier in track_quals and lx_tracking is None:
                value = _element(seg, 1)
                lx_tracking = (value, "L11", position, 1) if value else None
        po, tracking = lx_po or header_po, lx_tracking
        if b10_at:  # the B10 read by the loop's end, where the profile takes it from there
            b10 = segments[b10_at - 1]
            if po is None and po_from_b10:
                value = _element(b10, 2)
                po = (value, "B10", b10_at, 2) if value else None
            if tracking is None and tracking_from_b10:
                value = _element(b10, 1)
                tracking = (value, "B10", b10_at, 1) if value else None
        for at7_at, ms1_at in events:
            update = _update(at7_at, segments, texts, ms1_at, po, tracking, go, origin,
                             profile, tables)  # fmt: skip
            if update is None:
                return None
            mapped.append(update)
    return mapped


# an AT7 and the MS1 after it, each at its position (a position parts the two's elements)
# -> their part of an update (`_part`)
_MEMO = PartMemo()
MEMOS.append(_MEMO)
_PART_LENGTH = 160  # the longest AT7 and MS1 (their elements' characters) remembered


def _update(
    at7_pos: int,
    segments: list[list[str]],
    texts: list[str],
    ms1_pos: int,
    po: tuple[str, str, int, int] | None,
    tracking: tuple[str, str, int, int] | None,
    go: OneGo,
    origin: Origin,
    profile: PartnerProfile,
    tables: CodeTables,
) -> Mapped | None:
    """One AT7's update (`status_one_go.fast_update`'s text and trail), from the AT7 at
    `at7_pos` and the MS1 after it at `ms1_pos` (0: none) of the set `segments` (ST..SE),
    whose body's texts (`faultless`'s, from position 2) are `texts`; None when any check
    would fail or warn."""
    if po is None or tracking is None:
        return None
    at7 = segments[at7_pos - 1]
    ms1: Sequence[str] = segments[ms1_pos - 1] if ms1_pos else ()
    memo = _MEMO
    if memo.skipped > 0:  # (scans of their own: not looked up for a while)
        memo.skipped -= 1  # (two threads may take it below 0: lookups then go on)
        part = _part(at7_pos, at7, ms1_pos, ms1, go, origin, profile, tables)
    else:
        # (the texts are joined by NUL: `faultless` lets no set whose element holds one
        # come here)
        at7_text, ms1_text = texts[at7_pos - 2], texts[ms1_pos - 2] if ms1_pos else ""
        key = (at7_pos, at7_text, ms1_pos, ms1_text)
        hit = memo.find(key, go)
        if hit is not None:
            part = hit[1]
        else:
            part = _part(at7_pos, at7, ms1_pos, ms1, go, origin, profile, tables)
            if len(at7_text) + len(ms1_text) <= _PART_LENGTH:
                memo.keep(key, go, part)
    return updated(go, part, po[0], tracking[0], _src(tracking[1], tracking[2], tracking[3]),
                   _src(po[1], po[2], po[3]))  # fmt: skip


def _part(
    at7_pos: int,
    at7: list[str],
    ms1_pos: int,
    ms1: Sequence[str],
    go: OneGo,
    origin: Origin,
    profile: PartnerProfile,
    tables: CodeTables,
) -> Part | None:
    """What an AT7 and the MS1 after it (none: `ms1_pos` 0, `ms1` empty) give an update:
    its JSON text from the status code on (`update_tail`) and its trail up to the
    tracking number's source; None when a check would fail or warn (the status pair, the
    time, the country, a delimiter in a value)."""
    if len(at7) == 8:  # AT7-01..07 all there (the usual case): read at once
        code, reason, date, time, zone = at7[1], at7[2], at7[5], at7[6], at7[7]
        code, reason, date = code.strip(), reason.strip(), date.strip()
        time, zone = time.strip(), zone.strip()
    else:
        code, reason = _element(at7, 1), _element(at7, 2)
        date, time, zone = _element(at7, 5), _element(at7, 6), _element(at7, 7)
    if not code or not date:
        return None
    local = parse_local(date, time or None)
    if local is None:
        return None
    city = state = country = ""
    if len(ms1) == 4:  # MS1-01..03 all there (the usual case)
        city, state, country = ms1[1].strip(), ms1[2].strip(), ms1[3].strip()
    elif ms1:
        city, state, country = _element(ms1, 1), _element(ms1, 2), _element(ms1, 3)
    holding = go.holding
    if holding is not None and holding(code + reason + city + state + country):
        return None
    syntax = go.syntax
    reason_text = reason or go.missing_reason
    cache = tables.cache
    resolved: tuple[StatusResolution, str] | None
    hit = cast("tuple[object, tuple[StatusResolution, str] | None] | None",
               cache.get(("status", syntax, code, reason_text, id(profile))))  # fmt: skip
    if hit is not None and hit[0] is profile:
        resolved = hit[1]
    else:
        resolved = resolve_status(Builder(origin, profile, tables), syntax, code, reason_text)
    if resolved is None:
        return None
    code_src, reason_src, date_src, time_src, zone_src, all_three = _at7_srcs(at7_pos)
    if time and zone:
        srcs: tuple[Src, ...] = all_three
    elif time:
        srcs = (date_src, time_src)
    elif zone:
        srcs = (date_src, zone_src)
    else:
        srcs = (date_src,)
    converted = cast("tuple[str, str] | TimeError | None",
                     cache.get(("time", local, zone or None, profile.timezone)))  # fmt: skip
    if converted is None:
        zone_val = _new(Val, (zone, zone_src)) if zone else None
        when = _new(EventTime, (local, zone_val, srcs))
        converted = Builder(origin, profile, tables).converted(when)
    if isinstance(converted, TimeError):
        return None
    alpha3 = None
    if not country:
        country_code = go.default_country
        if not country_code:
            return None
    elif len(country) == 3:
        alpha3 = country
        country_code = go.countries.get(country.upper(), "")
        if not country_code:
            return None
    else:
        country_code = country
    found, how = resolved
    iso, zone_how = converted
    tail = update_tail(go, found.status, found.reason, iso, city or None, state or None, None,
                       country_code)  # fmt: skip
    city_src = state_src = country_src = None
    if ms1:
        city_src, state_src, country_src = _ms1_srcs(ms1_pos)
    trail = (fast_trail, go.shared, go.notes, syntax, reason_text, how, code_src,
             reason_src if reason else None, srcs, local, zone_how,
             country_src if country else None, alpha3, country_code,
             city_src if city else None, state_src if state else None, None)  # fmt: skip
    return tail, trail
