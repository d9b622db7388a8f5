"""Merges and moves that choose the most available agent, on MongoDB: several writes each,
built from the ticket writes, since a standalone MongoDB has no multi-document transaction."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence

from contracts.base import Event
from contracts.tickets import HistoryEntry
from ticketing.domain import assignment
from ticketing.domain.tickets import Ticket
from ticketing.store.mongo.directory import MongoDirectory
from ticketing.store.mongo.interactions import MongoInteractions
from ticketing.store.mongo.tickets import MongoTickets

Finish = Callable[[str], tuple[Ticket, Sequence[HistoryEntry], Sequence[Event]]]


async def merge(
    tickets: MongoTickets,
    interactions: MongoInteractions,
    source: Ticket,
    target: Ticket,
    *,
    expected_versions: tuple[int, int],
    history: Sequence[HistoryEntry],
    events: Sequence[Event],
) -> tuple[Ticket, Ticket]:
    """KNOWN GAP (no transactions): three writes. The source is closed first (its version
    check refuses a concurrent merge), then its interactions move, then the target is
    written with the history and events. A crash in between leaves the interactions on the
    target with the target's count and events not yet updated."""
    closed = await tickets.update(
        source, expected_version=expected_versions[0], interaction_id=None, history=[], events=[]
    )
    count = await interactions.move(str(source.id), str(target.id))
    reopened = await tickets.update(
        dataclasses.replace(target, interaction_count=count),
        expected_version=expected_versions[1],
        interaction_id=None,
        history=history,
        events=events,
    )
    return closed, reopened


async def update_assigning(
    tickets: MongoTickets,
    directory: MongoDirectory,
    *,
    expected_version: int,
    assign_among: Sequence[str],
    finish: Finish,
) -> Ticket:
    """The assignment lease (see MongoDirectory) stands in for the transaction."""
    holder = f"move:{id(finish)}"
    lock = await directory.hold_assignment_lock(assign_among, holder)
    try:
        loads = await directory.open_ticket_counts(assign_among)
        chosen = assignment.most_available(loads, assign_among)
        assert chosen is not None, "update_assigning needs agents to choose from"
        ticket, history, events = finish(chosen)
        return await tickets.update(
            ticket,
            expected_version=expected_version,
            interaction_id=None,
            history=history,
            events=events,
        )
    finally:
        await directory.release_assignment_lock(lock, holder)
