"""People for the authors of interactions stored before people existed, on every adapter:
each author gets one person (the groups an earlier version kept per author included), those
in a group announced to the rules, and a second run changes nothing."""

from __future__ import annotations

from contracts.interaction import Author
from ticketing.domain import persons
from ticketing.shared.persons import person_for
from ticketing.store.port import TicketStore
from ticketing.usecases.people.backfill import backfill_people

from .test_collected_decisions import outbox
from .test_sharing import OFFLINE
from .test_store_contract import T0, message, record


async def test_every_earlier_author_gets_one_person_once(store: TicketStore) -> None:
    ana = message("t1")
    ana_again = message("t2")
    bia = message("t3").model_copy(update={"author": Author(id="user-2", name="Bia")})
    for interaction in (ana, ana_again, bia):
        await record(store, interaction)
    await store.create_entry("author", "facebook:user-2", {"key": "x", "groups": ["VIP"]})
    assert await store.person_of("facebook:user-1") is None

    done = await backfill_people(store=store, publisher=OFFLINE, now=T0)

    assert (done.interactions, done.authors, done.made) == (3, 2, 2)
    first = await store.person_of("facebook:user-1")
    second = await store.person_of("facebook:user-2")
    assert first is not None and second is not None
    assert second.groups == ["VIP"]
    # Ana is in no group, which the rules assume of an author they never heard of.
    [announced] = (await outbox(store))["person.changed.v1"]
    assert (announced["identities"], announced["groups"]) == (["facebook:user-2"], ["VIP"])

    again = await backfill_people(store=store, publisher=OFFLINE, now=T0)
    assert (again.authors, again.made) == (2, 0)
    assert await store.person_of("facebook:user-1") == first
    assert "person.changed.v1" not in await outbox(store), "announced again"


async def test_an_author_triage_already_placed_keeps_their_person(store: TicketStore) -> None:
    await record(store, message("t1"))
    placed = await person_for(store, OFFLINE, message("t1"), now=T0)
    done = await backfill_people(store=store, publisher=OFFLINE, now=T0)
    assert done.made == 0
    assert await store.person_of(persons.identity_key("facebook", "user-1")) == placed


async def test_an_empty_desk_makes_nobody(store: TicketStore) -> None:
    assert (await backfill_people(store=store, publisher=OFFLINE, now=T0)).made == 0
