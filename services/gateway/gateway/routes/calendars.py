"""Business calendars (docs/api.md, "Calendars"): the hours a level works in."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response, status

from contracts.calendars import CalendarCreate, CalendarRead, CalendarUpdate
from contracts.rpc_ticketing import CalendarReplace, DirectoryKey, NoParams, TicketingMethod
from contracts.topology import TICKETING_RPC
from gateway import revisions
from gateway.deps import AdminCaller, CurrentCaller, ServicesDep

router = APIRouter(prefix="/v1/calendars", tags=["calendars"])

NOT_FOUND = {404: {"description": "No such calendar"}}
ADMIN_ONLY = {403: {"description": "Only an administrator can do this"}}
Name = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("", response_model=list[CalendarRead])
async def list_calendars(caller: CurrentCaller, services: ServicesDep) -> Any:
    """Every business calendar: time zone, weekly openings, holidays and special days."""
    return await services.call(TICKETING_RPC, TicketingMethod.CALENDARS_LIST, NoParams(), caller)


@router.post(
    "",
    response_model=CalendarRead,
    status_code=status.HTTP_201_CREATED,
    responses={**ADMIN_ONLY, 409: {"description": "The name is taken"}},
)
async def create_calendar(
    calendar: CalendarCreate, caller: AdminCaller, services: ServicesDep
) -> Any:
    return await services.call(TICKETING_RPC, TicketingMethod.CALENDARS_CREATE, calendar, caller)


@router.get("/{name}", response_model=CalendarRead, responses=NOT_FOUND)
async def get_calendar(
    name: Name, caller: CurrentCaller, services: ServicesDep, response: Response
) -> Any:
    found = await services.call(
        TICKETING_RPC, TicketingMethod.CALENDARS_GET, DirectoryKey(key=name), caller
    )
    return revisions.tagged(response, found)


@router.put(
    "/{name}",
    response_model=CalendarRead,
    responses={**NOT_FOUND, **ADMIN_ONLY, **revisions.STALE},
)
async def replace_calendar(
    name: Name,
    calendar: CalendarUpdate,
    caller: AdminCaller,
    services: ServicesDep,
    response: Response,
    if_match: revisions.IfMatch = None,
) -> Any:
    replace = CalendarReplace(
        key=name,
        body=revisions.record(calendar, CalendarCreate),
        expected_revision=revisions.expected(if_match, calendar.revision),
    )
    saved = await services.call(TICKETING_RPC, TicketingMethod.CALENDARS_REPLACE, replace, caller)
    return revisions.tagged(response, saved)


@router.delete(
    "/{name}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**NOT_FOUND, **ADMIN_ONLY, 409: {"description": "A level still uses it"}},
)
async def delete_calendar(name: Name, caller: AdminCaller, services: ServicesDep) -> Response:
    await services.call(
        TICKETING_RPC, TicketingMethod.CALENDARS_DELETE, DirectoryKey(key=name), caller
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
