"""MongoDB half of PollStore, mixed into MongoIngestStore."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from contracts.accounts import HealthState
from servicekit.publishing import OutgoingMessage

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class MongoPolls:
    _polls: Any
    _accounts: Any
    accept: Callable[[Sequence[tuple[str, OutgoingMessage]]], Awaitable[list[OutgoingMessage]]]
    """The outbox's accept, of the store this is mixed into."""

    async def claim_poll(
        self, account_id: str, owner: str, *, now: datetime, lease_until: datetime
    ) -> dict[str, Any] | None:
        try:
            # The filter and the update are one atomic operation; when the document exists
            # but is not claimable, the upsert's insert hits the _id and nobody wins.
            doc = await self._polls.find_one_and_update(
                {
                    "_id": account_id,
                    "$or": [{"lease_until": {"$lte": now}}, {"owner": owner}],
                    "next_poll_at": {"$lte": now},
                },
                {
                    "$set": {"owner": owner, "lease_until": lease_until},
                    "$setOnInsert": {"cursor": {}, "next_poll_at": EPOCH},
                },
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:
            return None
        return dict(doc.get("cursor") or {})

    async def finish_poll(
        self, account_id: str, owner: str, *, cursor: dict[str, Any], next_poll_at: datetime
    ) -> bool:
        result = await self._polls.update_one(
            {"_id": account_id, "owner": owner},
            {
                "$set": {
                    "cursor": cursor,
                    "next_poll_at": next_poll_at,
                    "lease_until": EPOCH,
                }
            },
        )
        return bool(result.matched_count)

    async def poll_cursor(self, account_id: str) -> dict[str, Any] | None:
        doc = await self._polls.find_one({"_id": account_id})
        return None if doc is None else dict(doc.get("cursor") or {})

    async def set_health(
        self,
        account_id: str,
        *,
        state: HealthState,
        last_error: str | None,
        consecutive_failures: int,
        last_poll_at: datetime | None = None,
        changed_at: datetime | None = None,
        event: tuple[str, OutgoingMessage] | None = None,
    ) -> list[OutgoingMessage]:
        # The outbox row first: a crash before the health is written repeats the transition
        # with the same key, which the outbox then drops as a duplicate.
        new = await self.accept([event]) if event is not None else []
        fields: dict[str, Any] = {
            "data.health.state": state.value,
            "data.health.last_error": last_error,
            "data.health.consecutive_failures": consecutive_failures,
        }
        if last_poll_at is not None:
            fields["data.health.last_poll_at"] = last_poll_at.isoformat()
        if changed_at is not None:
            fields["data.health.changed_at"] = changed_at.isoformat()
        await self._accounts.update_one({"_id": account_id}, {"$set": fields})
        return new
