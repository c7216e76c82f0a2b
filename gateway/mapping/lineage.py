"""Lineage: for every value in a payload, where it came from.

Kinds: `segment` (read from the file), `code_table` (a row of mappings/*.yaml applied),
`profile` (the partner profile or a CLI option supplied it), `default` (a built-in default
was used because the file carried nothing), `derived` (computed from other values, e.g. a
time converted to UTC). Ops read these field by field; replays diff against them.

The mappers record lineage by reference: per body item a `Trail`, one flat tuple of
plain values, `WIDTH` per entry: (path relative to the item, kind, segment, position,
element, component, detail), the detail text or a `TimeDetail` worded only when read.
Plain values keep a trail cheap to build and to pickle (the pipeline spools them);
`expand` turns trails into `Lineage` entries, `item_reports` into their JSON objects and
`lineage_text` into the JSON text `edigw translate --lineage` prints, only when someone asks.

A mapper's one-go path may record an item's trail more compactly still, by reference: a
tuple whose first value is a module-level function and the rest its arguments (the sources
read and the rows applied); `full_trail` calls it to make the entries, when someone asks.
Such a tuple pickles as a reference to the function and the (shared) values.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from json.encoder import encode_basestring_ascii as _quote  # json.dumps' own, in C
from typing import Any, Literal

from gateway.parse.records import Src, src_text

__all__ = [
    "NO_SRC",
    "WIDTH",
    "Entry",
    "Lineage",
    "LineageKind",
    "TimeDetail",
    "Trail",
    "detail_text",
    "entries",
    "expand",
    "from_src",
    "full_trail",
    "item_reports",
    "item_reports_json",
    "lineage_text",
    "varies_in_time",
]

LineageKind = Literal["segment", "code_table", "profile", "default", "derived"]
# a converted time: (local time read, the elements read as plain Src tuples, how the zone
# was chosen)
TimeDetail = tuple[datetime, tuple[tuple[str, int, int, int | None], ...], str]
Entry = tuple[str, LineageKind, str | None, int | None, int | None, int | None,
              "str | TimeDetail | None"]  # fmt: skip
Trail = tuple[Any, ...]  # entries, flat
WIDTH = 7  # values per entry in a trail
NO_SRC = (None, None, None, None)


@dataclass(frozen=True, slots=True)
class Lineage:
    path: str  # JSON pointer into the request body
    kind: LineageKind
    segment: str | None = None
    position: int | None = None
    element: int | None = None
    component: int | None = None
    detail: str | None = None

    def rebased(self, prefix: str) -> Lineage:
        """The same entry with `prefix` put before its path."""
        return Lineage(prefix + self.path, self.kind, self.segment, self.position, self.element,
                       self.component, self.detail)  # fmt: skip

    def to_report(self) -> dict[str, object]:
        """JSON shape: the fields that are set."""
        return {k: v for k, v in asdict(self).items() if v is not None}


def from_src(path: str, src: Src, detail: str | None = None) -> Lineage:
    return Lineage(path, "segment", src.segment, src.position, src.element, src.component, detail)


def detail_text(detail: str | TimeDetail | None) -> str | None:
    """An entry's detail as text (a converted time's is worded here, when read)."""
    if detail is None or isinstance(detail, str):
        return detail
    local, srcs, how = detail
    return f"{local.isoformat()} from {_read_text(srcs)}; {how}"


# the sources of a time as worded in its detail: a file reads its times from the same
# places (segment position, element) set after set
_READ: dict[tuple[tuple[str, int, int, int | None], ...], str] = {}


def _read_text(srcs: tuple[tuple[str, int, int, int | None], ...]) -> str:
    """The sources of a converted time, worded as `Src.describe` words each."""
    found = _READ.get(srcs)
    if found is None:
        if len(_READ) >= 4096:
            _READ.clear()
        found = _READ[srcs] = ", ".join([src_text(s[0], s[1], s[2], s[3]) for s in srcs])
    return found


def full_trail(trail: Trail) -> Trail:
    """`trail` as its flat entries: a compact trail (a function, then its arguments: see the
    module's docstring) is expanded; any other is returned as it is."""
    if trail and callable(trail[0]):
        made: Trail = trail[0](*trail[1:])
        return made
    return trail


def entries(trail: Trail) -> Iterator[Entry]:
    """The entries of a trail, one tuple each."""
    it = iter(trail)
    return zip(it, it, it, it, it, it, it, strict=True)


def expand(key: str, trails: Iterable[Trail]) -> Iterator[Lineage]:
    """The `Lineage` entries of a body whose item list is `key`, item by item."""
    for index, trail in enumerate(trails):
        prefix = f"/{key}/{index}"
        for path, kind, segment, position, element, component, detail in entries(trail):
            yield Lineage(prefix + path, kind, segment, position, element, component,
                          detail_text(detail))  # fmt: skip


def item_reports(trail: Trail, prefix: str) -> list[dict[str, object]]:
    """The JSON objects of one item's entries (`Lineage.to_report` shape), `prefix` put
    before each path."""
    out: list[dict[str, object]] = []
    for path, kind, segment, position, element, component, detail in entries(trail):
        report: dict[str, object]
        if segment is None and position is None and element is None and component is None:
            report = {"path": prefix + path, "kind": kind}
        elif component is None and None not in (segment, position, element):
            report = {"path": prefix + path, "kind": kind, "segment": segment,
                      "position": position, "element": element}  # fmt: skip
        else:
            report = {"path": prefix + path, "kind": kind}
            for name, value in (("segment", segment), ("position", position),
                                ("element", element), ("component", component)):  # fmt: skip
                if value is not None:
                    report[name] = value
        if detail is not None:
            report["detail"] = detail if type(detail) is str else detail_text(detail)
        out.append(report)
    return out


_QUOTED: dict[str, str] = {}  # kinds and the details shared by many entries, as JSON text


def _quoted(text: str) -> str:
    """`text` as a JSON string, remembered (a code-table row's detail repeats per event)."""
    found = _QUOTED.get(text)
    if found is None:
        if len(_QUOTED) >= 4096:
            _QUOTED.clear()
        found = _QUOTED[text] = _quote(text)
    return found


_TAILS: dict[tuple[Any, ...], str] = {}  # an entry -> its JSON text after the path


def _tail(kind: str, segment: Any, position: Any, element: Any, component: Any, detail: Any) -> str:
    """The JSON text of an entry after its path: `, "kind": ...` up to the closing brace."""
    text = f', "kind": {_quote(kind)}'
    if segment is None and position is None and element is None and component is None:
        pass
    elif (component is None and type(position) is int and type(element) is int
          and segment is not None):  # fmt: skip
        text += f', "segment": {_quote(segment)}, "position": {position}, "element": {element}'
    else:
        report: dict[str, object] = {}
        for name, value in (("segment", segment), ("position", position),
                            ("element", element), ("component", component)):  # fmt: skip
            if value is not None:
                report[name] = value
        text += ", " + json.dumps(report)[1:-1]
    if detail is not None:
        text += (
            f', "detail": {_quote(detail if type(detail) is str else detail_text(detail) or "")}'
        )
    return text + "}"


def _tails(trail: Trail) -> tuple[str, ...]:
    """The JSON text of each entry of a flat trail after its path's item prefix: an entry's
    text is `{"path": "<prefix>` and its tail. Remembered per entry: a file repeats its
    entries (the same code-table row, default or segment place) set after set."""
    tails = _TAILS  # an entry's text after the prefix: one lookup per entry
    out: list[str] = []
    for entry in entries(trail):
        tail = tails.get(entry)
        if tail is None:
            if len(tails) >= 16384:
                tails.clear()
            tail = tails[entry] = _quoted(entry[0])[1:] + _tail(
                entry[1], entry[2], entry[3], entry[4], entry[5], entry[6]
            )
        out.append(tail)
    return tuple(out)


def item_reports_json(trail: Trail, prefix: str) -> list[str]:
    """`item_reports` as JSON texts, each exactly what `json.dumps` makes of the object
    (same separators, ASCII escapes), written directly: `--lineage` prints several times
    more text than the body, and this keeps it from costing several times the time."""
    head = '{"path": ' + _quote(prefix)[:-1]
    return [head + tail for tail in _tails(trail)]


# a compact trail (a function and its arguments) -> its entries' tails (`_tails`): the
# items of a file share their trails' shapes (the same sources, rows and times, set after
# set), so each shape is expanded and worded once
_ITEMS: dict[Trail, tuple[str, ...]] = {}


# compact trail functions -> the index in their trails of the local time read, a naive
# datetime that may differ item by item (a scan a minute) while the rest repeats
_TIME_AT: dict[Any, int] = {}
# a compact trail with its time left out -> its tails and, by position, the entries that
# hold the time (worded per item); None: the shape's texts depend on the time otherwise
_SHAPES: dict[Trail, Any] = {}  # Shape | None


def varies_in_time(function: Any, at: int) -> None:
    """Declare that the compact trails of `function` hold the local time read at index `at`
    (the function itself at 0), which only the details of converted times (`TimeDetail`)
    depend on: `lineage_text` then words their other entries once per shape, not once per
    distinct time. A shape for which that does not hold (checked on its first item) is
    worded per trail, as any other."""
    _TIME_AT[function] = at


# a shape's tails, and for each entry of its time: its position, its tail up to the
# detail's value, and the detail's words after the time
Shape = tuple[tuple[str, ...], tuple[tuple[int, str, str], ...]]
_UNSEEN: Any = object()  # a shape not met yet (`_timed_tails`)


def _template(trail: Trail, at: int) -> Shape | None:
    """The tails of a compact trail and its time's entries (position, tail up to the
    detail's text, the detail's words after the time: `detail_text`'s), if only
    `TimeDetail`s whose time is the one at `at` change when that time does (tried with
    another time)."""
    local = trail[at]
    made = list(entries(full_trail(trail)))
    other = local + timedelta(days=1, minutes=1)
    moved = list(entries(full_trail((*trail[:at], other, *trail[at + 1 :]))))
    if len(moved) != len(made):
        return None
    marks: list[tuple[int, str, str]] = []
    for position, (entry, shifted) in enumerate(zip(made, moved, strict=True)):
        if entry == shifted:
            continue
        detail = entry[6]
        if (entry[:6] != shifted[:6] or type(detail) is not tuple or detail[0] != local
                or shifted[6] != (other, detail[1], detail[2])):  # fmt: skip
            return None
        head = _quoted(entry[0])[1:] + _tail(entry[1], entry[2], entry[3], entry[4], entry[5],
                                             None)[:-1]  # fmt: skip
        marks.append((position, head + ', "detail": ', f" from {_read_text(detail[1])}; "
                      f"{detail[2]}"))  # fmt: skip
    return _tails(full_trail(trail)), tuple(marks)


def _timed_tails(trail: Trail, at: int) -> tuple[str, ...] | None:
    """`_tails(full_trail(trail))` made from its shape's (`_SHAPES`), the time's entries
    worded with this trail's time; None when the shape has none."""
    local = trail[at]
    if type(local) is not datetime:
        return None
    shape = (*trail[:at], None, *trail[at + 1 :])
    found = _SHAPES.get(shape, _UNSEEN)  # (one lookup: a trail's hash is not cached)
    if found is _UNSEEN:
        if len(_SHAPES) >= 4096:
            _SHAPES.clear()
        found = _SHAPES[shape] = _template(trail, at)
    if found is None:
        return None
    tails, marks = found
    out = list(tails)
    when = local.isoformat()
    for position, head, words in marks:  # (`_tail` of the entry, its detail worded here)
        out[position] = f"{head}{_quote(when + words)}}}"
    return tuple(out)


def lineage_text(key: str, trails: Iterable[Trail]) -> str:
    """The lineage of a body whose item list is `key`, one trail per item (flat or
    compact), as the JSON text of its entries' objects joined by ", ": exactly
    `", ".join(item_reports_json(trail, f"/{key}/{index}") ...)` for every item, the text
    `edigw translate --lineage` prints between the brackets of "lineage". A compact
    trail's entries are made and worded once per distinct trail (equal arguments: strings,
    ints, None, naive datetimes and tuples of them, whose equal values print the same), and
    when its function `varies_in_time`, once per trail shape but for its time's entries."""
    head = '{"path": ' + _quote(f"/{key}/")[:-1]  # an item's index needs no escaping
    items = _ITEMS
    out: list[str] = []
    for index, trail in enumerate(trails):
        if trail and callable(trail[0]):
            tails = items.get(trail)
            if tails is None:
                at = _TIME_AT.get(trail[0])
                timed = _timed_tails(trail, at) if at is not None else None
                if len(items) >= 4096:
                    items.clear()
                tails = items[trail] = _tails(full_trail(trail)) if timed is None else timed
        else:
            tails = _tails(trail)
        if tails:
            prefix = head + str(index)
            out.append(prefix + (", " + prefix).join(tails))
    return ", ".join(out)
