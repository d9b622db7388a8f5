"""Tickets on MongoDB: every change the port asks to be atomic is ONE update of the ticket
document (fields guarded by ``version``, history and events pushed onto its outbox arrays).

The partial unique index on ``active_thread_key`` is what guarantees that two replicas never
open two active tickets for one conversation. An interaction is attached with a conditional
write (only while it has no ticket) before the ticket write, and detached again if that write
is refused, so a refused call leaves nothing behind. The crash gaps this leaves are spelled
out where they occur (create, update)."""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from pymongo import ASCENDING, DESCENDING, ReturnDocument
from pymongo.errors import DuplicateKeyError

from contracts.base import Event
from contracts.tickets import (
    COUNT_LIMIT,
    HistoryEntry,
    TicketFilters,
    TicketQuery,
    TicketRead,
    page_cursor,
    read_cursor,
)
from servicekit.clock import Clock
from ticketing.domain import assignment
from ticketing.domain.access import Visibility
from ticketing.domain.tickets import Ticket
from ticketing.store import page_json, paging
from ticketing.store.codec import (
    iso,
    protocol_number,
    ticket_from_doc,
    ticket_reads_from_docs,
)
from ticketing.store.mongo import filters
from ticketing.store.mongo.directory import MongoDirectory
from ticketing.store.mongo.documents import (
    NUMBERED,
    TICKET_FIELDS,
    Collections,
    event_docs,
    history_docs,
    is_thread_conflict,
    outbox_push,
    ticket_fields,
)
from ticketing.store.mongo.interactions import MongoInteractions
from ticketing.store.mongo.people import MongoPeople
from ticketing.store.mongo.search import MongoSearch
from ticketing.store.mongo.sla import SLA_ORDER, SLA_ORDER_BACKWARDS, after_due, sla_filters
from ticketing.store.port import (
    ApplyCollected,
    Clocks,
    InteractionTaken,
    Listing,
    RowClocks,
    StaleTicket,
    ThreadAlreadyActive,
)

SPLICED_FIELDS = ("id", "list_row", "level", "priority", "sla_next_at", "sla_listed")
"""A document's fields ``PageClocks.splice_rows`` reads, in the order it is told."""
LIST_SORT = [("updated_at", DESCENDING), ("_id", ASCENDING)]
FlushHistory = Callable[[str, list[dict[str, Any]]], Awaitable[None]]


class MongoTickets:
    def __init__(
        self,
        collections: Collections,
        *,
        interactions: MongoInteractions,
        directory: MongoDirectory,
        flush_history: FlushHistory,
        clock: Clock,
        search: MongoSearch,
    ) -> None:
        self._tickets = collections.tickets
        self._people = MongoPeople(collections, clock)
        self._counters = collections.counters
        self._interactions = interactions
        self._directory = directory
        self._flush_history = flush_history
        self._clock = clock
        self._search = search

    # reads

    async def one(
        self, query: dict[str, Any], *, sort: list[tuple[str, int]] | None = None
    ) -> Ticket | None:
        doc = await self._tickets.find_one(query, TICKET_FIELDS, sort=sort)
        return ticket_from_doc(doc) if doc else None

    async def many(
        self, query: dict[str, Any], sort: list[tuple[str, int]], limit: int = 0
    ) -> list[Ticket]:
        cursor = self._tickets.find({**query, **NUMBERED}, TICKET_FIELDS).sort(sort)
        if limit:
            cursor = cursor.limit(limit)
        return [ticket_from_doc(doc) async for doc in cursor]

    async def idle(self, level: str, idle_since: datetime, limit: int) -> list[Ticket]:
        return await self.many(
            {"level": level, "status": {"$ne": "closed"}, "updated_at": {"$lt": iso(idle_since)}},
            [("updated_at", ASCENDING)],
            limit,
        )

    async def children(self, ticket_id: UUID) -> list[Ticket]:
        return await self.many(
            {"parent_id": str(ticket_id)}, [("opened_at", ASCENDING), ("_id", ASCENDING)]
        )

    async def list(
        self, query: TicketQuery, visible: Visibility | None, priorities: Sequence[str]
    ) -> Listing[Ticket]:
        docs, total, next_cursor = await self._page(query, visible, priorities)
        return Listing(
            [ticket_from_doc(doc) for doc in docs],
            min(total, COUNT_LIMIT),
            total <= COUNT_LIMIT,
            next_cursor,
        )

    async def page(
        self,
        query: TicketQuery,
        visible: Visibility | None,
        priorities: Sequence[str],
        clocks: Clocks | None = None,
    ) -> Listing[TicketRead]:
        docs, total, next_cursor = await self._page(query, visible, priorities)
        listing = Listing(
            ticket_reads_from_docs(docs, clocks),
            min(total, COUNT_LIMIT),
            total <= COUNT_LIMIT,
            next_cursor,
        )
        return listing

    async def rows(
        self,
        query: TicketQuery,
        visible: Visibility | None,
        priorities: Sequence[str],
        clocks: RowClocks | None = None,
    ) -> Listing[bytes]:
        """``page`` as each ticket's stored row with its clocks spliced in (``page_json``)."""
        docs, total, next_cursor = await self._page(query, visible, priorities)
        spliced: dict[int, bytes] = {}
        if clocks is not None and docs:  # the page at once, as on SQLite
            rows = [tuple(map(d.get, SPLICED_FIELDS)) for d in docs]
            spliced = dict(zip(*clocks.splice_rows(rows, (0, 1, 2, 3, 4, 5)), strict=True))
        items = [
            spliced.get(i) or page_json.listed(d.get("list_row"), d, lambda d=d: d, clocks)
            for i, d in enumerate(docs)
        ]
        return Listing(items, min(total, COUNT_LIMIT), total <= COUNT_LIMIT, next_cursor)

    async def count(self, query: TicketFilters, visible: Visibility | None) -> tuple[int, bool]:
        where, _ = await self._where(query, visible)
        total = await self._tickets.count_documents(where, limit=COUNT_LIMIT + 1)
        return min(total, COUNT_LIMIT), total <= COUNT_LIMIT

    async def _where(
        self, query: TicketFilters, visible: Visibility | None
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        words = filters.text_words(query)
        matches = None if words is None else await self._search.ticket_ids(words)
        where, ands = filters.where(query, visible, matches)
        if query.group:
            ands.append({"_id": {"$in": await self._people.tickets_of_groups(query.group)}})
        sla_filters(query, where)
        return ({**where, "$and": ands} if ands else where), ands

    async def _page(
        self, query: TicketQuery, visible: Visibility | None, priorities: Sequence[str]
    ) -> tuple[list[Any], int, str | None]:
        """Filters that each have an index ending in the list's order (see indexes.py); the
        page is read after the cursor (or skipping ``page``), one more than asked to know
        whether another follows; the total is counted up to COUNT_LIMIT. The priority sort
        reads one priority after the other, each in activity order (``paging.steps``); the
        SLA sort reads the tickets with a running clock, least time left first."""
        where, ands = await self._where(query, visible)
        if query.sort == "sla_due":
            where["sla_due_at"] = {"$type": "string"}
        total = await self._tickets.count_documents(where, limit=COUNT_LIMIT + 1)
        if query.sort == "sla_due":
            return await self._by_due(query, where, ands, total)
        field = paging.SORT_FIELD[query.sort]
        descending = query.order == "desc"
        order = [(field, DESCENDING), ("_id", ASCENDING)]
        if not descending:
            order = [(field, ASCENDING), ("_id", DESCENDING)]
        skip = 0 if query.cursor is not None else (query.page - 1) * query.page_size
        wanted = query.page_size + 1
        docs: list[Any] = []
        walks = paging.steps(query, priorities)
        for step in walks:
            parts = list(ands)
            if step.after is not None:
                value, after_id = step.after
                beyond, before = ("$lt", "$gt") if descending else ("$gt", "$lt")
                parts.append(
                    {"$or": [{field: {beyond: value}}, {field: value, "_id": {before: after_id}}]}
                )
            step_where = {k: v for k, v in where.items() if k != "$and"}
            if step.priority is not None:
                step_where["priority"] = step.priority
            if parts:
                step_where["$and"] = parts
            skip_here = skip if len(walks) == 1 else 0
            cursor = (
                self._tickets.find(step_where, TICKET_FIELDS)
                .sort(order)
                .skip(skip_here)
                .limit(wanted - len(docs) + skip - skip_here)
            )
            found = [doc async for doc in cursor]
            skipped = min(skip - skip_here, len(found))
            docs.extend(found[skipped:])
            skip -= skip_here + skipped
            if len(docs) >= wanted:
                break
        more, docs = len(docs) > query.page_size, docs[: query.page_size]
        last = docs[-1] if more else None
        return docs, total, paging.next_cursor(query, last, last["_id"]) if last else None

    async def _by_due(
        self, query: TicketQuery, where: dict[str, Any], ands: list[dict[str, Any]], total: int
    ) -> tuple[list[Any], int, str | None]:
        """The SLA sort (issue 12): least time left first (``order=desc``, the most pressing
        first as elsewhere) or most time left first (``asc``), in the index's order."""
        skip = (query.page - 1) * query.page_size
        backwards = query.order == "asc"
        if query.cursor is not None:
            position, after_id = read_cursor(query.cursor)
            later = after_due(position, after_id, backwards=backwards)
            where, skip = {**where, "$and": [*ands, later]}, 0
        cursor = (
            self._tickets.find(where, TICKET_FIELDS)
            .sort(SLA_ORDER_BACKWARDS if backwards else SLA_ORDER)
            .skip(skip)
            .limit(query.page_size + 1)
        )
        docs = [doc async for doc in cursor]
        more, docs = len(docs) > query.page_size, docs[: query.page_size]
        return docs, total, page_cursor(docs[-1]["sla_due_at"], docs[-1]["_id"]) if more else None

    # writes

    async def create(
        self,
        ticket: Ticket,
        *,
        year: int,
        interaction_id: UUID | None,
        history: Callable[[Ticket], Sequence[HistoryEntry]],
        announce: Callable[[Ticket], Sequence[Event]],
        assign_among: Sequence[str],
        apply_collected: ApplyCollected | None = None,
    ) -> Ticket:
        ticket_id = str(ticket.id)
        # 1. Claim the conversation: the unique index on active_thread_key refuses a second
        #    active ticket. Without a protocol the ticket is invisible to readers and updates.
        claim = {
            "_id": ticket_id,
            **ticket_fields(dataclasses.replace(ticket, version=0)),
            "protocol": None,
            "pending_history": [],
            "pending_events": [],
        }
        try:
            await self._tickets.insert_one(claim)
        except DuplicateKeyError as exc:
            if is_thread_conflict(exc):
                raise ThreadAlreadyActive(ticket.thread_key) from exc
            raise
        # 2. Take the interaction, if nobody did (a ticket opened meanwhile may have collected
        #    it); otherwise give the conversation back and write nothing.
        if interaction_id is not None and not await self._interactions.take(
            interaction_id, ticket_id
        ):
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
        attached = await self._interactions.collect(ticket.thread_key, ticket_id)
        lock = None
        if ticket.assignee is None and assign_among:
            # Loads count numbered tickets only, so the lock is held until this one is.
            lock = await self._directory.hold_assignment_lock(assign_among, ticket_id)
            loads = await self._directory.open_ticket_counts(assign_among)
            ticket = dataclasses.replace(
                ticket, assignee=assignment.most_available(loads, assign_among)
            )
        numbered = dataclasses.replace(
            ticket,
            protocol=protocol_number(year, sequence),
            version=1,
            interaction_count=len(attached),
        )
        if apply_collected is not None:
            numbered = dataclasses.replace(
                apply_collected(numbered, attached), version=1, interaction_count=len(attached)
            )
        # 5. Number it, with its history and events, in one write.
        entries = history_docs(history(numbered), numbered.version)
        try:
            await self._tickets.update_one(
                {"_id": ticket_id, "protocol": None},
                {
                    "$set": ticket_fields(numbered),
                    **outbox_push(entries, event_docs(announce(numbered), self._clock())),
                },
            )
        finally:
            await self._directory.release_assignment_lock(lock, ticket_id)
        await self._flush_history(ticket_id, entries)
        return numbered

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

    async def update(
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
        entries = history_docs(history, stored.version)
        # The interaction first, and only if no ticket holds it; it is given back if the ticket
        # write is refused, so a refusal writes nothing.
        # KNOWN GAP (no transactions): a crash between the two writes leaves the interaction
        # on the ticket without the change (count, history, events); its redelivery finds it
        # on a ticket and stops there.
        if interaction_id is not None and not await self._interactions.take(
            interaction_id, ticket_id
        ):
            raise InteractionTaken(str(interaction_id))
        try:
            result = await self._tickets.update_one(
                {"_id": ticket_id, "version": expected_version, **NUMBERED},
                {
                    "$set": ticket_fields(stored),
                    **outbox_push(entries, event_docs(events, self._clock())),
                },
            )
        except DuplicateKeyError as exc:
            # Reopening a ticket while another became active for the same conversation.
            await self._interactions.give_back(interaction_id, ticket_id)
            raise ThreadAlreadyActive(ticket.thread_key) from exc
        if result.matched_count != 1:
            await self._interactions.give_back(interaction_id, ticket_id)
            raise StaleTicket(ticket_id)
        await self._flush_history(ticket_id, entries)
        return stored
