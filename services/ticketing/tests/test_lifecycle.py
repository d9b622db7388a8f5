"""Auto-close, removal, merge and sub-tickets as pure rules."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import pytest

from ticketing.domain import lifecycle
from ticketing.domain.status import Status
from ticketing.domain.tickets import Ticket

from .test_domain import NOW, opened

LATER = NOW + timedelta(hours=1)


def earlier_and_later() -> tuple[Ticket, Ticket]:
    first = dataclasses.replace(opened(), protocol="2026-000001", tags=("entrega",))
    second = dataclasses.replace(
        opened(external_id="c9", thread_id="p9"),
        protocol="2026-000002",
        opened_at=LATER,
        status=Status.PENDING,
        tags=("Entrega", "vip"),
    )
    return first, second


def test_closing_records_the_status_change_once() -> None:
    outcome = lifecycle.close(opened(), now=LATER)
    assert outcome.ticket.status is Status.CLOSED
    assert [(c.field, c.after) for c in outcome.changes] == [("status", "closed")]
    assert lifecycle.close(outcome.ticket, now=LATER).changes == []


def test_a_removed_ticket_is_closed_and_flagged() -> None:
    outcome = lifecycle.remove(opened(), now=LATER)
    assert (outcome.ticket.removed, outcome.ticket.status) == (True, Status.CLOSED)
    assert lifecycle.remove(outcome.ticket, now=LATER).changes == []


def test_merging_closes_the_newer_and_reopens_the_earlier_with_both_tags() -> None:
    earlier, newer = earlier_and_later()
    earlier = dataclasses.replace(earlier, status=Status.RESOLVED)
    source, target = lifecycle.merge(newer, earlier, now=LATER)
    assert (source.ticket.status, source.ticket.merged_into) == (Status.CLOSED, earlier.id)
    assert target.ticket.status is Status.OPEN
    assert target.ticket.tags == ("entrega", "vip")


def test_merging_into_a_newer_ticket_is_refused() -> None:
    earlier, newer = earlier_and_later()
    with pytest.raises(lifecycle.MergeRefused, match="newer"):
        lifecycle.merge(earlier, newer, now=LATER)


def test_merging_into_a_closed_ticket_is_refused() -> None:
    earlier, newer = earlier_and_later()
    closed = dataclasses.replace(earlier, status=Status.CLOSED)
    with pytest.raises(lifecycle.MergeRefused, match="closed"):
        lifecycle.merge(newer, closed, now=LATER)


def test_a_ticket_is_merged_only_once_and_never_into_itself() -> None:
    earlier, newer = earlier_and_later()
    source, _ = lifecycle.merge(newer, earlier, now=LATER)
    with pytest.raises(lifecycle.MergeRefused, match="already merged"):
        lifecycle.merge(source.ticket, earlier, now=LATER)
    with pytest.raises(lifecycle.MergeRefused, match="itself"):
        lifecycle.merge(earlier, earlier, now=LATER)


def test_a_sub_ticket_has_its_own_conversation_and_points_to_its_parent() -> None:
    parent = opened()
    child = lifecycle.child(parent, title="Laudo", now=LATER, opened_by="agent:ana")
    assert (child.parent_id, child.priority, child.channel) == (
        parent.id,
        parent.priority,
        parent.channel,
    )
    assert child.thread_key != parent.thread_key
    assert child.interaction_count == 0
