"""Steps the people use cases and triage share (docs/domain.md F28-F30): the person of an
author, made on first sight; unifying people whose verified e-mail or tax id match when the
desk says so; reading the unification setting. Every write goes through ``retry_on_stale``
with the store's person conflicts."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TypeVar
from uuid import uuid4

from contracts.interaction import Interaction
from contracts.persons import PersonChangedV1, UnificationSettings
from servicekit.publishing import EventPublisher
from ticketing.domain import persons
from ticketing.domain.persons import PersonRecord
from ticketing.shared.writes import publish, retry_on_stale
from ticketing.store.people import IdentityTaken, StalePerson
from ticketing.store.port import TicketStore

T = TypeVar("T")

SETTING_KEY = "unification"
MAX_MATCHES = 20
"""People unified with one person in one go; more matches than this is a data problem an
agent should look at (the proposals list them)."""


async def retrying(attempt: Callable[[], Awaitable[T]], *, what: str) -> T:
    return await retry_on_stale(attempt, what=what, also=(StalePerson, IdentityTaken))


async def written(
    store: TicketStore,
    publisher: EventPublisher,
    *,
    save: Sequence[PersonRecord],
    delete: Sequence[PersonRecord] = (),
    announce: bool = True,
) -> list[PersonRecord]:
    """Write people with the events announcing them (in the same write, through the outbox),
    then publish those. Every person write goes through here, so the rules' copy of who is in
    which group follows every change; ``announce=False`` is only for a change that copy
    cannot see (``person_for``: an author first seen, in no group)."""
    events = [
        *(
            PersonChangedV1(
                person_id=p.id, identities=[i.key for i in p.identities], groups=p.groups
            )
            for p in (save if announce else ())
        ),
        *(PersonChangedV1(person_id=p.id, identities=[], removed=True) for p in delete),
    ]
    saved = await store.write_people(save=save, delete=delete, events=events)
    await publish(store, publisher, events)
    return saved


async def settings(store: TicketStore) -> UnificationSettings:
    body = await store.get_entry("setting", SETTING_KEY)
    return UnificationSettings.model_validate(body or {})


async def person_for(
    store: TicketStore,
    publisher: EventPublisher,
    interaction: Interaction,
    *,
    now: datetime,
    unwritten: bool = False,
) -> PersonRecord:
    """The author's person, made (and unified with its matches when the desk says so) the
    first time the author is seen. ``unwritten``: an author first seen with nothing to
    announce or unify (no groups kept for it, no e-mail or tax id) is returned as it would
    be made, not written (version 0): the write storing its interaction makes it
    (``Recording.author``), in the same transaction on SQLite, instead of one of its own."""
    identity = persons.identity_of(interaction)

    async def attempt() -> PersonRecord:
        # Both in one trip to the store: most authors are seen for the first time.
        found, legacy = await asyncio.gather(
            store.person_of(identity.key), store.get_entry("author", identity.key)
        )
        if found is not None:
            return found
        # Groups a rule gave the author before people existed were kept per author.
        fresh = persons.new_person(
            identity, person_id=uuid4(), now=now, groups=list((legacy or {}).get("groups", []))
        )
        if unwritten and not fresh.groups and not persons.match_keys(fresh):
            return fresh
        # An author first seen in no group is not announced: the rules hold an identity they
        # never heard of as in no group, and no person held this one before (none holds it
        # now, and identities only move between people), so nothing of theirs is stale.
        # Announcing each newcomer cost a publish, a delivery and a write in rules per
        # interaction from a new author, most of a public page's comments.
        [saved] = await written(store, publisher, save=[fresh], announce=bool(fresh.groups))
        return saved

    person = await retrying(attempt, what=f"the person of {identity.key}")
    if person.version == 1 and persons.match_keys(person):
        return await unify_matches(store, publisher, person, actor="system", now=now)
    return person


async def matches(store: TicketStore, person: PersonRecord) -> list[tuple[PersonRecord, list[str]]]:
    """Other people sharing an e-mail or tax id with this one (and not split from it), with
    what they share."""
    keys = persons.match_keys(person)
    found = await store.people_with(sorted(keys), limit=MAX_MATCHES + 1)
    return [
        (other, sorted(keys & persons.match_keys(other)))
        for other in found
        if persons.may_unify(person, other)
    ]


async def unify_matches(
    store: TicketStore,
    publisher: EventPublisher,
    person: PersonRecord,
    *,
    actor: str,
    now: datetime,
) -> PersonRecord:
    """When the desk unifies automatically: every match joins the person first seen, and that
    person is returned; otherwise the person as it is (its matches are proposals)."""
    if not (await settings(store)).auto_unify:
        return person

    async def attempt() -> PersonRecord:
        current = await store.get_person(person.id)
        if current is None:
            raise StalePerson(str(person.id))
        found = await matches(store, current)
        if not found or len(found) > MAX_MATCHES:
            return current
        everyone = sorted([current, *(other for other, _ in found)], key=lambda p: p.created_at)
        keep, absorbed = everyone[0], everyone[1:]
        for other in absorbed:
            shared = sorted(persons.match_keys(keep) & persons.match_keys(other))
            keep = persons.unify(
                keep,
                other,
                unification_id=uuid4(),
                actor=actor,
                reason="same " + (", ".join(shared) or "e-mail or tax id"),
                now=now,
            )
        [saved] = await written(store, publisher, save=[keep], delete=absorbed)
        return saved

    return await retrying(attempt, what=f"person {person.id}")
