"""The ticketing store on MongoDB (PyMongo's async API), composed of one typed part per
area: tickets, interactions, directory, outbox (and history).

A standalone MongoDB has no multi-document transactions, so every change that the port asks
to be atomic is written as ONE update of the ticket document: the ticket fields (guarded by
``version`` for updates), the history entries of the change pushed onto ``pending_history``,
the events announcing it pushed onto ``pending_events`` (the outbox).

Right after the write the store moves the pending history into the ``history`` collection
(insert, ignoring entries already there, then ``$pull``); whatever a crash leaves behind is
still returned by ``history_of`` and is moved by the next ``claim_unpublished``. Pending events
stay in the ticket until ``mark_published`` pulls them; ``claim_unpublished`` leases them one
by one with a compare-and-set on the event, so replicas never claim the same event at once.
Leases run out by the store's ``clock``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from contracts.base import Event
from contracts.persons import PersonQuery
from contracts.rules import TriageDecision
from contracts.tickets import (
    HistoryEntry,
    InteractionQuery,
    StoredInteraction,
    TicketFilters,
    TicketQuery,
    TicketRead,
)
from servicekit.clock import Clock, system_clock
from servicekit.mongo import connect
from servicekit.outbox import Backlog
from servicekit.publishing import OutgoingMessage
from ticketing.domain.access import Visibility
from ticketing.domain.persons import PersonRecord
from ticketing.domain.reports import TicketFacts
from ticketing.domain.tickets import Ticket
from ticketing.store.directory import Entries, Entry, Gets, Kind, LevelDeletion
from ticketing.store.mongo import lifecycle
from ticketing.store.mongo.detail import MongoDetail
from ticketing.store.mongo.directory import MongoDirectory
from ticketing.store.mongo.documents import NUMBERED, Collections
from ticketing.store.mongo.indexes import create_indexes
from ticketing.store.mongo.interactions import MongoInteractions
from ticketing.store.mongo.outbox import MongoOutbox
from ticketing.store.mongo.people import MongoPeople
from ticketing.store.mongo.reports import MongoReports
from ticketing.store.mongo.search import MongoSearch
from ticketing.store.mongo.sla import MongoSla
from ticketing.store.mongo.tickets import MongoTickets
from ticketing.store.mongo.upgrade import upgrade
from ticketing.store.port import (
    ApplyCollected,
    Clocks,
    Listing,
    Match,
    Recording,
    RowClocks,
    StoredDetail,
)
from ticketing.store.reports import ReportSource, source_of


class MongoTicketStore:
    backend = "mongodb"

    def __init__(
        self,
        url: str,
        *,
        database: str = "socialdesk_ticketing",
        client: Any = None,
        clock: Clock = system_clock,
    ) -> None:
        if client is None:
            self._client, db = connect(url, database)
        else:
            self._client, db = client, client[database]
        self._collections = Collections.of(db)
        self._reports = MongoReports(db)
        self.project_ticket = self._reports.project_ticket
        self.report_rows = self._reports.report_rows
        self.report_hours = self._reports.report_hours
        self.report_totals_before = self._reports.report_totals_before
        self._tickets = self._collections.tickets
        self._locks = self._collections.locks
        self._directory = MongoDirectory(self._collections, clock)
        self._people = MongoPeople(self._collections, clock)
        self._interactions = MongoInteractions(self._collections, self._people)
        self.interaction_by_key = self._interactions.interaction_by_key
        self.interactions_of = self._interactions.interactions_of
        self.get_interaction = self._interactions.get_interaction
        self.tag_interaction = self._interactions.tag_interaction
        self.change_interaction = self._interactions.change_interaction
        self._outbox = MongoOutbox(self._collections, clock)
        self._sla = MongoSla(self._collections)
        self._search = MongoSearch(self._collections)
        self._detail = MongoDetail(self._collections)
        self._ticket_writes = MongoTickets(
            self._collections,
            interactions=self._interactions,
            directory=self._directory,
            # Looked up on each call, so a test can stand in for a crash before the move.
            flush_history=lambda ticket_id, entries: self._flush_history(ticket_id, entries),
            clock=clock,
            search=self._search,
        )

    async def open(self) -> None:
        await upgrade(self._collections)
        await create_indexes(self._collections)
        await self._reports.create_indexes()

    async def ping(self) -> None:
        await self._client.admin.command("ping")

    async def close(self) -> None:
        await self._client.close()

    async def _flush_history(self, ticket_id: str, entries: list[dict[str, Any]]) -> None:
        await self._outbox.flush_history(ticket_id, entries)

    # interactions

    async def record_interaction(
        self,
        stored: StoredInteraction,
        *,
        thread_key: str,
        decision: TriageDecision | None = None,
        author: PersonRecord | None = None,
    ) -> StoredInteraction:
        return await self._interactions.record_interaction(
            stored, thread_key=thread_key, decision=decision, author=author
        )

    async def list_interactions(
        self, query: InteractionQuery, *, visible: Visibility | None = None
    ) -> Listing[StoredInteraction]:
        return await self._interactions.list_interactions(query, visible)

    # ticket reads

    async def active_ticket(self, thread_key: str) -> Ticket | None:
        return await self._ticket_writes.one({"active_thread_key": thread_key, **NUMBERED})

    async def latest_ticket(self, thread_key: str) -> Ticket | None:
        return await self._ticket_writes.one(
            {"thread_key": thread_key, **NUMBERED}, sort=[("opened_at", -1)]
        )

    async def get_ticket(self, ticket_id: UUID) -> Ticket | None:
        return await self._ticket_writes.one({"_id": str(ticket_id), **NUMBERED})

    async def get_ticket_by_protocol(self, protocol: str) -> Ticket | None:
        return await self._ticket_writes.one({"protocol": protocol})

    async def list_tickets(
        self,
        query: TicketQuery,
        *,
        visible: Visibility | None = None,
        priorities: Sequence[str] = (),
    ) -> Listing[Ticket]:
        return await self._ticket_writes.list(query, visible, priorities)

    async def ticket_page(
        self,
        query: TicketQuery,
        *,
        visible: Visibility | None = None,
        priorities: Sequence[str] = (),
        clocks: Clocks | None = None,
    ) -> Listing[TicketRead]:
        return await self._ticket_writes.page(query, visible, priorities, clocks)

    async def ticket_rows(
        self,
        query: TicketQuery,
        *,
        visible: Visibility | None = None,
        priorities: Sequence[str] = (),
        clocks: RowClocks | None = None,
    ) -> Listing[bytes]:
        return await self._ticket_writes.rows(query, visible, priorities, clocks)

    async def count_tickets(
        self, filters: TicketFilters, *, visible: Visibility | None = None
    ) -> tuple[int, bool]:
        return await self._ticket_writes.count(filters, visible)

    async def search(
        self, query: str, *, visible: Visibility | None = None, limit: int = 20
    ) -> list[Match]:
        return await self._search.find(query, visible, limit)

    async def idle_tickets(self, level: str, idle_since: datetime, limit: int) -> list[Ticket]:
        return await self._ticket_writes.idle(level, idle_since, limit)

    async def children_of(self, ticket_id: UUID) -> list[Ticket]:
        return await self._ticket_writes.children(ticket_id)

    async def ticket_detail(self, ref: UUID | str) -> StoredDetail | None:
        return await self._detail.read(ref)

    async def history_of(self, ticket_id: UUID) -> list[HistoryEntry]:
        return await self._outbox.history_of(ticket_id)

    async def sla_due(self, now: datetime, limit: int) -> list[Ticket]:
        return await self._sla.due(now, limit)

    async def sla_counts(self, level: str) -> dict[str, int]:
        return await self._sla.counts(level)

    async def open_bands(
        self, since: datetime, until: datetime, levels: Sequence[str] | None
    ) -> list[tuple[datetime, str, str]]:
        return await self._sla.open_bands(since, until, levels)

    async def touch_sla(self, levels: list[str], at: datetime) -> int:
        return await self._sla.touch(levels, at)

    # ticket writes

    async def create_ticket(
        self,
        ticket: Ticket,
        *,
        year: int,
        interaction_id: UUID | None,
        history: Callable[[Ticket], Sequence[HistoryEntry]],
        announce: Callable[[Ticket], Sequence[Event]],
        assign_among: Sequence[str] = (),
        apply_collected: ApplyCollected | None = None,
        recording: Recording | None = None,
    ) -> Ticket:
        await self._interactions.record_new(recording)
        return await self._ticket_writes.create(
            ticket,
            year=year,
            interaction_id=interaction_id,
            history=history,
            announce=announce,
            assign_among=assign_among,
            apply_collected=apply_collected,
        )

    async def update_ticket(
        self,
        ticket: Ticket,
        *,
        expected_version: int,
        interaction_id: UUID | None,
        history: Sequence[HistoryEntry],
        events: Sequence[Event],
        recording: Recording | None = None,
    ) -> Ticket:
        await self._interactions.record_new(recording)
        return await self._ticket_writes.update(
            ticket,
            expected_version=expected_version,
            interaction_id=interaction_id,
            history=history,
            events=events,
        )

    async def merge_tickets(
        self,
        source: Ticket,
        target: Ticket,
        *,
        expected_versions: tuple[int, int],
        history: Sequence[HistoryEntry],
        events: Sequence[Event],
    ) -> tuple[Ticket, Ticket]:
        return await lifecycle.merge(
            self._ticket_writes,
            self._interactions,
            source,
            target,
            expected_versions=expected_versions,
            history=history,
            events=events,
        )

    async def update_assigning(
        self, *, expected_version: int, assign_among: Sequence[str], finish: lifecycle.Finish
    ) -> Ticket:
        return await lifecycle.update_assigning(
            self._ticket_writes,
            self._directory,
            expected_version=expected_version,
            assign_among=assign_among,
            finish=finish,
        )

    # directory

    async def create_entry(self, kind: Kind, key: str, body: dict[str, Any]) -> bool:
        return await self._directory.create_entry(kind, key, body)

    async def replace_entry(
        self, kind: Kind, key: str, body: dict[str, Any], *, expected_revision: int | None = None
    ) -> int | None:
        return await self._directory.replace_entry(
            kind, key, body, expected_revision=expected_revision
        )

    async def get_entry(self, kind: Kind, key: str) -> dict[str, Any] | None:
        return await self._directory.get_entry(kind, key)

    async def project_report(
        self, ticket_id: UUID, facts_of: Callable[[ReportSource], TicketFacts | None]
    ) -> bool:
        source = await source_of(self, ticket_id)
        if source is None:
            return False
        facts = facts_of(source)
        return await self.project_ticket(ticket_id, facts, version=source.ticket.version)

    async def read_entry(self, kind: Kind, key: str) -> Entry | None:
        return await self._directory.read_entry(kind, key)

    async def read_entries(self, kind: Kind) -> list[Entry]:
        return await self._directory.read_entries(kind)

    async def list_entries(self, kind: Kind) -> list[dict[str, Any]]:
        return await self._directory.list_entries(kind)

    async def read_directory(self, gets: Gets, kinds: Sequence[Kind]) -> Entries:
        return await self._directory.read_directory(gets, kinds)

    async def delete_entry(self, kind: Kind, key: str) -> bool:
        return await self._directory.delete_entry(kind, key)

    async def open_ticket_counts(self, agents: Sequence[str]) -> dict[str, int]:
        return await self._directory.open_ticket_counts(agents)

    async def delete_level(self, level: str) -> LevelDeletion:
        return await self._directory.delete_level(level)

    async def pin_level(self, level: str) -> str | None:
        return await self._directory.pin_level(level)

    async def unpin_level(self, level: str, pin: str) -> None:
        await self._directory.unpin_level(level, pin)

    async def hold_assignment_lock(self, agents: Sequence[str], holder: str) -> str | None:
        return await self._directory.hold_assignment_lock(agents, holder)

    async def release_assignment_lock(self, name: str | None, holder: str) -> None:
        await self._directory.release_assignment_lock(name, holder)

    # people

    async def get_person(self, person_id: UUID) -> PersonRecord | None:
        return await self._people.get_person(person_id)

    async def person_of(self, identity: str) -> PersonRecord | None:
        return await self._people.person_of(identity)

    async def people_with(self, terms: Sequence[str], *, limit: int = 50) -> list[PersonRecord]:
        return await self._people.people_with(terms, limit=limit)

    async def list_people(self, query: PersonQuery) -> tuple[list[PersonRecord], bool]:
        return await self._people.list_people(query)

    async def write_people(
        self,
        *,
        save: Sequence[PersonRecord],
        delete: Sequence[PersonRecord] = (),
        events: Sequence[Event] = (),
    ) -> list[PersonRecord]:
        return await self._people.write_people(save=save, delete=delete, events=events)

    # outbox

    async def claim_unpublished(
        self, *, older_than_seconds: float, lease_seconds: float, limit: int
    ) -> Sequence[OutgoingMessage]:
        for ticket_id, entries in await self._outbox.leftover_history(limit):
            await self._flush_history(ticket_id, entries)
        return await self._outbox.claim_unpublished(
            older_than_seconds=older_than_seconds, lease_seconds=lease_seconds, limit=limit
        )

    async def mark_published(self, ids: Sequence[UUID]) -> None:
        await self._outbox.mark_published(ids)

    async def outbox_backlog(self) -> Backlog:
        return await self._outbox.backlog()
