"""Ticketing's pure rules: threading, the status machine, follow-ups and agent edits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from contracts.interaction import Interaction
from contracts.rules import OpenTicket, RuleMatch, TriageDecision
from ticketing.domain import status, tickets
from ticketing.domain.priority import PriorityScale
from ticketing.domain.status import Status, TransitionRefused
from ticketing.domain.threading import thread_key

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
SCALE = PriorityScale()


def make(**overrides: Any) -> Interaction:
    data: dict[str, Any] = {
        "channel": "instagram",
        "account": "acme",
        "external_id": "c1",
        "thread_id": "p1",
        "kind": "comment",
        "author": {"id": "u1", "name": "Ana"},
        "text": "Olá",
        "occurred_at": NOW,
    }
    return Interaction.model_validate({**data, **overrides})


def opened(decision: TriageDecision | None = None, **overrides: Any) -> tickets.Ticket:
    decision = decision or TriageDecision(open_ticket=OpenTicket())
    return tickets.open_ticket(
        interaction=make(**overrides), decision=decision, scale=SCALE, now=NOW
    )


def test_comments_of_one_post_share_a_thread_and_dms_group_by_author() -> None:
    assert thread_key(make(external_id="c1")) == thread_key(make(external_id="c2"))
    assert thread_key(make(thread_id="p2")) != thread_key(make())
    dm = {"kind": "direct_message", "thread_id": None}
    assert thread_key(make(external_id="d1", **dm)) == thread_key(make(external_id="d2", **dm))
    other = make(external_id="d3", author={"id": "u2"}, **dm)
    assert thread_key(other) != thread_key(make(external_id="d1", **dm))


def test_a_post_without_thread_id_is_its_own_thread() -> None:
    assert thread_key(make(thread_id=None, external_id="p9", kind="post")) == (
        "instagram:thread:p9"
    )


@pytest.mark.parametrize("current", [Status.PENDING, Status.RESOLVED])
def test_new_inbound_on_pending_or_resolved_ticket_reopens_it(current: Status) -> None:
    ticket = tickets.Ticket(**{**opened().__dict__, "status": current})
    outcome = tickets.add_interaction(
        ticket, interaction=make(external_id="c2"), decision=TriageDecision(), now=NOW
    )
    assert outcome.ticket.status is Status.OPEN
    assert tickets.Change("status", current.value, "open") in outcome.changes


@pytest.mark.parametrize("current", [Status.NEW, Status.OPEN, Status.ON_HOLD])
def test_new_inbound_leaves_other_active_statuses_alone(current: Status) -> None:
    ticket = tickets.Ticket(**{**opened().__dict__, "status": current})
    outcome = tickets.add_interaction(
        ticket, interaction=make(external_id="c2"), decision=TriageDecision(), now=NOW
    )
    assert outcome.ticket.status is current


def test_brand_reply_does_not_reopen_a_pending_ticket() -> None:
    ticket = tickets.Ticket(**{**opened().__dict__, "status": Status.PENDING})
    outcome = tickets.add_interaction(
        ticket, interaction=make(direction="outbound"), decision=TriageDecision(), now=NOW
    )
    assert outcome.ticket.status is Status.PENDING


def test_follow_up_counts_and_adds_rule_tags_once_ignoring_case() -> None:
    ticket = opened(TriageDecision(open_ticket=OpenTicket(), tags=["Anatel"]))
    later = NOW + timedelta(minutes=5)
    outcome = tickets.add_interaction(
        ticket,
        interaction=make(external_id="c2"),
        decision=TriageDecision(tags=["anatel", "vip"]),
        now=later,
    )
    assert outcome.ticket.interaction_count == 2
    assert outcome.ticket.tags == ("Anatel", "vip")
    assert outcome.ticket.updated_at == later


def test_rule_decision_sets_status_priority_level_and_opened_by() -> None:
    match = RuleMatch(rule_id="6f1c2b4e-1d3a-4b5c-8d9e-0a1b2c3d4e5f", rule_name="r")
    ticket = opened(
        TriageDecision(
            matched=[match], open_ticket=OpenTicket(status="open", priority="urgent", level="legal")
        )
    )
    assert (ticket.status, ticket.priority, ticket.level) == (Status.OPEN, "urgent", "legal")
    assert ticket.opened_by == f"rule:{match.rule_id}"
    assert ticket.title == "comment from Ana: Olá"


def test_unknown_priority_from_a_rule_falls_back_to_the_default() -> None:
    ticket = opened(TriageDecision(open_ticket=OpenTicket(priority="whenever")))
    assert ticket.priority == "medium"


def test_follow_up_after_closing_inherits_priority_and_level() -> None:
    previous = tickets.Ticket(
        **{
            **opened(
                TriageDecision(open_ticket=OpenTicket(priority="high", level="billing"))
            ).__dict__,
            "status": Status.CLOSED,
        }
    )
    ticket = tickets.open_ticket(
        interaction=make(external_id="c9"),
        decision=TriageDecision(),
        scale=SCALE,
        now=NOW,
        previous=previous,
    )
    assert (ticket.priority, ticket.level) == ("high", "billing")
    assert ticket.previous_ticket_id == previous.id


def test_every_status_reaches_closed_and_closed_is_final() -> None:
    for current in Status:
        if current is not Status.CLOSED:
            status.check_transition(current, Status.CLOSED)
    for target in Status:
        if target is not Status.CLOSED:
            with pytest.raises(TransitionRefused, match="finalised"):
                status.check_transition(Status.CLOSED, target)


def test_resolved_ticket_can_only_reopen_or_close() -> None:
    with pytest.raises(TransitionRefused, match="allowed: closed, open"):
        status.check_transition(Status.RESOLVED, Status.PENDING)


def test_agent_patch_records_each_changed_field_only() -> None:
    ticket = opened()
    outcome = tickets.apply_patch(
        ticket,
        patch={"status": "open", "priority": "medium", "assignee": "ana"},
        scale=SCALE,
        now=NOW,
    )
    assert outcome.changes == [
        tickets.Change("status", "new", "open"),
        tickets.Change("assignee", None, "ana"),
    ]
    assert outcome.ticket.change_count == 2


def test_patch_with_unknown_priority_or_status_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown priority"):
        tickets.apply_patch(opened(), patch={"priority": "p0"}, scale=SCALE, now=NOW)
    with pytest.raises(ValueError):
        tickets.apply_patch(opened(), patch={"status": "archived"}, scale=SCALE, now=NOW)


def test_priority_scale_is_configurable_and_ordered() -> None:
    scale = PriorityScale(("high", "high-medium", "medium", "medium-low", "low"), "medium")
    assert scale.rank("high") < scale.rank("medium-low")
    with pytest.raises(ValueError):
        PriorityScale(("a", "a"), "a")
    with pytest.raises(ValueError):
        PriorityScale(("a", "b"), "c")
