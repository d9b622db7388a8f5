"""Stored interactions as the desk sees them: listed to pick one for a ticket, and tagged
one by one (the ticket's own tags are separate). An agent reaches only the interactions of
tickets they see and, without a ticket, those on the accounts their levels serve."""

from __future__ import annotations

from uuid import UUID

from contracts.rpc import Caller
from contracts.tickets import InteractionPage, InteractionQuery, StoredInteraction
from servicekit import rpc
from ticketing.shared.access import (
    interaction_visibility,
    require_active,
    require_interaction_visible,
)
from ticketing.store.port import TicketStore


async def list_interactions(
    *, store: TicketStore, query: InteractionQuery, caller: Caller
) -> InteractionPage:
    seen = await interaction_visibility(store, caller)
    items, total, exact, _ = await store.list_interactions(query, visible=seen)
    return InteractionPage(
        items=items, total=total, total_exact=exact, page=query.page, page_size=query.page_size
    )


async def tag_interaction(
    *, store: TicketStore, interaction: str, tags: list[str], caller: Caller
) -> StoredInteraction:
    await require_active(store, caller)  # a deactivated agent learns nothing, not even a 404
    try:
        interaction_id = UUID(interaction)
    except ValueError as exc:
        raise rpc.NotFound(f"no stored interaction {interaction}") from exc
    stored = await store.get_interaction(interaction_id)
    if stored is None:
        raise rpc.NotFound(f"no stored interaction {interaction}")
    await require_interaction_visible(store, caller, stored)
    tagged = await store.tag_interaction(interaction_id, tags)
    if tagged is None:
        raise rpc.NotFound(f"no stored interaction {interaction}")
    return tagged
