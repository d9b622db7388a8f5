"""Choosing an agent, and what a rule's decision and a level's settings do to a new ticket."""

from __future__ import annotations

import dataclasses
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from uuid import uuid4

from contracts.people import LevelRead
from contracts.rules import OpenTicket, PendingReply, TriageDecision
from ticketing.domain import assignment, tickets
from ticketing.domain.access import Visibility

from .test_domain import NOW, SCALE, make, opened


def legal(**settings: object) -> LevelRead:
    defaults: dict[str, object] = {
        "name": "legal",
        "responsible": None,
        "active": True,
        "accounts": [],
        "default_priority": None,
        "auto_close_after_hours": None,
        "moderation_required": False,
        "opened_at_from_interaction": False,
        "agents": [],
    }
    return LevelRead.model_validate({**defaults, **settings})


def test_most_available_is_the_agent_with_fewest_open_tickets() -> None:
    assert assignment.most_available({"ana": 3, "bia": 1, "caio": 2}, ["ana", "bia", "caio"]) == (
        "bia"
    )


def test_an_agent_without_tickets_counts_as_idle() -> None:
    assert assignment.most_available({"ana": 1}, ["ana", "bia"]) == "bia"


def test_ties_are_shared_between_equally_idle_agents() -> None:
    rng = random.Random(7)
    picks = Counter(assignment.most_available({}, ["ana", "bia"], rng) for _ in range(200))
    assert set(picks) == {"ana", "bia"}
    assert min(picks.values()) > 60


def test_nobody_to_choose_from_gives_nobody() -> None:
    assert assignment.most_available({}, []) is None
    assert assignment.pick_random([]) is None


def test_random_pick_is_one_of_the_candidates() -> None:
    assert assignment.pick_random(["ana", "bia"], random.Random(1)) in {"ana", "bia"}


def test_rule_sets_title_assignee_and_team_and_keeps_no_reply_on_the_ticket() -> None:
    reply = PendingReply(rule_id=uuid4(), text="Recebemos sua mensagem")
    decision = TriageDecision(
        open_ticket=OpenTicket(assignee="ana", team="night"),
        ticket_title="Reclamação Anatel",
        auto_replies=[reply],
    )
    ticket = opened(decision)
    assert (ticket.title, ticket.assignee, ticket.team) == ("Reclamação Anatel", "ana", "night")
    assert not hasattr(ticket, "pending_replies")


def test_set_priority_overrides_the_opening_priority() -> None:
    decision = TriageDecision(open_ticket=OpenTicket(priority="low"), set_priority="urgent")
    assert opened(decision).priority == "urgent"


def test_level_default_priority_applies_when_the_rule_sets_none() -> None:
    decision = TriageDecision(open_ticket=OpenTicket(level="legal"))
    ticket = tickets.open_ticket(
        interaction=make(),
        decision=decision,
        scale=SCALE,
        now=NOW,
        level_settings=legal(default_priority="high"),
    )
    assert ticket.priority == "high"


def test_level_can_date_the_ticket_from_the_interaction() -> None:
    written = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    ticket = tickets.open_ticket(
        interaction=make(occurred_at=written),
        decision=TriageDecision(open_ticket=OpenTicket(level="legal")),
        scale=SCALE,
        now=NOW,
        level_settings=legal(opened_at_from_interaction=True),
    )
    assert ticket.opened_at == written
    assert ticket.updated_at == NOW


def test_follow_up_with_set_priority_changes_the_priority_on_the_scale_only() -> None:
    ticket = opened()
    later = NOW + timedelta(minutes=1)
    raised = tickets.add_interaction(
        ticket,
        interaction=make(external_id="c2"),
        decision=TriageDecision(set_priority="urgent"),
        now=later,
        scale=SCALE,
    )
    assert raised.ticket.priority == "urgent"
    assert ("priority", "medium", "urgent") in {
        (c.field, c.before, c.after) for c in raised.changes
    }
    unknown = tickets.add_interaction(
        ticket,
        interaction=make(external_id="c3"),
        decision=TriageDecision(set_priority="asap"),
        now=later,
        scale=SCALE,
    )
    assert unknown.ticket.priority == ticket.priority


def test_an_agent_sees_tickets_of_their_levels_and_those_assigned_to_them() -> None:
    seen = Visibility("ana", ("legal",))
    ticket = opened()
    assert not seen.sees(ticket)
    assert seen.sees(dataclasses.replace(ticket, level="legal"))
    assert seen.sees(dataclasses.replace(ticket, level="basic", assignee="ana"))
    assert not seen.sees(dataclasses.replace(ticket, level="basic", assignee="bia"))
