"""Request/reply methods on views (saved and built in), their tickets and board, and
full-text search."""

from __future__ import annotations

from typing import Any

from contracts.rpc import Caller
from contracts.rpc_ticketing import NoParams, TicketingMethod, ViewRef, ViewReplace, ViewTickets
from contracts.views import SearchQuery, ViewCreate
from servicekit import rpc
from ticketing.handlers.deps import Deps
from ticketing.usecases import search, views


def methods(deps: Deps) -> dict[str, rpc.Method]:
    store, scale = deps.store, deps.scale

    async def list_views(_: NoParams, caller: Caller) -> Any:
        return await views.list_views(store=store, caller=caller, scale=scale)

    async def get_view(params: ViewRef, caller: Caller) -> Any:
        return await views.get_view(store=store, caller=caller, scale=scale, view_id=params.id)

    async def create_view(body: ViewCreate, caller: Caller) -> Any:
        return await views.create_view(store=store, caller=caller, body=body, now=deps.clock())

    async def replace_view(params: ViewReplace, caller: Caller) -> Any:
        return await views.replace_view(
            store=store, caller=caller, view_id=params.id, body=params.body
        )

    async def delete_view(params: ViewRef, caller: Caller) -> Any:
        await views.delete_view(store=store, caller=caller, view_id=params.id)

    async def view_tickets(params: ViewTickets, caller: Caller) -> Any:
        return await views.view_tickets(
            store=store,
            caller=caller,
            scale=scale,
            view_id=params.id,
            query=params.query,
            policies=deps.sla_policies,
            now=deps.clock(),
        )

    async def board(params: ViewRef, caller: Caller) -> Any:
        return await views.board(
            store=store,
            caller=caller,
            scale=scale,
            view_id=params.id,
            policies=deps.sla_policies,
            now=deps.clock(),
        )

    async def search_desk(query: SearchQuery, caller: Caller) -> Any:
        return await search.search_desk(store=store, query=query, caller=caller)

    return {
        TicketingMethod.VIEWS_LIST: rpc.typed(NoParams, list_views),
        TicketingMethod.VIEWS_GET: rpc.typed(ViewRef, get_view),
        TicketingMethod.VIEWS_CREATE: rpc.typed(ViewCreate, create_view),
        TicketingMethod.VIEWS_REPLACE: rpc.typed(ViewReplace, replace_view),
        TicketingMethod.VIEWS_DELETE: rpc.typed(ViewRef, delete_view),
        TicketingMethod.VIEWS_TICKETS: rpc.typed(ViewTickets, view_tickets),
        TicketingMethod.VIEWS_BOARD: rpc.typed(ViewRef, board),
        TicketingMethod.SEARCH: rpc.typed(SearchQuery, search_desk),
    }
