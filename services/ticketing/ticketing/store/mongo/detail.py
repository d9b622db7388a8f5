"""A ticket's detail page on MongoDB: the ticket, then its interactions and sub-tickets side
by side, then every author's person and kept groups with one ``$in`` look-up each (no
multi-collection snapshot on MongoDB: each part is as of its own read, as before)."""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

from pymongo import ASCENDING

from ticketing.domain.persons import identity_key
from ticketing.store.codec import merged_groups, ticket_from_doc, ticket_reads_from_docs
from ticketing.store.detail_interactions import interactions_of_detail
from ticketing.store.mongo.documents import NUMBERED, TICKET_FIELDS, Collections
from ticketing.store.port import StoredDetail


class MongoDetail:
    def __init__(self, collections: Collections) -> None:
        self._c = collections

    async def read(self, ref: UUID | str) -> StoredDetail | None:
        query = {"_id": str(ref), **NUMBERED} if isinstance(ref, UUID) else {"protocol": ref}
        doc = await self._c.tickets.find_one(query, TICKET_FIELDS)
        if doc is None:
            return None
        rows, children = await asyncio.gather(
            self._interactions(doc["id"]), self._children(doc["id"])
        )
        bodies = [
            (r["body"], identity_key(r["search"]["channel"], r["search"]["author"])) for r in rows
        ]
        groups = await self._groups({key for _, key in bodies})
        read, *child_reads = ticket_reads_from_docs([doc, *children])
        interactions = interactions_of_detail(bodies, doc["id"], groups)
        return StoredDetail(
            ticket_from_doc(doc), read, interactions.models, child_reads, interactions.json
        )

    async def _interactions(self, ticket_id: str) -> list[dict[str, Any]]:
        cursor = self._c.interactions.find(
            {"ticket_id": ticket_id}, {"body": 1, "search.channel": 1, "search.author": 1}
        ).sort([("occurred_at", ASCENDING), ("id", ASCENDING)])
        return [doc async for doc in cursor]

    async def _children(self, ticket_id: str) -> list[dict[str, Any]]:
        cursor = self._c.tickets.find({"parent_id": ticket_id, **NUMBERED}, TICKET_FIELDS).sort(
            [("opened_at", ASCENDING), ("_id", ASCENDING)]
        )
        return [doc async for doc in cursor]

    async def _groups(self, keys: set[str]) -> dict[str, list[str]]:
        """The authors' people (identity -> person, then the people) and kept groups, each
        one ``$in`` query over every author."""
        if not keys:
            return {}
        wanted = sorted(keys)
        held, kept = await asyncio.gather(
            self._c.person_identities.find({"_id": {"$in": wanted}}).to_list(None),
            self._c.directory.find(
                {"_id": {"$in": [f"author:{k}" for k in wanted]}}, {"key": 1, "body.groups": 1}
            ).to_list(None),
        )
        people = {
            doc["_id"]: doc["body"].get("groups") or []
            async for doc in self._c.people.find(
                {"_id": {"$in": sorted({h["person_id"] for h in held})}}, {"body.groups": 1}
            )
        }
        return merged_groups(
            {h["_id"]: people.get(h["person_id"], []) for h in held},
            {d["key"]: (d.get("body") or {}).get("groups") or [] for d in kept},
        )
