"""The ticketing store on MongoDB (PyMongo's async API).

A standalone MongoDB has no multi-document transactions, so every change that the port asks
to be atomic is written as ONE update of the ticket document:

* the ticket fields (guarded by ``version`` for updates);
* the history entries of the change, pushed onto ``pending_history``;
* the events announcing it, pushed onto ``pending_events`` (the outbox).

Right after the write the store moves the pending history into the ``history`` collection
(insert, ignoring entries already there, then ``$pull``); whatever a crash leaves behind is
still returned by ``history_of`` and is moved by the next ``claim_unpublished``. Pending events
stay in the ticket until ``mark_published`` pulls them; ``claim_unpublished`` leases them one
by one with a compare-and-set on the event, so replicas never claim the same event at once.

The partial unique index on ``active_thread_key`` is what guarantees that two replicas never
open two active tickets for one conversation. An interaction is attached with a conditional
write (only while it has no ticket) before the ticket write, and detached again if that write
is refused, so a refused call leaves nothing behind. The crash gaps this leaves are spelled
out where they occur (create_ticket, update_ticket).
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import BulkWriteError, DuplicateKeyError

from contracts.base import Event
from contracts.tickets import HistoryEntry, StoredInteraction, TicketQuery
from servicekit.mongo import connect
from servicekit.publishing import OutgoingMessage
from ticketing.domain import assignment
from ticketing.domain.access import Visibility
from ticketing.domain.tickets import Ticket
from ticketing.store.codec import iso, protocol_number, ticket_from_doc, ticket_to_doc
from ticketing.store.directory_mongo import MongoDirectory
from ticketing.store.interactions_mongo import MongoInteractions, search_fields
from ticketing.store.lifecycle_mongo import MongoLifecycle
from ticketing.store.port import InteractionTaken, StaleTicket, ThreadAlreadyActive

DUPLICATE_KEY = 11000
NEVER = datetime(1970, 1, 1, tzinfo=UTC)
"""``claimed_until`` of an event nobody has leased yet."""

NUMBERED = {"protocol": {"$type": "string"}}
"""Tickets that finished being created. A ticket is inserted without a protocol first (that
claims the conversation) and gets its number in a second write; until then readers do not see
it and it cannot be updated, as if the creation were one transaction."""

TICKET_FIELDS = {"pending_history": 0, "pending_events": 0, "tags_folded": 0}
"""Projection for reading a ticket: the outbox arrays can be large and are not ticket data."""


def _fold(tag: str) -> str:
    return tag.casefold()


def _ticket_fields(ticket: Ticket) -> dict[str, Any]:
    doc = ticket_to_doc(ticket)
    doc["tags_folded"] = sorted({_fold(t) for t in ticket.tags})
    return doc


def _history_docs(history: Sequence[HistoryEntry], version: int) -> list[dict[str, Any]]:
    # (version, index) is the order the entries were written in: versions of one ticket
    # grow with every write, so this is the insertion order SQLite's ``seq`` gives.
    return [
        {
            "_id": str(entry.id),
            "ticket_id": str(entry.ticket_id),
            "version": version,
            "index": index,
            "at": iso(entry.at),
            "body": entry.model_dump_json(),
        }
        for index, entry in enumerate(history)
    ]


def _event_docs(events: Sequence[Event]) -> list[dict[str, Any]]:
    now = datetime.now(UTC)
    return [
        {
            "event_id": str(event.id),
            "routing_key": event.routing_key,
            "body": event.model_dump_json().encode(),
            "correlation_id": str(event.correlation_id) if event.correlation_id else None,
            "created_at": now,
            "claimed_until": NEVER,
        }
        for event in events
    ]


def _outbox_push(history: list[dict[str, Any]], events: list[dict[str, Any]]) -> dict[str, Any]:
    push: dict[str, Any] = {}
    if history:
        push["pending_history"] = {"$each": history}
    if events:
        push["pending_events"] = {"$each": events}
    return {"$push": push} if push else {}


def _message(doc: dict[str, Any]) -> OutgoingMessage:
    return OutgoingMessage.stored(
        doc["event_id"], doc["routing_key"], doc["body"], doc.get("correlation_id")
    )


def _stored_interaction(doc: dict[str, Any]) -> StoredInteraction:
    return StoredInteraction.model_validate_json(doc["body"]).model_copy(
        update={"ticket_id": UUID(doc["ticket_id"]) if doc["ticket_id"] else None}
    )


def _is_thread_conflict(exc: DuplicateKeyError) -> bool:
    pattern = (exc.details or {}).get("keyPattern")
    return pattern is None or "active_thread_key" in pattern


class MongoTicketStore(MongoDirectory, MongoInteractions, MongoLifecycle):
    backend = "mongodb"

    def __init__(
        self, url: str, *, database: str = "socialdesk_ticketing", client: Any = None
    ) -> None:
        if client is None:
            self._client, db = connect(url, database)
        else:
            self._client, db = client, client[database]
        self._tickets = db["tickets"]
        self._interactions = db["interactions"]
        self._history = db["history"]
        self._counters = db["counters"]
        self._directory = db["directory"]
        self._locks = db["locks"]

    async def open(self) -> None:
        tickets = self._tickets
        await tickets.create_index(
            [("protocol", ASCENDING)], unique=True, partialFilterExpression=NUMBERED
        )
        await tickets.create_index(
            [("active_thread_key", ASCENDING)],
            unique=True,
            partialFilterExpression={"active_thread_key": {"$type": "string"}},
        )
        await tickets.create_index([("thread_key", ASCENDING), ("opened_at", DESCENDING)])
        await tickets.create_index([("status", ASCENDING), ("updated_at", DESCENDING)])
        await tickets.create_index([("updated_at", DESCENDING), ("_id", ASCENDING)])
        await tickets.create_index([("tags_folded", ASCENDING)])
        await tickets.create_index([("pending_events.created_at", ASCENDING)])
        await tickets.create_index([("pending_events.event_id", ASCENDING)])
        await tickets.create_index(
            [("pending_history._id", ASCENDING)],
            partialFilterExpression={"pending_history._id": {"$exists": True}},
        )
        await self._interactions.create_index([("id", ASCENDING)], unique=True)
        await self._interactions.create_index(
            [("ticket_id", ASCENDING), ("occurred_at", ASCENDING)]
        )
        await self._interactions.create_index([("thread_key", ASCENDING), ("ticket_id", ASCENDING)])
        await self._history.create_index(
            [("ticket_id", ASCENDING), ("version", ASCENDING), ("index", ASCENDING)]
        )
        await self._open_directory()
        await self._open_interactions()
        await self._open_lifecycle()

    async def close(self) -> None:
        await self._client.close()

    # interactions

    async def record_interaction(
        self, stored: StoredInteraction, *, thread_key: str
    ) -> StoredInteraction:
        key = stored.interaction.key
        # Insert if absent (seen before: the stored one wins). The body is JSON text, not a
        # sub-document: ``raw`` is the network's payload and may hold keys MongoDB refuses.
        with contextlib.suppress(DuplicateKeyError):
            await self._interactions.insert_one(
                {
                    "_id": key,
                    "id": str(stored.id),
                    "ticket_id": None,
                    "thread_key": thread_key,
                    "occurred_at": iso(stored.interaction.occurred_at),
                    "received_at": iso(stored.received_at),
                    "body": stored.model_dump_json(),
                    "search": search_fields(stored.interaction),
                }
            )
        doc = await self._interactions.find_one({"_id": key})
        if doc is None:  # the clash was on the id, not on the key: a caller bug
            raise RuntimeError(f"interaction {stored.id} is already stored under another key")
        return _stored_interaction(doc)

    async def interactions_of(self, ticket_id: UUID) -> list[StoredInteraction]:
        cursor = self._interactions.find({"ticket_id": str(ticket_id)}).sort(
            [("occurred_at", ASCENDING), ("id", ASCENDING)]
        )
        return [_stored_interaction(doc) async for doc in cursor]

    # tickets

    async def active_ticket(self, thread_key: str) -> Ticket | None:
        return await self._one({"active_thread_key": thread_key, **NUMBERED})

    async def latest_ticket(self, thread_key: str) -> Ticket | None:
        return await self._one(
            {"thread_key": thread_key, **NUMBERED}, sort=[("opened_at", DESCENDING)]
        )

    async def get_ticket(self, ticket_id: UUID) -> Ticket | None:
        return await self._one({"_id": str(ticket_id), **NUMBERED})

    async def get_ticket_by_protocol(self, protocol: str) -> Ticket | None:
        return await self._one({"protocol": protocol})

    async def _one(
        self, query: dict[str, Any], *, sort: list[tuple[str, int]] | None = None
    ) -> Ticket | None:
        doc = await self._tickets.find_one(query, TICKET_FIELDS, sort=sort)
        return ticket_from_doc(doc) if doc else None

    async def create_ticket(
        self,
        ticket: Ticket,
        *,
        year: int,
        interaction_id: UUID | None,
        history: Callable[[Ticket], Sequence[HistoryEntry]],
        announce: Callable[[Ticket], Sequence[Event]],
        assign_among: Sequence[str] = (),
    ) -> Ticket:
        ticket_id = str(ticket.id)
        # 1. Claim the conversation: the unique index on active_thread_key refuses a second
        #    active ticket. Without a protocol the ticket is invisible to readers and updates.
        claim = {
            "_id": ticket_id,
            **_ticket_fields(dataclasses.replace(ticket, version=0)),
            "protocol": None,
            "pending_history": [],
            "pending_events": [],
        }
        try:
            await self._tickets.insert_one(claim)
        except DuplicateKeyError as exc:
            if _is_thread_conflict(exc):
                raise ThreadAlreadyActive(ticket.thread_key) from exc
            raise
        # 2. Take the interaction, if nobody did (a ticket opened meanwhile may have collected
        #    it); otherwise give the conversation back and write nothing.
        if interaction_id is not None and not await self._take(interaction_id, ticket_id):
            await self._tickets.delete_one({"_id": ticket_id, "protocol": None})
            raise InteractionTaken(str(interaction_id))
        # 3. The next number of the year. Taken only once nothing can refuse the creation, so
        #    refused creations burn no number.
        #    KNOWN GAP (no transactions): a crash between step 1 and step 5 leaves the ticket
        #    without a protocol. It stays invisible, keeps its conversation claimed (creations
        #    there are refused with ThreadAlreadyActive) and holds the interactions already
        #    attached to it, until an operator numbers or removes it; if the crash falls after
        #    this increment, that year's numbering has a hole.
        sequence = await self._next(f"protocol:{year}")
        # 4. Collect every earlier unticketed interaction of the conversation.
        await self._interactions.update_many(
            {"ticket_id": None, "thread_key": ticket.thread_key},
            {"$set": {"ticket_id": ticket_id}},
        )
        attached = await self._interactions.count_documents({"ticket_id": ticket_id})
        lock = None
        if ticket.assignee is None and assign_among:
            # Loads count numbered tickets only, so the lock is held until this one is.
            lock = await self.hold_assignment_lock(assign_among, ticket_id)
            loads = await self.open_ticket_counts(assign_among)
            ticket = dataclasses.replace(
                ticket, assignee=assignment.most_available(loads, assign_among)
            )
        numbered = dataclasses.replace(
            ticket,
            protocol=protocol_number(year, sequence),
            version=1,
            interaction_count=attached,
        )
        # 5. Number it, with its history and events, in one write.
        entries = _history_docs(history(numbered), numbered.version)
        try:
            await self._tickets.update_one(
                {"_id": ticket_id, "protocol": None},
                {
                    "$set": _ticket_fields(numbered),
                    **_outbox_push(entries, _event_docs(announce(numbered))),
                },
            )
        finally:
            await self.release_assignment_lock(lock, ticket_id)
        await self._flush_history(ticket_id, entries)
        return numbered

    async def _take(self, interaction_id: UUID, ticket_id: str) -> bool:
        """Attach the interaction unless a ticket holds it already."""
        result = await self._interactions.update_one(
            {"id": str(interaction_id), "ticket_id": None}, {"$set": {"ticket_id": ticket_id}}
        )
        return bool(result.modified_count == 1)

    async def _give_back(self, interaction_id: UUID | None, ticket_id: str) -> None:
        if interaction_id is not None:
            await self._interactions.update_one(
                {"id": str(interaction_id), "ticket_id": ticket_id}, {"$set": {"ticket_id": None}}
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
                continue  # two first upserts of the year raced: the loser increments now
        raise RuntimeError(f"could not increment counter {name}")

    async def update_ticket(
        self,
        ticket: Ticket,
        *,
        expected_version: int,
        interaction_id: UUID | None,
        history: Sequence[HistoryEntry],
        events: Sequence[Event],
    ) -> Ticket:
        stored = dataclasses.replace(ticket, version=expected_version + 1)
        ticket_id = str(ticket.id)
        entries = _history_docs(history, stored.version)
        # The interaction first, and only if no ticket holds it; it is given back if the ticket
        # write is refused, so a refusal writes nothing.
        # KNOWN GAP (no transactions): a crash between the two writes leaves the interaction
        # on the ticket without the change (count, history, events); its redelivery finds it
        # on a ticket and stops there.
        if interaction_id is not None and not await self._take(interaction_id, ticket_id):
            raise InteractionTaken(str(interaction_id))
        try:
            result = await self._tickets.update_one(
                {"_id": ticket_id, "version": expected_version, **NUMBERED},
                {"$set": _ticket_fields(stored), **_outbox_push(entries, _event_docs(events))},
            )
        except DuplicateKeyError as exc:
            # Reopening a ticket while another became active for the same conversation.
            await self._give_back(interaction_id, ticket_id)
            raise ThreadAlreadyActive(ticket.thread_key) from exc
        if result.matched_count != 1:
            await self._give_back(interaction_id, ticket_id)
            raise StaleTicket(ticket_id)
        await self._flush_history(ticket_id, entries)
        return stored

    async def list_tickets(
        self, query: TicketQuery, *, visible: Visibility | None = None
    ) -> tuple[list[Ticket], int]:
        where: dict[str, Any] = {**NUMBERED}
        if not query.include_removed:
            where["extra.removed"] = {"$ne": True}
        if visible is not None:
            where["$or"] = [
                {"assignee": visible.agent},
                {"level": {"$in": list(visible.levels)}},
            ]
        for field, values in (
            ("status", query.status),
            ("priority", query.priority),
            ("level", query.level),
            ("channel", [c.value for c in query.channel]),
            ("assignee", query.assignee),
        ):
            if values:
                where[field] = {"$in": list(values)}
        if query.tag:
            where["tags_folded"] = {"$in": [_fold(t) for t in query.tag]}
        total = await self._tickets.count_documents(where)
        cursor = (
            self._tickets.find(where, TICKET_FIELDS)
            .sort([("updated_at", DESCENDING), ("_id", ASCENDING)])
            .skip((query.page - 1) * query.page_size)
            .limit(query.page_size)
        )
        return [ticket_from_doc(doc) async for doc in cursor], total

    # history

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

    async def _flush_history(self, ticket_id: str, entries: list[dict[str, Any]]) -> None:
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

    async def _flush_leftover_history(self, limit: int) -> None:
        cursor = self._tickets.find(
            {"pending_history._id": {"$exists": True}}, {"pending_history": 1}
        ).limit(limit)
        async for doc in cursor:
            await self._flush_history(doc["_id"], list(doc["pending_history"]))

    # outbox

    async def claim_unpublished(
        self, *, older_than_seconds: float, lease_seconds: float, limit: int
    ) -> Sequence[OutgoingMessage]:
        await self._flush_leftover_history(limit)
        now = datetime.now(UTC)
        cutoff, lease = (
            now - timedelta(seconds=older_than_seconds),
            now + timedelta(seconds=lease_seconds),
        )
        # BSON dates keep milliseconds: ``$lte`` so that what was written (or leased until)
        # in the current millisecond counts as "before now", as it does in SQLite.
        due = {"created_at": {"$lte": cutoff}, "claimed_until": {"$lte": now}}
        # Every ticket found holds at least one due event, so ``limit`` tickets are enough.
        cursor = (
            self._tickets.find({"pending_events": {"$elemMatch": due}}, {"pending_events": 1})
            .sort([("pending_events.created_at", ASCENDING)])
            .limit(limit)
        )
        candidates = [
            (event["created_at"], doc["_id"], event)
            async for doc in cursor
            for event in doc["pending_events"]
            if event["created_at"] <= cutoff and event["claimed_until"] <= now
        ]
        candidates.sort(key=lambda c: c[0])
        claimed: list[OutgoingMessage] = []
        for _, ticket_id, event in candidates:
            if len(claimed) == limit:
                break
            # Compare-and-set on the one event: a replica that leased it first wins.
            result = await self._tickets.update_one(
                {
                    "_id": ticket_id,
                    "pending_events": {"$elemMatch": {"event_id": event["event_id"], **due}},
                },
                {"$set": {"pending_events.$.claimed_until": lease}},
            )
            # matched, not modified: a lease renewed to the same millisecond changes nothing.
            if result.matched_count == 1:
                claimed.append(_message(event))
        return claimed

    async def mark_published(self, ids: Sequence[UUID]) -> None:
        if not ids:
            return
        event_ids = [str(i) for i in ids]
        await self._tickets.update_many(
            {"pending_events.event_id": {"$in": event_ids}},
            {"$pull": {"pending_events": {"event_id": {"$in": event_ids}}}},
        )
