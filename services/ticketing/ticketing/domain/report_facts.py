"""A ticket's report facts (``ticketing.domain.reports.TicketFacts``) from the ticket, its
interactions, its history and its level's calendar: who the customer is, when the desk first
answered, when the ticket was done, and the times between, in business time where the level
has a calendar."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from contracts.interaction import Direction
from contracts.tickets import HistoryEntry, StoredInteraction
from servicekit.business_time import BusinessCalendar
from ticketing.domain.reports import DONE_STATUSES, TicketFacts
from ticketing.domain.tickets import Ticket


def first_response_at(interactions: Iterable[StoredInteraction]) -> datetime | None:
    """When the desk first answered: the earliest outbound interaction that is not internal
    and whose ``delivery.state`` is ``sent``, or that has no ``delivery`` at all (replies
    made on the network itself, echoed back). The fields come with replies (issue 11) and
    are read when present."""
    answered = [
        s.interaction.occurred_at
        for s in interactions
        if s.interaction.direction is Direction.OUTBOUND
        and not getattr(s.interaction, "internal", False)
        and _delivered(getattr(s.interaction, "delivery", None))
    ]
    return min(answered, default=None)


def _delivered(delivery: object) -> bool:
    if delivery is None:
        return True
    state = delivery.get("state") if isinstance(delivery, dict) else getattr(delivery, "state", "")
    return str(state) == "sent"


def author_of(interactions: Iterable[StoredInteraction]) -> str:
    """The customer a ticket is about: the author of its earliest inbound interaction, as
    channel:id (one person on two channels is two authors until people are unified)."""
    inbound = [s.interaction for s in interactions if s.interaction.direction is Direction.INBOUND]
    if not inbound:
        return ""
    first = min(inbound, key=lambda i: i.occurred_at)
    return f"{first.channel.value}:{first.author.id}"


def done_at(status: str, updated_at: datetime, history: Iterable[HistoryEntry]) -> datetime | None:
    """When a resolved or closed ticket last became so; None while it is open."""
    if status not in DONE_STATUSES:
        return None
    moves = [h.at for h in history if h.field == "status" and h.after in DONE_STATUSES]
    return max(moves, default=updated_at)


def facts_of(
    ticket: Ticket,
    interactions: Sequence[StoredInteraction],
    history: Sequence[HistoryEntry],
    calendar: BusinessCalendar | None,
) -> TicketFacts | None:
    """A ticket's facts; None for a removed ticket, which no report counts. Times are
    business time where the level has a calendar, wall-clock time otherwise."""
    if ticket.removed:
        return None
    answered = first_response_at(interactions)
    finished = done_at(ticket.status.value, ticket.updated_at, history)
    return TicketFacts(
        level=ticket.level or "",
        status=ticket.status.value,
        priority=ticket.priority,
        channel=ticket.channel,
        account=ticket.account,
        agent=ticket.assignee or "",
        author=author_of(interactions),
        opened_at=ticket.opened_at,
        first_response_seconds=_elapsed(ticket.opened_at, answered, calendar),
        resolution_seconds=_elapsed(ticket.opened_at, finished, calendar),
        done_at=finished,
    )


def _elapsed(
    start: datetime, end: datetime | None, calendar: BusinessCalendar | None
) -> float | None:
    if end is None:
        return None
    if end <= start:
        return 0.0
    if calendar is None:
        return (end - start).total_seconds()
    worked: timedelta = calendar.business_time(start, end)
    return worked.total_seconds()
