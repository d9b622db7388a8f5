"""The rule store on MongoDB (PyMongo's async API).

Rules are documents ordered by ``position``, taken from a counter so that concurrent
creations never share one. The ``revision`` counter document is bumped after every change
(a standalone MongoDB has no multi-document transactions): a replica that reads the new
revision therefore always reads the change with it. If a process dies between the change and
the bump, replicas pick the change up with the next one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from contracts.interaction import Interaction
from contracts.rules import RuleChange, RuleDefinition, RuleRead
from rules.store.port import LoggedInteraction, instant
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

    def __init__(self, url: str, *, database: str = "socialdesk_rules", client: Any = None) -> None:
        if client is None:
            self._client, db = connect(url, database)
        else:
            self._client, db = client, client[database]
        self._rules = db["rules"]
        self._counters = db["counters"]
        self._changes = db["rule_changes"]
        self._log = db["interaction_log"]

    async def open(self) -> None:
        await self._rules.create_index([("position", ASCENDING), ("_id", ASCENDING)])
        await self._changes.create_index([("rule_id", ASCENDING), ("seq", ASCENDING)])
        await self._log.create_index([("occurred_at", ASCENDING), ("_id", ASCENDING)])
        await self._log.create_index([("received_at", ASCENDING)])

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
        now = datetime.now(UTC).isoformat()
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
        now = datetime.now(UTC).isoformat()
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
        now = datetime.now(UTC).isoformat()
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

    async def log_interaction(self, entry: LoggedInteraction) -> None:
        # Times as fixed-width UTC text, like the SQLite store: text order is time order.
        await self._log.update_one(
            {"_id": entry.interaction.key},
            {
                "$setOnInsert": {
                    "occurred_at": instant(entry.interaction.occurred_at),
                    "received_at": instant(entry.received_at),
                    "body": entry.interaction.model_dump_json(),
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
        result = await self._log.delete_many({"received_at": {"$lt": instant(received_before)}})
        return int(result.deleted_count)

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
