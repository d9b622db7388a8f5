"""People for the authors of interactions stored before people existed (issue 13): each
author gets the person triage would have made on first sight (with the groups an earlier
version kept per author, and unified with its matches when the desk says so), announced
through the outbox like every person write. Idempotent: an author who has a person is left
alone, so running it twice, or while triage runs, makes no second person."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from contracts.tickets import MAX_PAGE, MAX_PAGE_SIZE, InteractionQuery
from servicekit.publishing import EventPublisher
from ticketing.domain import persons
from ticketing.shared.persons import person_for
from ticketing.store.port import TicketStore


@dataclass(frozen=True)
class Backfilled:
    interactions: int
    """Interactions read."""
    authors: int
    """Distinct authors among them."""
    made: int
    """People made for authors who had none."""


async def backfill_people(
    *, store: TicketStore, publisher: EventPublisher, now: datetime
) -> Backfilled:
    """Walk every stored interaction, newest first, a page at a time. Interactions stored while
    it runs only push older ones to later pages (one may be read twice, none is skipped), and
    their authors get people from triage anyway."""
    seen: set[str] = set()
    read = made = 0
    for page in range(1, MAX_PAGE + 1):
        listing = await store.list_interactions(
            InteractionQuery(page=page, page_size=MAX_PAGE_SIZE)
        )
        for stored in listing.items:
            read += 1
            key = persons.identity_of(stored.interaction).key
            if key in seen:
                continue
            seen.add(key)
            if await store.person_of(key) is None:
                await person_for(store, publisher, stored.interaction, now=now)
                made += 1
        if len(listing.items) < MAX_PAGE_SIZE:
            break
    return Backfilled(read, len(seen), made)
