"""A ticket's report facts (``ticketing.domain.reports.TicketFacts``) from the ticket, its
interactions, its history and its level's calendar: who the customer is, when the desk first
answered, when the ticket was done, and the times between, in business time where the level
has a calendar."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from contracts.interaction import Direction
from contracts.replies import DeliveryState
from contracts.tickets import HistoryEntry, StoredInteraction
from servicekit.business_time import BusinessCalendar
from ticketing.domain.reports import DONE_STATUSES, TicketFacts
from ticketing.domain.tickets import Ticket

INBOUND = Direction.INBOUND.value
OUTBOUND = Direction.OUTBOUND.value


class InteractionMark(NamedTuple):
    """What the facts read of one interaction: a store can read these few fields without
    parsing the whole interaction (``ReportStore.project_report``). ``delivery_state`` and
    ``sent_at`` are the stored interaction's ``delivery`` (a reply's way to the network);
    both are None on what came from the network."""

    occurred_at: datetime
    direction: str
    channel: str
    author: str
    delivery_state: str | None = None
    sent_at: datetime | None = None


def mark_of(stored: StoredInteraction) -> InteractionMark:
    """The mark of a parsed interaction."""
    interaction = stored.interaction
    delivery = stored.delivery
    return InteractionMark(
        interaction.occurred_at,
        interaction.direction.value,
        interaction.channel.value,
        interaction.author.id,
        delivery.state.value if delivery else None,
        delivery.sent_at if delivery else None,
    )


def first_response_at(marks: Iterable[InteractionMark]) -> datetime | None:
    """When the desk first answered, as the SLA's first-response clock counts it: the
    earliest outbound interaction the customer could see. A reply counts once the network
    took it, at the time it did (one waiting for approval, queued, failed or uncertain has
    not answered anyone); an outbound interaction with no delivery was made on the network
    itself (an echo of a reply written there) and counts when it happened. Internal notes
    are history entries, never interactions, so they never count."""
    answered = [answered_at(m) for m in marks if m.direction == OUTBOUND]
    return min((at for at in answered if at is not None), default=None)


def answered_at(mark: InteractionMark) -> datetime | None:
    if mark.delivery_state is None:
        return mark.occurred_at
    if mark.delivery_state != DeliveryState.SENT.value:
        return None
    return mark.sent_at or mark.occurred_at


def author_of(marks: Iterable[InteractionMark]) -> str:
    """The customer a ticket is about: the author of its earliest inbound interaction, as
    channel:id (one person on two channels is two authors until people are unified)."""
    inbound = [m for m in marks if m.direction == INBOUND]
    if not inbound:
        return ""
    first = min(inbound, key=lambda m: m.occurred_at)
    return f"{first.channel}:{first.author}"


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
    """A ticket's facts from its parsed interactions (``facts_from_marks``)."""
    return facts_from_marks(ticket, [mark_of(s) for s in interactions], history, calendar)


def facts_from_marks(
    ticket: Ticket,
    marks: Sequence[InteractionMark],
    history: Sequence[HistoryEntry],
    calendar: BusinessCalendar | None,
) -> TicketFacts | None:
    """A ticket's facts; None for a removed ticket, which no report counts. Times are
    business time where the level has a calendar, wall-clock time otherwise."""
    if ticket.removed:
        return None
    answered = first_response_at(marks)
    finished = done_at(ticket.status.value, ticket.updated_at, history)
    return TicketFacts(
        level=ticket.level or "",
        status=ticket.status.value,
        priority=ticket.priority,
        channel=ticket.channel,
        account=ticket.account,
        agent=ticket.assignee or "",
        author=author_of(marks),
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
