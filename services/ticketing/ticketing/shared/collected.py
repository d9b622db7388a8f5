"""The decisions of the interactions a new ticket collects. Interactions of a conversation can
be stored before the one that opens its ticket (their rules asked for no ticket, or they
arrived first, or on another replica at the same moment); the ticket that collects them
applies what the rules decided for each: tags, ``set_priority``, alerts and shares, and
after the write their automatic replies (``owed_replies``; issue 11: they were never sent).
The store calls ``apply`` inside the write that attaches them, and only that write attaches
them, so each decision takes effect exactly once whatever the order of arrival (issue 9:
alerts of collected interactions used to be dropped).

A collected interaction's opening fields (status, level, assignee, team, title) are not
applied: the ticket is already being opened by another interaction, as when the interaction
arrives after the ticket exists."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import uuid4

from contracts.base import Event
from contracts.events import AlertedInteraction, NotificationRequestedV1
from contracts.interaction import Direction
from contracts.opinions import OpinionRequestedV1
from contracts.rules import PendingReply, TriageDecision
from contracts.tickets import HistoryEntry, StoredInteraction
from ticketing.domain import opinions, sla, tickets
from ticketing.domain.priority import PriorityScale
from ticketing.shared import views
from ticketing.shared.opinion_requests import rule_request_id, shared_interaction
from ticketing.store.port import Collected


class CollectedDecisions:
    """One ticket opening's collected interactions: ``apply`` is the store's callback; then
    ``history`` and ``events`` give what their decisions add to the opening's write."""

    def __init__(
        self,
        *,
        opener: StoredInteraction,
        scale: PriorityScale,
        now: datetime,
        caused: dict[str, Any],
        by_rules: bool = True,
        from_first_message: bool = False,
    ) -> None:
        self.opener, self.scale, self.now, self.caused = opener, scale, now, caused
        self.by_rules = by_rules
        self.from_first_message = from_first_message
        """The level dates a ticket by the customer's message (``opened_at_from_interaction``):
        the earliest one collected, then, which the SLA clocks count from."""
        self.decided: list[tuple[StoredInteraction, TriageDecision]] = []
        self.transcript: list[StoredInteraction] = [opener]

    def apply(self, ticket: tickets.Ticket, collected: Sequence[Collected]) -> tickets.Ticket:
        # The opener's own decision is the one the opening applies (or, opened by hand, the
        # agent's choices stand first and its kept decision is applied here like the rest).
        self.decided = [
            (c.stored, c.decision)
            for c in collected
            if c.decision is not None and (c.stored.id != self.opener.id or not self.by_rules)
        ]
        self.transcript = [c.stored for c in collected]
        for _, decision in self.decided:
            ticket = tickets.apply_decision(ticket, decision, now=self.now, scale=self.scale).ticket
            if decision.share_emails:
                ticket = opinions.mark_waiting(ticket, self.now).ticket
        return self._counted(ticket, collected)

    def _counted(self, ticket: tickets.Ticket, collected: Sequence[Collected]) -> tickets.Ticket:
        """The collected interactions count in the SLA clocks as if they had arrived on the
        ticket (issue 12): a reply already sent is the first response, the first customer
        message starts the clock where the level dates tickets by it."""
        messages = [
            (
                c.stored.interaction.direction is Direction.INBOUND,
                sla.counts_as_response(c.stored),
                c.stored.interaction.occurred_at,
            )
            for c in collected
        ]
        track, opened_at = sla.collected(
            ticket.sla,
            messages,
            opened_at=ticket.opened_at,
            from_first_message=self.from_first_message,
        )
        if track is ticket.sla and opened_at == ticket.opened_at:
            return ticket
        statuses = tuple((min(at, opened_at), s) for at, s in track.statuses)
        return dataclasses.replace(
            ticket, opened_at=opened_at, sla=dataclasses.replace(track, statuses=statuses)
        )

    def detail(self) -> list[dict[str, Any]]:
        """For the "opened" history entry: which collected interactions brought decisions."""
        return [
            {
                "interaction_id": str(stored.id),
                "rules": [m.model_dump(mode="json") for m in decision.matched],
            }
            for stored, decision in self.decided
        ]

    def history(self, ticket: tickets.Ticket) -> list[HistoryEntry]:
        entries = []
        for stored, decision in self.decided:
            actor = _actor(decision)
            entries += [
                HistoryEntry(
                    id=uuid4(),
                    ticket_id=ticket.id,
                    at=self.now,
                    actor=actor,
                    action=opinions.REQUESTED,
                    detail={
                        "request_id": str(rule_request_id(stored.interaction.key, email)),
                        "email": email,
                        "note": _share_note(decision),
                        "attachments": [],
                    },
                )
                for email in decision.share_emails
            ]
        return entries

    def owed_replies(self) -> list[tuple[StoredInteraction, PendingReply]]:
        """The automatic replies the collected interactions' rules asked for (the first rule's
        per message), sent once the opening is written (shared.auto_replies.send_owed): they
        go through the reply path, which needs the ticket the opening creates."""
        return [
            (stored, decision.auto_replies[0])
            for stored, decision in self.decided
            if decision.auto_replies
        ]

    def events(self, ticket: tickets.Ticket) -> list[Event]:
        events: list[Event] = []
        snapshot = views.snapshot(ticket)
        for stored, decision in self.decided:
            if decision.alert_emails:
                events.append(
                    NotificationRequestedV1(
                        **self.caused,
                        kind="rule_alert",
                        recipients=decision.alert_emails,
                        ticket=snapshot,
                        ticket_opened=True,
                        matched=decision.matched,
                        interaction_key=stored.interaction.key,
                        interaction=AlertedInteraction.of(stored.interaction),
                    )
                )
            events += [
                OpinionRequestedV1(
                    **self.caused,
                    request_id=rule_request_id(stored.interaction.key, email),
                    ticket=snapshot,
                    interactions=[shared_interaction(s) for s in self.transcript],
                    note=_share_note(decision),
                    collaborator_email=email,
                    requested_by=_actor(decision),
                )
                for email in decision.share_emails
            ]
        return events


def _actor(decision: TriageDecision) -> str:
    return f"rule:{decision.matched[0].rule_id}" if decision.matched else "system"


def _share_note(decision: TriageDecision) -> str:
    return f"Shared by the rule(s) {', '.join(m.rule_name for m in decision.matched)}."
