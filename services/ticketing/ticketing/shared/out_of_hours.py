"""A level's out-of-hours message (docs/domain.md F22): a customer message that arrives while
the ticket's level's calendar is closed is answered automatically, through the same path and
the same cooldown as the rules' automatic replies (``shared.auto_replies.send_automatic``),
as ``out_of_hours:<level>``. "Closed" is the calendar arithmetic the SLA clocks count with
(``servicekit.business_time``), so the desk has one meaning of business hours."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import uuid4

from contracts.calendars import CalendarSpec
from contracts.events import InteractionTriagedV1
from contracts.interaction import Direction
from contracts.people import LevelRead, OutOfHoursReply
from contracts.tickets import StoredInteraction
from servicekit.business_time import BusinessCalendar
from servicekit.publishing import EventPublisher
from ticketing.domain import replies
from ticketing.domain.tickets import Ticket
from ticketing.shared import directory_reads
from ticketing.shared.auto_replies import send_automatic
from ticketing.store.port import TicketStore


async def reply_out_of_hours(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    event: InteractionTriagedV1,
    thread_key: str,
    cooldown: timedelta,
    now: datetime,
    placed: Ticket | None = None,
) -> None:
    """``placed``: the ticket the caller has just put the interaction on, when it did. Its
    level tells at once whether an answer is possible at all, which it mostly is not, so
    most interactions are let go without reading where the interaction is and its ticket."""
    if event.interaction.direction is Direction.OUTBOUND:
        return  # the brand's own: never answered (and no lookups for it)
    if placed is not None:
        placed_level = await directory_reads.level_settings(store, placed.level)
        if not _answers(placed_level):
            return
    stored = await store.record_interaction(
        StoredInteraction(
            id=uuid4(), ticket_id=None, received_at=now, interaction=event.interaction
        ),
        thread_key=thread_key,
    )  # idempotent: only reads where the interaction is
    if stored.ticket_id is None:
        return
    ticket = await store.get_ticket(stored.ticket_id)
    if ticket is None:
        return
    level = await directory_reads.level_settings(store, ticket.level)
    if level is None or level.out_of_hours_reply is None or level.calendar is None:
        return
    body = await store.get_entry("calendar", level.calendar)
    if body is None:
        return
    spec = CalendarSpec.model_validate({k: v for k, v in body.items() if k != "name"})
    if BusinessCalendar.of(spec).is_open(now):
        return
    await send_automatic(
        store=store,
        publisher=publisher,
        stored=stored,
        ticket=ticket,
        actor=f"out_of_hours:{level.name}",
        reply_id=replies.out_of_hours_reply_id(event.interaction.key),
        text=message(level.out_of_hours_reply),
        cooldown=cooldown,
        now=now,
    )


def _answers(level: LevelRead | None) -> bool:
    """Whether the level has an out-of-hours message and a calendar to send it by."""
    return level is not None and level.out_of_hours_reply is not None and level.calendar is not None


def message(reply: OutOfHoursReply) -> str:
    """The level's chosen language's text, else the one it has."""
    return reply.texts.get(reply.language) or next(iter(reply.texts.values()))
