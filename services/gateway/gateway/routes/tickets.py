from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from contracts.rpc import TicketMethods
from contracts.tickets import (
    HistoryEntry,
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
    """Change status, priority, level, assignee or tags. Every change is recorded in the
    ticket's history and announced as `ticket.changed.v1`."""
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
