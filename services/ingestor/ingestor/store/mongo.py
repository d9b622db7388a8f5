from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from pymongo import ASCENDING, ReturnDocument
from pymongo.errors import BulkWriteError

from ingestor.store.accounts_mongo import MongoAccounts
from ingestor.store.accounts_port import Delivery
from ingestor.store.polls_mongo import MongoPolls
from ingestor.store.replies_mongo import MongoReplies
from servicekit.clock import Clock, system_clock
from servicekit.mongo import connect
from servicekit.outbox import Backlog
from servicekit.publishing import OutgoingMessage

DUPLICATE_KEY = 11000


def _message(doc: dict[str, Any]) -> OutgoingMessage:
    # Documents from before the trace context was kept have none: they relay in a new trace.
    return OutgoingMessage.stored(
        doc["event_id"],
        doc["routing_key"],
        doc["body"],
        doc.get("correlation_id"),
        doc.get("traceparent"),
        doc.get("tracestate"),
    )


class MongoIngestStore(MongoAccounts, MongoPolls, MongoReplies):
    backend = "mongodb"

    def __init__(
        self,
        url: str,
        *,
        database: str = "socialdesk_ingestor",
        client: Any = None,
        clock: Clock = system_clock,
    ) -> None:
        self._clock = clock
        if client is None:
            self._client, db = connect(url, database)
        else:
            self._client, db = client, client[database]
        self._received = db["received"]
        self._accounts = db["accounts"]
        self._deliveries = db["deliveries"]
        self._mail_cursors = db["mail_cursors"]
        self._threads = db["threads"]
        self._polls = db["polls"]
        self._replies = db["replies"]

    async def open(self) -> None:
        await self._received.create_index([("event_id", ASCENDING)], unique=True)
        await self._received.create_index([("published_at", ASCENDING), ("accepted_at", ASCENDING)])
        await self.open_accounts()
        await self.open_replies()

    async def ping(self) -> None:
        await self._client.admin.command("ping")

    async def close(self) -> None:
        await self._client.close()

    async def accept(
        self, received: Sequence[tuple[str, OutgoingMessage]]
    ) -> list[OutgoingMessage]:
        if not received:
            return []
        now = self._clock()
        documents = [
            {
                "_id": key,
                "event_id": str(message.id),
                "routing_key": message.routing_key,
                "body": message.body,
                "correlation_id": str(message.correlation_id) if message.correlation_id else None,
                "traceparent": message.traceparent or None,
                "tracestate": message.tracestate or None,
                "accepted_at": now,
                "published_at": None,
                "claimed_until": datetime.min.replace(tzinfo=UTC),
            }
            for key, message in received
        ]
        rejected: set[int] = set()
        try:
            await self._received.insert_many(documents, ordered=False)
        except BulkWriteError as exc:
            for error in exc.details.get("writeErrors", []):
                if error.get("code") != DUPLICATE_KEY:
                    raise
                rejected.add(error["index"])
        return [message for i, (_, message) in enumerate(received) if i not in rejected]

    async def accept_delivery(
        self,
        received: Sequence[tuple[str, OutgoingMessage]],
        *,
        delivery: Delivery | None,
        threads: dict[str, str],
        touched: Sequence[str],
        at: datetime,
    ) -> list[OutgoingMessage]:
        # Document by document, as MongoDB writes without a transaction; the outbox row is
        # what makes an interaction durable, the rest is bookkeeping beside it.
        await self.remember_threads(threads, at)
        accepted = await self.accept(received)
        if delivery is not None:
            await self.keep_delivery(
                replace(delivery, accepted=len(accepted), duplicates=len(received) - len(accepted))
            )
        if touched:
            await self.note_events(touched, at)
        return accepted

    async def claim_unpublished(
        self, *, older_than_seconds: float, lease_seconds: float, limit: int
    ) -> Sequence[OutgoingMessage]:
        now = self._clock()
        claimed = []
        for _ in range(limit):
            doc = await self._received.find_one_and_update(
                {
                    "published_at": None,
                    "accepted_at": {"$lt": now - timedelta(seconds=older_than_seconds)},
                    "claimed_until": {"$lt": now},
                },
                {"$set": {"claimed_until": now + timedelta(seconds=lease_seconds)}},
                sort=[("accepted_at", ASCENDING)],
                return_document=ReturnDocument.AFTER,
            )
            if doc is None:
                break
            claimed.append(_message(doc))
        return claimed

    async def mark_published(self, ids: Sequence[UUID]) -> None:
        # Only the key (the _id) is needed from now on: the body is dropped.
        await self._received.update_many(
            {"event_id": {"$in": [str(i) for i in ids]}},
            {"$set": {"published_at": self._clock()}, "$unset": {"body": ""}},
        )

    async def outbox_backlog(self) -> Backlog:
        unpublished = {"published_at": None}
        events = await self._received.count_documents(unpublished)
        oldest = await self._received.find_one(
            unpublished, {"accepted_at": 1}, sort=[("accepted_at", ASCENDING)]
        )
        return Backlog.since(events, oldest and oldest["accepted_at"], self._clock())

    async def unpublished_keys(self, keys: Sequence[str]) -> set[str]:
        if not keys:
            return set()
        cursor = self._received.find(
            {"_id": {"$in": list(set(keys))}, "published_at": None}, {"_id": 1}
        )
        return {str(doc["_id"]) async for doc in cursor}

    async def body_of(self, dedup_key: str) -> bytes | None:
        doc = await self._received.find_one({"_id": dedup_key, "published_at": None})
        return None if doc is None else bytes(doc["body"])

    async def forget_published(self, *, before: datetime) -> int:
        result = await self._received.delete_many({"published_at": {"$lt": before}})
        return int(result.deleted_count)
