"""History and outbox on MongoDB. A change's history entries and events ride in the ticket
document (``pending_history``, ``pending_events``) so they are written with it; history is
moved into its own collection right after, and events stay until ``mark_published``. A
person's events ride in the person's document the same way (``people.py``), so the relay reads
both collections."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any
from uuid import UUID

from pymongo import ASCENDING
from pymongo.errors import BulkWriteError

from contracts.tickets import HistoryEntry
from servicekit.clock import Clock
from servicekit.mongo import aggregate
from servicekit.outbox import Backlog
from servicekit.publishing import OutgoingMessage
from ticketing.store.mongo.documents import DUPLICATE_KEY, Collections


def _message(doc: dict[str, Any]) -> OutgoingMessage:
    # Events kept before the trace context was have none: they relay in a new trace.
    return OutgoingMessage.stored(
        doc["event_id"],
        doc["routing_key"],
        doc["body"],
        doc.get("correlation_id"),
        doc.get("traceparent"),
        doc.get("tracestate"),
    )


class MongoOutbox:
    def __init__(self, collections: Collections, clock: Clock) -> None:
        self._tickets = collections.tickets
        self._sources = (collections.tickets, collections.people)
        self._history = collections.history
        self._clock = clock

    async def history_of(self, ticket_id: UUID) -> list[HistoryEntry]:
        key = str(ticket_id)
        # Pending first: entries only ever move from the ticket into the collection, so
        # reading in this order cannot miss one that moves between the two reads.
        doc = await self._tickets.find_one({"_id": key}, {"pending_history": 1})
        pending = [h for h in (doc or {}).get("pending_history") or [] if h["ticket_id"] == key]
        moved = [h async for h in self._history.find({"ticket_id": key})]
        entries = {h["_id"]: h for h in [*pending, *moved]}
        ordered = sorted(entries.values(), key=lambda h: (h["version"], h["index"]))
        return [HistoryEntry.model_validate_json(h["body"]) for h in ordered]

    async def flush_history(self, ticket_id: str, entries: list[dict[str, Any]]) -> None:
        """Move history entries from the ticket document into the history collection."""
        if not entries:
            return
        try:
            await self._history.insert_many(entries, ordered=False)
        except BulkWriteError as exc:
            for error in exc.details.get("writeErrors", []):
                if error.get("code") != DUPLICATE_KEY:
                    raise
        await self._tickets.update_one(
            {"_id": ticket_id},
            {"$pull": {"pending_history": {"_id": {"$in": [h["_id"] for h in entries]}}}},
        )

    async def leftover_history(self, limit: int) -> list[tuple[str, list[dict[str, Any]]]]:
        """Pending history a crash left in tickets, to be flushed."""
        cursor = self._tickets.find(
            {"pending_history._id": {"$exists": True}}, {"pending_history": 1}
        ).limit(limit)
        return [(doc["_id"], list(doc["pending_history"])) async for doc in cursor]

    async def claim_unpublished(
        self, *, older_than_seconds: float, lease_seconds: float, limit: int
    ) -> Sequence[OutgoingMessage]:
        now = self._clock()
        cutoff, lease = (
            now - timedelta(seconds=older_than_seconds),
            now + timedelta(seconds=lease_seconds),
        )
        # BSON dates keep milliseconds: ``$lte`` so that what was written (or leased until)
        # in the current millisecond counts as "before now", as it does in SQLite.
        due = {"created_at": {"$lte": cutoff}, "claimed_until": {"$lte": now}}
        # Every document found holds at least one due event, so ``limit`` of each are enough.
        candidates = []
        for source in self._sources:
            cursor = (
                source.find({"pending_events": {"$elemMatch": due}}, {"pending_events": 1})
                .sort([("pending_events.created_at", ASCENDING)])
                .limit(limit)
            )
            candidates += [
                (event["created_at"], source, doc["_id"], event)
                async for doc in cursor
                for event in doc["pending_events"]
                if event["created_at"] <= cutoff and event["claimed_until"] <= now
            ]
        candidates.sort(key=lambda c: c[0])
        claimed: list[OutgoingMessage] = []
        for _, source, holder, event in candidates:
            if len(claimed) == limit:
                break
            # Compare-and-set on the one event: a replica that leased it first wins.
            result = await source.update_one(
                {
                    "_id": holder,
                    "pending_events": {"$elemMatch": {"event_id": event["event_id"], **due}},
                },
                {"$set": {"pending_events.$.claimed_until": lease}},
            )
            # matched, not modified: a lease renewed to the same millisecond changes nothing.
            if result.matched_count == 1:
                claimed.append(_message(event))
        return claimed

    async def backlog(self) -> Backlog:
        """Unpublished events ride in their tickets: only tickets holding one are matched (the
        ``pending_events.created_at`` index), and the server counts them and finds the oldest,
        so a large backlog (RabbitMQ away) is not shipped to every replica every 2 s."""
        events, oldest = 0, None
        for source in self._sources:
            found = await aggregate(
                source,
                [
                    {"$match": {"pending_events.created_at": {"$exists": True}}},
                    {"$unwind": "$pending_events"},
                    {
                        "$group": {
                            "_id": None,
                            "events": {"$sum": 1},
                            "oldest": {"$min": "$pending_events.created_at"},
                        }
                    },
                ],
            )
            if found and found[0]["oldest"] is not None:
                events += found[0]["events"]
                first = found[0]["oldest"]
                oldest = first if oldest is None else min(oldest, first)
        if oldest is None:
            return Backlog()
        return Backlog.since(events, oldest, self._clock())

    async def mark_published(self, ids: Sequence[UUID]) -> None:
        if not ids:
            return
        event_ids = [str(i) for i in ids]
        for source in self._sources:
            await source.update_many(
                {"pending_events.event_id": {"$in": event_ids}},
                {"$pull": {"pending_events": {"event_id": {"$in": event_ids}}}},
            )
