"""The reports' SVG bar charts: stacked bars add their series up; grouped bars (the times
report's median beside its 90th percentile) stand side by side from the axis, the axis
topped by the tallest bar rather than by a sum that means nothing."""

from __future__ import annotations

import re

import pytest

from gateway.console.charts import Series, bar_chart

BAR = re.compile(r'<rect class="bar" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"')


def bars(svg: str) -> list[tuple[float, ...]]:
    return [tuple(float(v) for v in found) for found in BAR.findall(svg)]


def test_grouped_bars_stand_side_by_side_from_the_axis() -> None:
    series = [Series("median (h)", [1.0, 2.0]), Series("p90 (h)", [3.0, 4.0])]
    grouped = bars(bar_chart("times", ["d1", "d2"], series, grouped=True))
    stacked = bars(bar_chart("times", ["d1", "d2"], series))
    assert len(grouped) == len(stacked) == 4
    (x1, y1, w1, h1), (x2, y2, w2, h2) = grouped[:2]
    assert x2 == round(x1 + w1, 1) and w1 == w2  # side by side, not on top of each other
    assert round(y1 + h1, 1) == round(y2 + h2, 1)  # both from the axis
    assert h2 == pytest.approx(3 * h1, abs=0.1)
    # The axis tops at 5 (the tallest bar, 4, rounded up), not at 10 (its sum 6, rounded up):
    # the same figure stands twice as tall.
    assert grouped[3][3] == pytest.approx(2 * stacked[3][3], abs=0.1)
    (sx1, _, sw1, _), (sx2, _, _, _) = stacked[:2]
    assert sx1 == sx2 and sw1 == 2 * w1  # stacked: one column per label, as wide as a group
    svg = bar_chart("times", ["d1", "d2"], series, grouped=True)
    assert "median (h)" in svg and "p90 (h)" in svg  # the legend names both
