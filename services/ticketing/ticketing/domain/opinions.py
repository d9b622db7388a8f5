"""Opinion requests on a ticket (F31): which are still waiting for an answer, and the
``Waiting_Opinion`` tag that says so. The ticket's history is the record: a request is an
"opinion_requested" entry, its answer an "opinion_received" entry naming the same request
(or "opinion_undeliverable" when the collaborator's mail server refused it),
so the state of every request changes in the same write as the ticket."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import datetime

from contracts.tickets import HistoryEntry
from ticketing.domain.tickets import Change, Outcome, Ticket, merge_tags

WAITING_OPINION = "Waiting_Opinion"
REQUESTED = "opinion_requested"
RECEIVED = "opinion_received"
UNDELIVERABLE = "opinion_undeliverable"


def _request_ids(history: Iterable[HistoryEntry], action: str) -> set[str]:
    return {str(e.detail.get("request_id")) for e in history if e.action == action}


def answered(history: Iterable[HistoryEntry]) -> set[str]:
    return _request_ids(history, RECEIVED)


def closed(history: Iterable[HistoryEntry]) -> set[str]:
    """Requests that will get no (further) answer: answered, or never delivered."""
    entries = list(history)
    return answered(entries) | _request_ids(entries, UNDELIVERABLE)


def pending(history: Iterable[HistoryEntry]) -> set[str]:
    entries = list(history)
    return _request_ids(entries, REQUESTED) - closed(entries)


def _retag(ticket: Ticket, tags: tuple[str, ...], now: datetime) -> Outcome:
    if tags == ticket.tags:
        return Outcome(ticket)
    change = Change("tags", list(ticket.tags), list(tags))
    return Outcome(
        dataclasses.replace(
            ticket, tags=tags, change_count=ticket.change_count + 1, updated_at=now
        ),
        [change],
    )


def mark_waiting(ticket: Ticket, now: datetime) -> Outcome:
    return _retag(ticket, merge_tags(ticket.tags, [WAITING_OPINION]), now)


def clear_waiting(ticket: Ticket, now: datetime) -> Outcome:
    kept = tuple(t for t in ticket.tags if t.casefold() != WAITING_OPINION.casefold())
    return _retag(ticket, kept, now)
