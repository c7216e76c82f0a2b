"""Partner code-table overrides added by operators: checked against the code tables and put
in front of the profile's own `status_overrides` (the newest version first), so the next
translation and the next replay use them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from gateway.mapping.codes import CodeTables
from gateway.ops.models import OverrideIn, OverrideOut
from gateway.profile import PartnerProfile, StatusOverride
from gateway.service.runtime import Runtime

__all__ = ["apply_overrides", "check_override"]


def check_override(tables: CodeTables, override: OverrideIn) -> str | None:
    """Why the override cannot be used (None: it can)."""
    if override.event not in tables.events:
        return (
            f"event {override.event!r} is not a row of status_codes.yaml "
            f"(known: {', '.join(sorted(tables.events))})"
        )
    return None


def apply_overrides(
    rt: Runtime, base: Mapping[str, PartnerProfile], overrides: Sequence[OverrideOut]
) -> None:
    """rt.partners = the loaded profiles with the stored overrides in front of their own."""
    for partner_id, profile in base.items():
        mine = sorted(
            (o for o in overrides if o.partner_id == partner_id), key=lambda o: -o.version
        )
        if not mine:
            rt.partners[partner_id] = profile
            continue
        added = tuple(
            StatusOverride.model_validate(
                {"syntax": o.syntax, "status": o.status, "reason": o.reason, "event": o.event}
            )
            for o in mine
        )
        rt.partners[partner_id] = profile.model_copy(
            update={"status_overrides": added + tuple(profile.status_overrides)}
        )
