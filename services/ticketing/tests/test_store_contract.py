"""What every TicketStore adapter must do, as the ticketing service relies on it."""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest

from contracts.events import FieldChange, TicketChangedV1, TicketOpenedV1
from contracts.interaction import Author, Channel, Interaction, Kind
from contracts.rules import OpenTicket, TriageDecision
from contracts.tickets import HistoryEntry, StoredInteraction, TicketQuery
from servicekit.clock import ManualClock
from servicekit.outbox import Backlog
from ticketing.domain import tickets
from ticketing.domain.priority import PriorityScale
from ticketing.domain.status import Status
from ticketing.domain.threading import thread_key
from ticketing.domain.tickets import Ticket
from ticketing.shared import views
from ticketing.store.port import (
    InteractionTaken,
    StaleTicket,
    ThreadAlreadyActive,
    TicketStore,
)

T0 = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
SCALE = PriorityScale()


def message(
    thread: str,
    *,
    minutes: int = 0,
    channel: Channel = Channel.FACEBOOK,
    external_id: str | None = None,
) -> Interaction:
    return Interaction(
        channel=channel,
        account="acme-page",
        external_id=external_id or f"ext-{uuid4().hex[:10]}",
        thread_id=thread,
        kind=Kind.COMMENT,
        author=Author(id="user-1", name="Maria Souza"),
        text="My order never arrived",
        occurred_at=T0 + timedelta(minutes=minutes),
    )


async def record(store: TicketStore, interaction: Interaction) -> StoredInteraction:
    return await store.record_interaction(
        StoredInteraction(id=uuid4(), ticket_id=None, received_at=T0, interaction=interaction),
        thread_key=thread_key(interaction),
    )


class Opening:
    """One create_ticket call as the service makes it, keeping what it wrote."""

    def __init__(
        self,
        interaction: Interaction,
        *,
        now: datetime = T0,
        status: str = "new",
        tags: Sequence[str] = (),
    ) -> None:
        decision = TriageDecision(open_ticket=OpenTicket(status=status), tags=list(tags))
        self.ticket = tickets.open_ticket(
            interaction=interaction, decision=decision, scale=SCALE, now=now
        )
        self.now = now
        self.history: list[HistoryEntry] = []
        self.events: list[TicketOpenedV1] = []

    def make_history(self, numbered: Ticket) -> list[HistoryEntry]:
        self.history = [
            HistoryEntry(
                id=uuid4(),
                ticket_id=numbered.id,
                at=self.now,
                actor="system",
                action="opened",
                after=numbered.protocol,
            )
        ]
        return self.history

    def announce(self, numbered: Ticket) -> list[TicketOpenedV1]:
        self.events = [
            TicketOpenedV1(ticket=views.snapshot(numbered), actor="system", correlation_id=uuid4())
        ]
        return self.events

    async def create(
        self, store: TicketStore, *, year: int = 2026, interaction_id: UUID | None = None
    ) -> Ticket:
        return await store.create_ticket(
            self.ticket,
            year=year,
            interaction_id=interaction_id,
            history=self.make_history,
            announce=self.announce,
        )


async def open_for(
    store: TicketStore,
    interaction: Interaction,
    *,
    year: int = 2026,
    now: datetime = T0,
    status: str = "new",
    tags: Sequence[str] = (),
) -> Ticket:
    stored = await record(store, interaction)
    opening = Opening(interaction, now=now, status=status, tags=tags)
    return await opening.create(store, year=year, interaction_id=stored.id)


@dataclasses.dataclass
class Edit:
    ticket: Ticket
    history: list[HistoryEntry]
    event: TicketChangedV1


def edit(ticket: Ticket, *, now: datetime, **patch: Any) -> Edit:
    """An agent's edit, as the service turns it into history and an event."""
    outcome = tickets.apply_patch(ticket, patch=patch, scale=SCALE, now=now)
    history = [
        HistoryEntry(
            id=uuid4(),
            ticket_id=ticket.id,
            at=now,
            actor="agent:ana",
            action="changed",
            field=c.field,
            before=c.before,
            after=c.after,
        )
        for c in outcome.changes
    ]
    event = TicketChangedV1(
        ticket=views.snapshot(outcome.ticket),
        actor="agent:ana",
        changes=[
            FieldChange(field=c.field, before=c.before, after=c.after) for c in outcome.changes
        ],
    )
    return Edit(outcome.ticket, history, event)


async def save(
    store: TicketStore,
    change: Edit,
    *,
    expected_version: int,
    interaction_id: UUID | None = None,
) -> Ticket:
    return await store.update_ticket(
        change.ticket,
        expected_version=expected_version,
        interaction_id=interaction_id,
        history=change.history,
        events=[change.event],
    )


async def apply(store: TicketStore, ticket: Ticket, *, now: datetime, **patch: Any) -> Ticket:
    return await save(store, edit(ticket, now=now, **patch), expected_version=ticket.version)


def follow_up_of(ticket: Ticket, stored: StoredInteraction, *, minutes: int = 5) -> Edit:
    """The follow-up change the service makes when an interaction joins the ticket."""
    now = T0 + timedelta(minutes=minutes)
    outcome = tickets.add_interaction(
        ticket, interaction=stored.interaction, decision=TriageDecision(), now=now
    )
    history = [
        HistoryEntry(
            id=uuid4(),
            ticket_id=ticket.id,
            at=now,
            actor="system",
            action="interaction_added",
            detail={"interaction_id": str(stored.id)},
        )
    ]
    event = TicketChangedV1(
        ticket=views.snapshot(outcome.ticket),
        actor="system",
        changes=[],
        interaction_id=stored.id,
    )
    return Edit(outcome.ticket, history, event)


async def claim_all(store: TicketStore, *, lease_seconds: float = 60) -> list[Any]:
    return list(
        await store.claim_unpublished(older_than_seconds=0, lease_seconds=lease_seconds, limit=100)
    )


# interactions


async def test_an_open_store_answers_the_health_check(store: TicketStore) -> None:
    await store.ping()


async def test_same_interaction_recorded_twice_is_stored_once(store: TicketStore) -> None:
    comment = message("post-1")
    first = await record(store, comment)
    again = await store.record_interaction(
        StoredInteraction(
            id=uuid4(), ticket_id=None, received_at=T0 + timedelta(hours=1), interaction=comment
        ),
        thread_key=thread_key(comment),
    )
    assert again == first
    ticket = await Opening(comment).create(store, interaction_id=first.id)
    assert ticket.interaction_count == 1
    assert [i.id for i in await store.interactions_of(ticket.id)] == [first.id]


async def test_recorded_interaction_tells_which_ticket_it_belongs_to(store: TicketStore) -> None:
    comment = message("post-1")
    ticket = await open_for(store, comment)
    again = await record(store, comment)
    assert again.ticket_id == ticket.id


async def test_interactions_of_a_ticket_are_in_the_order_they_occurred(
    store: TicketStore,
) -> None:
    late, early, middle = (message("post-1", minutes=m) for m in (9, 1, 5))
    for interaction in (late, early):
        await record(store, interaction)
    ticket = await open_for(store, middle)
    stored = await store.interactions_of(ticket.id)
    assert [s.interaction.external_id for s in stored] == [
        early.external_id,
        middle.external_id,
        late.external_id,
    ]
    assert all(s.ticket_id == ticket.id for s in stored)


# opening tickets


async def test_protocol_numbers_are_sequential_per_year(store: TicketStore) -> None:
    numbers = [
        (await open_for(store, message(f"post-{i}"), year=year)).protocol
        for i, year in enumerate((2026, 2026, 2027, 2026))
    ]
    assert numbers == ["2026-000001", "2026-000002", "2027-000001", "2026-000003"]


async def test_created_ticket_reads_back_by_id_protocol_and_conversation(
    store: TicketStore,
) -> None:
    comment = message("post-1")
    ticket = await open_for(store, comment, tags=["refund"])
    assert ticket.version == 1
    assert ticket.protocol == "2026-000001"
    assert await store.get_ticket(ticket.id) == ticket
    assert await store.get_ticket_by_protocol("2026-000001") == ticket
    assert await store.active_ticket(thread_key(comment)) == ticket
    assert await store.latest_ticket(thread_key(comment)) == ticket


async def test_unknown_tickets_are_not_found(store: TicketStore) -> None:
    await open_for(store, message("post-1"))
    assert await store.get_ticket(uuid4()) is None
    assert await store.get_ticket_by_protocol("2026-000099") is None
    assert await store.active_ticket("facebook:thread:elsewhere") is None
    assert await store.latest_ticket("facebook:thread:elsewhere") is None


async def test_second_active_ticket_for_a_conversation_is_refused(store: TicketStore) -> None:
    first = await open_for(store, message("post-1"))
    with pytest.raises(ThreadAlreadyActive):
        await open_for(store, message("post-1", minutes=1))
    assert await store.active_ticket(first.thread_key) == first


async def test_refused_ticket_takes_no_protocol_number_and_announces_nothing(
    store: TicketStore,
) -> None:
    first = await open_for(store, message("post-1"))
    refused = Opening(message("post-1", minutes=1))
    with pytest.raises(ThreadAlreadyActive):
        await refused.create(store)
    assert await store.get_ticket(refused.ticket.id) is None
    assert await store.history_of(refused.ticket.id) == []
    opened = [TicketOpenedV1.model_validate_json(m.body) for m in await claim_all(store)]
    assert [e.ticket.id for e in opened] == [first.id]
    other = await open_for(store, message("post-2"))
    assert other.protocol == "2026-000002"


async def test_concurrent_openings_for_one_conversation_open_one_ticket(backend: Any) -> None:
    replicas = [await backend.open() for _ in range(2)]
    openings = [Opening(message("post-1", minutes=i)) for i in range(4)]
    results = await asyncio.gather(
        *(o.create(replicas[i % 2]) for i, o in enumerate(openings)), return_exceptions=True
    )
    opened = [r for r in results if isinstance(r, Ticket)]
    assert len(opened) == 1
    assert all(isinstance(r, ThreadAlreadyActive) for r in results if r is not opened[0])
    assert await replicas[0].active_ticket(opened[0].thread_key) == opened[0]


async def test_concurrent_openings_get_distinct_consecutive_numbers(backend: Any) -> None:
    replicas = [await backend.open() for _ in range(2)]
    opened = await asyncio.gather(
        *(Opening(message(f"post-{i}")).create(replicas[i % 2]) for i in range(6))
    )
    assert sorted(t.protocol for t in opened) == [f"2026-00000{i}" for i in range(1, 7)]


async def test_opening_a_ticket_collects_earlier_unticketed_interactions_of_the_conversation(
    store: TicketStore,
) -> None:
    earlier = [await record(store, message("post-1", minutes=m)) for m in (1, 2)]
    elsewhere = await record(store, message("post-2", minutes=3))
    ticket = await open_for(store, message("post-1", minutes=4))
    assert ticket.interaction_count == 3
    attached = await store.interactions_of(ticket.id)
    assert [s.id for s in attached][:2] == [s.id for s in earlier]
    assert elsewhere.id not in {s.id for s in attached}
    assert (await record(store, elsewhere.interaction)).ticket_id is None


async def test_interactions_of_an_earlier_ticket_stay_with_it(store: TicketStore) -> None:
    first_comment = message("post-1", minutes=1)
    first = await open_for(store, first_comment)
    await apply(store, first, now=T0 + timedelta(minutes=2), status="closed")
    second = await open_for(store, message("post-1", minutes=3))
    assert second.interaction_count == 1
    assert [s.interaction.external_id for s in await store.interactions_of(first.id)] == [
        first_comment.external_id
    ]


# updating tickets


async def test_update_stores_the_change_with_the_next_version(store: TicketStore) -> None:
    ticket = await open_for(store, message("post-1"))
    updated = await apply(
        store, ticket, now=T0 + timedelta(minutes=5), assignee="ana", priority="urgent"
    )
    assert updated.version == 2
    assert (updated.assignee, updated.priority) == ("ana", "urgent")
    assert await store.get_ticket(ticket.id) == updated


async def test_update_with_stale_version_is_refused(store: TicketStore) -> None:
    ticket = await open_for(store, message("post-1"))
    winner = await apply(store, ticket, now=T0 + timedelta(minutes=1), assignee="ana")
    loser = edit(ticket, now=T0 + timedelta(minutes=2), assignee="bob")
    with pytest.raises(StaleTicket):
        await save(store, loser, expected_version=ticket.version)
    assert await store.get_ticket(ticket.id) == winner


async def test_refused_update_writes_no_history_and_no_event(store: TicketStore) -> None:
    ticket = await open_for(store, message("post-1"))
    await apply(store, ticket, now=T0 + timedelta(minutes=1), assignee="ana")
    history_before = await store.history_of(ticket.id)
    events_before = {m.id for m in await claim_all(store, lease_seconds=0)}
    loser = edit(ticket, now=T0 + timedelta(minutes=2), assignee="bob")
    with pytest.raises(StaleTicket):
        await save(store, loser, expected_version=ticket.version)
    assert await store.history_of(ticket.id) == history_before
    assert {m.id for m in await claim_all(store)} == events_before


async def test_update_of_unknown_ticket_is_refused_as_stale(store: TicketStore) -> None:
    ghost = Opening(message("post-1")).ticket
    with pytest.raises(StaleTicket):
        await save(store, edit(ghost, now=T0, assignee="ana"), expected_version=1)


async def test_update_attaches_the_follow_up_interaction(store: TicketStore) -> None:
    ticket = await open_for(store, message("post-1"))
    follow_up = await record(store, message("post-1", minutes=5))
    updated = await save(
        store,
        follow_up_of(ticket, follow_up),
        expected_version=ticket.version,
        interaction_id=follow_up.id,
    )
    assert updated.interaction_count == 2
    assert [s.id for s in await store.interactions_of(ticket.id)][-1] == follow_up.id
    assert (await record(store, follow_up.interaction)).ticket_id == ticket.id


async def test_follow_up_already_collected_by_a_ticket_is_refused_and_nothing_is_written(
    store: TicketStore,
) -> None:
    waiting = await record(store, message("post-1", minutes=1))
    # The creation collects the waiting interaction; a replica that read the conversation
    # before the ticket existed now tries to add it as a follow-up.
    ticket = await open_for(store, message("post-1", minutes=2))
    history = await store.history_of(ticket.id)
    events = {m.id for m in await claim_all(store, lease_seconds=0)}
    with pytest.raises(InteractionTaken):
        await save(
            store,
            follow_up_of(ticket, waiting),
            expected_version=ticket.version,
            interaction_id=waiting.id,
        )
    assert await store.get_ticket(ticket.id) == ticket
    assert ticket.interaction_count == 2
    assert await store.history_of(ticket.id) == history
    assert {m.id for m in await claim_all(store)} == events


async def test_opening_with_an_interaction_another_ticket_holds_is_refused_and_writes_nothing(
    store: TicketStore,
) -> None:
    comment = message("post-1")
    first = await open_for(store, comment)
    await apply(store, first, now=T0 + timedelta(minutes=1), status="closed")
    held = await record(store, comment)
    refused = Opening(comment, now=T0 + timedelta(minutes=2))
    with pytest.raises(InteractionTaken):
        await refused.create(store, interaction_id=held.id)
    assert await store.get_ticket(refused.ticket.id) is None
    assert await store.active_ticket(first.thread_key) is None
    assert await store.history_of(refused.ticket.id) == []
    opened = [TicketOpenedV1.model_validate_json(m.body) for m in await claim_all(store)]
    assert refused.ticket.id not in {e.ticket.id for e in opened}
    assert (await open_for(store, message("post-1", minutes=3))).protocol == "2026-000002"


async def test_refused_update_leaves_its_interaction_free_for_the_retry(
    store: TicketStore,
) -> None:
    ticket = await open_for(store, message("post-1"))
    current = await apply(store, ticket, now=T0 + timedelta(minutes=1), assignee="ana")
    follow_up = await record(store, message("post-1", minutes=5))
    with pytest.raises(StaleTicket):
        await save(
            store,
            follow_up_of(ticket, follow_up),
            expected_version=ticket.version,
            interaction_id=follow_up.id,
        )
    assert (await record(store, follow_up.interaction)).ticket_id is None
    retried = await save(
        store,
        follow_up_of(current, follow_up),
        expected_version=current.version,
        interaction_id=follow_up.id,
    )
    assert retried.interaction_count == 2
    assert (await record(store, follow_up.interaction)).ticket_id == ticket.id


async def test_closed_ticket_frees_the_conversation_for_a_new_one(store: TicketStore) -> None:
    first = await open_for(store, message("post-1"))
    closed = await apply(store, first, now=T0 + timedelta(minutes=1), status="closed")
    assert closed.status is Status.CLOSED
    assert await store.active_ticket(first.thread_key) is None
    second = await open_for(store, message("post-1", minutes=2), now=T0 + timedelta(minutes=2))
    assert await store.active_ticket(first.thread_key) == second
    assert await store.get_ticket(first.id) == closed


async def test_latest_ticket_is_the_most_recently_opened_active_or_not(
    store: TicketStore,
) -> None:
    first = await open_for(store, message("post-1"))
    closed = await apply(store, first, now=T0 + timedelta(minutes=1), status="closed")
    assert await store.latest_ticket(first.thread_key) == closed
    second = await open_for(store, message("post-1", minutes=2), now=T0 + timedelta(minutes=2))
    assert await store.latest_ticket(first.thread_key) == second


async def test_reactivating_a_ticket_while_another_is_active_is_refused(
    store: TicketStore,
) -> None:
    first = await open_for(store, message("post-1"))
    closed = await apply(store, first, now=T0 + timedelta(minutes=1), status="closed")
    second = await open_for(store, message("post-1", minutes=2), now=T0 + timedelta(minutes=2))
    reopened = dataclasses.replace(closed, status=Status.OPEN)
    with pytest.raises(ThreadAlreadyActive):
        await store.update_ticket(
            reopened, expected_version=closed.version, interaction_id=None, history=[], events=[]
        )
    assert await store.active_ticket(first.thread_key) == second
    assert await store.get_ticket(first.id) == closed


# listing


async def test_list_filters_by_status_tag_and_channel_and_paginates(store: TicketStore) -> None:
    async def opened(
        thread: str, minute: int, channel: Channel, status: str, tags: list[str]
    ) -> Ticket:
        return await open_for(
            store,
            message(thread, channel=channel),
            status=status,
            tags=tags,
            now=T0 + timedelta(minutes=minute),
        )

    await opened("a", 1, Channel.FACEBOOK, "new", ["refund"])
    older = await opened("b", 2, Channel.INSTAGRAM, "open", ["refund", "vip"])
    await opened("c", 3, Channel.FACEBOOK, "open", ["vip"])
    await opened("d", 4, Channel.TWITTER, "open", ["refund"])
    newer = await opened("e", 5, Channel.FACEBOOK, "open", ["complaint", "refund"])
    await opened("f", 6, Channel.FACEBOOK, "open", [])

    def query(page: int) -> TicketQuery:
        return TicketQuery(
            status=["open", "pending"],
            tag=["refund"],
            channel=[Channel.FACEBOOK, Channel.INSTAGRAM],
            page=page,
            page_size=1,
        )

    assert (await store.list_tickets(query(1)))[:2] == ([newer], 2)
    assert (await store.list_tickets(query(2)))[:2] == ([older], 2)
    assert (await store.list_tickets(query(3)))[:2] == ([], 2)


async def test_list_filters_by_priority_and_level(store: TicketStore) -> None:
    ticket = await open_for(store, message("a"))
    urgent = await apply(
        store, ticket, now=T0 + timedelta(minutes=1), priority="urgent", level="N2"
    )
    await open_for(store, message("b"))
    items, total, *_ = await store.list_tickets(
        TicketQuery(priority=["urgent"], level=["N2", "N3"])
    )
    assert (items, total) == ([urgent], 1)
    assert (await store.list_tickets(TicketQuery(priority=["urgent"], level=["N1"])))[:2] == ([], 0)


async def test_list_matches_tags_ignoring_case(store: TicketStore) -> None:
    vip = await open_for(store, message("a"), tags=["VIP"])
    await open_for(store, message("b"), tags=["refund"])
    assert (await store.list_tickets(TicketQuery(tag=["vip"])))[:2] == ([vip], 1)


async def test_list_matches_accented_tags_ignoring_case(store: TicketStore) -> None:
    action = await open_for(store, message("a"), tags=["AÇÃO-JUDICIAL"])
    assert (await store.list_tickets(TicketQuery(tag=["ação-judicial"])))[:2] == ([action], 1)


async def test_list_without_filters_shows_most_recently_updated_first(store: TicketStore) -> None:
    first = await open_for(store, message("a"), now=T0)
    second = await open_for(store, message("b"), now=T0 + timedelta(minutes=1))
    touched = await apply(store, first, now=T0 + timedelta(minutes=2), assignee="ana")
    assert (await store.list_tickets(TicketQuery()))[:2] == ([touched, second], 2)


# history


async def test_history_is_returned_in_order(store: TicketStore) -> None:
    comment = message("post-1")
    stored = await record(store, comment)
    opening = Opening(comment)
    ticket = await opening.create(store, interaction_id=stored.id)
    first = edit(ticket, now=T0 + timedelta(minutes=1), status="open")
    ticket = await save(store, first, expected_version=ticket.version)
    second = edit(ticket, now=T0 + timedelta(minutes=2), priority="urgent", assignee="ana")
    await save(store, second, expected_version=ticket.version)
    history = await store.history_of(ticket.id)
    assert history == [*opening.history, *first.history, *second.history]
    assert [(h.action, h.field) for h in history] == [
        ("opened", None),
        ("changed", "status"),
        ("changed", "priority"),
        ("changed", "assignee"),
    ]


async def test_history_of_a_ticket_holds_only_its_own_entries(store: TicketStore) -> None:
    mine = await open_for(store, message("a"))
    other = await open_for(store, message("b"))
    await apply(store, other, now=T0 + timedelta(minutes=1), assignee="bob")
    assert [h.ticket_id for h in await store.history_of(mine.id)] == [mine.id]
    assert await store.history_of(uuid4()) == []


# outbox


async def test_outbox_events_are_claimed_once_until_their_lease_expires(
    store: TicketStore, clock: ManualClock
) -> None:
    await open_for(store, message("post-1"))
    claimed = await claim_all(store, lease_seconds=0.5)
    assert len(claimed) == 1
    assert await claim_all(store, lease_seconds=0.5) == []
    clock.advance(0.4)
    assert await claim_all(store, lease_seconds=0.5) == []
    clock.advance(0.2)
    assert [m.id for m in await claim_all(store)] == [claimed[0].id]


async def test_event_whose_lease_ran_out_is_claimed_again_at_once(store: TicketStore) -> None:
    await open_for(store, message("post-1"))
    first = await claim_all(store, lease_seconds=0)
    assert [m.id for m in await claim_all(store, lease_seconds=0)] == [m.id for m in first]


async def test_a_replica_does_not_claim_events_leased_by_another(backend: Any) -> None:
    first, second = await backend.open(), await backend.open()
    await open_for(first, message("post-1"))
    await open_for(first, message("post-2"))
    claims = await asyncio.gather(claim_all(first), claim_all(second))
    ids = [m.id for claim in claims for m in claim]
    assert len(ids) == 2
    assert len(set(ids)) == 2


async def test_published_events_are_not_claimed_again(store: TicketStore) -> None:
    await open_for(store, message("post-1"))
    await open_for(store, message("post-2"))
    claimed = await claim_all(store, lease_seconds=0)
    await store.mark_published([claimed[0].id])
    assert [m.id for m in await claim_all(store, lease_seconds=0)] == [claimed[1].id]
    await store.mark_published([claimed[1].id])
    assert await claim_all(store) == []


async def test_events_published_right_after_the_write_are_never_claimed(
    store: TicketStore,
) -> None:
    opening = Opening(message("post-1"))
    await opening.create(store)
    await store.mark_published([e.id for e in opening.events])
    assert await claim_all(store) == []


async def test_recent_events_are_left_to_the_fast_path(store: TicketStore) -> None:
    await open_for(store, message("post-1"))
    assert await store.claim_unpublished(older_than_seconds=60, lease_seconds=60, limit=10) == []


async def test_claim_returns_at_most_limit_events_oldest_first(
    store: TicketStore, clock: ManualClock
) -> None:
    openings = []
    for i in range(3):
        opening = Opening(message(f"post-{i}"))
        await opening.create(store)
        openings.append(opening)
        clock.advance(0.01)
    claimed = await store.claim_unpublished(older_than_seconds=0, lease_seconds=60, limit=2)
    assert [m.id for m in claimed] == [o.events[0].id for o in openings[:2]]


async def test_claimed_event_carries_what_was_announced(store: TicketStore) -> None:
    opening = Opening(message("post-1"))
    ticket = await opening.create(store)
    ticket = await apply(store, ticket, now=T0 + timedelta(minutes=1), assignee="ana")
    by_id = {m.id: m for m in await claim_all(store)}
    announced = opening.events[0]
    announced_message = by_id[announced.id]
    assert announced_message.routing_key == "ticket.opened.v1"
    assert announced_message.correlation_id == announced.correlation_id
    assert TicketOpenedV1.model_validate_json(announced_message.body) == announced
    assert json.loads(announced_message.body)["ticket"]["protocol"] == "2026-000001"
    changed = [
        TicketChangedV1.model_validate_json(m.body)
        for m in by_id.values()
        if m.routing_key == "ticket.changed.v1"
    ]
    assert [c.ticket.assignee for c in changed] == ["ana"]


async def test_the_outbox_backlog_counts_unpublished_events_and_ages_the_oldest(
    store: TicketStore, clock: ManualClock
) -> None:
    assert await store.outbox_backlog() == Backlog()
    first, second = Opening(message("post-1")), Opening(message("post-2"))
    await first.create(store)
    clock.advance(30)
    await second.create(store)
    clock.advance(10)
    backlog = await store.outbox_backlog()
    assert backlog.events == len(first.events) + len(second.events)
    assert backlog.oldest_age_seconds == pytest.approx(40, abs=0.01)
    await store.mark_published([e.id for e in first.events])
    backlog = await store.outbox_backlog()
    assert backlog.events == len(second.events)
    assert backlog.oldest_age_seconds == pytest.approx(10, abs=0.01)
    await store.mark_published([e.id for e in second.events])
    assert await store.outbox_backlog() == Backlog()


# MongoDB adapter only: what a crash between its two writes leaves behind


async def test_history_left_behind_by_a_crash_is_still_returned_and_moved_later(
    backend: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    if backend.kind == "sqlite":
        pytest.skip("SQLite writes history in the same transaction: nothing is left behind")
    store = await backend.open()
    ticket = await open_for(store, message("post-1"))
    change = edit(ticket, now=T0 + timedelta(minutes=1), assignee="ana")

    async def crash(*_: Any) -> None:
        return None

    monkeypatch.setattr(store, "_flush_history", crash)
    await save(store, change, expected_version=ticket.version)
    monkeypatch.undo()
    assert [h.id for h in await store.history_of(ticket.id)][-1] == change.history[0].id

    await store.claim_unpublished(older_than_seconds=0, lease_seconds=60, limit=10)
    doc = await store._tickets.find_one({"_id": str(ticket.id)})
    assert doc["pending_history"] == []
    assert [h.id for h in await store.history_of(ticket.id)][-1] == change.history[0].id
