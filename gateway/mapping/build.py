"""Small helpers shared by the status and confirmation mappers.

`Trace` collects the lineage of one body part with paths relative to it (rebased once the
part's index in the request body is known); `Builder` holds one document's mapping
context, collects its problems (located by the record's `Src`) and converts the fields
that need more than a copy: times, parties, units, weights.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, is_dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar, cast

from gateway.mapping.codes import CodeTables
from gateway.mapping.lineage import NO_SRC, WIDTH, LineageKind, TimeDetail, entries
from gateway.mapping.times import TimeError, UnwritableTime, to_iso
from gateway.mapping.wording import missing_source
from gateway.origin import Origin
from gateway.parse.records import EventTime, Src, Val
from gateway.problems import Level, Problem, ProblemCode, Severity
from gateway.profile import PartnerProfile

__all__ = ["CHUNK_SIZE", "Builder", "Trace", "chunks", "decimal_text", "unique", "whole_number"]

CHUNK_SIZE = 500  # records per SP-API request body
_CACHE_SIZE = 8192  # time conversions and status resolutions kept per code tables
T = TypeVar("T")


class Trace:
    """Lineage of one body part as a flat list of entries (`gateway.mapping.lineage`),
    paths relative to the part; `under` puts a prefix before them once the part's place
    is known."""

    __slots__ = ("entries",)

    def __init__(self, entries: list[Any] | None = None) -> None:
        self.entries: list[Any] = [] if entries is None else entries

    def segment(self, path: str, value: Val, detail: str | None = None) -> str:
        self.entries += (path, "segment", *value.src, detail)
        return value.value

    def note(
        self,
        path: str,
        kind: LineageKind,
        detail: str | TimeDetail | None = None,
        src: Src | None = None,
    ) -> None:
        self.entries += (path, kind, *(src or NO_SRC), detail)

    def without(self, path: str) -> None:
        """Drop the entries of `path`."""
        self.entries = [v for e in entries(tuple(self.entries)) if e[0] != path for v in e]

    def under(self, prefix: str) -> list[Any]:
        out = list(self.entries)
        out[::WIDTH] = [prefix + path for path in out[::WIDTH]]
        return out


@dataclass
class Builder:
    """One document's mapping context: origin, profile, tables and the problems found."""

    origin: Origin
    profile: PartnerProfile
    tables: CodeTables
    # not capped as a set's syntax problems are (`SetProblems`): an application advice
    # (824 / APERAK) names every refused event; a set's events are bounded by the partner
    # profile's max_set_segments
    problems: list[Problem] = field(default_factory=list)
    # the event being mapped (purchase_order / tracking_number / status / item) and the
    # segment position that starts it: every problem found meanwhile names them
    about: dict[str, str] = field(default_factory=dict)
    at: int | None = None

    @contextmanager
    def event(self, at: int | None = None, **names: str | None) -> Iterator[None]:
        """While mapping one event (or a part of it, e.g. a pack or an item): its names, and
        the position of its first segment (the place of a problem that has no better one)."""
        saved = self.about, self.at
        self.about = {**self.about, **{k: v for k, v in names.items() if v}}
        self.at = at if at is not None else self.at
        try:
            yield
        finally:
            self.about, self.at = saved

    def fault(
        self,
        code: ProblemCode,
        message: str,
        src: Src | None = None,
        position: int | None = None,
        value: str | None = None,
        severity: Severity = Severity.ERROR,
    ) -> None:
        self.problems.append(
            Problem(
                code=code,
                message=message,
                level=Level.MAPPING,
                severity=severity,
                interchange=self.origin.interchange_control,
                group=self.origin.group_control,
                transaction=self.origin.transaction_control,
                segment=src.segment if src else None,
                position=src.position if src else position if position is not None else self.at,
                element=src.element if src else None,
                component=src.component if src else None,
                value=value,
                purchase_order=self.about.get("purchase_order"),
                tracking_number=self.about.get("tracking_number"),
                status=self.about.get("status"),
                item=self.about.get("item"),
            )
        )

    def invalid(self, value: Val, message: str) -> None:
        """An INVALID_FIELD problem located at `value` and carrying it."""
        self.fault(ProblemCode.INVALID_FIELD, message, src=value.src, value=value.value)

    def missing(self, what: str, position: int | None = None, detail: str = "") -> None:
        """A MISSING_FIELD problem for `what` ('purchaseOrderNumber', 'statusDateTime', ...)
        that names where the value is read in the input's syntax (wording.missing_source):
        `purchaseOrderNumber missing (RFF+ON C506 1154)`; `detail` follows it."""
        where = missing_source(what, self.origin.transaction_type, self.profile.field_sources)
        message = f"{what} missing" + (f" ({where})" if where else "") + detail
        self.fault(ProblemCode.MISSING_FIELD, message, position=position)

    def free_of_delimiters(self, record: object) -> bool:
        """Whether no value of `record` (walked through nested records and tuples) holds a
        delimiter of its input interchange. Released delimiters are legal EDIFACT syntax,
        yet no API body string may hold one: each such value is a mapping problem (named by
        segment, element and value, so it is advised to the partner) and the caller sends
        nothing for that event."""
        chars = self.origin.delimiters
        if not chars:
            return True
        ok = True
        for value in _values(record):
            held = [c for c in dict.fromkeys(value.value) if c in chars]
            if held:
                ok = False
                shown = " ".join(repr(c) for c in held)
                self.invalid(
                    value,
                    f"{value.src.describe()} {value.value!r} holds the interchange's delimiter "
                    f"{shown}: not sent",
                )
        return ok

    def converted(self, when: EventTime) -> tuple[str, str] | TimeError:
        """(ISO-8601, how the zone was chosen) of a file time, or why it cannot be
        converted; cached per (local time, zone, partner zone) on the code tables."""
        zone = when.zone
        key = ("time", when.local, zone.value if zone else None, self.profile.timezone)
        cache = self.tables.cache
        found = cache.get(key)
        if found is None:
            try:
                found = to_iso(when, self.tables, self.profile.timezone)
            except TimeError as exc:
                found = exc
            if len(cache) >= _CACHE_SIZE:
                cache.clear()
            cache[key] = found
        return cast("tuple[str, str] | TimeError", found)

    def time(
        self, when: EventTime | None, path: str, trace: Trace, what: str, position: int
    ) -> str | None:
        """ISO-8601 of a file time (lineage 'derived'); None and a problem when unusable.
        Conversions are cached per (local time, zone, partner zone) on the code tables."""
        if when is None:
            self.missing(what, position)
            return None
        zone = when.zone
        found = self.converted(when)
        if isinstance(found, TimeError):
            date = when.srcs[0] if when.srcs else None
            value: str | None
            if isinstance(found, UnwritableTime):  # the date's fault, not the zone's
                src, value = date, when.local.date().isoformat().replace("-", "")
            else:
                src, value = (zone.src, zone.value) if zone else (date, None)
            self.fault(ProblemCode.INVALID_FIELD, f"{what}: {found}", src=src,
                       position=position, value=value)  # fmt: skip
            return None
        iso, how = found
        srcs = tuple(map(tuple, when.srcs))
        trace.note(path, "derived", (when.local, srcs, how), when.srcs[0])  # type: ignore[arg-type]
        return iso

    def quantity_unit(self, unit: Val | None, path: str, trace: Trace) -> str:
        """ItemQuantity.unitOfMeasure via units.yaml; a code not listed is sent as is."""
        if unit is None:
            trace.note(path, "default", "no unit of measure: Each")
            return "Each"
        mapped = self.tables.units.quantity.get(unit.value)
        if mapped is None:
            return trace.segment(path, unit, "not in units.yaml: sent as is")
        trace.note(path, "code_table", f"units.yaml quantity {unit.value} -> {mapped}", unit.src)
        return mapped

    def weight(self, weight: Val | None, unit: Val | None, trace: Trace) -> dict[str, str] | None:
        """A pack's weight (unit via units.yaml); '0' LB marked 'default' when absent."""
        if weight is None:
            trace.note("/weight/value", "default", "no weight in the file: 0 sent")
            trace.note("/weight/unitOfMeasure", "default", "no weight in the file: LB sent")
            return {"unitOfMeasure": "LB", "value": "0"}
        value = decimal_text(weight.value)
        if value is None:
            self.invalid(weight, f"pack weight {weight.value!r} is not a number")
            return None
        trace.segment("/weight/value", weight)
        if unit is None:
            trace.note("/weight/unitOfMeasure", "default", "weight without a unit: LB assumed")
            self.fault(
                ProblemCode.MISSING_FIELD,
                "pack weight has no unit: LB assumed",
                src=weight.src,
                severity=Severity.WARNING,
            )
            return {"unitOfMeasure": "LB", "value": value}
        mapped = self.tables.units.weight.get(unit.value)
        if mapped not in ("KG", "LB"):
            self.invalid(
                unit, f"weight unit {unit.value!r} is neither kilograms nor pounds in units.yaml"
            )
            return None
        how = f"units.yaml weight {unit.value} -> {mapped}"
        trace.note("/weight/unitOfMeasure", "code_table", how, unit.src)
        return {"unitOfMeasure": "KG" if mapped == "KG" else "LB", "value": value}

    def party(
        self, path: str, trace: Trace, from_file: Val | None, from_profile: str | None, what: str
    ) -> str | None:
        """A party id: the file's, else the profile's (lineage 'profile'), else a problem."""
        if from_file is not None:
            return trace.segment(path, from_file)
        if from_profile is not None:
            trace.note(path, "profile", f"partner {self.profile.id}: {what}")
            return from_profile
        where = missing_source(what, self.origin.transaction_type, self.profile.field_sources)
        self.fault(
            ProblemCode.MISSING_FIELD,
            f"{what} is neither in the file"
            + (f" ({where})" if where else "")
            + f" nor in partner profile {self.profile.id!r}",
        )
        return None


def _values(record: object) -> Iterator[Val]:
    """Every Val of a parsed record, depth first (items and packs included). An EventTime is
    left out: it is converted, never copied (a zone '+01' released in a file where '+' is
    the element separator is right)."""
    if isinstance(record, Val):
        yield record
    elif isinstance(record, EventTime):  # a named tuple: checked before other tuples
        return
    elif isinstance(record, tuple):  # StatusEvent (a named tuple) and tuples of records
        for item in record:
            yield from _values(item)
    elif is_dataclass(record) and not isinstance(record, type):
        for f in fields(record):
            yield from _values(getattr(record, f.name))


def chunks(items: Sequence[T], size: int = CHUNK_SIZE) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def unique(values: Iterable[str | None]) -> tuple[str, ...]:
    """The non-empty values, each once, in their order."""
    return tuple(dict.fromkeys(filter(None, values)))


def _decimal(text: str) -> Decimal | None:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() and number >= 0 else None


def whole_number(text: str) -> int | None:
    """A non-negative whole quantity ('24', '24.0'); None for anything else."""
    number = _decimal(text)
    if number is None or number != number.to_integral_value():
        return None
    return int(number)


def decimal_text(text: str) -> str | None:
    """A non-negative number in Amazon's Decimal form ('060.310' -> '60.31'); else None."""
    number = _decimal(text)
    if number is None:
        return None
    return format(number.normalize(), "f")
