"""The reports (docs/domain.md F34, docs/api.md "Reports"): volume, times and backlog, each
read from the report counters of its hours and folded into local days or weeks. Agents get
the figures of their levels' tickets only (the level is in every counter, so this is a
filter); admins get everything."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from contracts.reports import (
    BacklogPeriod,
    BacklogQuery,
    BacklogReport,
    ReportRange,
    TimeFigures,
    TimesPeriod,
    TimeSplit,
    TimesQuery,
    TimesReport,
    VolumePeriod,
    VolumeQuery,
    VolumeReport,
)
from contracts.rpc import Caller
from servicekit import rpc
from ticketing.domain import reports
from ticketing.shared import access
from ticketing.store.port import TicketStore


def _span(query: ReportRange) -> reports.ReportRange:
    zone = ZoneInfo(query.timezone)
    problem = reports.range_problem(zone, query.since, query.until)
    if problem:
        raise rpc.Invalid(problem, loc=["query", "timezone" if "zone" in problem else "until"])
    unit = reports.unit_for(zone, query.since, query.until)
    return reports.ReportRange(zone, query.since, query.until, query.interval, unit)


async def _rows(
    store: TicketStore,
    span: reports.ReportRange,
    series: str,
    dim: str,
    levels: Sequence[str] | None,
) -> list[reports.CountRow]:
    """The counters of the range summed per local period by the store. A zone with one
    offset over the range is read from the UTC-day rollups and the edge hours of its days
    (every series but the authors); otherwise one read per stretch of constant offset."""
    plan = reports.daily_plan(span) if series != reports.AUTHORS else None
    if plan is not None:
        daily = await store.report_rows(
            series + reports.DAILY,
            dim,
            plan.first_day,
            plan.first_day + 24 * plan.days,
            levels,
            width=24,
        )
        edges = await store.report_hours(series, dim, plan.edges, levels) if plan.edges else []
        return plan.combine(daily, edges)
    rows: list[reports.CountRow] = []
    for segment in span.segments():
        grouped = await store.report_rows(
            span.series(series),
            dim,
            segment.first_hour,
            segment.end_hour,
            levels,
            shift=segment.shift,
            width=segment.width,
        )
        rows += span.regrouped(grouped, segment)
    return rows


async def _levels(store: TicketStore, caller: Caller) -> Sequence[str] | None:
    seen = await access.visibility(store, caller)
    return None if seen is None else seen.levels


def _dim(split: str) -> str:
    return reports.ALL if split == "none" else split


async def _band_rows(
    store: TicketStore, span: reports.ReportRange, levels: Sequence[str] | None
) -> list[reports.CountRow]:
    """The band split (issue 13): a band is a ticket's state now, which moves with time, not
    a fact of its past that the counters could keep (they would need every open ticket
    re-projected at each band change). So it is answered at request time from the tickets'
    SLA columns, for the tickets still unresolved: what the desk has to do now, per period
    they were opened in."""
    since, until = reports.hour_start(span.first_hour), reports.hour_start(span.end_hour)
    per_hour: Counter[tuple[int, str, str]] = Counter(
        (reports.epoch_hour(opened_at), band, level)
        for opened_at, band, level in await store.open_bands(since, until, levels)
    )
    return [
        reports.CountRow(hour, band, level, "", n) for (hour, band, level), n in per_hour.items()
    ]


async def volume(*, store: TicketStore, query: VolumeQuery, caller: Caller) -> VolumeReport:
    span, levels = _span(query), await _levels(store, caller)
    series = reports.AUTHORS if query.measure == "authors" else reports.OPENED
    if query.split == "sla_band":
        if query.measure == "authors":
            raise rpc.Invalid(
                "split=sla_band counts tickets: ask for measure=tickets", loc=["query", "split"]
            )
        rows = await _band_rows(store, span, levels)
    else:
        rows = await _rows(store, span, series, _dim(query.split), levels)
    if query.measure == "authors":
        per_value, totals = reports.distinct_authors(rows, span)
    else:
        per_value = reports.counts(rows, span)
        totals = {p: sum(v.values()) for p, v in per_value.items()}
    return VolumeReport(
        measure=query.measure,
        split=query.split,
        interval=query.interval,
        timezone=query.timezone,
        since=query.since,
        until=query.until,
        periods=[
            VolumePeriod(
                start=start,
                total=totals.get(start, 0),
                values=dict(per_value.get(start, {})) if query.split != "none" else {},
            )
            for start in span.periods()
        ],
    )


def _figures(histogram: Counter[int]) -> TimeFigures:
    return TimeFigures(
        count=sum(histogram.values()),
        median_seconds=reports.percentile(histogram, 0.5),
        p90_seconds=reports.percentile(histogram, 0.9),
    )


def _merged(histograms: dict[str, Counter[int]]) -> Counter[int]:
    total: Counter[int] = Counter()
    for histogram in histograms.values():
        total.update(histogram)
    return total


async def times(*, store: TicketStore, query: TimesQuery, caller: Caller) -> TimesReport:
    if query.split == "sla_band":
        raise rpc.Invalid(
            "split=sla_band is answered by the volume report only (a band is a ticket's state "
            "now, not a fact of its past)",
            loc=["query", "split"],
        )
    span, levels = _span(query), await _levels(store, caller)
    dim = _dim(query.split)
    first = reports.histograms(await _rows(store, span, reports.FIRST_RESPONSE, dim, levels), span)
    done = reports.histograms(await _rows(store, span, reports.RESOLUTION, dim, levels), span)
    periods = []
    for start in span.periods():
        f, d = first.get(start, {}), done.get(start, {})
        values = {
            value: TimeSplit(
                first_response=_figures(f.get(value, Counter())),
                resolution=_figures(d.get(value, Counter())),
            )
            for value in sorted(set(f) | set(d))
        }
        periods.append(
            TimesPeriod(
                start=start,
                first_response=_figures(_merged(f)),
                resolution=_figures(_merged(d)),
                values=values if query.split != "none" else {},
            )
        )
    return TimesReport(
        split=query.split,
        interval=query.interval,
        timezone=query.timezone,
        since=query.since,
        until=query.until,
        periods=periods,
    )


async def backlog(*, store: TicketStore, query: BacklogQuery, caller: Caller) -> BacklogReport:
    span, levels = _span(query), await _levels(store, caller)
    first = span.first_hour
    opened = [
        *await store.report_totals_before(span.series(reports.OPENED), "level", first, levels),
        *await _rows(store, span, reports.OPENED, "level", levels),
    ]
    done = [
        *await store.report_totals_before(span.series(reports.DONE), "level", first, levels),
        *await _rows(store, span, reports.DONE, "level", levels),
    ]
    open_at = reports.backlog(opened, done, span)
    return BacklogReport(
        interval=query.interval,
        timezone=query.timezone,
        since=query.since,
        until=query.until,
        periods=[
            BacklogPeriod(start=start, open=sum(levels_open.values()), levels=levels_open)
            for start, levels_open in open_at.items()
        ],
    )
