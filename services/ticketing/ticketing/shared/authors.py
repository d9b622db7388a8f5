"""The groups an author belongs to (docs/domain.md F30), kept on the author's person: rules
put authors in groups, agents put people in them, and agents see them beside each
interaction."""

from __future__ import annotations

from datetime import datetime

from contracts.interaction import Interaction
from servicekit.publishing import EventPublisher
from ticketing.domain import persons
from ticketing.shared.persons import person_for, retrying, written
from ticketing.store.directory import DirectoryStore
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
) -> None:
    """Find (or make) the author's person, and put it in the groups a rule named, keeping the
    ones it is in; only written when something is new."""
    person = await person_for(store, publisher, interaction, now=now)
    if not groups:
        return

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


async def author_groups(
    store: TicketStore, interactions: list[Interaction]
) -> dict[str, list[str]]:
    """Each author's groups: their person's, and any an earlier version kept per author."""
    found: dict[str, list[str]] = {}
    for key in {author_key(i) for i in interactions}:
        person = await store.person_of(key)
        legacy = await _legacy_groups(store, key)
        groups = [*(person.groups if person else []), *legacy]
        if groups:
            found[key] = list(dict.fromkeys(groups))
    return found


async def _legacy_groups(store: DirectoryStore, key: str) -> list[str]:
    body = await store.get_entry("author", key)
    return list((body or {}).get("groups", []))
