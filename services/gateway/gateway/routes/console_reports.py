"""The reports page (F34): volume, times and backlog as a chart with the table of the same
figures beside it, a form for the range, time zone, interval and split, and the CSV. It asks
ticketing exactly what ``GET /v1/reports/...`` asks, as the signed-in agent, so an agent sees
their levels' figures and an administrator all of them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, get_args
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ValidationError

from contracts.reports import (
    BacklogQuery,
    BacklogReport,
    Split,
    TimesQuery,
    TimesReport,
    VolumeQuery,
    VolumeReport,
)
from contracts.rpc_ticketing import TicketingMethod
from contracts.topology import TICKETING_RPC
from gateway import report_csv
from gateway.console import i18n, session
from gateway.console.admin_calls import caller_of
from gateway.console.calls import Refused, call
from gateway.console.charts import Series, bar_chart
from gateway.console.render import page
from gateway.deps import ServicesDep, today

router = APIRouter(include_in_schema=False)

KINDS: dict[str, tuple[type[BaseModel], TicketingMethod, type[BaseModel]]] = {
    "volume": (VolumeQuery, TicketingMethod.REPORTS_VOLUME, VolumeReport),
    "times": (TimesQuery, TicketingMethod.REPORTS_TIMES, TimesReport),
    "backlog": (BacklogQuery, TicketingMethod.REPORTS_BACKLOG, BacklogReport),
}
FIELDS = ("since", "until", "interval", "timezone", "split", "measure")


def _form(request: Request) -> dict[str, str]:
    """The form as sent, with the last two weeks (by the gateway's clock) by default."""
    last = today(request)
    chosen = {
        "report": "volume",
        "since": (last - timedelta(days=13)).isoformat(),
        "until": last.isoformat(),
        "interval": "day",
        "timezone": "UTC",
        "split": "none",
        "measure": "tickets",
    }
    chosen.update({k: v[:100] for k, v in request.query_params.items() if k in chosen and v})
    return chosen


def _query(kind: str, chosen: dict[str, str]) -> BaseModel:
    model = KINDS[kind][0]
    wanted = {k: chosen[k] for k in FIELDS if k in model.model_fields}
    try:
        return model.model_validate(wanted)
    except ValidationError as exc:
        raise Refused.invalid(exc) from exc


def _hours(seconds: float | None) -> float:
    return round(seconds / 3600, 1) if seconds is not None else 0.0


def _figures(kind: str, report: Any, t: i18n.Translate) -> tuple[Any, dict[str, Any]]:
    """The chart(s) and the table of one report: the same numbers, drawn and written."""
    labels = [p.start.isoformat() for p in report.periods]
    if isinstance(report, VolumeReport):
        values = sorted({v for p in report.periods for v in p.values})
        columns = [t("total"), *(v or "(none)" for v in values)]
        rows = [[p.total, *(p.values.get(v, 0) for v in values)] for p in report.periods]
        series = [
            Series(v or "(none)", [p.values.get(v, 0) for p in report.periods]) for v in values
        ]
        chart = bar_chart(
            t("chart_of", name=t("report_volume")),
            labels,
            series or [Series(t("total"), [p.total for p in report.periods])],
        )
        return [chart], {"columns": columns, "rows": rows}
    if isinstance(report, BacklogReport):
        levels = sorted({v for p in report.periods for v in p.levels})
        columns = [t("open_tickets"), *(v or "(none)" for v in levels)]
        rows = [[p.open, *(p.levels.get(v, 0) for v in levels)] for p in report.periods]
        series = [
            Series(v or "(none)", [p.levels.get(v, 0) for p in report.periods]) for v in levels
        ]
        chart = bar_chart(
            t("chart_of", name=t("report_backlog")),
            labels,
            series or [Series(t("open_tickets"), [p.open for p in report.periods])],
        )
        return [chart], {"columns": columns, "rows": rows}
    assert isinstance(report, TimesReport)
    first, resolved = t("first_response"), t("resolution")
    columns = [
        f"{first} · n",
        f"{first} · {t('median_hours')}",
        f"{first} · {t('p90_hours')}",
        f"{resolved} · n",
        f"{resolved} · {t('median_hours')}",
        f"{resolved} · {t('p90_hours')}",
    ]
    rows = [
        [
            p.first_response.count,
            _hours(p.first_response.median_seconds),
            _hours(p.first_response.p90_seconds),
            p.resolution.count,
            _hours(p.resolution.median_seconds),
            _hours(p.resolution.p90_seconds),
        ]
        for p in report.periods
    ]
    # Both figures the report has, side by side: the median says what is usual, the 90th
    # percentile how long the slow tenth waits (stacked, they would add up to nothing).
    charts = [
        bar_chart(
            t("chart_of", name=f"{name} · {t('median_hours')}, {t('p90_hours')}"),
            labels,
            [
                Series(
                    t("median_hours"),
                    [_hours(getattr(p, part).median_seconds) for p in report.periods],
                ),
                Series(
                    t("p90_hours"), [_hours(getattr(p, part).p90_seconds) for p in report.periods]
                ),
            ],
            grouped=True,
        )
        for name, part in ((first, "first_response"), (resolved, "resolution"))
    ]
    return charts, {"columns": columns, "rows": rows}


@router.get("/reports", response_class=HTMLResponse)
async def reports_page(
    request: Request, signed: session.Session, services: ServicesDep
) -> Response:
    chosen = _form(request)
    kind = chosen["report"] if chosen["report"] in KINDS else "volume"
    t = i18n.translator(signed.agent.language)
    context: dict[str, Any] = {"charts": [], "table": None, "labels": [], "error": ""}
    status_code = 200
    try:
        query = _query(kind, chosen)
        _, method, model = KINDS[kind]
        found = await call(services, TICKETING_RPC, method, query, caller_of(signed))
        report = model.model_validate(found)
        charts, table = _figures(kind, report, t)
        context.update(
            charts=charts,
            table=table,
            labels=[p.start.isoformat() for p in report.periods],  # type: ignore[attr-defined]
        )
    except Refused as refused:
        context["error"], status_code = refused.detail, refused.status
    csv_query = urlencode({k: chosen[k] for k in FIELDS})
    return page(
        request,
        "reports.html.j2",
        language=signed.agent.language,
        status_code=status_code,
        agent=signed.agent,
        kind=kind,
        kinds=tuple(KINDS),
        chosen=chosen,
        splits=get_args(Split),
        csv_url=f"/reports.csv?report={kind}&{csv_query}",
        **context,
    )


RENDER = {"volume": report_csv.volume, "times": report_csv.times, "backlog": report_csv.backlog}


@router.get("/reports.csv")
async def report_csv_download(
    request: Request, signed: session.Session, services: ServicesDep
) -> Response:
    """The report as ``GET /v1/reports/{report}?format=csv`` gives it, as a download; a
    form the contracts refuse is a 422 with the reason."""
    chosen = _form(request)
    kind = chosen["report"] if chosen["report"] in KINDS else "volume"
    try:
        query = _query(kind, chosen)
    except Refused as refused:
        raise HTTPException(refused.status, refused.detail) from None
    _, method, model = KINDS[kind]
    found = await call(services, TICKETING_RPC, method, query, caller_of(signed))
    body = RENDER[kind](model.model_validate(found))  # type: ignore[operator]
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{kind}.csv"',
            "Cache-Control": "no-store",
        },
    )
