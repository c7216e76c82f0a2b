"""Code tables from `mappings/` (status/reason pairs, time codes, units), loaded as data."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict

from gateway.origin import Syntax
from gateway.profile import PartnerProfile, mappings_dir

__all__ = ["CodeTables", "StatusPair", "StatusResolution", "load_code_tables"]


class StatusPair(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    status: str
    reason: str


class _EventRow(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    event: str
    description: str
    x12: StatusPair
    edifact: StatusPair


class _StatusTable(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    events: tuple[_EventRow, ...]
    missing_reason: dict[str, str]


class _TimeCode(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    offset: str | None = None
    zone: str | None = None
    partner: bool = False


class _Units(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    quantity: dict[str, str]
    weight: dict[str, str]


@dataclass(frozen=True, slots=True)
class StatusResolution:
    """How a file's status/reason pair became the pair sent to Amazon."""

    event: str
    status: str
    reason: str
    row: str  # which table row applied, for the lineage


@dataclass(frozen=True)
class CodeTables:
    events: dict[str, _EventRow]
    by_pair: dict[tuple[Syntax, str, str], str]
    missing_reason: dict[str, str]
    time_codes: dict[str, _TimeCode]
    units: _Units
    countries: dict[str, str]  # ISO 3166-1 alpha-3 -> alpha-2 (mappings/countries.yaml)
    # the mappers' memo (time conversions, status resolutions): tables and profiles are
    # read-only once loaded, so a result depends on its key only
    cache: dict[object, object] = field(default_factory=dict, compare=False, repr=False)

    def resolve_status(
        self, syntax: Syntax, status: str, reason: str, profile: PartnerProfile
    ) -> StatusResolution | None:
        """The Amazon pair for a file's pair, partner overrides first; None: maps to nothing."""
        event: str | None = None
        row = ""
        for index, override in enumerate(profile.status_overrides):
            if (
                override.syntax == syntax
                and override.status == status
                and override.reason in (None, reason)
            ):
                event, row = override.event, f"partner {profile.id} override #{index + 1}"
                break
        if event is None:
            event = self.by_pair.get((syntax, status, reason))
            row = f"status_codes.yaml {event}"
        if event is None or event not in self.events:
            return None
        out_syntax = syntax if profile.codes_as == "input" else profile.codes_as
        pair = getattr(self.events[event], out_syntax)
        assert isinstance(pair, StatusPair)
        return StatusResolution(event=event, status=pair.status, reason=pair.reason, row=row)


# libyaml's parser when PyYAML was built with it (the same safe constructor: the same values)
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read(path: Path) -> object:
    return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)


def _countries(base: Path) -> dict[str, str]:
    path = base / "countries.yaml"
    raw = _read(path) if path.exists() else {}
    assert isinstance(raw, dict), f"{path}: a mapping of alpha-3 to alpha-2 codes"
    table = {str(k).upper(): str(v).upper() for k, v in raw.items()}
    bad = [k for k, v in table.items() if len(k) != 3 or len(v) != 2]
    assert not bad, f"{path}: not alpha-3 -> alpha-2: {bad}"
    return table


@cache
def load_code_tables(directory: Path | None = None) -> CodeTables:
    base = directory or mappings_dir()
    table = _StatusTable.model_validate(_read(base / "status_codes.yaml"))
    raw_times = _read(base / "time_codes.yaml")
    assert isinstance(raw_times, dict)
    times = {str(k): _TimeCode.model_validate(v) for k, v in raw_times.items()}
    units = _Units.model_validate(_read(base / "units.yaml"))
    by_pair: dict[tuple[Syntax, str, str], str] = {}
    for row in table.events:
        by_pair[("x12", row.x12.status, row.x12.reason)] = row.event
        by_pair[("edifact", row.edifact.status, row.edifact.reason)] = row.event
    return CodeTables(
        events={row.event: row for row in table.events},
        by_pair=by_pair,
        missing_reason=table.missing_reason,
        time_codes=times,
        units=units,
        countries=_countries(base),
    )
