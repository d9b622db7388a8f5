"""Request/reply methods on stored interactions: list them, tag one."""

from __future__ import annotations

from typing import Any

from contracts.rpc import Caller
from contracts.rpc_ticketing import InteractionTagging, TicketingMethod
from contracts.tickets import InteractionQuery
from servicekit import rpc
from ticketing.handlers.deps import Deps
from ticketing.usecases import interactions


def methods(deps: Deps) -> dict[str, rpc.Method]:
    async def list_interactions(query: InteractionQuery, caller: Caller) -> Any:
        return await interactions.list_interactions(store=deps.store, query=query, caller=caller)

    async def tag(params: InteractionTagging, caller: Caller) -> Any:
        return await interactions.tag_interaction(
            store=deps.store, interaction=params.id, tags=params.tags.tags, caller=caller
        )

    return {
        TicketingMethod.INTERACTIONS_LIST: rpc.typed(InteractionQuery, list_interactions),
        TicketingMethod.INTERACTIONS_TAG: rpc.typed(InteractionTagging, tag),
    }
