from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response, status

from contracts.people import TeamCreate, TeamRead, TeamUpdate
from contracts.rpc_ticketing import DirectoryKey, NoParams, TeamReplace, TicketingMethod
from contracts.topology import TICKETING_RPC
from gateway import revisions
from gateway.deps import AdminCaller, CurrentCaller, ServicesDep

router = APIRouter(prefix="/v1/teams", tags=["teams"])

NOT_FOUND = {404: {"description": "No such team"}}
ADMIN_ONLY = {403: {"description": "Only an administrator can do this"}}
Name = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("", response_model=list[TeamRead])
async def list_teams(caller: CurrentCaller, services: ServicesDep) -> Any:
    """Every team and the ids of its agents."""
    return await services.call(TICKETING_RPC, TicketingMethod.TEAMS_LIST, NoParams(), caller)


@router.post(
    "",
    response_model=TeamRead,
    status_code=status.HTTP_201_CREATED,
    responses={**ADMIN_ONLY, 409: {"description": "The name is taken"}},
)
async def create_team(team: TeamCreate, caller: AdminCaller, services: ServicesDep) -> Any:
    return await services.call(TICKETING_RPC, TicketingMethod.TEAMS_CREATE, team, caller)


@router.get("/{name}", response_model=TeamRead, responses=NOT_FOUND)
async def get_team(
    name: Name, caller: CurrentCaller, services: ServicesDep, response: Response
) -> Any:
    found = await services.call(
        TICKETING_RPC, TicketingMethod.TEAMS_GET, DirectoryKey(key=name), caller
    )
    return revisions.tagged(response, found)


@router.put(
    "/{name}",
    response_model=TeamRead,
    responses={**NOT_FOUND, **ADMIN_ONLY, **revisions.STALE},
)
async def replace_team(
    name: Name,
    team: TeamUpdate,
    caller: AdminCaller,
    services: ServicesDep,
    response: Response,
    if_match: revisions.IfMatch = None,
) -> Any:
    replace = TeamReplace(
        key=name,
        body=revisions.record(team, TeamCreate),
        expected_revision=revisions.expected(if_match, team.revision),
    )
    saved = await services.call(TICKETING_RPC, TicketingMethod.TEAMS_REPLACE, replace, caller)
    return revisions.tagged(response, saved)


@router.delete(
    "/{name}", status_code=status.HTTP_204_NO_CONTENT, responses={**NOT_FOUND, **ADMIN_ONLY}
)
async def delete_team(name: Name, caller: AdminCaller, services: ServicesDep) -> Response:
    await services.call(TICKETING_RPC, TicketingMethod.TEAMS_DELETE, DirectoryKey(key=name), caller)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
