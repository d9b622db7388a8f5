"""A triaged interaction reaches its ticket: it is stored and put on its conversation's
active ticket, or on a new one when a rule says so or the conversation's last ticket was
closed (docs/domain.md F3-F6); then the rules' shares are made."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from contracts.base import Event
from contracts.events import (
    AlertedInteraction,
    InteractionTriagedV1,
    NotificationRequestedV1,
    TicketChangedV1,
    TicketOpenedV1,
)
from contracts.rules import PendingReply
from contracts.tickets import HistoryEntry, StoredInteraction
from servicekit.keyed_locks import KeyedLocks
from servicekit.publishing import EventPublisher
from ticketing.domain import tickets
from ticketing.domain.persons import PersonRecord
from ticketing.domain.priority import PriorityScale
from ticketing.domain.replies import DEFAULT_AUTO_REPLY_COOLDOWN
from ticketing.domain.threading import thread_key
from ticketing.shared import assignment, authors, directory_reads, level_pins, notices, views
from ticketing.shared.auto_replies import reply_by_rules, send_owed
from ticketing.shared.changes import change_entries, field_changes
from ticketing.shared.collected import CollectedDecisions
from ticketing.shared.opinion_requests import share_by_rules
from ticketing.shared.out_of_hours import reply_out_of_hours
from ticketing.shared.writes import publish, retry_on_stale
from ticketing.store.port import (
    AlreadyRecorded,
    InteractionTaken,
    Recording,
    ThreadAlreadyActive,
    TicketStore,
)

log = logging.getLogger(__name__)


async def handle_triaged(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    scale: PriorityScale,
    locks: KeyedLocks,
    event: InteractionTriagedV1,
    now: datetime | None = None,
    auto_reply_cooldown: timedelta = DEFAULT_AUTO_REPLY_COOLDOWN,
) -> None:
    """Redelivery is harmless: an interaction already on a ticket is left alone. Within this
    process the interactions of one conversation take turns (``locks``), so they do not keep
    invalidating each other's reads; across replicas the store's version checks keep them
    apart."""
    now = now or datetime.now(UTC)
    key = thread_key(event.interaction)
    # An author first seen in no group comes back unwritten: the write storing the
    # interaction makes its person (one transaction per interaction instead of two).
    author = await authors.place_author(
        store, publisher, event.interaction, event.decision.author_groups, now=now
    )
    owed: list[tuple[StoredInteraction, PendingReply]] = []
    async with locks.hold(key):
        announced, placed = await _place(
            store=store, scale=scale, event=event, key=key, now=now, owed=owed, author=author
        )
    await publish(store, publisher, announced)
    # The automatic replies of interactions the new ticket collected (issue 11): the opener's
    # own is reply_by_rules' below.
    await send_owed(
        store=store, publisher=publisher, owed=owed, cooldown=auto_reply_cooldown, now=now
    )
    await share_by_rules(store=store, publisher=publisher, event=event, thread_key=key, now=now)
    await reply_by_rules(
        store=store,
        publisher=publisher,
        event=event,
        thread_key=key,
        cooldown=auto_reply_cooldown,
        now=now,
    )
    await reply_out_of_hours(  # after the rules: one of theirs starts the shared cooldown
        store=store,
        publisher=publisher,
        event=event,
        thread_key=key,
        cooldown=auto_reply_cooldown,
        now=now,
        placed=placed,
    )


async def _place(
    *,
    store: TicketStore,
    scale: PriorityScale,
    event: InteractionTriagedV1,
    key: str,
    now: datetime,
    owed: list[tuple[StoredInteraction, PendingReply]],
    author: PersonRecord | None = None,
) -> tuple[list[Event], tickets.Ticket | None]:
    """Record the interaction (with ``author``, its author's person first seen, unwritten)
    and change the ticket; return the events to publish and the ticket as written here with
    the interaction on it (None when this call put it on none). A ticket opened here adds
    the automatic replies its collected interactions owe to ``owed``."""
    decision = event.decision
    actor = f"rule:{decision.matched[0].rule_id}" if decision.matched else "system"
    new = StoredInteraction(
        id=uuid4(),
        ticket_id=None,
        received_at=now,
        interaction=event.interaction,
        tags=decision.interaction_tags,
        track_engagement=decision.track_engagement,
    )
    # Kept with it: if another interaction's ticket collects this one, that write applies
    # this decision (shared.collected).
    recording = Recording(new, key, decision, author)
    placing: _Placing | None = None

    async def attempt() -> list[Event]:
        nonlocal placing
        # Both reads in one trip to the store: a new interaction is then stored by the write
        # that places it (one transaction where recording it first took two).
        known, ticket = await asyncio.gather(
            store.interaction_by_key(event.interaction.key), store.active_ticket(key)
        )
        if known is not None and known.ticket_id is not None:
            return []  # delivered again: it is on its ticket already
        placing = _Placing(
            store, scale, event, known or new, None if known else recording, actor, now, owed
        )
        try:
            if ticket is not None:
                return await placing.extend(ticket)
            previous = await store.latest_ticket(key)
            merged_into = await _merge_target(store, previous)
            if merged_into is not None:  # a merged ticket's conversation goes on in its target
                return await placing.extend(merged_into)
            if decision.open_ticket is None and previous is None:
                # Nothing asks for a ticket: the interaction stays stored, unticketed.
                if known is None:
                    await store.record_interaction(
                        new, thread_key=key, decision=decision, author=author
                    )
                    # Stored after the conversation was read: a ticket another replica opened
                    # in between did not collect it. Read again, now that it is stored (the
                    # next attempt finds it, and the ticket if there is one).
                    raise AlreadyRecorded(event.interaction.key)
                return []
            return await placing.open(previous)
        except InteractionTaken:
            return []  # a ticket opened meanwhile collected this interaction: nothing to do

    # Another replica changing this conversation first (or storing this interaction first,
    # a redelivery running beside the first delivery): read it again.
    events = await retry_on_stale(
        attempt, what=f"conversation {key}", also=(ThreadAlreadyActive, AlreadyRecorded)
    )
    return events, placing.placed if events and placing is not None else None


async def _merge_target(
    store: TicketStore, previous: tickets.Ticket | None
) -> tickets.Ticket | None:
    if previous is None or previous.merged_into is None:
        return None
    target = await store.get_ticket(previous.merged_into)
    return target if target is not None and target.active else None


def _alerts(
    event: InteractionTriagedV1, ticket: tickets.Ticket, *, opened: bool
) -> list[NotificationRequestedV1]:
    """The e-mail alerts the matching rules asked for, about the ticket as it now stands."""
    decision = event.decision
    if not decision.alert_emails:
        return []
    return [
        NotificationRequestedV1(
            **event.caused(),
            kind="rule_alert",
            recipients=decision.alert_emails,
            ticket=views.snapshot(ticket),
            ticket_opened=opened,
            matched=decision.matched,
            interaction_key=event.interaction.key,
            interaction=AlertedInteraction.of(event.interaction),
        )
    ]


class _Placing:
    """One stored interaction going onto a ticket: an existing one, or a new one."""

    def __init__(
        self,
        store: TicketStore,
        scale: PriorityScale,
        event: InteractionTriagedV1,
        stored: StoredInteraction,
        recording: Recording | None,
        actor: str,
        now: datetime,
        owed: list[tuple[StoredInteraction, PendingReply]],
    ) -> None:
        self.store, self.scale, self.event, self.owed = store, scale, event, owed
        self.stored, self.actor, self.now = stored, actor, now
        self.recording = recording
        """The interaction, when new: stored by the ticket write that places it."""
        self.decision = event.decision
        self.placed: tickets.Ticket | None = None
        """The ticket as written with the interaction on it, once it is."""
        self.reasons: dict[str, Any] = {
            "rules": [m.model_dump(mode="json") for m in event.decision.matched]
        }

    async def extend(self, ticket: tickets.Ticket) -> list[Event]:
        """A customer's message reopening a resolved ticket whose level was deleted since
        reopens it without the level (a level is deleted once its tickets are all done)."""
        outcome = tickets.add_interaction(
            ticket,
            interaction=self.event.interaction,
            decision=self.decision,
            now=self.now,
            scale=self.scale,
        )
        hold = level_pins.to_hold(ticket, outcome.ticket.level, outcome.ticket.status.value)
        try:
            async with level_pins.holding(self.store, hold):
                return await self._extend(ticket, outcome, self.reasons)
        except level_pins.LevelGone as gone:
            log.warning("ticket %s reopened without its level: %s", ticket.protocol, gone)
            off = dataclasses.replace(
                outcome.ticket, level=None, change_count=outcome.ticket.change_count + 1
            )
            outcome = tickets.Outcome(
                off, [*outcome.changes, tickets.Change("level", ticket.level, None)]
            )
            return await self._extend(ticket, outcome, {**self.reasons, "level_refused": str(gone)})

    async def _extend(
        self, ticket: tickets.Ticket, outcome: tickets.Outcome, reasons: dict[str, Any]
    ) -> list[Event]:
        event, decision, actor, now = self.event, self.decision, self.actor, self.now
        changed = TicketChangedV1(
            **event.caused(),
            ticket=views.snapshot(outcome.ticket),
            actor=actor,
            changes=field_changes(outcome.changes),
            interaction_id=self.stored.id,
            interaction_key=event.interaction.key,
            matched=decision.matched,
        )
        events: list[Event] = [changed, *_alerts(event, outcome.ticket, opened=False)]
        if outcome.ticket.priority != ticket.priority and ticket.assignee is not None:
            events += notices.escalation_notices(
                ticket,
                outcome.ticket,
                await directory_reads.agent(self.store, ticket.assignee),
                scale=self.scale,
                by=actor,
                caused=event.caused(),
            )
        added = HistoryEntry(
            id=uuid4(),
            ticket_id=ticket.id,
            at=now,
            actor=actor,
            action="interaction_added",
            detail={**self.reasons, "interaction_id": str(self.stored.id)},
        )
        await self.store.update_ticket(
            outcome.ticket,
            expected_version=ticket.version,
            interaction_id=self.stored.id,
            # The interaction count is in the "interaction_added" entry; the rest are field
            # changes.
            history=[
                added,
                *change_entries(ticket.id, actor, outcome.changes[1:], now, reasons),
            ],
            events=events,
            recording=self.recording,
        )
        self.placed = outcome.ticket
        return events

    async def open(self, previous: tickets.Ticket | None) -> list[Event]:
        event, decision, actor, now, stored = (
            self.event,
            self.decision,
            self.actor,
            self.now,
            self.stored,
        )
        plan = await assignment.plan_opening(self.store, decision)
        rule = decision.open_ticket
        collected = CollectedDecisions(
            opener=stored,
            scale=self.scale,
            now=now,
            caused=event.caused(),
            from_first_message=plan.level is not None and plan.level.opened_at_from_interaction,
        )
        new = tickets.open_ticket(
            interaction=event.interaction,
            decision=decision,
            scale=self.scale,
            now=now,
            previous=previous,
            level_settings=plan.level,
        )
        opened: list[Event] = []

        def announce(numbered: tickets.Ticket) -> list[Event]:
            opened.append(
                TicketOpenedV1(
                    **event.caused(),
                    ticket=views.snapshot(numbered),
                    actor=actor,
                    interaction_id=stored.id,
                    interaction_key=event.interaction.key,
                    matched=decision.matched,
                )
            )
            opened.extend(_alerts(event, numbered, opened=True))
            opened.extend(collected.events(numbered))
            agent = plan.agents.get(numbered.assignee or "")
            if agent is not None:
                opened.append(
                    notices.assigned_notice(
                        numbered, agent, by=actor, opened=True, caused=event.caused()
                    )
                )
            return opened

        def history(numbered: tickets.Ticket) -> list[HistoryEntry]:
            detail = {
                **self.reasons,
                "interaction_id": str(stored.id),
                "interaction_count": numbered.interaction_count,
            }
            if previous is not None:
                detail["previous_ticket_id"] = str(previous.id)
            if collected.decided:
                detail["collected"] = collected.detail()
            entries = [
                HistoryEntry(
                    id=uuid4(),
                    ticket_id=numbered.id,
                    at=now,
                    actor=actor,
                    action="opened",
                    after=numbered.protocol,
                    detail=detail,
                )
            ]
            if numbered.assignee is not None:
                how = "most_available" if new.assignee is None else "rule"
                entries.append(
                    assignment.assignment_entry(
                        numbered, actor=actor, at=now, how=how, detail=self.reasons
                    )
                )
            return [
                *entries,
                *collected.history(numbered),
            ]

        async def create(ticket: tickets.Ticket, among: Sequence[str]) -> tickets.Ticket:
            return await self.store.create_ticket(
                ticket,
                year=now.year,
                interaction_id=stored.id,
                history=history,
                announce=announce,
                assign_among=among,
                apply_collected=collected.apply,
                recording=self.recording,
            )

        try:
            async with level_pins.holding(self.store, new.level):
                self.placed = await create(new, plan.candidates)
        except level_pins.LevelGone as gone:
            # The customer's message still gets its ticket, without the level (its agents
            # are not offered it either); the history entry says why.
            log.warning("ticket not put on level %r: %s", gone.level, gone)
            self.reasons["level_refused"] = str(gone)
            new = dataclasses.replace(new, level=None)
            team_picks = rule is not None and rule.team is not None
            self.placed = await create(new, plan.candidates if team_picks else ())
        self.owed[:] = collected.owed_replies()
        return opened
