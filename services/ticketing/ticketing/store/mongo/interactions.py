"""Stored interactions on MongoDB. The interaction is kept as JSON text (``raw`` is the
network's payload and may hold keys MongoDB refuses), so the fields agents filter on are
copied beside it (``search``) when it is recorded."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from typing import Any
from uuid import UUID

from pymongo import ASCENDING, DESCENDING
from pymongo.errors import DuplicateKeyError

from contracts.interaction import Interaction
from contracts.rules import TriageDecision
from contracts.tickets import COUNT_LIMIT, InteractionQuery, StoredInteraction
from ticketing.domain import search
from ticketing.domain.access import Visibility
from ticketing.domain.persons import PersonRecord
from ticketing.domain.tickets import merge_tags
from ticketing.store.codec import (
    decision_body,
    decision_from_body,
    interaction_body,
    interaction_from_body,
    iso,
)
from ticketing.store.mongo.documents import Collections
from ticketing.store.mongo.people import MongoPeople
from ticketing.store.port import AlreadyRecorded, Collected, Listing, Recording

MIN_INDEXED_TEXT = 3
VISIBILITY_BATCH = 500
"""Interactions read per look-up of their tickets when an agent's view is filtered."""


def trigrams(text: str) -> list[str]:
    """The distinct three-character pieces of the lower-cased text. A text contains a
    substring only if it holds every trigram of it, so an index over them finds the
    candidates of ``?text=`` (a substring, any case) and the regex confirms them. MongoDB's
    own text index would match stemmed words instead, a different meaning."""
    lowered = text.lower()
    return sorted({lowered[i : i + 3] for i in range(len(lowered) - 2)})


def search_fields(interaction: Interaction, *, searchable: bool = True) -> dict[str, Any]:
    """``searchable`` false (removed on its network): out of full-text search."""
    return {
        "words": search.words(interaction.text) if searchable else [],
        "channel": interaction.channel.value,
        "kind": interaction.kind.value,
        "account": interaction.account,
        "author": interaction.author.id,
        "text": interaction.text.lower(),
        "grams": trigrams(interaction.text),
    }


def _stored(doc: dict[str, Any]) -> StoredInteraction:
    return interaction_from_body(doc["body"], doc["ticket_id"])


class MongoInteractions:
    def __init__(self, collections: Collections, people: MongoPeople) -> None:
        self._interactions = collections.interactions
        self._tickets = collections.tickets
        self._people = people

    async def record_interaction(
        self,
        stored: StoredInteraction,
        *,
        thread_key: str,
        decision: TriageDecision | None = None,
        author: PersonRecord | None = None,
    ) -> StoredInteraction:
        # The author first: no multi-document transaction, and a stored interaction always
        # has its author's person.
        await self._people.make_new(author)
        key = stored.interaction.key
        # Insert if absent (seen before: the stored one wins).
        with contextlib.suppress(DuplicateKeyError):
            await self._interactions.insert_one(
                {
                    "_id": key,
                    "id": str(stored.id),
                    "ticket_id": None,
                    "thread_key": thread_key,
                    "occurred_at": iso(stored.interaction.occurred_at),
                    "received_at": iso(stored.received_at),
                    "body": stored.model_dump_json(),
                    "search": search_fields(stored.interaction),
                    "decision": decision_body(decision),
                }
            )
        doc = await self._interactions.find_one({"_id": key})
        if doc is None:  # the clash was on the id, not on the key: a caller bug
            raise RuntimeError(f"interaction {stored.id} is already stored under another key")
        return _stored(doc)

    async def record_new(self, recording: Recording | None) -> None:
        """A ticket write's Recording, stored before it (no multi-document transactions):
        a ticket write refused afterwards leaves it stored, unticketed, and the retry that
        follows finds it there, as when triage recorded it in a step of its own."""
        if recording is None:
            return
        stored = await self.record_interaction(
            recording.stored,
            thread_key=recording.thread_key,
            decision=recording.decision,
            author=recording.author,
        )
        if stored.id != recording.stored.id:
            raise AlreadyRecorded(recording.stored.interaction.key)

    async def interaction_by_key(self, key: str) -> StoredInteraction | None:
        doc = await self._interactions.find_one({"_id": key})
        return _stored(doc) if doc else None

    async def interactions_of(self, ticket_id: UUID) -> list[StoredInteraction]:
        cursor = self._interactions.find({"ticket_id": str(ticket_id)}).sort(
            [("occurred_at", ASCENDING), ("id", ASCENDING)]
        )
        return [_stored(doc) async for doc in cursor]

    async def get_interaction(self, interaction_id: UUID) -> StoredInteraction | None:
        doc = await self._interactions.find_one({"id": str(interaction_id)})
        return _stored(doc) if doc else None

    async def list_interactions(
        self, query: InteractionQuery, visible: Visibility | None = None
    ) -> Listing[StoredInteraction]:
        where: dict[str, Any] = {}
        if visible is not None:
            # Without a ticket, the account decides (an index can); with one, its ticket does,
            # which lives in another collection: checked below, page by page.
            where["$or"] = [
                {"ticket_id": {"$ne": None}},
                {"search.account": {"$in": list(visible.accounts)}},
            ]
        for name in ("channel", "kind", "account", "author"):
            values = [str(v) for v in getattr(query, name)]
            if values:
                where[f"search.{name}"] = {"$in": values}
        if query.text:
            where["search.text"] = {"$regex": re.escape(query.text.lower())}
            if len(query.text) >= MIN_INDEXED_TEXT:
                where["search.grams"] = {"$all": trigrams(query.text)}
        if query.has_ticket is not None:
            where["ticket_id"] = {"$ne": None} if query.has_ticket else None
        occurred: dict[str, str] = {}
        if query.occurred_from is not None:
            occurred["$gte"] = iso(query.occurred_from)
        if query.occurred_to is not None:
            occurred["$lt"] = iso(query.occurred_to)
        if occurred:
            where["occurred_at"] = occurred
        if visible is not None:
            return await self._visible_page(where, query, visible)
        total = await self._interactions.count_documents(where, limit=COUNT_LIMIT + 1)
        cursor = (
            self._interactions.find(where)
            .sort([("occurred_at", DESCENDING), ("id", DESCENDING)])
            .skip((query.page - 1) * query.page_size)
            .limit(query.page_size)
        )
        items = [_stored(doc) async for doc in cursor]
        return Listing(items, min(total, COUNT_LIMIT), total <= COUNT_LIMIT)

    async def _visible_page(
        self, where: dict[str, Any], query: InteractionQuery, visible: Visibility
    ) -> Listing[StoredInteraction]:
        """The matches in order, keeping those whose ticket the agent sees, a batch of
        tickets looked up at a time; counted up to COUNT_LIMIT like every list. Asking for
        the ids of every ticket the agent sees instead would grow with the level's history
        (and a ``distinct`` answer is capped at 16 MB)."""
        start = (query.page - 1) * query.page_size
        end = start + query.page_size
        enough = max(end, COUNT_LIMIT + 1)
        items: list[StoredInteraction] = []
        counted = 0
        cursor = (
            self._interactions.find(where)
            .sort([("occurred_at", DESCENDING), ("id", DESCENDING)])
            .batch_size(VISIBILITY_BATCH)
        )
        batch: list[dict[str, Any]] = []
        try:
            async for doc in cursor:
                batch.append(doc)
                if len(batch) < VISIBILITY_BATCH:
                    continue
                counted = await self._keep_visible(batch, visible, counted, start, end, items)
                batch = []
                if counted >= enough:
                    break
        finally:
            await cursor.close()  # left early: the server need not keep the rest
        if batch and counted < enough:
            counted = await self._keep_visible(batch, visible, counted, start, end, items)
        return Listing(items, min(counted, COUNT_LIMIT), counted <= COUNT_LIMIT)

    async def _keep_visible(
        self,
        batch: list[dict[str, Any]],
        visible: Visibility,
        counted: int,
        start: int,
        end: int,
        items: list[StoredInteraction],
    ) -> int:
        ticket_ids = list({doc["ticket_id"] for doc in batch if doc["ticket_id"] is not None})
        seen = set()
        if ticket_ids:
            mine = [{"assignee": visible.agent}, {"level": {"$in": list(visible.levels)}}]
            seen = set(
                await self._tickets.distinct("_id", {"_id": {"$in": ticket_ids}, "$or": mine})
            )
        for doc in batch:
            if doc["ticket_id"] is None or doc["ticket_id"] in seen:
                if start <= counted < end:
                    items.append(_stored(doc))
                counted += 1
        return counted

    async def tag_interaction(
        self, interaction_id: UUID, tags: list[str]
    ) -> StoredInteraction | None:
        for _ in range(10):
            doc = await self._interactions.find_one({"id": str(interaction_id)})
            if doc is None:
                return None
            stored = _stored(doc)
            tagged = stored.model_copy(update={"tags": list(merge_tags(tuple(stored.tags), tags))})
            # Compare-and-set on the body: a concurrent tagger's change is read again.
            result = await self._interactions.update_one(
                {"_id": doc["_id"], "body": doc["body"]},
                {"$set": {"body": interaction_body(tagged)}},
            )
            if result.matched_count == 1:
                return tagged
        raise RuntimeError(f"interaction {interaction_id} kept changing while being tagged")

    async def change_interaction(
        self, key: str, change: Callable[[StoredInteraction], StoredInteraction | None]
    ) -> tuple[StoredInteraction, StoredInteraction | None] | None:
        for _ in range(10):
            doc = await self._interactions.find_one({"_id": key})
            if doc is None:
                return None
            before = _stored(doc)
            after = change(before)
            if after is None:
                return before, None
            # Compare-and-set on the body, as tagging does: a concurrent writer is read again.
            result = await self._interactions.update_one(
                {"_id": key, "body": doc["body"]},
                {
                    "$set": {
                        "body": interaction_body(after),
                        "search": search_fields(
                            after.interaction, searchable=after.removed_at is None
                        ),
                    }
                },
            )
            if result.matched_count == 1:
                return before, after
        raise RuntimeError(f"interaction {key} kept changing while being changed")

    async def take(self, interaction_id: UUID, ticket_id: str) -> bool:
        """Attach the interaction unless a ticket holds it already."""
        result = await self._interactions.update_one(
            {"id": str(interaction_id), "ticket_id": None}, {"$set": {"ticket_id": ticket_id}}
        )
        return bool(result.modified_count == 1)

    async def give_back(self, interaction_id: UUID | None, ticket_id: str) -> None:
        if interaction_id is not None:
            await self._interactions.update_one(
                {"id": str(interaction_id), "ticket_id": ticket_id}, {"$set": {"ticket_id": None}}
            )

    async def collect(self, thread_key: str, ticket_id: str) -> list[Collected]:
        """Attach every unticketed interaction of the conversation; the ticket's interactions,
        oldest first, each with its kept decision. The ticket is not numbered yet, so what it
        holds is what it took here and the interaction it took before."""
        await self._interactions.update_many(
            {"ticket_id": None, "thread_key": thread_key}, {"$set": {"ticket_id": ticket_id}}
        )
        cursor = self._interactions.find(
            {"ticket_id": ticket_id}, {"body": 1, "ticket_id": 1, "decision": 1}
        ).sort([("occurred_at", ASCENDING), ("id", ASCENDING)])
        return [Collected(_stored(d), decision_from_body(d.get("decision"))) async for d in cursor]

    async def move(self, source_id: str, target_id: str) -> int:
        """Move every interaction of one ticket to another; how many the target has."""
        await self._interactions.update_many(
            {"ticket_id": source_id}, {"$set": {"ticket_id": target_id}}
        )
        return await self._interactions.count_documents({"ticket_id": target_id})
