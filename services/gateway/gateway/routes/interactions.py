from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query

from contracts.rpc_ticketing import InteractionTagging, TicketingMethod
from contracts.tickets import (
    InteractionPage,
    InteractionQuery,
    InteractionTags,
    StoredInteraction,
)
from contracts.topology import TICKETING_RPC
from gateway.deps import CurrentCaller, ServicesDep

router = APIRouter(prefix="/v1/interactions", tags=["interactions"])


@router.get("", response_model=InteractionPage)
async def list_interactions(
    query: Annotated[InteractionQuery, Query()], caller: CurrentCaller, services: ServicesDep
) -> Any:
    """Stored interactions, newest first, to pick one for a ticket: e.g.
    `?has_ticket=false&channel=instagram&text=entrega`. Repeat a filter to mean "any of"."""
    return await services.call(TICKETING_RPC, TicketingMethod.INTERACTIONS_LIST, query, caller)


@router.post(
    "/{interaction_id}/tags",
    response_model=StoredInteraction,
    responses={404: {"description": "No such stored interaction"}},
)
async def tag_interaction(
    interaction_id: UUID, tags: InteractionTags, caller: CurrentCaller, services: ServicesDep
) -> Any:
    """Add tags to one interaction (the ticket's own tags are separate)."""
    return await services.call(
        TICKETING_RPC,
        TicketingMethod.INTERACTIONS_TAG,
        InteractionTagging(id=str(interaction_id), tags=tags),
        caller,
    )
