"""The end of a ticket's life: auto-close, removal, merge, and its sub-tickets (docs/domain.md
F11-F13, F18). Pure functions returning the changed tickets and their field changes."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from uuid import uuid4

from ticketing.domain.status import Status, TransitionRefused
from ticketing.domain.tickets import Change, Outcome, Ticket, merge_tags


def close(ticket: Ticket, *, now: datetime) -> Outcome:
    """Closed (every status but closed may close); already closed changes nothing."""
    if ticket.status is Status.CLOSED:
        return Outcome(ticket)
    closed = dataclasses.replace(
        ticket, status=Status.CLOSED, change_count=ticket.change_count + 1, updated_at=now
    )
    return Outcome(closed, [Change("status", ticket.status.value, Status.CLOSED.value)])


def remove(ticket: Ticket, *, now: datetime) -> Outcome:
    """Off the desk: hidden from lists and closed, so the conversation's next message opens
    a new ticket. Its interactions and history stay."""
    if ticket.removed:
        return Outcome(ticket)
    closing = close(ticket, now=now)
    removed = dataclasses.replace(
        closing.ticket, removed=True, change_count=closing.ticket.change_count + 1, updated_at=now
    )
    return Outcome(removed, [*closing.changes, Change("removed", False, True)])


class MergeRefused(TransitionRefused):
    pass


def merge(source: Ticket, target: Ticket, *, now: datetime) -> tuple[Outcome, Outcome]:
    """``source`` merged into the earlier ``target``: the source is closed and points to the
    target; the target is reopened and takes the source's tags. The caller moves the
    interactions and checks that both tickets are the same person's."""
    if source.id == target.id:
        raise MergeRefused("a ticket cannot be merged into itself")
    for ticket in (source, target):
        if ticket.merged_into is not None:
            raise MergeRefused(f"ticket {ticket.protocol} was already merged into another")
    if target.status is Status.CLOSED:
        raise MergeRefused(
            f"ticket {target.protocol} is closed, and closed tickets are final: merge into an "
            "open one"
        )
    if target.opened_at > source.opened_at:
        raise MergeRefused(
            f"ticket {target.protocol} is newer than {source.protocol}: merge the newer ticket "
            "into the earlier one"
        )
    closing = close(source, now=now)
    closed = dataclasses.replace(closing.ticket, merged_into=target.id)
    source_changes = [*closing.changes, Change("merged_into", None, str(target.id))]
    tags = merge_tags(target.tags, list(source.tags))
    reopened = dataclasses.replace(
        target, status=Status.OPEN, tags=tags, change_count=target.change_count + 1, updated_at=now
    )
    target_changes = [Change("merged_from", None, str(source.id))]
    if target.status is not Status.OPEN:
        target_changes.append(Change("status", target.status.value, Status.OPEN.value))
    if tags != target.tags:
        target_changes.append(Change("tags", list(target.tags), list(tags)))
    return Outcome(closed, source_changes), Outcome(reopened, target_changes)


def child(
    parent: Ticket, *, title: str, now: datetime, opened_by: str, level: str | None = None
) -> Ticket:
    """A sub-ticket for work with third parties: the parent's channel, account and priority,
    a conversation of its own (it holds no interactions of the parent's)."""
    ticket_id = uuid4()
    return Ticket(
        id=ticket_id,
        title=title,
        status=Status.OPEN,
        priority=parent.priority,
        level=level if level is not None else parent.level,
        assignee=None,
        tags=(),
        channel=parent.channel,
        account=parent.account,
        thread_key=f"child:{ticket_id}",
        opened_by=opened_by,
        opened_at=now,
        updated_at=now,
        parent_id=parent.id,
        team=parent.team,
        scope=parent.scope,
    )
