"""Small inline SVG charts for the dashboard (no JavaScript, no library): grouped lines of
counts per day and horizontal bars. Labels are escaped."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

__all__ = ["bars", "lines"]

_COLOURS = ("#2563eb", "#dc2626", "#16a34a", "#d97706", "#7c3aed", "#0891b2", "#db2777")


def lines(
    days: Sequence[str],
    series: Mapping[str, Sequence[int]],
    title: str,
    width: int = 640,
    height: int = 220,
) -> Markup:
    """One polyline per series over `days` (x) with a y axis from 0 to the maximum."""
    left, right, top, bottom = 40, 24, 24, 40
    top_value = max([1, *(v for values in series.values() for v in values)])
    step = (width - left - right) / max(1, len(days) - 1)

    def xy(index: int, value: int) -> tuple[float, float]:
        y = height - bottom - (height - top - bottom) * value / top_value
        return left + index * step, y

    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" '
        f'y2="{height - bottom}" stroke="#999"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="#999"/>',
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end" class="axis">{top_value}</text>',
        f'<text x="{left - 4}" y="{height - bottom}" text-anchor="end" class="axis">0</text>',
    ]
    for index, day in enumerate(days):
        if index % max(1, len(days) // 7) == 0 or index == len(days) - 1:
            x, _ = xy(index, 0)
            parts.append(
                f'<text x="{x:.1f}" y="{height - bottom + 14}" text-anchor="middle" '
                f'class="axis">{escape(day[5:])}</text>'
            )
    for n, (name, values) in enumerate(series.items()):
        colour = _COLOURS[n % len(_COLOURS)]
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in (xy(i, v) for i, v in enumerate(values)))
        parts.append(
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{points}"/>'
        )
        for i, v in enumerate(values):
            if v:
                x, y = xy(i, v)
                parts.append(
                    f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                    f"<title>{escape(name)} {escape(days[i])}: {v}</title></circle>"
                )
        parts.append(
            f'<rect x="{left + 120 * n}" y="{height - 16}" width="10" height="10" '
            f'fill="{colour}"/><text x="{left + 14 + 120 * n}" y="{height - 7}" '
            f'class="legend">{escape(name)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def bars(
    values: Mapping[str, float], title: str, percent: bool = False, width: int = 640
) -> Markup:
    """One horizontal bar per label, longest = the maximum value."""
    row, label_width = 24, 200
    height = max(1, len(values)) * row + 10
    top_value = max([1e-9, *values.values()])
    parts = [
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}"><title>{escape(title)}</title>'
    ]
    if not values:
        parts.append('<text x="4" y="18" class="axis">nothing in this period</text>')
    for n, (label, value) in enumerate(values.items()):
        y = 5 + n * row
        length = (width - label_width - 70) * value / top_value
        text = f"{value:.1%}" if percent else f"{value:g}"
        parts.append(
            f'<text x="{label_width - 6}" y="{y + 15}" text-anchor="end" '
            f'class="axis">{escape(label)}</text>'
            f'<rect x="{label_width}" y="{y + 3}" width="{max(length, 1):.1f}" '
            f'height="{row - 8}" fill="{_COLOURS[0]}"/>'
            f'<text x="{label_width + length + 6:.1f}" y="{y + 15}" '
            f'class="axis">{escape(text)}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
