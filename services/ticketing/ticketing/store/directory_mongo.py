"""Directory entries and agents' loads on MongoDB (mixed into MongoTicketStore)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from ticketing.domain.assignment import FINISHED_STATUSES
from ticketing.store.directory import Kind


class MongoDirectory:
    _directory: Any
    _tickets: Any

    async def _open_directory(self) -> None:
        await self._directory.create_index([("kind", ASCENDING), ("key", ASCENDING)])
        await self._tickets.create_index([("assignee", ASCENDING), ("status", ASCENDING)])

    async def create_entry(self, kind: Kind, key: str, body: dict[str, Any]) -> bool:
        try:
            await self._directory.insert_one(
                {"_id": f"{kind}:{key}", "kind": kind, "key": key, "body": body}
            )
        except DuplicateKeyError:
            return False
        return True

    async def replace_entry(self, kind: Kind, key: str, body: dict[str, Any]) -> bool:
        result = await self._directory.update_one(
            {"_id": f"{kind}:{key}"}, {"$set": {"body": body}}
        )
        return bool(result.matched_count == 1)

    async def get_entry(self, kind: Kind, key: str) -> dict[str, Any] | None:
        doc = await self._directory.find_one({"_id": f"{kind}:{key}"})
        return dict(doc["body"]) if doc else None

    async def list_entries(self, kind: Kind) -> list[dict[str, Any]]:
        cursor = self._directory.find({"kind": kind}).sort([("key", ASCENDING)])
        return [dict(doc["body"]) async for doc in cursor]

    async def delete_entry(self, kind: Kind, key: str) -> bool:
        result = await self._directory.delete_one({"_id": f"{kind}:{key}"})
        return bool(result.deleted_count == 1)

    async def open_ticket_counts(self, agents: Sequence[str]) -> dict[str, int]:
        counts = dict.fromkeys(agents, 0)
        for agent in agents:
            counts[agent] = await self._tickets.count_documents(
                {
                    "assignee": agent,
                    "status": {"$nin": sorted(FINISHED_STATUSES)},
                    "protocol": {"$type": "string"},
                }
            )
        return counts
