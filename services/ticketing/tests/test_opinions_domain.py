"""Opinion requests on a ticket: which are still pending, and the Waiting_Opinion tag."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from uuid import uuid4

from contracts.interaction import Interaction
from contracts.rules import OpenTicket, TriageDecision
from contracts.tickets import HistoryEntry
from ticketing.domain import opinions, tickets
from ticketing.domain.priority import PriorityScale

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TICKET_ID = uuid4()


def entry(action: str, request_id: str) -> HistoryEntry:
    return HistoryEntry(
        id=uuid4(),
        ticket_id=TICKET_ID,
        at=NOW,
        actor="agent:ana",
        action=action,
        detail={"request_id": request_id},
    )


def ticket(tags: tuple[str, ...] = ()) -> tickets.Ticket:
    interaction = Interaction.model_validate(
        {
            "channel": "facebook",
            "account": "acme",
            "external_id": "c1",
            "thread_id": "p1",
            "kind": "comment",
            "author": {"id": "u1"},
            "occurred_at": NOW,
        }
    )
    opened = tickets.open_ticket(
        interaction=interaction,
        decision=TriageDecision(open_ticket=OpenTicket()),
        scale=PriorityScale(),
        now=NOW,
    )
    return dataclasses.replace(opened, tags=tags)


def test_a_request_is_pending_until_its_answer_is_in_the_history() -> None:
    history = [entry(opinions.REQUESTED, "a"), entry(opinions.REQUESTED, "b")]
    assert opinions.pending(history) == {"a", "b"}
    history.append(entry(opinions.RECEIVED, "a"))
    assert opinions.pending(history) == {"b"}
    assert opinions.answered(history) == {"a"}


def test_a_request_that_could_not_be_delivered_is_no_longer_pending() -> None:
    history = [entry(opinions.REQUESTED, "a"), entry(opinions.UNDELIVERABLE, "a")]
    assert opinions.pending(history) == set()
    assert opinions.closed(history) == {"a"}
    assert opinions.answered(history) == set()


def test_marking_a_ticket_waiting_adds_the_tag_once() -> None:
    outcome = opinions.mark_waiting(ticket(("vip",)), NOW)
    assert outcome.ticket.tags == ("vip", opinions.WAITING_OPINION)
    assert [c.field for c in outcome.changes] == ["tags"]
    again = opinions.mark_waiting(outcome.ticket, NOW)
    assert again.changes == [] and again.ticket.tags == outcome.ticket.tags


def test_clearing_removes_the_tag_whatever_its_case_and_keeps_the_others() -> None:
    outcome = opinions.clear_waiting(ticket(("vip", "waiting_opinion")), NOW)
    assert outcome.ticket.tags == ("vip",)
    assert outcome.changes[0].before == ["vip", "waiting_opinion"]
    assert opinions.clear_waiting(outcome.ticket, NOW).changes == []
