"""The ticketing repository port. Adapters make each call atomic: a ticket change, its
history entries, the interaction it attaches and the events that announce it are committed
together or not at all (the events go to an outbox; see servicekit.outbox)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from datetime import datetime
from typing import Any, Generic, Literal, NamedTuple, Protocol, TypeVar
from uuid import UUID

from contracts.base import Event
from contracts.rules import TriageDecision
from contracts.tickets import (
    HistoryEntry,
    InteractionQuery,
    StoredInteraction,
    TicketFilters,
    TicketQuery,
    TicketRead,
)
from servicekit.outbox import Backlog
from servicekit.publishing import OutgoingMessage
from ticketing.domain.access import Visibility
from ticketing.domain.persons import PersonRecord
from ticketing.domain.tickets import Ticket
from ticketing.store.directory import DirectoryStore
from ticketing.store.people import PeopleStore
from ticketing.store.reports import ReportStore


class ThreadAlreadyActive(Exception):
    """Another ticket is already active for this conversation (a concurrent creator won)."""


class StaleTicket(Exception):
    """The ticket changed since it was read; read it again and redo the change."""


class InteractionTaken(Exception):
    """The interaction already belongs to a ticket: a concurrent writer attached it (e.g. a
    ticket opened meanwhile collected it). Nothing was written."""


class AlreadyRecorded(Exception):
    """The interaction a ``Recording`` carries was stored meanwhile (its channel and external
    id are known): nothing was written; read it again."""


T = TypeVar("T")


class Recording(NamedTuple):
    """A new interaction stored by the same write as the ticket change that places it (one
    transaction on SQLite where recording it first took one more), as ``record_interaction``
    would: ``decision`` is kept beside it, and ``author`` made as it says. The write raises
    AlreadyRecorded when its key is stored already, and attaches it as its
    ``interaction_id`` (which must be its id)."""

    stored: StoredInteraction
    thread_key: str
    decision: TriageDecision | None = None
    author: PersonRecord | None = None


class Collected(NamedTuple):
    """An interaction of the conversation that a new ticket collected, with the decision the
    rules made for it when it was triaged (None when nothing was decided for it)."""

    stored: StoredInteraction
    decision: TriageDecision | None


ApplyCollected = Callable[[Ticket, Sequence[Collected]], Ticket]


class Listing(NamedTuple, Generic[T]):
    """One page of a list. ``total`` counts the matches up to ``contracts.tickets.COUNT_LIMIT``
    (``total_exact`` false past it), so a page costs the same however large the desk grows.
    ``next_cursor`` continues after the last item; None on the last page."""

    items: list[T]
    total: int
    total_exact: bool = True
    next_cursor: str | None = None


Clocks = Callable[[Mapping[str, Any]], dict[str, Any] | None]
"""A listed ticket's SLA clocks (``TicketSla``'s shape, as JSON) from its stored document
(``codec.ticket_to_doc``'s shape); None without clocks (``shared.sla_policies.PageClocks``)."""


class RowClocks(Protocol):
    """``Clocks`` that also write a page of stored rows whole (``ticket_rows``;
    ``shared.sla_policies.PageClocks``)."""

    def __call__(self, doc: Mapping[str, Any]) -> dict[str, Any] | None:
        """A row's clocks worked out from its document, as ``Clocks``."""
        ...

    def splice_rows(
        self,
        rows: Sequence[Sequence[Any]],
        at: tuple[int, int, int, int, int, int],
        page: Hashable | None = None,
    ) -> tuple[list[int], list[bytes]]:
        """The rows whose stored reading still holds, with their clocks spliced in, and
        their places on the page; with ``page``, a page spliced whole is kept for
        ``kept_page``."""
        ...

    def kept_page(self, page: Hashable) -> list[bytes] | None:
        """The rows of a page ``splice_rows`` kept, when what they were spliced from holds."""
        ...

    def without_clocks(self, level: str | None, priority: str) -> bool:
        """Whether a ticket of ``level`` and ``priority`` shows no clocks."""
        ...


class StoredDetail(NamedTuple):
    """A ticket's detail page as stored, read together (``TicketStore.ticket_detail``).
    ``ticket`` is the domain ticket access and the SLA clocks are decided on; ``read`` is the
    same ticket as the desk sees it; ``interactions`` are oldest first, each with its ticket
    and its author's groups as read now; ``children`` are its sub-tickets, oldest first.
    ``interactions_json`` is ``interactions`` as pydantic writes the list, when the store
    wrote it (``store.detail_interactions``)."""

    ticket: Ticket
    read: TicketRead
    interactions: list[StoredInteraction]
    children: list[TicketRead]
    interactions_json: bytes | None = None


class Match(NamedTuple):
    """One search match: a ticket's title or an interaction's text (``ref`` is its id),
    with the ticket it belongs to (None for an interaction no ticket holds yet)."""

    kind: Literal["ticket", "interaction"]
    ref: str
    ticket_id: str | None
    protocol: str | None
    text: str
    score: float


class TicketStore(DirectoryStore, PeopleStore, ReportStore, Protocol):
    backend: str

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def ping(self) -> None:
        """Raise when the database cannot be reached (the health checks call it)."""
        ...

    async def record_interaction(
        self,
        stored: StoredInteraction,
        *,
        thread_key: str,
        decision: TriageDecision | None = None,
        author: PersonRecord | None = None,
    ) -> StoredInteraction:
        """Store the interaction unless (channel, external_id) is known; return the stored one
        (which may already belong to a ticket). ``decision`` is kept beside it, in the same
        write, so whichever ticket later collects the interaction applies it. ``author``: its
        author's person, first seen (version 0, in no group), made unless a person holds its
        identity already (another writer's is kept, no error): in the same transaction on
        SQLite; on MongoDB as a step of its own before the interaction, so a stored
        interaction always has its author's person."""
        ...

    async def interaction_by_key(self, key: str) -> StoredInteraction | None:
        """The interaction stored under ``key`` (channel:external_id), if any."""
        ...

    async def active_ticket(self, thread_key: str) -> Ticket | None: ...

    async def latest_ticket(self, thread_key: str) -> Ticket | None:
        """The most recently opened ticket of the conversation, active or not."""
        ...

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
        """Store ``recording``'s interaction first when given (see Recording). Give the
        ticket the next protocol number of ``year`` and store it, attaching the interaction
        and every interaction of the conversation that has no ticket yet (they can arrive
        before the one that opens the ticket); ``interaction_count`` counts them.
        ``apply_collected`` is called in the same write with the numbered ticket and every
        interaction it collected, ``interaction_id`` included (oldest first, each with its
        kept decision), and the ticket it returns is the one stored: only this write
        attaches them, so their decisions take effect exactly once. ``history`` and
        ``announce`` are then called with the stored ticket. Raises ThreadAlreadyActive when
        the conversation already has an active ticket, and InteractionTaken when
        ``interaction_id`` already belongs to a ticket. An unassigned ticket with
        ``assign_among`` goes to the most available of those agents, chosen from loads read
        in the same write, so concurrent creations spread over the agents."""
        ...

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
        """Store ``recording``'s interaction first when given (see Recording). Replace the
        ticket if it is still at ``expected_version`` (raises StaleTicket otherwise),
        attaching ``interaction_id`` only if it has no ticket yet (raises InteractionTaken
        otherwise, writing nothing); the stored ticket's version is one higher."""
        ...

    async def get_ticket(self, ticket_id: UUID) -> Ticket | None: ...

    async def get_ticket_by_protocol(self, protocol: str) -> Ticket | None: ...

    async def list_tickets(
        self,
        query: TicketQuery,
        *,
        visible: Visibility | None = None,
        priorities: Sequence[str] = (),
    ) -> Listing[Ticket]:
        """The page of tickets the query asks for (in ``query.sort``'s order, then by id;
        after ``query.cursor`` when given, else ``query.page``); with ``visible``, only the
        tickets that agent may see. The priority sort follows ``priorities`` (the scale,
        highest first) and lists no ticket whose priority is not in it."""
        ...

    async def count_tickets(
        self, filters: TicketFilters, *, visible: Visibility | None = None
    ) -> tuple[int, bool]:
        """How many tickets the filters select (of those ``visible`` allows), counted up to
        ``contracts.tickets.COUNT_LIMIT``, and whether the count is exact: an index walk,
        no ticket read."""
        ...

    async def search(
        self, query: str, *, visible: Visibility | None = None, limit: int = 20
    ) -> list[Match]:
        """The best ``limit`` tickets (by title) and interactions (by text) holding every
        word of ``query``, ignoring case and accents, best first; a title match ranks above
        a text match. Only what ``visible`` allows; removed tickets and interactions removed
        on their network are not found."""
        ...

    async def ticket_page(
        self,
        query: TicketQuery,
        *,
        visible: Visibility | None = None,
        priorities: Sequence[str] = (),
        clocks: Clocks | None = None,
    ) -> Listing[TicketRead]:
        """The same page as ``list_tickets``, as the read model the desk is answered with,
        built from the stored documents without the domain ticket in between (the desk's
        most frequent read). ``clocks``: each item's ``sla`` from its stored document,
        validated with the page."""
        ...

    async def ticket_rows(
        self,
        query: TicketQuery,
        *,
        visible: Visibility | None = None,
        priorities: Sequence[str] = (),
        clocks: RowClocks | None = None,
    ) -> Listing[bytes]:
        """``ticket_page``'s items as JSON, each the row stored with the ticket's every
        write (``codec.list_row``) with its clocks spliced in (``page_json``): byte for
        byte what serialising ``ticket_page``'s items gives, without a model per row."""
        ...

    async def ticket_detail(self, ref: UUID | str) -> StoredDetail | None:
        """The ticket (by id, or by protocol number when ``ref`` is a string) with its
        interactions, their authors' groups (their person's, then any an earlier version
        kept in the author's directory entry, each once) and its sub-tickets, in one read of
        the store: the authors are looked up together, not one by one. None when no ticket
        has that id or number."""
        ...

    async def interactions_of(self, ticket_id: UUID) -> list[StoredInteraction]: ...

    async def get_interaction(self, interaction_id: UUID) -> StoredInteraction | None: ...

    async def list_interactions(
        self, query: InteractionQuery, *, visible: Visibility | None = None
    ) -> Listing[StoredInteraction]:
        """Newest first; ``text`` is a case-insensitive substring. With ``visible``, only the
        interactions of tickets it sees and those without a ticket on its accounts."""
        ...

    async def tag_interaction(
        self, interaction_id: UUID, tags: list[str]
    ) -> StoredInteraction | None:
        """Add tags (ignoring case, keeping the first spelling); None when it is unknown."""
        ...

    async def change_interaction(
        self, key: str, change: Callable[[StoredInteraction], StoredInteraction | None]
    ) -> tuple[StoredInteraction, StoredInteraction | None] | None:
        """Replace the interaction stored under ``key`` (channel:external_id) by what
        ``change`` makes of it, text search included; None when no interaction has the key,
        else (before, after), after None when ``change`` had nothing to do."""
        ...

    async def history_of(self, ticket_id: UUID) -> list[HistoryEntry]: ...

    async def sla_due(self, now: datetime, limit: int) -> list[Ticket]:
        """Tickets whose SLA reading is due (``sla.next_at`` at or before ``now``), soonest
        first, from an index on that time: tickets not due are not read."""
        ...

    async def sla_counts(self, level: str) -> dict[str, int]:
        """Tickets of the level on the desk per band of their last SLA reading."""
        ...

    async def open_bands(
        self, since: datetime, until: datetime, levels: Sequence[str] | None
    ) -> list[tuple[datetime, str, str]]:
        """The unresolved, unclosed tickets on the desk opened in [since, until) (of
        ``levels``; None: every level), each as (opened_at, band of its last SLA reading or
        "" without a running clock, level): the reports' band split (issue 13)."""
        ...

    async def idle_tickets(self, level: str, idle_since: datetime, limit: int) -> list[Ticket]:
        """Tickets of the level, not closed, unchanged since before ``idle_since``; oldest
        first."""
        ...

    async def children_of(self, ticket_id: UUID) -> list[Ticket]:
        """Its sub-tickets, in the order they were opened."""
        ...

    async def merge_tickets(
        self,
        source: Ticket,
        target: Ticket,
        *,
        expected_versions: tuple[int, int],
        history: Sequence[HistoryEntry],
        events: Sequence[Event],
    ) -> tuple[Ticket, Ticket]:
        """Write the closed source and the reopened target if both are still at their
        expected versions (StaleTicket otherwise, nothing written), moving every interaction
        of the source to the target; the target's ``interaction_count`` is recounted."""
        ...

    async def update_assigning(
        self,
        *,
        expected_version: int,
        assign_among: Sequence[str],
        finish: Callable[[str], tuple[Ticket, Sequence[HistoryEntry], Sequence[Event]]],
    ) -> Ticket:
        """Choose the most available of ``assign_among`` from loads read in the same write,
        then write the ticket ``finish(chosen)`` returns (with its history and events) if it
        is still at ``expected_version`` (StaleTicket otherwise)."""
        ...

    async def claim_unpublished(
        self, *, older_than_seconds: float, lease_seconds: float, limit: int
    ) -> Sequence[OutgoingMessage]: ...

    async def mark_published(self, ids: Sequence[UUID]) -> None:
        """RabbitMQ has these events. An adapter may write this a moment later (SQLite rides
        it on the next write transaction); the outbox methods see it already."""
        ...

    async def outbox_backlog(self) -> Backlog:
        """How many events are unpublished, and the oldest one's age."""
        ...
