from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response, status

from contracts.people import LevelCreate, LevelRead, LevelUpdate
from contracts.rpc_ticketing import DirectoryKey, LevelReplace, NoParams, TicketingMethod
from contracts.tickets import LevelSlaCounts
from contracts.topology import TICKETING_RPC
from gateway import revisions
from gateway.deps import AdminCaller, CurrentCaller, ServicesDep

router = APIRouter(prefix="/v1/levels", tags=["levels"])

NOT_FOUND = {404: {"description": "No such level"}}
ADMIN_ONLY = {403: {"description": "Only an administrator can do this"}}
Name = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("", response_model=list[LevelRead])
async def list_levels(caller: CurrentCaller, services: ServicesDep) -> Any:
    """Every level: its settings and the ids of the agents who work it."""
    return await services.call(TICKETING_RPC, TicketingMethod.LEVELS_LIST, NoParams(), caller)


@router.post(
    "",
    response_model=LevelRead,
    status_code=status.HTTP_201_CREATED,
    responses={**ADMIN_ONLY, 409: {"description": "The name is taken"}},
)
async def create_level(level: LevelCreate, caller: AdminCaller, services: ServicesDep) -> Any:
    return await services.call(TICKETING_RPC, TicketingMethod.LEVELS_CREATE, level, caller)


@router.get("/{name}", response_model=LevelRead, responses=NOT_FOUND)
async def get_level(
    name: Name, caller: CurrentCaller, services: ServicesDep, response: Response
) -> Any:
    found = await services.call(
        TICKETING_RPC, TicketingMethod.LEVELS_GET, DirectoryKey(key=name), caller
    )
    return revisions.tagged(response, found)


@router.get(
    "/{name}/sla",
    response_model=LevelSlaCounts,
    responses={**NOT_FOUND, 403: {"description": "An agent who does not work this level"}},
)
async def level_sla(name: Name, caller: CurrentCaller, services: ServicesDep) -> Any:
    """How many of the level's tickets are in each SLA band (green, yellow, red, overdue),
    counting the tickets with a running clock."""
    return await services.call(
        TICKETING_RPC, TicketingMethod.LEVELS_SLA, DirectoryKey(key=name), caller
    )


@router.put(
    "/{name}",
    response_model=LevelRead,
    responses={**NOT_FOUND, **ADMIN_ONLY, **revisions.STALE},
)
async def replace_level(
    name: Name,
    level: LevelUpdate,
    caller: AdminCaller,
    services: ServicesDep,
    response: Response,
    if_match: revisions.IfMatch = None,
) -> Any:
    replace = LevelReplace(
        key=name,
        body=revisions.record(level, LevelCreate),
        expected_revision=revisions.expected(if_match, level.revision),
    )
    saved = await services.call(TICKETING_RPC, TicketingMethod.LEVELS_REPLACE, replace, caller)
    return revisions.tagged(response, saved)


@router.delete(
    "/{name}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={
        **NOT_FOUND,
        **ADMIN_ONLY,
        409: {
            "description": "Kept: agents still have the level, tickets that still need work "
            "are on it, or a ticket or an agent is being put on it right now"
        },
    },
)
async def delete_level(name: Name, caller: AdminCaller, services: ServicesDep) -> Response:
    """Delete a level no agent has and no ticket that still needs work is on."""
    await services.call(
        TICKETING_RPC, TicketingMethod.LEVELS_DELETE, DirectoryKey(key=name), caller
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)
