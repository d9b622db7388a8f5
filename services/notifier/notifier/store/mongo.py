"""The mail log on MongoDB (PyMongo's async API): one document per (event, recipient),
``_id`` = ``"<event_id>:<recipient>"``. Claims are single-document compare-and-set writes, so
they are atomic across processes without transactions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from pymongo.errors import DuplicateKeyError

from notifier.store.port import Claim
from servicekit.mongo import connect

SENDING = "sending"
NEVER = datetime(1970, 1, 1, tzinfo=UTC)
"""``claimed_until`` of a released claim: free to take at once."""


def _key(event_id: UUID, recipient: str) -> str:
    return f"{event_id}:{recipient}"


class MongoMailLog:
    backend = "mongodb"

    def __init__(
        self, url: str, *, database: str = "socialdesk_notifier", client: Any = None
    ) -> None:
        if client is None:
            self._client, db = connect(url, database)
        else:
            self._client, db = client, client[database]
        self._deliveries = db["deliveries"]

    async def open(self) -> None:
        pass  # one lookup by _id is all this log does: the primary key index suffices

    async def close(self) -> None:
        await self._client.close()

    async def claim(self, event_id: UUID, recipient: str, *, lease_seconds: float) -> Claim:
        key = _key(event_id, recipient)
        for _ in range(3):
            now = datetime.now(UTC)
            try:
                # Take a free claim, or create the delivery: a document that exists but is
                # finished or leased to another process does not match, so the upsert's
                # insert clashes with it on _id.
                await self._deliveries.find_one_and_update(
                    {"_id": key, "state": SENDING, "claimed_until": {"$lte": now}},
                    {
                        "$set": {
                            "claimed_until": now + timedelta(seconds=lease_seconds),
                            "updated_at": now,
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
            if doc["claimed_until"] > now:
                return Claim.BUSY
            # The lease ran out between the two reads: try to take it again.
        return Claim.BUSY

    async def finish(self, event_id: UUID, recipient: str, *, outcome: str) -> None:
        await self._deliveries.update_one(
            {"_id": _key(event_id, recipient)},
            {"$set": {"state": outcome, "updated_at": datetime.now(UTC)}},
        )

    async def release(self, event_id: UUID, recipient: str) -> None:
        await self._deliveries.update_one(
            {"_id": _key(event_id, recipient)},
            {"$set": {"claimed_until": NEVER, "updated_at": datetime.now(UTC)}},
        )
