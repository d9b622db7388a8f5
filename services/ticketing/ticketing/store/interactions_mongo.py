"""Finding and tagging stored interactions on MongoDB (mixed into MongoTicketStore). The
interaction is kept as JSON text, so the fields agents filter on are copied beside it
(``search``) when it is recorded."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from pymongo import ASCENDING, DESCENDING

from contracts.interaction import Interaction
from contracts.tickets import InteractionQuery, StoredInteraction
from ticketing.domain.tickets import merge_tags
from ticketing.store.codec import iso


def search_fields(interaction: Interaction) -> dict[str, Any]:
    return {
        "channel": interaction.channel.value,
        "kind": interaction.kind.value,
        "account": interaction.account,
        "author": interaction.author.id,
        "text": interaction.text.lower(),
    }


def _stored(doc: dict[str, Any]) -> StoredInteraction:
    return StoredInteraction.model_validate_json(doc["body"]).model_copy(
        update={"ticket_id": UUID(doc["ticket_id"]) if doc["ticket_id"] else None}
    )


class MongoInteractions:
    _interactions: Any

    async def _open_interactions(self) -> None:
        await self._interactions.create_index([("occurred_at", DESCENDING), ("id", ASCENDING)])

    async def get_interaction(self, interaction_id: UUID) -> StoredInteraction | None:
        doc = await self._interactions.find_one({"id": str(interaction_id)})
        return _stored(doc) if doc else None

    async def list_interactions(
        self, query: InteractionQuery
    ) -> tuple[list[StoredInteraction], int]:
        where: dict[str, Any] = {}
        for name in ("channel", "kind", "account", "author"):
            values = [str(v) for v in getattr(query, name)]
            if values:
                where[f"search.{name}"] = {"$in": values}
        if query.text:
            where["search.text"] = {"$regex": re.escape(query.text.lower())}
        if query.has_ticket is not None:
            where["ticket_id"] = {"$ne": None} if query.has_ticket else None
        occurred: dict[str, str] = {}
        if query.occurred_from is not None:
            occurred["$gte"] = iso(query.occurred_from)
        if query.occurred_to is not None:
            occurred["$lt"] = iso(query.occurred_to)
        if occurred:
            where["occurred_at"] = occurred
        total = await self._interactions.count_documents(where)
        cursor = (
            self._interactions.find(where)
            .sort([("occurred_at", DESCENDING), ("id", ASCENDING)])
            .skip((query.page - 1) * query.page_size)
            .limit(query.page_size)
        )
        return [_stored(doc) async for doc in cursor], total

    async def tag_interaction(
        self, interaction_id: UUID, tags: list[str]
    ) -> StoredInteraction | None:
        for _ in range(10):
            doc = await self._interactions.find_one({"id": str(interaction_id)})
            if doc is None:
                return None
            stored = _stored(doc)
            tagged = stored.model_copy(update={"tags": list(merge_tags(tuple(stored.tags), tags))})
            body = tagged.model_copy(update={"ticket_id": None}).model_dump_json()
            # Compare-and-set on the body: a concurrent tagger's change is read again.
            result = await self._interactions.update_one(
                {"_id": doc["_id"], "body": doc["body"]}, {"$set": {"body": body}}
            )
            if result.matched_count == 1:
                return tagged
        raise RuntimeError(f"interaction {interaction_id} kept changing while being tagged")
