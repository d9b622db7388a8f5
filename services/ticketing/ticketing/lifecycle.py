"""Use cases at the end of a ticket's life: auto-close of idle tickets (every replica runs
the sweep; the version check closes each ticket once), removal, merge, sub-tickets and
export (DOMAIN.md F11-F13, F18)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

from contracts.base import Event
from contracts.events import FieldChange, TicketChangedV1, TicketOpenedV1
from contracts.people import LevelRead
from contracts.tickets import HistoryEntry
from servicekit.outbox import publish_and_mark
from servicekit.publishing import EventPublisher, OutgoingMessage
from ticketing import views
from ticketing.domain import lifecycle, tickets
from ticketing.domain.tickets import Ticket
from ticketing.history import change_entries
from ticketing.store.port import StaleTicket, TicketStore

log = logging.getLogger(__name__)

AUTO_CLOSE_ACTOR = "system:auto_close"
MAX_CONFLICT_RETRIES = 20


def _changed(outcome: tickets.Outcome, actor: str) -> TicketChangedV1:
    return TicketChangedV1(
        ticket=views.snapshot(outcome.ticket),
        actor=actor,
        changes=[
            FieldChange(field=c.field, before=c.before, after=c.after) for c in outcome.changes
        ],
    )


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
    event = _changed(outcome, actor)
    saved = await store.update_ticket(
        outcome.ticket,
        expected_version=before.version,
        interaction_id=None,
        history=change_entries(before.id, actor, outcome.changes, now, detail),
        events=[event],
    )
    await publish_and_mark(store, publisher, [OutgoingMessage.of(event)])
    return saved


async def auto_close(
    *, store: TicketStore, publisher: EventPublisher, now: datetime | None = None, batch: int = 200
) -> int:
    """Close the tickets idle longer than their level's period; how many were closed here."""
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


class AutoCloser:
    """Runs the auto-close sweep every ``interval_seconds`` in the background."""

    def __init__(self, store: TicketStore, publisher: EventPublisher, interval_seconds: float):
        self._store = store
        self._publisher = publisher
        self._interval = interval_seconds
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="auto-close")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                closed = await auto_close(store=self._store, publisher=self._publisher)
                if closed:
                    log.info("auto-closed %d idle tickets", closed)
            except Exception:
                log.exception("auto-close sweep failed; trying again")


async def remove(
    *, store: TicketStore, publisher: EventPublisher, ticket_id: UUID, actor: str
) -> Ticket | None:
    for _ in range(MAX_CONFLICT_RETRIES):
        ticket = await store.get_ticket(ticket_id)
        if ticket is None:
            return None
        moment = datetime.now(UTC)
        outcome = lifecycle.remove(ticket, now=moment)
        if not outcome.changes:
            return ticket
        try:
            return await _save(
                store, publisher, ticket, outcome, actor=actor, now=moment, detail={}
            )
        except StaleTicket:
            continue
    raise StaleTicket(str(ticket_id))


async def _authors(store: TicketStore, ticket: Ticket) -> set[str]:
    return {
        f"{i.interaction.channel.value}:{i.interaction.author.id}"
        for i in await store.interactions_of(ticket.id)
    }


async def merge(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    source_id: UUID,
    target_id: UUID,
    actor: str,
) -> tuple[Ticket, Ticket]:
    """Raises MergeRefused when the merge is not allowed, StaleTicket when the tickets keep
    changing."""
    for _ in range(MAX_CONFLICT_RETRIES):
        source, target = await store.get_ticket(source_id), await store.get_ticket(target_id)
        if source is None or target is None:
            raise LookupError("no such ticket")
        if not (await _authors(store, source)) & (await _authors(store, target)):
            raise lifecycle.MergeRefused(
                f"tickets {source.protocol} and {target.protocol} are not the same person's: "
                "only one author's tickets can be merged"
            )
        moment = datetime.now(UTC)
        closing, reopening = lifecycle.merge(source, target, now=moment)
        detail = {"source": source.protocol, "target": target.protocol}
        events: list[Event] = [_changed(closing, actor), _changed(reopening, actor)]
        try:
            closed, reopened = await store.merge_tickets(
                closing.ticket,
                reopening.ticket,
                expected_versions=(source.version, target.version),
                history=[
                    *change_entries(source.id, actor, closing.changes, moment, detail, "merged"),
                    *change_entries(target.id, actor, reopening.changes, moment, detail, "merged"),
                ],
                events=events,
            )
        except StaleTicket:
            continue
        await publish_and_mark(store, publisher, [OutgoingMessage.of(e) for e in events])
        return closed, reopened
    raise StaleTicket(str(source_id))


async def open_child(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    parent: Ticket,
    title: str,
    level: str | None,
    actor: str,
) -> Ticket:
    moment = datetime.now(UTC)
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

    ticket = await store.create_ticket(
        new, year=moment.year, interaction_id=None, history=history, announce=announce
    )
    await publish_and_mark(store, publisher, [OutgoingMessage.of(e) for e in events])
    return ticket
