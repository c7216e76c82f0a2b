"""The trail by reference of an update the one-go ways made (`status_one_go.fast_update`,
`status_set_one_go`): the function that makes its flat entries (`gateway.mapping.lineage`)
from what the update recorded, called only when someone asks (`--lineage`, the ledger, the
console, replays)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from gateway.mapping.lineage import varies_in_time
from gateway.mapping.status_lineage import (
    CITY,
    COUNTRY,
    DATE_TIME,
    POSTAL,
    REASON_CODE,
    STATE,
    STATUS_CODE,
    TRACKING,
)
from gateway.origin import Syntax
from gateway.parse.records import Src

__all__ = ["fast_trail"]


def fast_trail(
    shared: tuple[Any, ...],
    notes: tuple[tuple[Any, ...], tuple[Any, ...]],
    syntax: Syntax,
    reason_text: str,
    how: str,
    code: Src,
    reason: Src | None,
    srcs: tuple[Src, ...],
    local: datetime,
    zone_how: str,
    country: Src | None,
    alpha3: str | None,
    country_code: str,
    *read: Src | None,
) -> tuple[Any, ...]:
    """The flat trail (`gateway.mapping.lineage`) of an update `fast_update` made, from
    what it recorded by reference: the parties' trail, the address defaults' notes, the
    status pair's resolution (`how`, the reason read or defaulted), the sources of the
    values read (`read`: city, state, postal code, tracking number, purchase order), the
    time read and how its zone was chosen, the country read (`alpha3` when a code table
    turned it into `country_code`). The same entries, in the same order, as `_update`
    records."""
    city, state, postal, tracking, po = read
    head, country_default = notes
    # each entry as one tuple of its seven values (a starred `*src` would build a list)
    trail: list[Any] = list(shared)
    trail += (STATUS_CODE, "code_table", code[0], code[1], code[2], code[3], how)
    if reason is None:
        why = f"no reason code: {syntax} default {reason_text!r} ({how})"
        trail += (REASON_CODE, "default", None, None, None, None, why)
    else:
        trail += (REASON_CODE, "code_table", reason[0], reason[1], reason[2], reason[3], how)
    read_at = srcs[0]
    trail += (DATE_TIME, "derived", read_at[0], read_at[1], read_at[2], read_at[3],
              (local, tuple([(s[0], s[1], s[2], s[3]) for s in srcs]), zone_how))  # fmt: skip
    trail += head
    if country is None:
        trail += country_default
    elif alpha3 is not None:
        trail += (COUNTRY, "code_table", country[0], country[1], country[2], country[3],
                  f"countries.yaml {alpha3.upper()} -> {country_code}")  # fmt: skip
    else:
        trail += (COUNTRY, "segment", country[0], country[1], country[2], country[3], None)
    if city is not None:
        trail += (CITY, "segment", city[0], city[1], city[2], city[3], None)
    if state is not None:
        trail += (STATE, "segment", state[0], state[1], state[2], state[3], None)
    if postal is not None:
        trail += (POSTAL, "segment", postal[0], postal[1], postal[2], postal[3], None)
    assert tracking is not None and po is not None
    trail += (TRACKING, "segment", tracking[0], tracking[1], tracking[2], tracking[3], None,
              "/purchaseOrderNumber", "segment", po[0], po[1], po[2], po[3], None)  # fmt: skip
    return tuple(trail)


# fast_update's trail: (fast_trail, shared, notes, syntax, reason_text, how, code, reason,
# srcs, local, ...): the local time read is at 9
varies_in_time(fast_trail, 9)
