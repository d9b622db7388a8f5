"""Full-text search over tickets and interactions (docs/api.md "Search"): the store finds
and ranks, this marks the matched words. An agent finds only what they may see."""

from __future__ import annotations

from uuid import UUID

from contracts.rpc import Caller
from contracts.views import SearchHit, SearchQuery, SearchResults
from ticketing.domain import search
from ticketing.shared import access
from ticketing.store.port import TicketStore


async def search_desk(*, store: TicketStore, query: SearchQuery, caller: Caller) -> SearchResults:
    visible = await access.interaction_visibility(store, caller)
    matches = await store.search(query.q, visible=visible, limit=query.limit)
    words = search.words(query.q)
    return SearchResults(
        q=query.q,
        items=[
            SearchHit(
                kind=m.kind,
                id=UUID(m.ref),
                ticket_id=UUID(m.ticket_id) if m.ticket_id else None,
                protocol=m.protocol,
                interaction_id=UUID(m.ref) if m.kind == "interaction" else None,
                field="title" if m.kind == "ticket" else "text",
                highlight=search.highlight(m.text, words),
                score=round(m.score, 6),
            )
            for m in matches
        ],
    )
