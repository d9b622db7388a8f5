"""The end of a ticket's life and what branches off it (docs/domain.md F11-F12, F18): the
auto-close of idle tickets, removal, merge and sub-tickets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from contracts.base import Event
from contracts.events import TicketOpenedV1
from contracts.people import LevelRead
from contracts.rpc import Caller
from contracts.tickets import HistoryEntry, TicketMerged, TicketRead
from servicekit import rpc
from servicekit.publishing import EventPublisher
from ticketing.domain import lifecycle, tickets
from ticketing.domain.tickets import Ticket
from ticketing.shared import level_pins, views
from ticketing.shared.access import actor_of, find_ticket, require_level
from ticketing.shared.changes import change_entries, ticket_changed
from ticketing.shared.writes import publish, retry_on_stale
from ticketing.store.port import StaleTicket, TicketStore

AUTO_CLOSE_ACTOR = "system:auto_close"


async def _save(
    store: TicketStore,
    publisher: EventPublisher,
    before: Ticket,
    outcome: tickets.Outcome,
    *,
    actor: str,
    now: datetime,
    detail: dict[str, Any],
) -> Ticket:
    """One change with its history and event; raises StaleTicket."""
    event = ticket_changed(outcome, actor)
    saved = await store.update_ticket(
        outcome.ticket,
        expected_version=before.version,
        interaction_id=None,
        history=change_entries(before.id, actor, outcome.changes, now, detail),
        events=[event],
    )
    await publish(store, publisher, [event])
    return saved


async def auto_close(
    *, store: TicketStore, publisher: EventPublisher, now: datetime | None = None, batch: int = 200
) -> int:
    """Close the tickets idle longer than their level's period; how many were closed here.
    Every replica runs the sweep; the version check closes each ticket once."""
    moment = now or datetime.now(UTC)
    closed = 0
    for body in await store.list_entries("level"):
        level = LevelRead.model_validate({**body, "agents": []})
        if level.auto_close_after_hours is None:
            continue
        cutoff = moment - timedelta(hours=level.auto_close_after_hours)
        for ticket in await store.idle_tickets(level.name, cutoff, batch):
            outcome = lifecycle.close(ticket, now=moment)
            idle = (moment - ticket.updated_at).total_seconds() / 3600
            detail = {"level": level.name, "idle_hours": round(idle, 3)}
            try:
                await _save(
                    store,
                    publisher,
                    ticket,
                    outcome,
                    actor=AUTO_CLOSE_ACTOR,
                    now=moment,
                    detail=detail,
                )
            except StaleTicket:
                continue  # another replica closed it, or someone just worked on it
            closed += 1
    return closed


async def remove_ticket(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    ref: str,
    caller: Caller,
    now: datetime | None = None,
) -> TicketRead:
    """Closed and no longer listed, while it stays readable by id for audit."""
    found = await find_ticket(store, ref, caller)

    async def attempt() -> Ticket:
        ticket = await store.get_ticket(found.id)
        if ticket is None:
            raise rpc.NotFound(f"no ticket {found.id}")
        moment = now or datetime.now(UTC)
        outcome = lifecycle.remove(ticket, now=moment)
        if not outcome.changes:
            return ticket
        return await _save(
            store, publisher, ticket, outcome, actor=actor_of(caller), now=moment, detail={}
        )

    return views.read(await retry_on_stale(attempt, what=f"ticket {found.protocol}"))


async def _authors(store: TicketStore, ticket: Ticket) -> set[str]:
    """The people who wrote in the ticket (an identity nobody's person holds stands for
    itself), so tickets of one person's unified identities can be merged."""
    keys = {
        f"{i.interaction.channel.value}:{i.interaction.author.id}"
        for i in await store.interactions_of(ticket.id)
    }
    people = {key: await store.person_of(key) for key in keys}
    return {str(person.id) if person else key for key, person in people.items()}


async def merge_tickets(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    ref: str,
    into: str,
    caller: Caller,
    now: datetime | None = None,
) -> TicketMerged:
    """A merge the domain refuses, or of two people's tickets, is a conflict (409)."""
    source_id = (await find_ticket(store, ref, caller)).id
    target_id = (await find_ticket(store, into, caller)).id
    actor = actor_of(caller)

    async def attempt() -> tuple[Ticket, Ticket]:
        source, target = await store.get_ticket(source_id), await store.get_ticket(target_id)
        if source is None or target is None:
            raise rpc.NotFound("no such ticket")
        if not (await _authors(store, source)) & (await _authors(store, target)):
            raise rpc.Conflict(
                f"tickets {source.protocol} and {target.protocol} are not the same person's: "
                "only one person's tickets can be merged"
            )
        moment = now or datetime.now(UTC)
        try:
            closing, reopening = lifecycle.merge(source, target, now=moment)
        except lifecycle.MergeRefused as exc:
            raise rpc.Conflict(str(exc)) from exc
        detail = {"source": source.protocol, "target": target.protocol}
        events: list[Event] = [ticket_changed(closing, actor), ticket_changed(reopening, actor)]
        merged = await store.merge_tickets(
            closing.ticket,
            reopening.ticket,
            expected_versions=(source.version, target.version),
            history=[
                *change_entries(source.id, actor, closing.changes, moment, detail, "merged"),
                *change_entries(target.id, actor, reopening.changes, moment, detail, "merged"),
            ],
            events=events,
        )
        await publish(store, publisher, events)
        return merged

    closed, reopened = await retry_on_stale(attempt, what="the tickets being merged")
    return TicketMerged(source=views.read(closed), target=views.read(reopened))


async def open_child(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    ref: str,
    title: str,
    level: str | None,
    caller: Caller,
    now: datetime | None = None,
) -> TicketRead:
    """A sub-ticket for work with a third party, linked to its parent, in one of the
    agent's own levels (403 otherwise)."""
    parent = await find_ticket(store, ref, caller)
    await require_level(store, caller, level)
    actor = actor_of(caller)
    moment = now or datetime.now(UTC)
    new = lifecycle.child(parent, title=title, now=moment, opened_by=actor, level=level)
    events: list[Event] = []

    def history(numbered: Ticket) -> list[HistoryEntry]:
        return [
            HistoryEntry(
                id=uuid4(),
                ticket_id=numbered.id,
                at=moment,
                actor=actor,
                action="opened",
                after=numbered.protocol,
                detail={"parent_ticket_id": str(parent.id), "parent": parent.protocol},
            )
        ]

    def announce(numbered: Ticket) -> list[Event]:
        events.append(TicketOpenedV1(ticket=views.snapshot(numbered), actor=actor))
        return events

    try:
        async with level_pins.holding(store, level):
            ticket = await store.create_ticket(
                new, year=moment.year, interaction_id=None, history=history, announce=announce
            )
    except level_pins.LevelGone as exc:
        raise rpc.Invalid(str(exc), loc=["level"]) from exc
    await publish(store, publisher, events)
    return views.read(ticket)
