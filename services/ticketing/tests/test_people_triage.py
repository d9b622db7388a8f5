"""The person of an author as triage makes it, with the interaction: an author first seen in
no group is made by the write that stores its interaction (one transaction on SQLite); every
other author as before, on every adapter."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from uuid import uuid4

from contracts.events import InteractionTriagedV1
from contracts.interaction import Author, Channel, Interaction
from contracts.persons import PersonQuery, UnificationSettings
from contracts.rules import OpenTicket, TriageDecision
from contracts.tickets import StoredInteraction
from servicekit.keyed_locks import KeyedLocks
from ticketing.domain import persons as domain_persons
from ticketing.domain import tickets
from ticketing.domain.threading import thread_key
from ticketing.shared import persons
from ticketing.store.port import Recording, TicketStore
from ticketing.usecases import triage

from .test_collected_decisions import outbox
from .test_domain import SCALE
from .test_sharing import OFFLINE
from .test_store_contract import T0, message

OPENS = TriageDecision(open_ticket=OpenTicket())
IDENTITY = "facebook:user-1"


async def triaged(
    store: TicketStore,
    interaction: Interaction,
    decision: TriageDecision = OPENS,
    locks: KeyedLocks | None = None,
    now: datetime = T0,
) -> None:
    await triage.handle_triaged(
        store=store,
        publisher=OFFLINE,
        scale=SCALE,
        locks=locks or KeyedLocks(),
        event=InteractionTriagedV1(interaction=interaction, decision=decision),
        now=now,
    )


async def people(store: TicketStore) -> list[str]:
    found, _ = await store.list_people(PersonQuery(page_size=100))
    return sorted(i.key for p in found for i in p.identities)


async def test_a_new_authors_interaction_leaves_one_person_unannounced(
    store: TicketStore,
) -> None:
    await triaged(store, message("post-1"))
    person = await store.person_of(IDENTITY)
    assert person is not None and person.version == 1 and person.groups == []
    assert person.name == "Maria Souza"
    assert await people(store) == [IDENTITY]
    assert "person.changed.v1" not in await outbox(store)

    await triaged(store, message("post-1", minutes=5), TriageDecision())  # on its ticket
    await triaged(store, message("post-2"))  # a ticket of its own
    assert await people(store) == [IDENTITY]
    assert (await store.person_of(IDENTITY)) == person


async def test_a_new_authors_interaction_no_ticket_takes_still_makes_its_person(
    store: TicketStore,
) -> None:
    interaction = message("post-1")
    await triaged(store, interaction, TriageDecision())
    stored = await store.interaction_by_key(interaction.key)
    assert stored is not None and stored.ticket_id is None
    assert await people(store) == [IDENTITY]
    assert await store.active_ticket(thread_key(interaction)) is None


async def test_one_new_author_in_many_conversations_at_once_on_two_replicas_is_one_person(
    store: TicketStore,
) -> None:
    replicas = [KeyedLocks(), KeyedLocks()]
    await asyncio.gather(
        *(
            triaged(store, message(f"post-{n % 3}", minutes=n), locks=replicas[n % 2])
            for n in range(8)
        ),
        *(
            triaged(store, message(f"quiet-{n}"), TriageDecision(), locks=replicas[n % 2])
            for n in range(2)
        ),
    )
    assert await people(store) == [IDENTITY]
    assert "person.changed.v1" not in await outbox(store)


async def test_a_write_finding_the_identity_held_keeps_the_other_person(
    store: TicketStore,
) -> None:
    """Another writer made the author's person between the read and the write: the
    interaction is stored all the same, and the person already made is kept."""
    [theirs] = await persons.written(store, OFFLINE, save=[fresh_person()], announce=False)
    interaction = message("post-1")
    stored = StoredInteraction(id=uuid4(), ticket_id=None, received_at=T0, interaction=interaction)
    await store.record_interaction(
        stored, thread_key=thread_key(interaction), author=fresh_person()
    )
    assert await store.interaction_by_key(interaction.key) == stored
    assert await store.person_of(IDENTITY) == theirs
    assert await people(store) == [IDENTITY]

    # The same by a ticket write that stores the interaction (Recording).
    other = message("post-2")
    new = StoredInteraction(id=uuid4(), ticket_id=None, received_at=T0, interaction=other)
    ticket = await store.create_ticket(
        open_ticket(other),
        year=2026,
        interaction_id=new.id,
        history=lambda t: [],
        announce=lambda t: [],
        recording=Recording(new, thread_key(other), author=fresh_person()),
    )
    assert ticket.interaction_count == 1
    assert await store.person_of(IDENTITY) == theirs
    assert await people(store) == [IDENTITY]


def open_ticket(interaction: Interaction) -> tickets.Ticket:
    return tickets.open_ticket(
        interaction=interaction, decision=OPENS, scale=SCALE, now=T0, previous=None
    )


def fresh_person() -> domain_persons.PersonRecord:
    return domain_persons.new_person(
        domain_persons.identity_of(message("any")), person_id=uuid4(), now=T0
    )


async def test_an_author_a_rule_groups_is_made_in_the_group_and_announced(
    store: TicketStore,
) -> None:
    await triaged(
        store, message("post-1"), TriageDecision(open_ticket=OpenTicket(), author_groups=["VIP"])
    )
    person = await store.person_of(IDENTITY)
    assert person is not None and person.groups == ["VIP"]
    *_, announced = (await outbox(store))["person.changed.v1"]
    assert (announced["identities"], announced["groups"]) == ([IDENTITY], ["VIP"])
    assert await people(store) == [IDENTITY]


async def test_an_author_grouped_before_people_existed_keeps_the_groups_through_triage(
    store: TicketStore,
) -> None:
    await store.create_entry("author", IDENTITY, {"key": "x", "groups": ["press"]})
    await triaged(store, message("post-1"))
    person = await store.person_of(IDENTITY)
    assert person is not None and person.groups == ["press"]
    [announced] = (await outbox(store))["person.changed.v1"]
    assert announced["groups"] == ["press"]


async def test_a_new_e_mail_sender_is_unified_through_triage_when_the_desk_says(
    store: TicketStore,
) -> None:
    await triaged(store, message("post-1"))
    insta = await store.person_of(IDENTITY)
    assert insta is not None
    await store.write_people(save=[insta.model_copy(update={"emails": ["m@x.com"]})])
    await store.create_entry(
        "setting", persons.SETTING_KEY, UnificationSettings(auto_unify=True).model_dump()
    )
    mail = message("m").model_copy(
        update={"channel": Channel.EMAIL, "author": Author(id="m@x.com")}
    )
    await triaged(store, mail, now=T0 + timedelta(minutes=1))  # the person seen first stays
    joined = await store.person_of("email:m@x.com")
    assert joined is not None and joined.id == insta.id
    assert await people(store) == ["email:m@x.com", IDENTITY]


async def test_a_known_authors_interaction_writes_no_person(store: TicketStore) -> None:
    await triaged(store, message("post-1"))
    before = await store.person_of(IDENTITY)
    await triaged(store, message("post-2", minutes=1), TriageDecision())
    assert await store.person_of(IDENTITY) == before
    assert await people(store) == [IDENTITY]
