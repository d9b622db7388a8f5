"""Saved and built-in views of the ticket list, their tickets and their board; full-text
search (docs/api.md "Views, board and search")."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status

from contracts.rpc_ticketing import NoParams, TicketingMethod, ViewRef, ViewReplace, ViewTickets
from contracts.tickets import TicketPage
from contracts.topology import TICKETING_RPC
from contracts.views import (
    Board,
    SearchQuery,
    SearchResults,
    ViewCreate,
    ViewRead,
    ViewTicketsQuery,
)
from gateway.deps import CurrentCaller, ServicesDep

router = APIRouter(prefix="/v1/views", tags=["views"])
search_router = APIRouter(prefix="/v1/search", tags=["search"])

NOT_FOUND = {404: {"description": "No such view, or not one you see"}}
NOT_YOURS = {403: {"description": "Not your view (its owner or an admin changes it)"}}
ViewId = Annotated[
    str, Path(min_length=1, max_length=300, examples=["builtin:open", "builtin:level:N2"])
]


@router.get("", response_model=list[ViewRead])
async def list_views(caller: CurrentCaller, services: ServicesDep) -> Any:
    """The built-in views (all open work, mine, new, urgent, overdue once SLA filters exist,
    on hold, waiting opinion, one per level you see) and the saved views you see (yours,
    those shared with your levels; admins see all), each with its count of the tickets you
    may see, up to 1,000."""
    return await services.relay(TICKETING_RPC, TicketingMethod.VIEWS_LIST, NoParams(), caller)


@router.post(
    "",
    response_model=ViewRead,
    status_code=status.HTTP_201_CREATED,
    responses={403: {"description": "Agents share views only with their own levels"}},
)
async def create_view(view: ViewCreate, caller: CurrentCaller, services: ServicesDep) -> Any:
    """Save a view: a name, filters (those of GET /v1/tickets) and an order, yours alone or
    shared with levels."""
    return await services.call(TICKETING_RPC, TicketingMethod.VIEWS_CREATE, view, caller)


@router.get("/{view_id}", response_model=ViewRead, responses=NOT_FOUND)
async def get_view(view_id: ViewId, caller: CurrentCaller, services: ServicesDep) -> Any:
    return await services.relay(
        TICKETING_RPC, TicketingMethod.VIEWS_GET, ViewRef(id=view_id), caller
    )


@router.put("/{view_id}", response_model=ViewRead, responses={**NOT_FOUND, **NOT_YOURS})
async def replace_view(
    view_id: ViewId, view: ViewCreate, caller: CurrentCaller, services: ServicesDep
) -> Any:
    return await services.call(
        TICKETING_RPC, TicketingMethod.VIEWS_REPLACE, ViewReplace(id=view_id, body=view), caller
    )


@router.delete(
    "/{view_id}", status_code=status.HTTP_204_NO_CONTENT, responses={**NOT_FOUND, **NOT_YOURS}
)
async def delete_view(view_id: ViewId, caller: CurrentCaller, services: ServicesDep) -> Response:
    await services.call(TICKETING_RPC, TicketingMethod.VIEWS_DELETE, ViewRef(id=view_id), caller)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/{view_id}/tickets", response_model=TicketPage, responses=NOT_FOUND)
async def view_tickets(
    view_id: ViewId,
    query: Annotated[ViewTicketsQuery, Query()],
    caller: CurrentCaller,
    services: ServicesDep,
) -> Any:
    """The view's tickets in its order, paged by cursor like GET /v1/tickets."""
    return await services.relay(
        TICKETING_RPC,
        TicketingMethod.VIEWS_TICKETS,
        ViewTickets(id=view_id, query=query),
        caller,
    )


@router.get("/{view_id}/board", response_model=Board, responses=NOT_FOUND)
async def view_board(view_id: ViewId, caller: CurrentCaller, services: ServicesDep) -> Any:
    """The view's tickets by status, for a kanban: one column per status (those the view
    names, else all), each with its count and its first 20 tickets."""
    return await services.relay(
        TICKETING_RPC, TicketingMethod.VIEWS_BOARD, ViewRef(id=view_id), caller
    )


@search_router.get("", response_model=SearchResults)
async def search(
    query: Annotated[SearchQuery, Query()], caller: CurrentCaller, services: ServicesDep
) -> Any:
    """Tickets (by title) and interactions (by text) holding every word of `q`, any case,
    with or without accents ("reclamacao" finds "reclamação"), best first: a title match
    ranks above a text match. Matched words come between `<mark>` and `</mark>`. Agents
    find only their levels' tickets (and the interactions of their levels' accounts)."""
    return await services.relay(TICKETING_RPC, TicketingMethod.SEARCH, query, caller)
