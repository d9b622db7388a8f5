"""MongoDB half of ReplyStore, mixed into MongoIngestStore."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pymongo import ASCENDING
from pymongo.errors import DuplicateKeyError

from ingestor.store.replies_port import ReplyClaim, outcome_key
from servicekit.publishing import OutgoingMessage


class MongoReplies:
    _replies: Any
    _received: Any

    async def accept(
        self, received: Sequence[tuple[str, OutgoingMessage]]
    ) -> list[OutgoingMessage]:
        raise NotImplementedError

    async def open_replies(self) -> None:
        await self._replies.create_index([("network_key", ASCENDING)], sparse=True)

    async def claim_reply(self, reply_id: str, at: datetime) -> ReplyClaim:
        try:
            await self._replies.insert_one({"_id": reply_id, "claimed_at": at})
        except DuplicateKeyError:
            settled = await self._received.find_one({"_id": outcome_key(reply_id)}, {"_id": 1})
            return ReplyClaim(new=False, settled=settled is not None)
        return ReplyClaim(new=True, settled=False)

    async def settle_reply(
        self, reply_id: str, network_key: str | None, outcome: OutgoingMessage
    ) -> list[OutgoingMessage]:
        # The outcome first: it is the one fact that matters (a crash before the echo key is
        # written loses only the echo match, never the outcome), and its key keeps it single.
        accepted = await self.accept([(outcome_key(reply_id), outcome)])
        if accepted and network_key is not None:
            await self._replies.update_one(
                {"_id": reply_id}, {"$set": {"network_key": network_key}}
            )
        return accepted

    async def our_replies(self, network_keys: Sequence[str]) -> set[str]:
        keys = list(dict.fromkeys(network_keys))
        if not keys:
            return set()
        found = self._replies.find({"network_key": {"$in": keys}}, {"network_key": 1})
        return {doc["network_key"] async for doc in found}
