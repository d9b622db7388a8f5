"""The author panel and what agents do to a person (docs/domain.md F28, F29): read, edit,
see the people it may be, unify, split; and the desk's unification setting."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID, uuid4

from contracts.persons import (
    PersonCounts,
    PersonDetail,
    PersonPage,
    PersonPatch,
    PersonQuery,
    PersonRead,
    PersonSplit,
    PersonSplitResult,
    PersonUnify,
    Proposal,
    UnificationSettings,
)
from contracts.rpc import Caller
from contracts.tickets import COUNT_LIMIT, StoredInteraction, TicketRead
from servicekit import rpc
from servicekit.publishing import EventPublisher
from ticketing.domain import persons
from ticketing.domain.assignment import FINISHED_STATUSES
from ticketing.domain.persons import PersonRecord
from ticketing.shared import access, views
from ticketing.shared import persons as shared
from ticketing.shared.person_access import find_person, identity_query, sees
from ticketing.store.people import StalePerson
from ticketing.store.port import TicketStore

PANEL_INTERACTIONS = 200
"""Interactions per identity the panel reads (newest first); its tickets are those of the
same interactions."""


def read(person: PersonRecord) -> PersonRead:
    return PersonRead.model_validate(person.model_dump(exclude={"history", "apart"}))


async def list_people(*, store: TicketStore, query: PersonQuery, caller: Caller) -> PersonPage:
    """Admins page through everyone; agents get the page's people they may see, so an
    agent's page can hold fewer than ``page_size`` (``more`` still says whether to go on)."""
    seen = await access.interaction_visibility(store, caller)
    found, more = await store.list_people(query)
    shown = [read(p) for p in found if await sees(store, p, seen)]
    return PersonPage(items=shown, page=query.page, page_size=query.page_size, more=more)


async def person_detail(*, store: TicketStore, person_id: UUID, caller: Caller) -> PersonDetail:
    person = await find_person(store, person_id, caller)
    seen = await access.interaction_visibility(store, caller)
    every: list[StoredInteraction] = []
    shown: list[StoredInteraction] = []
    for identity in person.identities:
        query = identity_query(identity, page_size=PANEL_INTERACTIONS)
        every.extend((await store.list_interactions(query)).items)
        shown.extend((await store.list_interactions(query, visible=seen)).items)
    shown.sort(key=lambda i: (i.interaction.occurred_at, str(i.id)), reverse=True)
    ticket_ids = {i.ticket_id for i in every if i.ticket_id is not None}
    here: list[TicketRead] = []
    elsewhere: list[TicketRead] = []
    past: list[TicketRead] = []
    elsewhere_count = 0
    for ticket_id in ticket_ids:
        ticket = await store.get_ticket(ticket_id)
        if ticket is None or ticket.removed:
            continue
        visible = seen is None or seen.sees(ticket)
        in_my_levels = seen is None or (ticket.level is not None and ticket.level in seen.levels)
        if ticket.status in FINISHED_STATUSES:
            if visible:
                past.append(views.read(ticket))
        elif in_my_levels:
            here.append(views.read(ticket))
        else:
            elsewhere_count += 1
            if visible:
                elsewhere.append(views.read(ticket))
    for tickets in (here, elsewhere, past):
        tickets.sort(key=lambda t: t.updated_at, reverse=True)
    return PersonDetail(
        **read(person).model_dump(),
        open_here=here,
        open_elsewhere=elsewhere,
        past=past,
        interactions=shown[:PANEL_INTERACTIONS],
        counts=PersonCounts(
            open_here=len(here),
            open_elsewhere=elsewhere_count,
            past=len(past),
            interactions=min(len(shown), COUNT_LIMIT),
        ),
        history=person.history,
    )


async def update_person(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    person_id: UUID,
    patch: PersonPatch,
    caller: Caller,
    now: datetime | None = None,
) -> PersonRead:
    """An edit is a history line per changed field (who, when, before, after); a new e-mail
    or tax id unifies the person with its matches when the desk says so."""
    await find_person(store, person_id, caller)
    now = now or datetime.now(UTC)

    async def attempt() -> PersonRecord:
        current = await store.get_person(person_id)
        if current is None:
            raise rpc.NotFound(f"no person {person_id}")
        try:
            edited = persons.edit(current, patch, actor=access.actor_of(caller), now=now)
        except ValueError as exc:
            raise rpc.Invalid(str(exc), loc=["tax_id"]) from exc
        if edited is current:
            return current
        [saved] = await shared.written(store, publisher, save=[edited])
        return saved

    person = await shared.retrying(attempt, what=f"person {person_id}")
    if persons.match_keys(person):
        person = await shared.unify_matches(
            store, publisher, person, actor=access.actor_of(caller), now=now
        )
    return read(person)


async def proposals(*, store: TicketStore, person_id: UUID, caller: Caller) -> list[Proposal]:
    person = await find_person(store, person_id, caller)
    seen = await access.interaction_visibility(store, caller)
    return [
        Proposal(person=read(other), matched_on=shared_keys)
        for other, shared_keys in await shared.matches(store, person)
        if await sees(store, other, seen)
    ]


async def unify_people(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    person_id: UUID,
    unify: PersonUnify,
    caller: Caller,
    now: datetime | None = None,
) -> PersonRead:
    """The other person joins this one; the unification is recorded (who, when, why) and a
    split undoes it."""
    if unify.other == person_id:
        raise rpc.Invalid("a person cannot be unified with itself", loc=["other"])
    await find_person(store, person_id, caller)
    await find_person(store, unify.other, caller)
    now = now or datetime.now(UTC)

    async def attempt() -> PersonRecord:
        keep, other = await store.get_person(person_id), await store.get_person(unify.other)
        if keep is None or other is None:
            raise StalePerson(str(person_id))
        unified = persons.unify(
            keep,
            other,
            unification_id=uuid4(),
            actor=access.actor_of(caller),
            reason=unify.reason,
            now=now,
        )
        [saved] = await shared.written(store, publisher, save=[unified], delete=[other])
        return saved

    return read(await shared.retrying(attempt, what=f"person {person_id}"))


async def split_person(
    *,
    store: TicketStore,
    publisher: EventPublisher,
    person_id: UUID,
    split: PersonSplit,
    caller: Caller,
    now: datetime | None = None,
) -> PersonSplitResult:
    if split.unification is None and not split.identities:
        raise rpc.Invalid("name a unification or the identities that leave", loc=["identities"])
    await find_person(store, person_id, caller)
    now, new_id = now or datetime.now(UTC), uuid4()

    async def attempt() -> tuple[PersonRecord, PersonRecord]:
        current = await store.get_person(person_id)
        if current is None:
            raise rpc.NotFound(f"no person {person_id}")
        try:
            rest, off = persons.split(
                current,
                unification=split.unification,
                identities=split.identities,
                new_id=new_id,
                actor=access.actor_of(caller),
                reason=split.reason,
                now=now,
            )
        except persons.CannotSplit as exc:
            raise rpc.Invalid(str(exc), loc=["identities"]) from exc
        saved_rest, saved_off = await shared.written(store, publisher, save=[rest, off])
        return saved_rest, saved_off

    rest, off = await shared.retrying(attempt, what=f"person {person_id}")
    return PersonSplitResult(person=read(rest), split_off=read(off))


async def get_settings(*, store: TicketStore, caller: Caller) -> UnificationSettings:
    await access.require_active(store, caller)
    return await shared.settings(store)


async def set_settings(
    *, store: TicketStore, body: UnificationSettings, caller: Caller
) -> UnificationSettings:
    access.require_admin(caller)
    document = body.model_dump(mode="json")
    # Replace, else create; a concurrent creator winning the create means it exists now.
    if not await store.replace_entry(
        "setting", shared.SETTING_KEY, document
    ) and not await store.create_entry("setting", shared.SETTING_KEY, document):
        await store.replace_entry("setting", shared.SETTING_KEY, document)
    return body
