"""Charts for the reports page, drawn here as SVG. Why not a JavaScript charting library: the
console's strict CSP allows no inline script, a chart drawn on the server needs no data passed
to the browser at all, it shows without JavaScript, and prints. The table beside each chart
carries the same figures for screen readers (the SVG is one labelled image).

Only SVG presentation attributes are used (``fill``, ``x``…), never ``style``: the CSP allows
no inline style."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

PALETTE = ("#0b4f8a", "#c75000", "#1e7b34", "#8a1c7c", "#5a5a5a", "#a11d1d", "#00707a", "#6b5300")
"""Colours with at least 3:1 contrast on white (WCAG non-text contrast)."""
WIDTH, HEIGHT = 720, 260
LEFT, BOTTOM, TOP, RIGHT = 48, 40, 12, 12


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float]


def _nice_ceiling(value: float) -> float:
    """A round top for the axis (1, 2, 5 × a power of ten) so gridlines read easily."""
    if value <= 0:
        return 1
    power = 1.0
    while power * 10 <= value:
        power *= 10
    while power > value:
        power /= 10
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def _number(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def bar_chart(
    title: str, labels: Sequence[str], series: Sequence[Series], *, grouped: bool = False
) -> Markup:
    """Stacked bars, one per label; a legend when there is more than one series. Grouped:
    the series' bars side by side instead, for figures that do not add up (a median and a
    90th percentile of the same times)."""
    if grouped:
        heights = [max((s.values[i] for s in series), default=0) for i in range(len(labels))]
    else:
        heights = [sum(s.values[i] for s in series) for i in range(len(labels))]
    top = _nice_ceiling(max(heights, default=0))
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    slot = plot_w / max(1, len(labels))
    group_w = max(2.0, slot * 0.7)
    bar_w = group_w / len(series) if grouped and series else group_w
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" xmlns="http://www.w3.org/2000/svg">',
        f"<title>{escape(title)}</title>",
    ]
    for tick in range(5):
        value = top * tick / 4
        y = TOP + plot_h - plot_h * tick / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y:.1f}" y2="{y:.1f}" stroke="#d0d0d0"/>'
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" '
            f'fill="#333">{_number(value)}</text>'
        )
    every = max(1, len(labels) // 12)  # at most a dozen axis labels
    for i, label in enumerate(labels):
        start = LEFT + slot * i + (slot - group_w) / 2
        base = TOP + plot_h
        for n, (colour, s) in enumerate(zip(PALETTE * 4, series, strict=False)):
            height = plot_h * s.values[i] / top
            if height <= 0:
                continue
            if grouped:
                x, y = start + bar_w * n, TOP + plot_h - height
            else:
                base -= height
                x, y = start, base
            parts.append(
                f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" '
                f'height="{height:.1f}" fill="{colour}"><title>{escape(label)} · '
                f"{escape(s.name)}: {_number(s.values[i])}</title></rect>"
            )
        if i % every == 0:
            parts.append(
                f'<text x="{start + group_w / 2:.1f}" y="{HEIGHT - BOTTOM + 16}" '
                f'text-anchor="middle" '
                f'font-size="11" fill="#333">{escape(label)}</text>'
            )
    if len(series) > 1:
        for n, (colour, s) in enumerate(zip(PALETTE * 4, series, strict=False)):
            x = LEFT + (n % 6) * 110
            y = HEIGHT - 8
            parts.append(
                f'<rect x="{x}" y="{y - 9}" width="10" height="10" fill="{colour}"/>'
                f'<text x="{x + 14}" y="{y}" font-size="11" fill="#333">'
                f"{escape(s.name or '(none)')}</text>"
            )
    parts.append("</svg>")
    return Markup("".join(parts))
