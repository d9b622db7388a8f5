"""Reports as CSV (``Accept: text/csv`` or ``?format=csv``): one row per period, the way a
spreadsheet wants them. Volume and backlog are wide (one column per split value or level,
"(none)" for tickets without one); times are long (one row per period and split value, the
period's figures over every value in the rows named "(all)")."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from contracts.reports import BacklogReport, TimeSplit, TimesReport, VolumeReport

ALL = "(all)"


def _label(value: str) -> str:
    return value or "(none)"


def _render(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _blank(value: float | None) -> Any:
    return "" if value is None else value


def volume(report: VolumeReport) -> str:
    values = sorted({v for p in report.periods for v in p.values})
    return _render(
        ["start", "total", *(_label(v) for v in values)],
        (
            [p.start.isoformat(), p.total, *(p.values.get(v, 0) for v in values)]
            for p in report.periods
        ),
    )


def _figures(start: str, value: str, split: TimeSplit) -> list[Any]:
    f, r = split.first_response, split.resolution
    return [
        start,
        value,
        f.count,
        _blank(f.median_seconds),
        _blank(f.p90_seconds),
        r.count,
        _blank(r.median_seconds),
        _blank(r.p90_seconds),
    ]


def times(report: TimesReport) -> str:
    rows: list[list[Any]] = []
    for p in report.periods:
        start = p.start.isoformat()
        rows.append(_figures(start, ALL, p))
        rows.extend(_figures(start, _label(v), s) for v, s in sorted(p.values.items()))
    return _render(
        [
            "start",
            report.split if report.split != "none" else "split",
            "first_response_count",
            "first_response_median_seconds",
            "first_response_p90_seconds",
            "resolution_count",
            "resolution_median_seconds",
            "resolution_p90_seconds",
        ],
        rows,
    )


def backlog(report: BacklogReport) -> str:
    levels = sorted({v for p in report.periods for v in p.levels})
    return _render(
        ["start", "open", *(_label(v) for v in levels)],
        (
            [p.start.isoformat(), p.open, *(p.levels.get(v, 0) for v in levels)]
            for p in report.periods
        ),
    )
