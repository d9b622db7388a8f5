"""The notifier's store on MongoDB (PyMongo's async API). The mail log holds one document
per (event, recipient), ``_id`` = ``"<event_id>:<recipient>"``; an opinion request is one
document that also carries the event announcing its answer until it is published. Every
state change is a single-document compare-and-set, so it is atomic across processes without
transactions."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from notifier.store.port import Answered, Claim, OpinionRequest, StoredSettings
from servicekit.clock import Clock, system_clock
from servicekit.mongo import connect
from servicekit.outbox import Backlog
from servicekit.publishing import OutgoingMessage

SENDING = "sending"
NEVER = datetime(1970, 1, 1, tzinfo=UTC)
"""``claimed_until`` of a released claim: free to take at once."""


def _key(event_id: UUID, recipient: str) -> str:
    return f"{event_id}:{recipient}"


class MongoNotifierStore:
    backend = "mongodb"

    def __init__(
        self,
        url: str,
        *,
        database: str = "socialdesk_notifier",
        client: Any = None,
        clock: Clock = system_clock,
    ) -> None:
        self._clock = clock
        if client is None:
            self._client, db = connect(url, database)
        else:
            self._client, db = client, client[database]
        self._deliveries = db["deliveries"]
        self._settings = db["notification_settings"]
        self._opinions = db["opinion_requests"]

    async def open(self) -> None:
        # The mail log and the settings are read by _id only; the outbox relay looks for
        # answered requests whose event is unpublished.
        await self._opinions.create_index(
            [("published", ASCENDING), ("answered_at", ASCENDING)], name="unpublished_answers"
        )

    async def ping(self) -> None:
        await self._client.admin.command("ping")

    async def close(self) -> None:
        await self._client.close()

    async def claim(
        self, event_id: UUID, recipient: str, *, owner: str, lease_seconds: float
    ) -> Claim:
        key = _key(event_id, recipient)
        for _ in range(3):
            now = self._clock()
            try:
                # Take a free claim (new, released, or left by an owner whose lease ran out),
                # or create the delivery: a document that exists but is settled or leased to
                # another owner does not match, so the upsert's insert clashes on _id.
                await self._deliveries.find_one_and_update(
                    {"_id": key, "state": SENDING, "claimed_until": {"$lte": now}},
                    {
                        "$set": {
                            "claimed_until": now + timedelta(seconds=lease_seconds),
                            "updated_at": now,
                            "owner": owner,
                        },
                        "$setOnInsert": {"event_id": str(event_id), "recipient": recipient},
                    },
                    upsert=True,
                )
                return Claim.GRANTED
            except DuplicateKeyError:
                doc = await self._deliveries.find_one({"_id": key})
            if doc is None:
                continue  # cannot happen (deliveries are never deleted); try again
            if doc["state"] != SENDING:
                return Claim.DONE
            if _utc(doc["claimed_until"]) > now:
                return Claim.BUSY
            # The lease ran out between the two reads: try to take it again.
        return Claim.BUSY

    async def renew(
        self, event_id: UUID, recipient: str, *, owner: str, lease_seconds: float
    ) -> bool:
        now = self._clock()
        result = await self._deliveries.update_one(
            {"_id": _key(event_id, recipient), "owner": owner, "state": SENDING},
            {"$set": {"claimed_until": now + timedelta(seconds=lease_seconds), "updated_at": now}},
        )
        return bool(result.matched_count == 1)

    async def finish(self, event_id: UUID, recipient: str, *, outcome: str) -> None:
        # Whoever sent it, the mail went out: recorded even if the sender's lease had run out.
        await self._deliveries.update_one(
            {"_id": _key(event_id, recipient), "state": SENDING},
            {"$set": {"state": outcome, "updated_at": self._clock()}},
        )

    async def outcome(self, event_id: UUID, recipient: str) -> str | None:
        doc = await self._deliveries.find_one({"_id": _key(event_id, recipient)}, {"state": 1})
        return None if doc is None or doc["state"] == SENDING else str(doc["state"])

    async def release(self, event_id: UUID, recipient: str, *, owner: str) -> None:
        await self._deliveries.update_one(
            {"_id": _key(event_id, recipient), "owner": owner, "state": SENDING},
            {"$set": {"claimed_until": NEVER, "owner": None, "updated_at": self._clock()}},
        )

    async def get_settings(self, user_id: str) -> StoredSettings | None:
        return (await self.settings_of([user_id])).get(user_id)

    async def settings_of(self, user_ids: Sequence[str]) -> dict[str, StoredSettings]:
        ids = list(dict.fromkeys(user_ids))
        if not ids:
            return {}
        return {
            doc["_id"]: StoredSettings(doc["_id"], doc.get("language"), doc["alerts"])
            async for doc in self._settings.find({"_id": {"$in": ids}})
        }

    async def put_settings(self, settings: StoredSettings) -> None:
        await self._settings.replace_one(
            {"_id": settings.user_id},
            {"language": settings.language, "alerts": settings.alerts},
            upsert=True,
        )

    async def save_opinion_request(self, request: OpinionRequest) -> OpinionRequest:
        # A redelivered request finds the first one stored: that one stands.
        with contextlib.suppress(DuplicateKeyError):
            await self._opinions.insert_one(
                {
                    "_id": str(request.request_id),
                    "ticket_id": str(request.ticket_id),
                    "email": request.email,
                    "expires_at": request.expires_at,
                    "shared": request.shared,
                    "answered_at": None,
                    "published": False,
                    "claimed_until": NEVER,
                }
            )
        stored = await self.get_opinion_request(request.request_id)
        assert stored is not None  # just written, never deleted
        return stored

    async def get_opinion_request(self, request_id: UUID) -> OpinionRequest | None:
        doc = await self._opinions.find_one({"_id": str(request_id)})
        if doc is None:
            return None
        return OpinionRequest(
            request_id=UUID(doc["_id"]),
            ticket_id=UUID(doc["ticket_id"]),
            email=doc["email"],
            expires_at=_utc(doc["expires_at"]),
            shared=doc["shared"],
            answered_at=_utc(doc["answered_at"]) if doc.get("answered_at") else None,
        )

    async def answer_opinion_request(
        self, request_id: UUID, *, answered_at: datetime, announce: OutgoingMessage
    ) -> Answered:
        result = await self._opinions.update_one(
            {"_id": str(request_id), "answered_at": None},
            {
                "$set": {
                    "answered_at": answered_at,
                    "event": {
                        "id": str(announce.id),
                        "routing_key": announce.routing_key,
                        "body": announce.body,
                        "correlation_id": (
                            str(announce.correlation_id) if announce.correlation_id else None
                        ),
                        "traceparent": announce.traceparent or None,
                        "tracestate": announce.tracestate or None,
                    },
                }
            },
        )
        if result.modified_count == 1:
            return Answered.NOW
        exists = await self._opinions.find_one({"_id": str(request_id)}, {"_id": 1})
        return Answered.BEFORE if exists else Answered.MISSING

    async def claim_unpublished(
        self, *, older_than_seconds: float, lease_seconds: float, limit: int
    ) -> Sequence[OutgoingMessage]:
        now = self._clock()
        due = {
            "published": False,
            "answered_at": {"$ne": None, "$lte": now - timedelta(seconds=older_than_seconds)},
            "claimed_until": {"$lte": now},
        }
        claimed = []
        async for doc in self._opinions.find(due).sort("answered_at", ASCENDING).limit(limit):
            # Compare-and-set on the lease: a replica that took it first wins.
            taken = await self._opinions.update_one(
                {"_id": doc["_id"], "claimed_until": doc["claimed_until"]},
                {"$set": {"claimed_until": now + timedelta(seconds=lease_seconds)}},
            )
            if taken.modified_count == 1:
                event = doc["event"]
                claimed.append(
                    # Answers kept before the trace context was have none: a new trace.
                    OutgoingMessage.stored(
                        event["id"],
                        event["routing_key"],
                        event["body"],
                        event["correlation_id"],
                        event.get("traceparent"),
                        event.get("tracestate"),
                    )
                )
        return claimed

    async def mark_published(self, ids: Sequence[UUID]) -> None:
        await self._opinions.update_many(
            {"event.id": {"$in": [str(i) for i in ids]}}, {"$set": {"published": True}}
        )

    async def outbox_backlog(self) -> Backlog:
        # On the unpublished_answers index (published, answered_at).
        unpublished = {"published": False, "answered_at": {"$ne": None}}
        events = await self._opinions.count_documents(unpublished)
        oldest = await self._opinions.find_one(
            unpublished, {"answered_at": 1}, sort=[("answered_at", ASCENDING)]
        )
        return Backlog.since(events, oldest and oldest["answered_at"], self._clock())


def _utc(value: datetime) -> datetime:
    """BSON dates come back naive from clients not created with tz_aware."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
