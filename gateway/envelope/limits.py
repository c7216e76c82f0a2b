"""The partner profile's size limits on what one interchange holds while it is read.

An envelope reader holds a transaction set / message whole until its trailer, and an
interchange's group outcomes until its trailer (the 997 / CONTRL answering them names
every group). Past the profile's `max_set_segments` (`max_ship_notice_segments` for an
856 / DESADV: `most_segments`), and past the items or characters `max_set_elements` /
`max_set_characters` allow (`size_cut`, which the readers call when their cheap count of
whole batches goes past one), a set's segments are counted, not held (`hold`, then
`set_too_large` rejects the set); past `max_interchange_groups` (a group's own problems
weighing one more each) an interchange's groups are counted, not held (`keep_group`, which
rejects the interchange whole with `interchange_too_large`). What the two bound is what
grows with a set's length or an interchange's groups; their defaults are set from the
peaks measured on the shapes named at the profile's fields.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from gateway.envelope.outcome import GroupOutcome, InterchangeOutcome
from gateway.parse.edifact_common import EdiSegment
from gateway.problems import Level, Problem, ProblemCode
from gateway.profile import PartnerProfile

__all__ = [
    "SHIP_NOTICES",
    "TooLarge",
    "count_set",
    "edifact_size",
    "hold",
    "keep_group",
    "most_segments",
    "set_too_large",
    "size_cut",
    "x12_size",
]

_S = TypeVar("_S")

# ship notices (X12 856, EDIFACT DESADV): their own limit (`most_segments`)
SHIP_NOTICES = frozenset({"856", "DESADV"})


def most_segments(profile: PartnerProfile, type_code: str) -> int:
    """The most segments a set / message of `type_code` (ST01 / UNH 0065) may have: the
    partner profile's max_ship_notice_segments for a ship notice (856 / DESADV: its parse
    and mapping hold about twice a status message's memory a segment, more with long LIN
    segments), its max_set_segments for any other."""
    if type_code in SHIP_NOTICES:
        return profile.max_ship_notice_segments
    return profile.max_set_segments


class TooLarge:
    """The segments of a set / message being read past the first `most` (the partner
    profile's max_set_segments, or max_ship_notice_segments: `most_segments`), counted,
    not held (`hold`)."""

    __slots__ = ("dropped", "most", "tag")

    def __init__(self, most: int) -> None:
        self.most = most
        self.dropped = 0  # segments past the first `most` (the trailer not among them)
        self.tag = ""  # the first one's

    def cut(self, segments: list[Any]) -> None:
        """Drop `segments` past the first `most` (each segment's [0] is its tag)."""
        extra = len(segments) - self.most
        if extra > 0:
            self.tag = self.tag or segments[self.most][0]
            self.dropped += extra
            del segments[self.most :]


def hold(segments: list[Any], most: int, too_large: TooLarge | None) -> TooLarge | None:
    """A set's / message's segments being read (the trailer not yet among them), those past
    the first `most` (the partner profile's max_set_segments) counted, not held:
    `too_large` (made at the first cut) when there are more, else None. The readers ask
    after each batch of segments and at the trailer, so that memory stays bounded however
    long the set."""
    if len(segments) <= most:
        return too_large
    too_large = too_large or TooLarge(most)
    too_large.cut(segments)
    return too_large


def x12_size(segment: Sequence[str]) -> tuple[int, int]:
    """(items, characters) of an X12 segment as the tokenizer split it ([tag, element1,
    ...]): its tag and data elements, and their text with a delimiter after each (the
    element separators and the terminator)."""
    return len(segment), sum(map(len, segment)) + len(segment)


def edifact_size(segment: EdiSegment) -> tuple[int, int]:
    """(items, characters) of an EDIFACT segment: its tag and the components of its data
    elements (a simple data element is one), and their text with a delimiter after each
    (releases undone: the text is at most that long)."""
    items = 1 + sum(map(len, segment.elements))
    chars = len(segment.tag) + 1
    for element in segment.elements:
        chars += sum(map(len, element)) + len(element)
    return items, chars


def size_cut(
    segments: Sequence[_S],
    size: Callable[[_S], tuple[int, int]],
    items: int,
    characters: int,
    start: int = 0,
    held: tuple[int, int] = (0, 0),
) -> tuple[int, int, int, tuple[str, int, int] | None]:
    """Count what `segments` (a set's / message's segments read so far, within its segment
    limit) hold, each by `size` (`x12_size` / `edifact_size`), from `segments[start]` on
    with `held` the (items, characters) of those before it: (items, characters, 0, None)
    while they stay within `items` and `characters` (the partner profile's
    max_set_elements and max_set_characters), else (the counts so far, k, (setting,
    limit, position)) with k >= 1 the segments the set keeps (`hold`: those before the
    one at `position` that takes the counts past, its header at least) and is rejected
    as too large for (`set_too_large`). The readers count exactly here only when their
    cheap count (the text of whole batches, which may hold other sets' segments too, and
    in EDIFACT release characters) goes past a limit, each segment once."""
    held_items, held_chars = held
    for k in range(start, len(segments)):
        n, c = size(segments[k])
        held_items += n
        held_chars += c
        if held_items > items:
            return held_items, held_chars, max(k, 1), ("max_set_elements", items, k + 1)
        if held_chars > characters:
            return held_items, held_chars, max(k, 1), ("max_set_characters", characters, k + 1)
    return held_items, held_chars, 0, None


def set_too_large(
    kind: str,
    control: str,
    total: int,
    most: int,
    tag: str,
    type_code: str = "",
    past: tuple[str, int, int] | None = None,
) -> Problem:
    """The SET_TOO_LARGE problem of a set (`kind`: "transaction set" / "message"; of
    `type_code`, ST01 / UNH 0065) of `total` segments, trailer included, more than `most`:
    on its segment at position `most` + 1 (`tag`), the first one past the limit. With
    `past` (`size_cut`'s (setting, limit, position): max_set_elements or
    max_set_characters), the limit was that count of items or characters, reached at the
    segment at `position` (its header, ST / UNH, at 1)."""
    setting = "max_ship_notice_segments" if type_code in SHIP_NOTICES else "max_set_segments"
    what = f"has {total:,} segments, more than the {most:,} the gateway reads in one"
    position = most + 1
    if past is not None:
        setting, limit, position = past
        if position == 1:
            tag = "ST" if kind == "transaction set" else "UNH"
        held = "characters (delimiters included)"
        if setting == "max_set_elements":
            held = "data elements (tags included)" if kind == "transaction set" else (
                "data elements and components (tags included)")  # fmt: skip
        what = (f"holds more than the {limit:,} {held} the gateway reads in one, from its "
                f"segment {position:,} on")  # fmt: skip
    return Problem(
        code=ProblemCode.SET_TOO_LARGE,
        message=f"{kind} {control} {what} (partner profile {setting}): it is not "
        "translated; send its content in several",
        level=Level.SEGMENT,
        segment=tag[:3] or None,
        position=position,
        value=str(total),
    )


def keep_group(ic: InterchangeOutcome[Any], group: GroupOutcome, most: int) -> None:
    """Append a finished `group` to `ic.groups` while the interchange's groups weigh at most
    `most` (the partner profile's max_interchange_groups: a group weighs one, and one more
    for each problem of its own, `ic.group_weight`), else count it in `ic.groups_dropped`
    instead of holding it, as every group after it: the first one past the limit adds the
    INTERCHANGE_TOO_LARGE error that rejects the interchange whole (a TA1 / CONTRL UCI
    answers it; no group is acknowledged or translated). The readers still check the
    trailer's group count (IEA01 / UNZ 0036) against every group read."""
    weight = 1 + len(group.problems)
    if not ic.groups_dropped and ic.group_weight + weight <= most:
        ic.groups.append(group)
        ic.group_weight += weight
        return
    if not ic.groups_dropped:
        ic.problems.append(
            Problem(
                code=ProblemCode.INTERCHANGE_TOO_LARGE,
                message=f"interchange {ic.control} holds more than the {most:,} functional "
                "groups the gateway reads in one (partner profile max_interchange_groups; "
                "each problem of a group's own header or trailer counts as one more): it is "
                f"rejected whole, its groups from group {len(ic.groups) + 1:,} on are "
                "counted, not read; send them in several interchanges",
                level=Level.INTERCHANGE,
                interchange=ic.control,
            )
        )
    ic.groups_dropped += 1


def count_set(ic: InterchangeOutcome[Any], most: int) -> bool:
    """Count one more transaction set / message read in `ic`: False past `most` (the
    partner profile's max_interchange_sets), when the set is not to be translated (its
    outcome is still kept, compact, for the trailer counts); the first one past adds the
    INTERCHANGE_TOO_LARGE error that rejects the interchange whole (its 997 / CONTRL, one
    AK2 .. AK5 / UCM a set, would grow with them: a TA1 / UCI answers it)."""
    ic.sets_read += 1
    if ic.sets_read <= most:
        return True
    if ic.sets_read == most + 1:
        ic.problems.append(
            Problem(
                code=ProblemCode.INTERCHANGE_TOO_LARGE,
                message=f"interchange {ic.control} holds more than the {most:,} transaction "
                "sets / messages the gateway reads in one (partner profile "
                "max_interchange_sets): it is rejected whole, its sets from set "
                f"{most + 1:,} on are counted, not read; send them in several interchanges",
                level=Level.INTERCHANGE,
                interchange=ic.control,
            )
        )
    return False
