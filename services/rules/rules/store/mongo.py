"""The rule store on MongoDB (PyMongo's async API).

Rules are documents ordered by ``position``, taken from a counter so that concurrent
creations never share one. The ``revision`` counter document is bumped after every change
(a standalone MongoDB has no multi-document transactions): a replica that reads the new
revision therefore always reads the change with it. If a process dies between the change and
the bump, replicas pick the change up with the next one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from contracts.events import DigestItem
from contracts.interaction import Interaction
from contracts.rules import RuleChange, RuleDefinition, RuleRead
from rules.store.port import DigestEntry, DigestWindow, LoggedInteraction, instant
from servicekit.clock import Clock, system_clock
from servicekit.mongo import connect

REVISION = "revision"
POSITION = "position"


def _rule(doc: dict[str, Any]) -> RuleRead:
    definition = RuleDefinition.model_validate(doc["definition"])
    return RuleRead(
        **definition.model_dump(),
        id=UUID(doc["_id"]),
        version=doc["version"],
        # ISO text, like the SQLite store: BSON dates would cut the microseconds.
        created_at=datetime.fromisoformat(doc["created_at"]),
        updated_at=datetime.fromisoformat(doc["updated_at"]),
    )


class MongoRuleStore:
    backend = "mongodb"

    def __init__(
        self,
        url: str,
        *,
        database: str = "socialdesk_rules",
        client: Any = None,
        clock: Clock = system_clock,
    ) -> None:
        self._clock = clock
        if client is None:
            self._client, db = connect(url, database)
        else:
            self._client, db = client, client[database]
        self._rules = db["rules"]
        self._counters = db["counters"]
        self._changes = db["rule_changes"]
        self._log = db["interaction_log"]
        self._windows = db["digest_windows"]
        self._items = db["digest_items"]
        self._author_groups = db["author_groups"]

    async def author_groups(self, identity: str) -> list[str]:
        doc = await self._author_groups.find_one({"_id": identity})
        return list(doc["groups"]) if doc else []

    async def keep_author_groups(self, identity: str, groups: list[str], *, at: datetime) -> None:
        # A newer announcement is kept: the filter misses it and the upsert's insert clashes.
        with contextlib.suppress(DuplicateKeyError):
            await self._author_groups.update_one(
                {"_id": identity, "at": {"$lte": instant(at)}},
                {"$set": {"groups": groups, "at": instant(at)}},
                upsert=True,
            )

    async def open(self) -> None:
        await self._rules.create_index([("position", ASCENDING), ("_id", ASCENDING)])
        await self._changes.create_index([("rule_id", ASCENDING), ("seq", ASCENDING)])
        await self._log.create_index([("occurred_at", ASCENDING), ("_id", ASCENDING)])
        await self._log.create_index([("received_at", ASCENDING)])
        await self._windows.create_index([("sent_at", ASCENDING), ("window_end", ASCENDING)])
        await self._items.create_index([("window", ASCENDING), ("occurred_at", ASCENDING)])

    async def ping(self) -> None:
        await self._client.admin.command("ping")

    async def close(self) -> None:
        await self._client.close()

    async def revision(self) -> int:
        doc = await self._counters.find_one({"_id": REVISION})
        return int(doc["value"]) if doc else 0

    async def list_rules(self) -> list[RuleRead]:
        cursor = self._rules.find().sort([("position", ASCENDING), ("_id", ASCENDING)])
        return [_rule(doc) async for doc in cursor]

    async def get_rule(self, rule_id: UUID) -> RuleRead | None:
        doc = await self._rules.find_one({"_id": str(rule_id)})
        return _rule(doc) if doc else None

    async def create_rule(self, definition: RuleDefinition, *, actor: str = "system") -> RuleRead:
        now = self._clock().isoformat()
        doc = {
            "_id": str(uuid4()),
            "position": await self._next(POSITION),
            "version": 1,
            "definition": definition.model_dump(mode="json"),
            "created_at": now,
            "updated_at": now,
        }
        await self._rules.insert_one(doc)
        await self._audit(doc["_id"], 1, "created", actor, now, None, doc["definition"])
        await self._next(REVISION)
        return _rule(doc)

    async def replace_rule(
        self, rule_id: UUID, definition: RuleDefinition, *, actor: str = "system"
    ) -> RuleRead | None:
        now = self._clock().isoformat()
        before = await self._rules.find_one_and_update(
            {"_id": str(rule_id)},
            {
                "$set": {
                    "definition": definition.model_dump(mode="json"),
                    "updated_at": now,
                },
                "$inc": {"version": 1},
            },
            return_document=ReturnDocument.BEFORE,
        )
        if before is None:
            return None
        after = {
            **before,
            "definition": definition.model_dump(mode="json"),
            "updated_at": now,
            "version": before["version"] + 1,
        }
        await self._audit(
            after["_id"],
            after["version"],
            "replaced",
            actor,
            now,
            before["definition"],
            after["definition"],
        )
        await self._next(REVISION)
        return _rule(after)

    async def delete_rule(self, rule_id: UUID, *, actor: str = "system") -> bool:
        doc = await self._rules.find_one_and_delete({"_id": str(rule_id)})
        if doc is None:
            return False
        now = self._clock().isoformat()
        await self._audit(
            doc["_id"], doc["version"], "deleted", actor, now, doc["definition"], None
        )
        await self._next(REVISION)
        return True

    async def history(self, rule_id: UUID) -> list[RuleChange]:
        cursor = self._changes.find({"rule_id": str(rule_id)}).sort([("seq", ASCENDING)])
        return [
            RuleChange(
                rule_id=UUID(doc["rule_id"]),
                version=doc["version"],
                action=doc["action"],
                actor=doc["actor"],
                at=datetime.fromisoformat(doc["at"]),
                before=RuleDefinition.model_validate(doc["before"]) if doc["before"] else None,
                after=RuleDefinition.model_validate(doc["after"]) if doc["after"] else None,
            )
            async for doc in cursor
        ]

    async def _audit(
        self,
        rule_id: str,
        version: int,
        action: str,
        actor: str,
        at: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        # Unique per (rule, version, action): a retried write cannot log a change twice.
        await self._changes.update_one(
            {"_id": f"{rule_id}:{version}:{action}"},
            {
                "$setOnInsert": {
                    "rule_id": rule_id,
                    "seq": await self._next(f"changes:{rule_id}"),
                    "version": version,
                    "action": action,
                    "actor": actor,
                    "at": at,
                    "before": before,
                    "after": after,
                }
            },
            upsert=True,
        )

    async def log_interaction(
        self, entry: LoggedInteraction, digests: Sequence[DigestEntry] = ()
    ) -> None:
        # No multi-document transaction on a standalone server: items go in before their
        # window, so a window that can be claimed always has its items.
        for digest in digests:
            await self._add_to_window(digest)
        # Times as fixed-width UTC text, like the SQLite store: text order is time order.
        await self._log.update_one(
            {"_id": entry.interaction.key},
            {
                "$setOnInsert": {
                    "occurred_at": instant(entry.interaction.occurred_at),
                    "received_at": instant(entry.received_at),
                    "body": entry.body(),
                }
            },
            upsert=True,
        )

    async def logged_between(
        self, since: datetime, until: datetime, *, after: tuple[str, str] | None, limit: int
    ) -> list[LoggedInteraction]:
        low, low_key = after or (instant(since), "")
        query = {
            "occurred_at": {"$gte": instant(since), "$lt": instant(until)},
            "$or": [
                {"occurred_at": {"$gt": low}},
                {"occurred_at": low, "_id": {"$gt": low_key}},
            ],
        }
        cursor = (
            self._log.find(query)
            .sort([("occurred_at", ASCENDING), ("_id", ASCENDING)])
            .limit(limit)
        )
        return [
            LoggedInteraction(
                interaction=Interaction.model_validate_json(doc["body"]),
                received_at=datetime.fromisoformat(doc["received_at"]),
            )
            async for doc in cursor
        ]

    async def prune_log(self, received_before: datetime) -> int:
        cutoff = instant(received_before)
        sent = {"sent_at": {"$ne": None}, "window_end": {"$lt": cutoff}}
        done = [doc["_id"] async for doc in self._windows.find(sent, {"_id": 1})]
        if done:
            await self._items.delete_many({"window": {"$in": done}})
            await self._windows.delete_many({"_id": {"$in": done}})
        result = await self._log.delete_many({"received_at": {"$lt": cutoff}})
        return int(result.deleted_count)

    async def _add_to_window(self, digest: DigestEntry) -> None:
        window = digest.window
        window_id = _window_id(window.rule_id, window.start)
        await self._items.update_one(
            {"_id": f"{window_id}/{digest.item.interaction_key}"},
            {
                "$setOnInsert": {
                    "window": window_id,
                    "occurred_at": instant(digest.item.occurred_at),
                    "item": digest.item.model_dump_json(),
                }
            },
            upsert=True,
        )
        await self._windows.update_one(
            {"_id": window_id},
            {
                "$set": {"rule_name": window.rule_name, "emails": list(window.emails)},
                "$setOnInsert": {
                    "rule_id": str(window.rule_id),
                    "window_start": instant(window.start),
                    "window_end": instant(window.end),
                    "claimed_until": None,
                    "sent_at": None,
                },
            },
            upsert=True,
        )

    async def claim_closed_windows(
        self, closed_by: datetime, *, now: datetime, lease_seconds: float
    ) -> list[DigestWindow]:
        due = {
            "sent_at": None,
            "window_end": {"$lte": instant(closed_by)},
            "$or": [{"claimed_until": None}, {"claimed_until": {"$lt": instant(now)}}],
        }
        until = instant(now + timedelta(seconds=lease_seconds))
        claimed = []
        # One document at a time, each claim atomic: two replicas never take the same one.
        while doc := await self._windows.find_one_and_update(
            due, {"$set": {"claimed_until": until}}, return_document=ReturnDocument.AFTER
        ):
            claimed.append(
                DigestWindow(
                    rule_id=UUID(doc["rule_id"]),
                    rule_name=doc["rule_name"],
                    emails=tuple(doc["emails"]),
                    start=datetime.fromisoformat(doc["window_start"]),
                    end=datetime.fromisoformat(doc["window_end"]),
                )
            )
        return claimed

    async def digest_items(
        self, rule_id: UUID, start: datetime, *, limit: int
    ) -> tuple[list[DigestItem], int]:
        where = {"window": _window_id(rule_id, start)}
        order = [("occurred_at", ASCENDING), ("_id", ASCENDING)]
        cursor = self._items.find(where).sort(order).limit(limit)
        items = [DigestItem.model_validate_json(doc["item"]) async for doc in cursor]
        return items, int(await self._items.count_documents(where))

    async def mark_digest_sent(self, rule_id: UUID, start: datetime, *, at: datetime) -> None:
        await self._windows.update_one(
            {"_id": _window_id(rule_id, start)}, {"$set": {"sent_at": instant(at)}}
        )

    async def _next(self, name: str) -> int:
        for _ in range(3):
            try:
                doc = await self._counters.find_one_and_update(
                    {"_id": name},
                    {"$inc": {"value": 1}},
                    upsert=True,
                    return_document=ReturnDocument.AFTER,
                )
                return int(doc["value"])
            except DuplicateKeyError:
                continue  # two first upserts raced: the loser increments the winner's doc
        raise RuntimeError(f"could not increment counter {name}")


def _window_id(rule_id: UUID, start: datetime) -> str:
    return f"{rule_id}/{instant(start)}"
