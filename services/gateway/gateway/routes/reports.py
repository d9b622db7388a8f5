"""``/v1/reports``: tickets or unique authors per day or week, first-response and resolution
times, and the backlog over time (docs/api.md "Reports"). JSON, or CSV with
``Accept: text/csv`` or ``?format=csv``. Agents get their levels' figures; admins all."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Header, Query
from fastapi.responses import Response
from pydantic import BaseModel

from contracts.reports import (
    BacklogQuery,
    BacklogReport,
    TimesQuery,
    TimesReport,
    VolumeQuery,
    VolumeReport,
)
from contracts.rpc_ticketing import TicketingMethod
from contracts.topology import TICKETING_RPC
from gateway import report_csv
from gateway.deps import CurrentCaller, ServicesDep

router = APIRouter(prefix="/v1/reports", tags=["reports"])

R = TypeVar("R", bound=BaseModel)
CSV = {200: {"content": {"text/csv": {}}}}


def _wants_csv(format: str | None, accept: str | None) -> bool:
    if format is not None:
        return format == "csv"
    return "text/csv" in (accept or "")


async def _answer(
    services: ServicesDep,
    caller: CurrentCaller,
    method: TicketingMethod,
    query: BaseModel,
    model: type[R],
    render: Callable[[R], str],
    csv: bool,
) -> Any:
    result = await services.call(TICKETING_RPC, method, query, caller)
    if not csv:
        return result
    return Response(render(model.model_validate(result)), media_type="text/csv; charset=utf-8")


@router.get("/volume", response_model=VolumeReport, responses=CSV)
async def volume(
    query: Annotated[VolumeQuery, Query()],
    caller: CurrentCaller,
    services: ServicesDep,
    accept: Annotated[str | None, Header()] = None,
) -> Any:
    """Tickets opened (`measure=tickets`) or unique authors of the tickets opened
    (`measure=authors`) per local day or week (`interval`, `timezone`), optionally split by
    status, priority, level, channel, account or agent."""
    return await _answer(
        services,
        caller,
        TicketingMethod.REPORTS_VOLUME,
        query,
        VolumeReport,
        report_csv.volume,
        _wants_csv(query.format, accept),
    )


@router.get("/times", response_model=TimesReport, responses=CSV)
async def times(
    query: Annotated[TimesQuery, Query()],
    caller: CurrentCaller,
    services: ServicesDep,
    accept: Annotated[str | None, Header()] = None,
) -> Any:
    """Median and 90th percentile of first-response and resolution times of the tickets
    opened in each period, in the level's business time where it has a calendar."""
    return await _answer(
        services,
        caller,
        TicketingMethod.REPORTS_TIMES,
        query,
        TimesReport,
        report_csv.times,
        _wants_csv(query.format, accept),
    )


@router.get("/backlog", response_model=BacklogReport, responses=CSV)
async def backlog(
    query: Annotated[BacklogQuery, Query()],
    caller: CurrentCaller,
    services: ServicesDep,
    accept: Annotated[str | None, Header()] = None,
) -> Any:
    """Tickets open (neither resolved nor closed) at the end of each period, in all and per
    level."""
    return await _answer(
        services,
        caller,
        TicketingMethod.REPORTS_BACKLOG,
        query,
        BacklogReport,
        report_csv.backlog,
        _wants_csv(query.format, accept),
    )
