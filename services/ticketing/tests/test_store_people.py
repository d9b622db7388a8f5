"""What every adapter must do for people (docs/domain.md F28-F30): one person per identity,
versioned writes, unification and split written whole, found by their terms, and the
ticket list's group filter."""

from __future__ import annotations

import asyncio
from uuid import uuid4

import pytest

from contracts.interaction import Author, Channel
from contracts.persons import PersonChangedV1, PersonPatch, PersonQuery
from contracts.tickets import TicketQuery
from ticketing.domain import persons
from ticketing.domain.persons import PersonRecord
from ticketing.store.people import IdentityTaken, StalePerson
from ticketing.store.port import TicketStore

from .test_store_contract import T0, claim_all, message, open_for


def person_of(author_id: str, *, channel: Channel = Channel.FACEBOOK) -> PersonRecord:
    interaction = message("t").model_copy(
        update={"channel": channel, "author": Author(id=author_id, name=author_id.title())}
    )
    return persons.new_person(persons.identity_of(interaction), person_id=uuid4(), now=T0)


async def test_a_new_person_is_found_by_id_and_by_identity_and_one_version_up(
    store: TicketStore,
) -> None:
    [saved] = await store.write_people(save=[person_of("maria")])
    assert saved.version == 1
    assert await store.get_person(saved.id) == saved
    assert await store.person_of("facebook:maria") == saved
    assert await store.person_of("instagram:maria") is None


async def test_a_second_person_for_a_held_identity_is_refused(store: TicketStore) -> None:
    await store.write_people(save=[person_of("maria")])
    with pytest.raises(IdentityTaken):
        await store.write_people(save=[person_of("maria")])


async def test_a_write_at_a_stale_version_is_refused_and_writes_nothing(
    store: TicketStore,
) -> None:
    [saved] = await store.write_people(save=[person_of("maria")])
    first = persons.edit(saved, PersonPatch(name="Maria Souza"), actor="agent:ana", now=T0)
    second = persons.edit(saved, PersonPatch(name="Maria S."), actor="agent:bia", now=T0)
    await store.write_people(save=[first])
    with pytest.raises(StalePerson):
        await store.write_people(save=[second])
    found = await store.get_person(saved.id)
    assert found is not None and found.name == "Maria Souza" and found.version == 2


async def test_people_are_found_by_email_tax_id_group_and_channel(store: TicketStore) -> None:
    [maria] = await store.write_people(save=[person_of("m@x.com", channel=Channel.EMAIL)])
    patched = persons.edit(maria, PersonPatch(tax_id="529.982.247-25"), actor="agent:ana", now=T0)
    grouped = persons.set_group(patched, "VIP", member=True, actor="rule", now=T0, reason=None)
    await store.write_people(save=[grouped])
    await store.write_people(save=[person_of("joao")])
    for terms in (["email:m@x.com"], ["tax_id:52998224725"], ["group:vip"], ["x", "email:m@x.com"]):
        assert [p.id for p in await store.people_with(terms)] == [maria.id], terms
    assert await store.people_with(["email:other@x.com"]) == []
    page, more = await store.list_people(PersonQuery(group=["vip"]))
    assert ([p.id for p in page], more) == ([maria.id], False)
    page, _ = await store.list_people(PersonQuery(channel=[Channel.FACEBOOK]))
    assert [p.name for p in page] == ["Joao"]


async def test_people_are_listed_by_name_in_pages_and_found_by_part_of_a_name(
    store: TicketStore,
) -> None:
    for name in ("carla", "ana", "bruno"):
        await store.write_people(save=[person_of(name)])
    page, more = await store.list_people(PersonQuery(page_size=2))
    assert ([p.name for p in page], more) == (["Ana", "Bruno"], True)
    page, more = await store.list_people(PersonQuery(page=2, page_size=2))
    assert ([p.name for p in page], more) == (["Carla"], False)
    page, _ = await store.list_people(PersonQuery(q="RUN"))
    assert [p.name for p in page] == ["Bruno"]
    page, _ = await store.list_people(PersonQuery(q="%"))
    assert page == []


async def test_a_unification_moves_the_identities_and_a_split_gives_them_back(
    store: TicketStore,
) -> None:
    [insta] = await store.write_people(save=[person_of("maria.ig", channel=Channel.INSTAGRAM)])
    [mail] = await store.write_people(save=[person_of("m@x.com", channel=Channel.EMAIL)])
    unification = uuid4()
    unified = persons.unify(
        insta, mail, unification_id=unification, actor="agent:ana", reason="same", now=T0
    )
    [kept] = await store.write_people(save=[unified], delete=[mail])
    assert await store.get_person(mail.id) is None
    for key in ("instagram:maria.ig", "email:m@x.com"):
        found = await store.person_of(key)
        assert found is not None and found.id == insta.id, key
    assert [p.id for p in await store.people_with(["email:m@x.com"])] == [insta.id]

    rest, off = persons.split(
        kept,
        unification=unification,
        identities=[],
        new_id=uuid4(),
        actor="agent:ana",
        reason="not her",
        now=T0,
    )
    await store.write_people(save=[rest, off])
    back = await store.person_of("email:m@x.com")
    assert back is not None and back.id == mail.id and back.emails == ["m@x.com"]
    stayed = await store.person_of("instagram:maria.ig")
    assert stayed is not None and stayed.id == insta.id and stayed.emails == []
    assert [p.id for p in await store.people_with(["email:m@x.com"])] == [mail.id]


async def test_a_unification_of_a_person_that_changed_meanwhile_writes_nothing(
    store: TicketStore,
) -> None:
    [insta] = await store.write_people(save=[person_of("maria.ig", channel=Channel.INSTAGRAM)])
    [mail] = await store.write_people(save=[person_of("m@x.com", channel=Channel.EMAIL)])
    await store.write_people(
        save=[persons.edit(mail, PersonPatch(name="M"), actor="agent:bia", now=T0)]
    )
    unified = persons.unify(
        insta, mail, unification_id=uuid4(), actor="agent:ana", reason="same", now=T0
    )
    with pytest.raises(StalePerson):
        await store.write_people(save=[unified], delete=[mail])
    found = await store.person_of("email:m@x.com")
    assert found is not None and found.id == mail.id


async def test_the_ticket_list_filters_on_the_groups_of_the_people_who_wrote(
    store: TicketStore,
) -> None:
    vip_ticket = await open_for(store, message("post-vip"))
    await open_for(
        store,
        message("post-other").model_copy(update={"author": Author(id="someone-else")}),
    )
    [person] = await store.write_people(save=[person_of("user-1")])
    await store.write_people(
        save=[persons.set_group(person, "VIP", member=True, actor="rule", now=T0, reason=None)]
    )
    listed = await store.ticket_page(TicketQuery(group=["vip"]))
    assert [t.id for t in listed.items] == [vip_ticket.id]
    assert (await store.ticket_page(TicketQuery(group=["press"]))).items == []


async def test_two_writers_making_a_person_for_one_new_author_leave_one_person(
    store: TicketStore,
) -> None:
    results = await asyncio.gather(
        *(store.write_people(save=[person_of("maria")]) for _ in range(5)),
        return_exceptions=True,
    )
    made = [r for r in results if not isinstance(r, BaseException)]
    assert len(made) == 1, results
    assert all(isinstance(r, IdentityTaken) for r in results if isinstance(r, BaseException))
    page, _ = await store.list_people(PersonQuery())
    assert [p.id for p in page] == [made[0][0].id]


async def test_a_persons_events_go_through_the_outbox_with_the_write(store: TicketStore) -> None:
    person = person_of("maria")
    announced = PersonChangedV1(person_id=person.id, identities=["facebook:maria"])
    await store.write_people(save=[person], events=[announced])
    assert (await store.outbox_backlog()).events == 1
    [claimed] = await claim_all(store)
    assert claimed.id == announced.id and claimed.routing_key == "person.changed.v1"
    await store.mark_published([claimed.id])
    assert await claim_all(store) == []
    assert (await store.outbox_backlog()).events == 0

    refused = persons.edit(person, PersonPatch(name="X"), actor="a", now=T0)  # stale: version 0
    with pytest.raises(StalePerson):
        await store.write_people(
            save=[refused], events=[announced.model_copy(update={"id": uuid4()})]
        )
    assert await claim_all(store) == []
