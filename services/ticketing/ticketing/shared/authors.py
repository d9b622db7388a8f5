"""The groups an author belongs to (docs/domain.md F30), kept on the author's person: rules
put authors in groups, agents put people in them, and agents see them beside each
interaction."""

from __future__ import annotations

from datetime import datetime

from contracts.interaction import Interaction
from servicekit.publishing import EventPublisher
from ticketing.domain import persons
from ticketing.domain.persons import PersonRecord
from ticketing.shared.persons import person_for, retrying, written
from ticketing.store.people import StalePerson
from ticketing.store.port import TicketStore


def author_key(interaction: Interaction) -> str:
    return persons.identity_key(interaction.channel, interaction.author.id)


async def place_author(
    store: TicketStore,
    publisher: EventPublisher,
    interaction: Interaction,
    groups: list[str],
    *,
    now: datetime,
) -> PersonRecord | None:
    """Find (or make) the author's person, and put it in the groups a rule named, keeping the
    ones it is in; only written when something is new. Returns the person of an author first
    seen that no rule groups (most of a public page's authors) unwritten, for the write that
    stores the interaction to make (``Recording.author``); None when it is written."""
    person = await person_for(store, publisher, interaction, now=now, unwritten=not groups)
    if person.version == 0:
        return person
    if not groups:
        return None

    async def attempt() -> None:
        current = await store.get_person(person.id) or await store.person_of(
            author_key(interaction)
        )
        if current is None:
            raise StalePerson(str(person.id))
        changed = current
        for group in groups:
            changed = persons.set_group(
                changed, group, member=True, actor="rule", now=now, reason="a rule's action"
            )
        if changed is not current:
            await written(store, publisher, save=[changed])

    await retrying(attempt, what=f"the groups of {author_key(interaction)}")
    return None
