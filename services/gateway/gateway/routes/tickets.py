from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, status

from contracts.rpc import TicketMethods
from contracts.tickets import (
    TICKETS_ASSIGN,
    TICKETS_CREATE,
    TICKETS_NOTE,
    HistoryEntry,
    NoteCreate,
    TicketAssign,
    TicketCreate,
    TicketDetail,
    TicketPage,
    TicketPatch,
    TicketQuery,
    TicketRead,
)
from contracts.topology import TICKETING_RPC
from gateway.deps import CurrentCaller, ServicesDep

router = APIRouter(prefix="/v1/tickets", tags=["tickets"])

NOT_FOUND = {404: {"description": "No such ticket"}}


@router.get("", response_model=TicketPage)
async def list_tickets(
    query: Annotated[TicketQuery, Query()], caller: CurrentCaller, services: ServicesDep
) -> Any:
    """Tickets, most recently updated first. Repeat a filter to mean "any of", e.g.
    `?status=new&status=open`."""
    return await services.call(
        TICKETING_RPC, TicketMethods.LIST, query.model_dump(mode="json"), caller
    )


@router.get("/{ref}", response_model=TicketDetail, responses=NOT_FOUND)
async def get_ticket(ref: str, caller: CurrentCaller, services: ServicesDep) -> Any:
    """One ticket by id or protocol number (e.g. `2026-000123`), with its interactions."""
    return await services.call(TICKETING_RPC, TicketMethods.GET, {"ref": ref}, caller)


@router.patch(
    "/{ref}",
    response_model=TicketRead,
    responses={**NOT_FOUND, 409: {"description": "Status transition not allowed"}},
)
async def update_ticket(
    ref: str, patch: TicketPatch, caller: CurrentCaller, services: ServicesDep
) -> Any:
    """Change status, priority, level, assignee, team or tags. Every change is recorded in
    the ticket's history and announced as `ticket.changed.v1`. The assignee must be an
    agent (422 otherwise) and is told by e-mail; moving the ticket to another level without
    naming an assignee gives it to that level's most available agent; the assignee is told
    when the priority rises to the top of the scale."""
    return await services.call(
        TICKETING_RPC,
        TicketMethods.UPDATE,
        {"ref": ref, "patch": patch.model_dump(mode="json", exclude_unset=True)},
        caller,
    )


@router.get("/{ref}/history", response_model=list[HistoryEntry], responses=NOT_FOUND)
async def ticket_history(ref: str, caller: CurrentCaller, services: ServicesDep) -> Any:
    """The ticket's append-only audit log, oldest first (by id or protocol number)."""
    return await services.call(TICKETING_RPC, TicketMethods.HISTORY, {"ref": ref}, caller)


@router.post(
    "/{ref}/assign",
    response_model=TicketRead,
    responses={
        **NOT_FOUND,
        409: {"description": "The level or team has no active agent"},
        422: {"description": "No such agent, or neither an agent nor a strategy"},
    },
)
async def assign_ticket(
    ref: str, assign: TicketAssign, caller: CurrentCaller, services: ServicesDep
) -> Any:
    """Assign to a named agent, or to one of a level's or team's active agents: `random`, or
    `most_available` (fewest tickets still needing work, ties drawn at random). Without a
    level or team the ticket's own level is used. The agent is told by e-mail."""
    return await services.call(
        TICKETING_RPC,
        TICKETS_ASSIGN,
        {"ref": ref, "assign": assign.model_dump(mode="json", exclude_none=True)},
        caller,
    )


@router.post(
    "",
    response_model=TicketRead,
    status_code=status.HTTP_201_CREATED,
    responses={
        404: {"description": "No such stored interaction"},
        409: {"description": "The interaction or its conversation already has a ticket"},
    },
)
async def create_ticket(request: TicketCreate, caller: CurrentCaller, services: ServicesDep) -> Any:
    """Open a ticket by hand from a stored interaction (see `GET /v1/interactions`); the
    conversation's other interactions without a ticket join it. `assign_to_me` makes it the
    calling agent's in the same call."""
    return await services.call(
        TICKETING_RPC, TICKETS_CREATE, request.model_dump(mode="json"), caller
    )


@router.post(
    "/{ref}/notes",
    response_model=HistoryEntry,
    status_code=status.HTTP_201_CREATED,
    responses=NOT_FOUND,
)
async def add_note(ref: str, note: NoteCreate, caller: CurrentCaller, services: ServicesDep) -> Any:
    """An internal note for agents, kept in the ticket's history; never sent to a customer."""
    return await services.call(
        TICKETING_RPC, TICKETS_NOTE, {"ref": ref, "note": note.model_dump(mode="json")}, caller
    )
