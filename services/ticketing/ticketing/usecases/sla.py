"""SLA clocks at work (docs/domain.md F14–F16, F32): the scan that reads the tickets whose band
changes now (from the index on their next reading, never every open ticket), writes their new
band and due time, recomputes deadlines whose level, priority, policy or calendar changed
(with a history entry), and warns once when a clock turns red and when it runs out; the
counts per band of a level."""

from __future__ import annotations

import dataclasses
import logging
from datetime import datetime
from uuid import uuid4

from contracts.base import Event
from contracts.events import FieldChange, NotificationRequestedV1, TicketChangedV1
from contracts.rpc import Caller
from contracts.tickets import HistoryEntry, LevelSlaCounts
from servicekit import metrics
from servicekit.rpc import NotFound
from ticketing.domain import sla
from ticketing.domain.tickets import Ticket
from ticketing.shared import access, directory_reads, views
from ticketing.shared.sla_policies import Policies, after_reading
from ticketing.store.port import StaleTicket, TicketStore

log = logging.getLogger("ticketing.sla")

BATCH = 200
ACTOR = "sla"


async def scan(*, store: TicketStore, now: datetime, batch: int = BATCH) -> int:
    """One pass: every ticket whose reading is due at ``now``, ``batch`` at a time until none
    is left. Replicas scanning together write each reading once: the ticket's version decides,
    and the warnings travel in that write's outbox (the claim that makes them once). Returns
    how many readings were written."""
    written, skipped = 0, 0
    while True:
        due = await store.sla_due(now, batch)
        if not due:
            break
        # Read after the due tickets: a calendar or level change is committed before it
        # makes its tickets due, so these policies are at least as new as what made them due.
        policies = await Policies.read(store, now)
        done = 0
        for ticket in due:
            try:
                await _read_one(store, policies, ticket, now)
                done += 1
            except StaleTicket:
                skipped += 1  # another replica or a change got there first; read next pass
        written += done
        if len(due) < batch or done == 0:
            break
    metrics.SLA_WARNINGS_PENDING.set(skipped)
    return written


async def _read_one(store: TicketStore, policies: Policies, ticket: Ticket, now: datetime) -> None:
    track = ticket.sla
    policy = policies.policy(ticket.level, ticket.priority)
    history: list[HistoryEntry] = []
    events: list[Event] = []
    if policy is None:
        updated = dataclasses.replace(
            track, next_at=None, due_at=None, band=None, basis="", shown=None
        )
    else:
        reading = sla.read(
            track, opened_at=ticket.opened_at, status=ticket.status.value, policy=policy, now=now
        )
        updated = after_reading(track, reading, policy, now)
        if track.basis and track.basis != policy.basis:
            history.append(_recomputed(ticket, track, updated, now))
        events += await _warnings(store, policies, ticket, reading, now)
    after = dataclasses.replace(ticket, sla=updated)
    if track.band != updated.band:
        events.append(
            TicketChangedV1(
                ticket=views.snapshot(after),
                actor=ACTOR,
                changes=[FieldChange(field="sla_band", before=track.band, after=updated.band)],
            )
        )
    await store.update_ticket(
        after,
        expected_version=ticket.version,
        interaction_id=None,
        history=history,
        events=events,
    )


def _recomputed(ticket: Ticket, before: sla.Track, after: sla.Track, now: datetime) -> HistoryEntry:
    return HistoryEntry(
        id=uuid4(),
        ticket_id=ticket.id,
        at=now,
        actor=ACTOR,
        action="sla_recomputed",
        field="sla_due",
        before=before.due_at.isoformat() if before.due_at else None,
        after=after.due_at.isoformat() if after.due_at else None,
        detail={
            "reason": "the level, priority, SLA policy or calendar changed: the deadlines "
            "were worked out again from the ticket's own past",
            "level": ticket.level,
            "priority": ticket.priority,
        },
    )


async def _warnings(
    store: TicketStore, policies: Policies, ticket: Ticket, reading: sla.Reading, now: datetime
) -> list[Event]:
    if not reading.warnings:
        return []
    recipients: dict[str, str] = {}
    for agent_id in (ticket.assignee, policies.responsible(ticket.level)):
        agent = await directory_reads.agent(store, agent_id) if agent_id else None
        if agent is not None and agent.active:
            recipients[agent.email] = agent.id
    events: list[Event] = []
    for target, threshold in reading.warnings:
        clock = reading.clocks[target]
        detail = {
            "target": target,
            "threshold": threshold,
            "due": (clock.due or clock.breached_at or now).isoformat(),
        }
        log.info("SLA %s of ticket %s: %s", target, ticket.protocol, threshold)
        events.append(
            TicketChangedV1(
                ticket=views.snapshot(ticket),
                actor=ACTOR,
                changes=[FieldChange(field=f"sla.{target}", before=None, after=threshold)],
            )
        )
        if recipients:
            events.append(
                NotificationRequestedV1(
                    kind="sla_warning",
                    recipients=list(recipients),
                    recipient_users=recipients,
                    detail=detail,
                    ticket=views.snapshot(ticket),
                    ticket_opened=False,
                )
            )
    return events


async def level_counts(*, store: TicketStore, name: str, caller: Caller) -> LevelSlaCounts:
    """Tickets of the level per band. Agents see the levels they work; admins every level."""
    visible = await access.visibility(store, caller)
    if await store.get_entry("level", name) is None:
        raise NotFound(f"there is no level {name!r}")
    if visible is not None and name not in visible.levels:
        raise access.Forbidden(f"you do not work the level {name!r}")
    return LevelSlaCounts(level=name, **await store.sla_counts(name))
