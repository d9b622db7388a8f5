"""Directory entries, agents' loads and the most-available lease on MongoDB."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from servicekit.clock import Clock
from ticketing.domain.assignment import FINISHED_STATUSES
from ticketing.store.directory import PIN_SECONDS, Entries, Entry, Gets, Kind, LevelDeletion
from ticketing.store.mongo.documents import Collections

log = logging.getLogger(__name__)

ASSIGNMENT_LOCK_SECONDS = 5.0
"""How long a crashed holder can block the next assignment among the same agents."""


class MongoDirectory:
    def __init__(self, collections: Collections, clock: Clock) -> None:
        self._directory = collections.directory
        self._tickets = collections.tickets
        self._locks = collections.locks
        self._clock = clock

    async def create_entry(self, kind: Kind, key: str, body: dict[str, Any]) -> bool:
        try:
            await self._directory.insert_one(
                {"_id": f"{kind}:{key}", "kind": kind, "key": key, "body": body, "revision": 1}
            )
        except DuplicateKeyError:
            return False
        return True

    async def replace_entry(
        self, kind: Kind, key: str, body: dict[str, Any], *, expected_revision: int | None = None
    ) -> int | None:
        """The revision is in the update's filter: the comparison and the write are one atomic
        document update. An entry stored before revisions has none, read as 0."""
        match: dict[str, Any] = {"_id": f"{kind}:{key}"}
        if expected_revision is not None:
            match["revision"] = expected_revision if expected_revision else {"$in": [0, None]}
        doc = await self._directory.find_one_and_update(
            match,
            {"$set": {"body": body}, "$inc": {"revision": 1}},
            projection={"revision": True},
            return_document=ReturnDocument.AFTER,
        )
        return int(doc["revision"]) if doc else None

    async def get_entry(self, kind: Kind, key: str) -> dict[str, Any] | None:
        doc = await self._directory.find_one({"_id": f"{kind}:{key}"})
        return dict(doc["body"]) if doc else None

    async def read_entry(self, kind: Kind, key: str) -> Entry | None:
        doc = await self._directory.find_one({"_id": f"{kind}:{key}"})
        return Entry(dict(doc["body"]), int(doc.get("revision") or 0)) if doc else None

    async def read_entries(self, kind: Kind) -> list[Entry]:
        cursor = self._directory.find({"kind": kind}).sort([("key", ASCENDING)])
        return [Entry(dict(doc["body"]), int(doc.get("revision") or 0)) async for doc in cursor]

    async def list_entries(self, kind: Kind) -> list[dict[str, Any]]:
        cursor = self._directory.find({"kind": kind}).sort([("key", ASCENDING)])
        return [dict(doc["body"]) async for doc in cursor]

    async def read_directory(self, gets: Gets, kinds: Sequence[Kind]) -> Entries:
        found = [await self.get_entry(kind, key) for kind, key in gets]
        every: dict[Kind, dict[str, Entry]] = {}
        for kind in kinds:
            cursor = self._directory.find({"kind": kind}).sort([("key", ASCENDING)])
            every[kind] = {
                doc["key"]: Entry(dict(doc["body"]), int(doc.get("revision") or 0))
                async for doc in cursor
            }
        return found, every

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

    async def _agents_on_level(self, level: str) -> tuple[str, ...]:
        cursor = self._directory.find(
            {"kind": "agent", "body.levels": level}, projection={"key": True}
        ).sort([("key", ASCENDING)])
        return tuple([doc["key"] async for doc in cursor])

    async def _open_on_level(self, level: str) -> int:
        """Tickets on the desk (not removed) still needing work on the level: step 2 of
        ``delete_level``."""
        return int(
            await self._tickets.count_documents(
                {
                    "level": level,
                    "status": {"$nin": sorted(FINISHED_STATUSES)},
                    "removed": False,
                    "protocol": {"$type": "string"},
                }
            )
        )

    async def delete_level(self, level: str) -> LevelDeletion:
        """MongoDB here has no multi-document transaction, so the level's own document
        carries the guard, changed only by single-document atomic updates:

        1. mark it ``deleting`` (with a token), only while no live pin is on it: from then on
           ``pin_level`` refuses it, so no ticket or agent is put on it any more, and every
           one put on it before has been written (its pin was released after its write);
        2. find the agents naming it and count the open tickets on it: they are all there
           to be found;
        3. none: delete the document, only if it still carries this mark; some: take the mark
           off and keep the level.

        A mark (and a pin) runs out after ``PIN_SECONDS``, so a crashed deleter does not block
        the level for ever; step 3's delete also demands that no live pin is on it."""
        key = {"_id": f"level:{level}"}
        token = uuid.uuid4().hex
        now = self._clock()
        marked = await self._directory.find_one_and_update(
            {**key, "$and": [_unpinned(now), _unmarked(now)]},
            {"$set": {"deleting": {"by": token, "until": now + timedelta(seconds=PIN_SECONDS)}}},
            projection={"_id": True},
        )
        if marked is None:
            found = await self._directory.find_one(key, projection={"_id": True})
            return LevelDeletion("missing" if found is None else "busy")
        mine = {**key, "deleting.by": token}
        agents = await self._agents_on_level(level)
        if agents:
            await self._directory.update_one(mine, {"$unset": {"deleting": ""}})
            return LevelDeletion("agents", agents=agents)
        waiting = await self._open_on_level(level)
        if not waiting:
            deleted = await self._directory.delete_one({**mine, **_unpinned(self._clock())})
            if deleted.deleted_count == 1:
                return LevelDeletion("deleted")
        await self._directory.update_one(mine, {"$unset": {"deleting": ""}})
        return LevelDeletion("open", waiting) if waiting else LevelDeletion("busy")

    async def pin_level(self, level: str) -> str | None:
        """A counter of pins with the time the newest runs out: a crashed holder's pin stops
        counting once that time has passed."""
        now = self._clock()
        doc = await self._directory.find_one_and_update(
            {"_id": f"level:{level}", **_unmarked(now)},
            {
                "$inc": {"pins": 1},
                "$max": {"pinned_until": now + timedelta(seconds=PIN_SECONDS)},
            },
            projection={"_id": True},
        )
        return uuid.uuid4().hex if doc is not None else None

    async def unpin_level(self, level: str, pin: str) -> None:
        await self._directory.update_one(
            {"_id": f"level:{level}", "pins": {"$gt": 0}}, {"$inc": {"pins": -1}}
        )

    async def hold_assignment_lock(self, agents: Sequence[str], holder: str) -> str | None:
        """Serialise "most available" choices among the same agents across replicas (MongoDB
        has no write transaction to read loads in): a lease document per agent set, taken
        with an atomic upsert and released after the ticket is written. The lease runs out
        by the store's clock. Returns the lock's name, or None when it could not be had
        within the lease time of waiting (then the choice is made anyway: an uneven
        assignment is better than a ticket that never opens)."""
        name = "assign:" + hashlib.sha1(",".join(sorted(set(agents))).encode()).hexdigest()
        deadline = asyncio.get_running_loop().time() + ASSIGNMENT_LOCK_SECONDS
        while True:
            now = self._clock()
            try:
                await self._locks.find_one_and_update(
                    {"_id": name, "until": {"$lt": now}},
                    {
                        "$set": {
                            "holder": holder,
                            "until": now + timedelta(seconds=ASSIGNMENT_LOCK_SECONDS),
                        }
                    },
                    upsert=True,
                )
                return name
            except DuplicateKeyError:
                pass  # held and not expired: the upsert's insert clashed with it
            if asyncio.get_running_loop().time() > deadline:
                log.warning("assignment lock %s still held; choosing without it", name)
                return None
            await asyncio.sleep(0.01)

    async def release_assignment_lock(self, name: str | None, holder: str) -> None:
        if name is not None:
            await self._locks.delete_one({"_id": name, "holder": holder})


def _unpinned(now: datetime) -> dict[str, Any]:
    return {
        "$or": [{"pins": {"$not": {"$gt": 0}}}, {"pinned_until": {"$lt": now}}],
    }


def _unmarked(now: datetime) -> dict[str, Any]:
    return {"$or": [{"deleting": None}, {"deleting.until": {"$lt": now}}]}
