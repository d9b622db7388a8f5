"""Bring documents written by an earlier version up to the current shape when the store
opens: fields that became filters move out of ``extra`` (tickets) and interactions gain
the trigrams their text search uses. Each step only touches documents still lacking the
field, so it is quick once done and safe when replicas start together."""

from __future__ import annotations

from ticketing.domain import search
from ticketing.store.codec import interaction_from_body, list_row
from ticketing.store.mongo.documents import TICKET_FIELDS, Collections
from ticketing.store.mongo.interactions import trigrams


async def upgrade(collections: Collections) -> None:
    tickets = collections.tickets
    async for doc in tickets.find({"removed": {"$exists": False}}, {"extra": 1}):
        extra = doc.get("extra") or {}
        await tickets.update_one(
            {"_id": doc["_id"], "removed": {"$exists": False}},
            {
                "$set": {
                    "removed": bool(extra.get("removed", False)),
                    "parent_id": extra.get("parent_id"),
                },
                "$unset": {"list_row": ""},  # written again below
            },
        )
    interactions = collections.interactions
    async for doc in interactions.find({"search.grams": {"$exists": False}}, {"search": 1}):
        text = (doc.get("search") or {}).get("text") or ""
        await interactions.update_one(
            {"_id": doc["_id"]}, {"$set": {"search.grams": trigrams(text)}}
        )
    # Full-text search's words (search.py): titles' and texts' folded words.
    async for doc in tickets.find({"title_words": {"$exists": False}}, {"title": 1}):
        await tickets.update_one(
            {"_id": doc["_id"]}, {"$set": {"title_words": search.words(doc.get("title") or "")}}
        )
    async for doc in interactions.find({"search.words": {"$exists": False}}, {"search": 1}):
        text = (doc.get("search") or {}).get("text") or ""
        await interactions.update_one(
            {"_id": doc["_id"]}, {"$set": {"search.words": search.words(text)}}
        )
    # Kind, scope and direction of the interaction that opened each older ticket (its
    # earliest), which the list filters on; sub-tickets of their own have none.
    async for doc in tickets.find(
        {"extra.kind": {"$exists": False}, "parent_id": None, "protocol": {"$type": "string"}},
        {"_id": 1},
    ):
        first = await interactions.find_one(
            {"ticket_id": doc["_id"]}, {"body": 1}, sort=[("occurred_at", 1), ("id", 1)]
        )
        if first is None:
            continue
        interaction = interaction_from_body(first["body"], None).interaction
        await tickets.update_one(
            {"_id": doc["_id"]},
            {
                "$set": {
                    "extra.kind": interaction.kind.value,
                    "extra.scope": interaction.visibility.value,
                    "extra.direction": interaction.direction.value,
                },
                "$unset": {"list_row": ""},  # written again below
            },
        )
    # The list's row of every numbered ticket without one (codec.list_row): written before
    # rows were kept, or changed by a step above (which must unset it).
    async for doc in tickets.find(
        {"list_row": {"$exists": False}, "protocol": {"$type": "string"}}, TICKET_FIELDS
    ):
        await tickets.update_one(
            {"_id": doc["_id"], "version": doc["version"]},
            {"$set": {"list_row": list_row(doc)}},
        )
