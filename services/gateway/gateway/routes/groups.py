"""Groups of people (docs/domain.md F30): admins create them; agents put the people they may
see in them and take them out; rules put authors in them."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Body, Path, Query, Response, status

from contracts.persons import GroupCreate, GroupMember, GroupRead, PersonPage, PersonRead
from contracts.rpc_ticketing import (
    DirectoryKey,
    GroupMembership,
    GroupMembersQuery,
    GroupReplace,
    NoParams,
    TicketingMethod,
)
from contracts.tickets import MAX_PAGE, MAX_PAGE_SIZE
from contracts.topology import TICKETING_RPC
from gateway.deps import AdminCaller, CurrentCaller, ServicesDep

router = APIRouter(prefix="/v1/groups", tags=["groups"])

M = TicketingMethod
NOT_FOUND = {404: {"description": "No such group (or person)"}}
ADMIN_ONLY = {403: {"description": "Only an administrator can do this"}}
Name = Annotated[str, Path(min_length=1, max_length=64)]


@router.get("", response_model=list[GroupRead])
async def list_groups(caller: CurrentCaller, services: ServicesDep) -> Any:
    return await services.call(TICKETING_RPC, M.GROUPS_LIST, NoParams(), caller)


@router.post(
    "",
    response_model=GroupRead,
    status_code=status.HTTP_201_CREATED,
    responses={**ADMIN_ONLY, 409: {"description": "The name is taken"}},
)
async def create_group(body: GroupCreate, caller: AdminCaller, services: ServicesDep) -> Any:
    return await services.call(TICKETING_RPC, M.GROUPS_CREATE, body, caller)


@router.get("/{name}", response_model=GroupRead, responses=NOT_FOUND)
async def get_group(name: Name, caller: CurrentCaller, services: ServicesDep) -> Any:
    return await services.call(TICKETING_RPC, M.GROUPS_GET, DirectoryKey(key=name), caller)


@router.put("/{name}", response_model=GroupRead, responses={**NOT_FOUND, **ADMIN_ONLY})
async def replace_group(
    name: Name, body: GroupCreate, caller: AdminCaller, services: ServicesDep
) -> Any:
    """Change the description (a group keeps its name)."""
    return await services.call(
        TICKETING_RPC, M.GROUPS_REPLACE, GroupReplace(key=name, body=body), caller
    )


@router.delete(
    "/{name}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses={**NOT_FOUND, **ADMIN_ONLY, 409: {"description": "The group still has members"}},
)
async def delete_group(name: Name, caller: AdminCaller, services: ServicesDep) -> Response:
    await services.call(TICKETING_RPC, M.GROUPS_DELETE, DirectoryKey(key=name), caller)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{name}/members", response_model=PersonPage, responses=NOT_FOUND)
async def members(
    name: Name,
    caller: CurrentCaller,
    services: ServicesDep,
    page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
    page_size: Annotated[int, Query(ge=1, le=MAX_PAGE_SIZE)] = 50,
) -> Any:
    """The group's people (those you may see), by name."""
    return await services.call(
        TICKETING_RPC,
        M.GROUPS_MEMBERS,
        GroupMembersQuery(key=name, page=page, page_size=page_size),
        caller,
    )


@router.post("/{name}/members", response_model=PersonRead, responses=NOT_FOUND)
async def add_member(
    name: Name, member: GroupMember, caller: CurrentCaller, services: ServicesDep
) -> Any:
    """Put a person in the group; a line of the person's history says who did it and when."""
    return await services.call(
        TICKETING_RPC, M.GROUPS_ADD, GroupMembership(key=name, member=member), caller
    )


@router.delete("/{name}/members/{person_id}", response_model=PersonRead, responses=NOT_FOUND)
async def remove_member(
    name: Name,
    person_id: UUID,
    caller: CurrentCaller,
    services: ServicesDep,
    reason: Annotated[str | None, Body(embed=True, max_length=1_000)] = None,
) -> Any:
    """Take a person out of the group (recorded in the person's history)."""
    return await services.call(
        TICKETING_RPC,
        M.GROUPS_REMOVE,
        GroupMembership(key=name, member=GroupMember(person=person_id, reason=reason)),
        caller,
    )
