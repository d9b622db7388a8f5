"""Idle tickets, sub-tickets and merges on MongoDB (mixed into MongoTicketStore)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from pymongo import ASCENDING

from contracts.base import Event
from contracts.tickets import HistoryEntry
from ticketing.domain import assignment
from ticketing.domain.tickets import Ticket
from ticketing.store.codec import iso, ticket_from_doc

NUMBERED = {"protocol": {"$type": "string"}}
TICKET_FIELDS = {"pending_history": 0, "pending_events": 0, "tags_folded": 0}


class MongoLifecycle:
    _tickets: Any
    _interactions: Any

    async def _open_lifecycle(self) -> None:
        await self._tickets.create_index([("level", ASCENDING), ("updated_at", ASCENDING)])
        await self._tickets.create_index([("extra.parent_id", ASCENDING)])

    async def idle_tickets(self, level: str, idle_since: datetime, limit: int) -> list[Ticket]:
        cursor = (
            self._tickets.find(
                {
                    "level": level,
                    "status": {"$ne": "closed"},
                    "updated_at": {"$lt": iso(idle_since)},
                    **NUMBERED,
                },
                TICKET_FIELDS,
            )
            .sort([("updated_at", ASCENDING)])
            .limit(limit)
        )
        return [ticket_from_doc(doc) async for doc in cursor]

    async def children_of(self, ticket_id: UUID) -> list[Ticket]:
        cursor = self._tickets.find(
            {"extra.parent_id": str(ticket_id), **NUMBERED}, TICKET_FIELDS
        ).sort([("opened_at", ASCENDING), ("_id", ASCENDING)])
        return [ticket_from_doc(doc) async for doc in cursor]

    async def merge_tickets(
        self,
        source: Ticket,
        target: Ticket,
        *,
        expected_versions: tuple[int, int],
        history: Sequence[HistoryEntry],
        events: Sequence[Event],
    ) -> tuple[Ticket, Ticket]:
        """KNOWN GAP (no transactions): three writes. The source is closed first (its
        version check refuses a concurrent merge), then its interactions move, then the
        target is written with the history and events. A crash in between leaves the
        interactions on the target with the target's count and events not yet updated."""
        store: Any = self
        closed = await store.update_ticket(
            source,
            expected_version=expected_versions[0],
            interaction_id=None,
            history=[],
            events=[],
        )
        await self._interactions.update_many(
            {"ticket_id": str(source.id)}, {"$set": {"ticket_id": str(target.id)}}
        )
        count = await self._interactions.count_documents({"ticket_id": str(target.id)})
        reopened = await store.update_ticket(
            dataclasses.replace(target, interaction_count=count),
            expected_version=expected_versions[1],
            interaction_id=None,
            history=history,
            events=events,
        )
        return closed, reopened

    async def update_assigning(
        self,
        *,
        expected_version: int,
        assign_among: Sequence[str],
        finish: Callable[[str], tuple[Ticket, Sequence[HistoryEntry], Sequence[Event]]],
    ) -> Ticket:
        """The assignment lease (see MongoDirectory) stands in for the transaction."""
        store: Any = self
        holder = f"move:{id(finish)}"
        lock = await store.hold_assignment_lock(assign_among, holder)
        try:
            loads = await store.open_ticket_counts(assign_among)
            chosen = assignment.most_available(loads, assign_among)
            assert chosen is not None, "update_assigning needs agents to choose from"
            ticket, history, events = finish(chosen)
            return await store.update_ticket(  # type: ignore[no-any-return]
                ticket,
                expected_version=expected_version,
                interaction_id=None,
                history=history,
                events=events,
            )
        finally:
            await store.release_assignment_lock(lock, holder)
