from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, status

from contracts.moderation import ModerationAction
from contracts.rpc_ticketing import InteractionModerating, InteractionTagging, TicketingMethod
from contracts.tickets import (
    InteractionPage,
    InteractionQuery,
    InteractionTags,
    StoredInteraction,
)
from contracts.topology import TICKETING_RPC
from gateway.deps import CurrentCaller, ServicesDep
from gateway.errors import unprocessable

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


MODERATION_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"description": "No such stored interaction"},
    403: {"description": "The interaction is in another level's ticket"},
    422: unprocessable(
        "What the network does not allow, with the reason (a YouTube or X delete, a direct "
        "message, a review, the brand's own message, a comment already removed or with a "
        "moderation on its way, an interaction without a ticket)"
    ),
}


async def _moderate(
    interaction_id: UUID, action: ModerationAction, caller: CurrentCaller, services: ServicesDep
) -> Any:
    return await services.call(
        TICKETING_RPC,
        TicketingMethod.INTERACTIONS_MODERATE,
        InteractionModerating(id=str(interaction_id), action=action),
        caller,
    )


@router.post(
    "/{interaction_id}/hide",
    response_model=StoredInteraction,
    status_code=status.HTTP_202_ACCEPTED,
    responses=MODERATION_RESPONSES,
)
async def hide_interaction(
    interaction_id: UUID, caller: CurrentCaller, services: ServicesDep
) -> Any:
    """Hide a customer's comment on its network (Facebook, Instagram, YouTube "rejected", X
    hidden reply): the comment stays for its author and friends, out of the public's sight.
    Accepted at once with `moderation.pending: "hide"`; the ingestor asks the network and the
    interaction then shows `moderation.hidden` (or the reason it failed), each step in the
    ticket's history."""
    return await _moderate(interaction_id, ModerationAction.HIDE, caller, services)


@router.post(
    "/{interaction_id}/unhide",
    response_model=StoredInteraction,
    status_code=status.HTTP_202_ACCEPTED,
    responses=MODERATION_RESPONSES,
)
async def unhide_interaction(
    interaction_id: UUID, caller: CurrentCaller, services: ServicesDep
) -> Any:
    """Show a comment hidden before again, where the network allows hiding."""
    return await _moderate(interaction_id, ModerationAction.UNHIDE, caller, services)


@router.post(
    "/{interaction_id}/delete",
    response_model=StoredInteraction,
    status_code=status.HTTP_202_ACCEPTED,
    responses=MODERATION_RESPONSES,
)
async def delete_interaction(
    interaction_id: UUID, caller: CurrentCaller, services: ServicesDep
) -> Any:
    """Delete a customer's comment on Facebook or Instagram (the others refuse with 422). It
    stays on the ticket, marked `moderation.deleted`."""
    return await _moderate(interaction_id, ModerationAction.DELETE, caller, services)
