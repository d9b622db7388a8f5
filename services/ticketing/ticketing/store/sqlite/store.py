"""The ticketing store on SQLite: each port call is one read, or one write transaction of
the functions in this package (writes, reads, interactions, directory, outbox)."""

from __future__ import annotations

import dataclasses
import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
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
from servicekit.clock import Clock, epoch_seconds, system_clock
from servicekit.outbox import Backlog
from servicekit.publishing import OutgoingMessage
from servicekit.sqlite import SqliteDatabase
from ticketing.domain.access import Visibility
from ticketing.domain.persons import PersonRecord
from ticketing.domain.tickets import Ticket
from ticketing.store.port import (
    ApplyCollected,
    Clocks,
    Listing,
    Match,
    Recording,
    RowClocks,
    StoredDetail,
    ThreadAlreadyActive,
)
from ticketing.store.sqlite import (
    detail,
    directory,
    interactions,
    list_rows,
    outbox,
    people,
    read_rows,
    reads,
    report_writes,
    reports,
    search,
    writes,
)
from ticketing.store.sqlite.schema import SCHEMA
from ticketing.store.sqlite.upgrade import upgrade


class SqliteTicketStore(directory.DirectoryEntries, report_writes.ReportEntries):
    backend = "sqlite"

    def __init__(
        self,
        path: Path,
        *,
        clock: Clock = system_clock,
        facts_of: report_writes.FactsOf | None = None,
    ) -> None:
        """``facts_of``: how a ticket's report facts are made (``shared.report_facts``); with
        it, each write transaction projects the tickets whose events it writes
        (``report_writes``), else only the ``ticketing.reports`` consumer does."""
        self._projection = report_writes.WriteProjection(facts_of)
        self._db = SqliteDatabase(
            path,
            SCHEMA + reports.SCHEMA + search.PENDING + report_writes.PENDING,
            before_commit=self._before_commit,
            after_commit=self._projection.after_commit,
        )
        self._clock = clock
        self._read = read_rows.ReadRows()

    def _before_commit(self, connection: sqlite3.Connection) -> None:
        search.write_pending(connection)
        self._projection.before_commit(connection)

    async def open(self) -> None:
        await self._db.open()
        await self._db.write(upgrade)

    async def ping(self) -> None:
        await self._db.ping()

    async def close(self) -> None:
        await self._db.close()

    def _now(self) -> float:
        """Outbox times are epoch seconds by the store's clock (leases run out by it)."""
        return epoch_seconds(self._clock)

    # interactions

    async def record_interaction(
        self,
        stored: StoredInteraction,
        *,
        thread_key: str,
        decision: TriageDecision | None = None,
        author: PersonRecord | None = None,
    ) -> StoredInteraction:
        return await self._db.write(
            lambda c: writes.record(c, stored, thread_key, decision, author)
        )

    async def interactions_of(self, ticket_id: UUID) -> list[StoredInteraction]:
        return await self._db.read(lambda c: interactions.of_ticket(c, ticket_id))

    async def get_interaction(self, interaction_id: UUID) -> StoredInteraction | None:
        return await self._db.read(lambda c: interactions.get(c, interaction_id))

    async def list_interactions(
        self, query: InteractionQuery, *, visible: Visibility | None = None
    ) -> Listing[StoredInteraction]:
        return await self._db.read(lambda c: interactions.find(c, query, visible))

    async def tag_interaction(
        self, interaction_id: UUID, tags: list[str]
    ) -> StoredInteraction | None:
        return await self._db.write(lambda c: interactions.tag(c, interaction_id, tags))

    async def change_interaction(
        self, key: str, change: Callable[[StoredInteraction], StoredInteraction | None]
    ) -> tuple[StoredInteraction, StoredInteraction | None] | None:
        return await self._db.write(lambda c: interactions.change(c, key, change))

    # ticket reads

    async def interaction_by_key(self, key: str) -> StoredInteraction | None:
        return await self._db.read(lambda c: interactions.by_key(c, key))

    async def active_ticket(self, thread_key: str) -> Ticket | None:
        return await self._db.read(
            lambda c: reads.one(c, "active_thread_key = ?", thread_key, keep=self._read)
        )

    async def latest_ticket(self, thread_key: str) -> Ticket | None:
        return await self._db.read(lambda c: reads.latest(c, thread_key))

    async def get_ticket(self, ticket_id: UUID) -> Ticket | None:
        return await self._db.read(lambda c: reads.one(c, "id = ?", str(ticket_id)))

    async def get_ticket_by_protocol(self, protocol: str) -> Ticket | None:
        return await self._db.read(lambda c: reads.one(c, "protocol = ?", protocol))

    async def list_tickets(
        self,
        query: TicketQuery,
        *,
        visible: Visibility | None = None,
        priorities: Sequence[str] = (),
    ) -> Listing[Ticket]:
        return await self._db.read(lambda c: reads.list_tickets(c, query, visible, priorities))

    async def ticket_page(
        self,
        query: TicketQuery,
        *,
        visible: Visibility | None = None,
        priorities: Sequence[str] = (),
        clocks: Clocks | None = None,
    ) -> Listing[TicketRead]:
        return await self._db.read(
            lambda c: reads.ticket_page(c, query, visible, priorities, clocks)
        )

    async def ticket_rows(
        self,
        query: TicketQuery,
        *,
        visible: Visibility | None = None,
        priorities: Sequence[str] = (),
        clocks: RowClocks | None = None,
    ) -> Listing[bytes]:
        return await self._db.read(
            lambda c: list_rows.ticket_rows(c, query, visible, priorities, clocks)
        )

    async def count_tickets(
        self, filters: TicketFilters, *, visible: Visibility | None = None
    ) -> tuple[int, bool]:
        return await self._db.read(lambda c: reads.count(c, filters, visible))

    async def search(
        self, query: str, *, visible: Visibility | None = None, limit: int = 20
    ) -> list[Match]:
        return await self._db.read(lambda c: search.find(c, query, visible, limit))

    async def idle_tickets(self, level: str, idle_since: datetime, limit: int) -> list[Ticket]:
        return await self._db.read(lambda c: reads.idle(c, level, idle_since, limit))

    async def children_of(self, ticket_id: UUID) -> list[Ticket]:
        return await self._db.read(lambda c: reads.children(c, ticket_id))

    async def ticket_detail(self, ref: UUID | str) -> StoredDetail | None:
        return await self._db.read(lambda c: detail.detail(c, ref))

    async def history_of(self, ticket_id: UUID) -> list[HistoryEntry]:
        return await self._db.read(lambda c: reads.history_of(c, ticket_id))

    async def sla_due(self, now: datetime, limit: int) -> list[Ticket]:
        return await self._db.read(lambda c: reads.sla_due(c, now, limit))

    async def sla_counts(self, level: str) -> dict[str, int]:
        return await self._db.read(lambda c: reads.sla_counts(c, level))

    async def open_bands(
        self, since: datetime, until: datetime, levels: Sequence[str] | None
    ) -> list[tuple[datetime, str, str]]:
        return await self._db.read(lambda c: reads.open_bands(c, since, until, levels))

    async def touch_sla(self, levels: list[str], at: datetime) -> int:
        return await self._db.write(lambda c: reads.touch_sla(c, levels, at))

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
        now = self._now()
        return await self._db.write(
            lambda c: writes.create(
                c,
                ticket,
                year=year,
                interaction_id=interaction_id,
                history=history,
                announce=announce,
                assign_among=assign_among,
                now=now,
                apply_collected=apply_collected,
                recording=recording,
            )
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
        stored = dataclasses.replace(ticket, version=expected_version + 1)
        now = self._now()
        try:
            return await self._db.write(
                lambda c: writes.update(
                    c,
                    stored,
                    expected_version=expected_version,
                    interaction_id=interaction_id,
                    history=history,
                    events=events,
                    now=now,
                    recording=recording,
                    read=self._read.take(str(ticket.id), expected_version),
                )
            )
        except sqlite3.IntegrityError as exc:
            if "active_thread_key" not in str(exc):
                raise
            # Reopening a ticket while another became active for the same conversation.
            raise ThreadAlreadyActive(ticket.thread_key) from exc

    async def merge_tickets(
        self,
        source: Ticket,
        target: Ticket,
        *,
        expected_versions: tuple[int, int],
        history: Sequence[HistoryEntry],
        events: Sequence[Event],
    ) -> tuple[Ticket, Ticket]:
        closed = dataclasses.replace(source, version=expected_versions[0] + 1)
        now = self._now()
        return await self._db.write(
            lambda c: writes.merge(
                c,
                closed,
                target,
                expected_versions=expected_versions,
                history=history,
                events=events,
                now=now,
            )
        )

    async def update_assigning(
        self,
        *,
        expected_version: int,
        assign_among: Sequence[str],
        finish: writes.Finish,
    ) -> Ticket:
        now = self._now()
        return await self._db.write(
            lambda c: writes.update_assigning(
                c,
                expected_version=expected_version,
                assign_among=assign_among,
                finish=finish,
                now=now,
            )
        )

    # people

    async def get_person(self, person_id: UUID) -> PersonRecord | None:
        return await self._db.read(lambda c: people.get(c, person_id))

    async def person_of(self, identity: str) -> PersonRecord | None:
        return await self._db.read(lambda c: people.of_identity(c, identity))

    async def people_with(self, terms: Sequence[str], *, limit: int = 50) -> list[PersonRecord]:
        return await self._db.read(lambda c: people.with_terms(c, terms, limit))

    async def list_people(self, query: PersonQuery) -> tuple[list[PersonRecord], bool]:
        return await self._db.read(lambda c: people.page(c, query))

    async def write_people(
        self,
        *,
        save: Sequence[PersonRecord],
        delete: Sequence[PersonRecord] = (),
        events: Sequence[Event] = (),
    ) -> list[PersonRecord]:
        now = self._now()
        return await self._db.write(lambda c: writes.write_people(c, save, delete, events, now))

    # outbox

    async def claim_unpublished(
        self, *, older_than_seconds: float, lease_seconds: float, limit: int
    ) -> Sequence[OutgoingMessage]:
        now = self._now()
        return await self._db.write(
            lambda c: outbox.claim(
                c,
                now=now,
                older_than_seconds=older_than_seconds,
                lease_seconds=lease_seconds,
                limit=limit,
            )
        )

    async def mark_published(self, ids: Sequence[UUID]) -> None:
        # In the next write transaction (claims and the backlog see it): a row left behind
        # by a crash is published again by the relay, which consumers take as a duplicate.
        self._db.write_later(lambda c: outbox.mark_published(c, ids))

    async def outbox_backlog(self) -> Backlog:
        await self._db.settle_later()
        events, oldest = await self._db.read(outbox.backlog)
        return Backlog.since(events, oldest, self._clock())
