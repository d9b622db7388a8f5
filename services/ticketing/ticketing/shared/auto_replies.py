"""A rule's automatic reply (docs/domain.md F22), sent through the same path as an agent's
(``shared.replies.queue_reply``) as ``rule:<id>``, after the interaction is placed on its
ticket (a redelivery finds it queued already: its id derives from the interaction and the
rule). Never more than one automatic reply per conversation within the cooldown, never to
the brand's own messages, never to an automatic e-mail; what is not sent is said in the
history (``auto_reply_skipped``, with the reason)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from contracts.base import Event
from contracts.events import InteractionTriagedV1
from contracts.rules import PendingReply
from contracts.tickets import HistoryEntry, StoredInteraction
from servicekit.publishing import EventPublisher
from ticketing.domain import replies
from ticketing.domain.tickets import Ticket
from ticketing.shared.replies import queue_reply
from ticketing.shared.writes import retry_on_stale
from ticketing.store.port import TicketStore

log = logging.getLogger(__name__)


async def reply_by_rules(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    event: InteractionTriagedV1,
    thread_key: str,
    cooldown: timedelta,
    now: datetime,
) -> None:
    decision = event.decision
    if not decision.auto_replies:
        return
    stored = await store.record_interaction(
        StoredInteraction(
            id=uuid4(), ticket_id=None, received_at=now, interaction=event.interaction
        ),
        thread_key=thread_key,
    )  # idempotent: only reads where the interaction is
    if stored.ticket_id is None:
        return  # no ticket: the decision waits with the interaction (shared.collected)
    # One automatic reply per message, the first rule's.
    await answer_by_rule(
        store=store,
        publisher=publisher,
        stored=stored,
        wanted=decision.auto_replies[0],
        cooldown=cooldown,
        now=now,
    )


async def send_owed(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    owed: Sequence[tuple[StoredInteraction, PendingReply]],
    cooldown: timedelta,
    now: datetime,
) -> None:
    """The automatic replies of interactions a new ticket collected (shared.collected), once
    the opening is written: the same checks and path as a reply decided on a ticketed
    interaction, so the cooldown lets one through per conversation."""
    for collected, wanted in owed:
        stored = await store.get_interaction(collected.id)
        if stored is None or stored.ticket_id is None:
            continue
        await answer_by_rule(
            store=store,
            publisher=publisher,
            stored=stored,
            wanted=wanted,
            cooldown=cooldown,
            now=now,
        )


async def answer_by_rule(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    stored: StoredInteraction,
    wanted: PendingReply,
    cooldown: timedelta,
    now: datetime,
) -> None:
    """Queue a rule's reply to an interaction on its ticket, or say in the history why not."""
    assert stored.ticket_id is not None
    ticket = await store.get_ticket(stored.ticket_id)
    if ticket is None:
        return
    await send_automatic(
        store=store,
        publisher=publisher,
        stored=stored,
        ticket=ticket,
        actor=f"rule:{wanted.rule_id}",
        reply_id=replies.rule_reply_id(stored.interaction.key, wanted.rule_id),
        text=wanted.text,
        cooldown=cooldown,
        now=now,
    )


async def send_automatic(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    stored: StoredInteraction,
    ticket: Ticket,
    actor: str,
    reply_id: UUID,
    text: str,
    cooldown: timedelta,
    now: datetime,
) -> None:
    """Queue one automatic reply (a rule's, a level's out-of-hours message) to ``stored``,
    or say in the history why not. Every automatic reply shares one cooldown per
    conversation, so a rule and the out-of-hours message never both answer."""
    history = await store.history_of(ticket.id)
    if any(e.detail.get("reply_id") == str(reply_id) for e in history):
        return  # queued or skipped before: a redelivery
    interactions = await store.interactions_of(ticket.id)
    reason = replies.automatic_reply_refusal(stored.interaction)
    if reason is None and replies.in_cooldown(history, now, cooldown):
        reason = f"an automatic reply answered this conversation less than {cooldown} ago"
    if reason is None:
        mode = replies.mode_for(stored, private=False)
        try:
            replies.check_possible(target=stored, mode=mode, interactions=interactions, now=now)
        except replies.ReplyRefused as refused:
            reason = str(refused)
    if reason is not None:
        await _skipped(store, ticket.id, actor, str(reply_id), text, reason, now)
        return
    await queue_reply(
        store=store,
        publisher=publisher,
        ticket=ticket,
        target=stored,
        mode=mode,
        account=stored.interaction.account,
        text=text,
        actor=actor,
        now=now,
        reply_id=reply_id,
    )


async def _skipped(
    store: TicketStore,
    ticket_id: UUID,
    actor: str,
    reply_id: str,
    text: str,
    reason: str,
    now: datetime,
) -> None:
    log.info("automatic reply %s not sent: %s", reply_id, reason)

    async def attempt() -> None:
        ticket = await store.get_ticket(ticket_id)
        if ticket is None:
            return
        entry = HistoryEntry(
            id=uuid4(),
            ticket_id=ticket.id,
            at=now,
            actor=actor,
            action=replies.AUTO_REPLY_SKIPPED,
            detail={"reply_id": reply_id, "text": text, "reason": reason},
        )
        events: list[Event] = []
        await store.update_ticket(
            ticket,
            expected_version=ticket.version,
            interaction_id=None,
            history=[entry],
            events=events,
        )

    await retry_on_stale(attempt, what=f"ticket {ticket_id}")
