"""The person of an author as triage makes it, on every adapter."""

from __future__ import annotations

from datetime import timedelta

from contracts.interaction import Author, Channel
from contracts.persons import UnificationSettings
from ticketing.shared import persons
from ticketing.store.port import TicketStore

from .test_collected_decisions import outbox
from .test_sharing import OFFLINE
from .test_store_contract import T0, message


async def test_an_author_grouped_by_a_rule_before_people_existed_keeps_the_groups(
    store: TicketStore,
) -> None:
    await store.create_entry("author", "facebook:user-1", {"key": "x", "groups": ["VIP"]})
    person = await persons.person_for(store, OFFLINE, message("t"), now=T0)
    assert person.groups == ["VIP"]
    [announced] = (await outbox(store))["person.changed.v1"]
    assert (announced["identities"], announced["groups"]) == (["facebook:user-1"], ["VIP"])
    assert (await persons.person_for(store, OFFLINE, message("u"), now=T0)).id == person.id


async def test_an_author_first_seen_in_no_group_is_made_without_an_announcement(
    store: TicketStore,
) -> None:
    """The rules hold an identity they never heard of as in no group: announcing it would
    cost a publish and a write in rules for nothing. A change to it is announced."""
    person = await persons.person_for(store, OFFLINE, message("t"), now=T0)
    assert person.groups == []
    assert "person.changed.v1" not in await outbox(store)
    assert (await persons.person_for(store, OFFLINE, message("u"), now=T0)).id == person.id

    grouped = person.model_copy(update={"groups": ["VIP"]})
    await persons.written(store, OFFLINE, save=[grouped])
    [announced] = (await outbox(store))["person.changed.v1"]
    assert (announced["identities"], announced["groups"]) == (["facebook:user-1"], ["VIP"])


async def test_a_new_e_mail_sender_joins_the_person_with_the_address_only_when_the_desk_says(
    store: TicketStore,
) -> None:
    insta = await persons.person_for(store, OFFLINE, message("t"), now=T0)
    await store.write_people(save=[insta.model_copy(update={"emails": ["m@x.com"]})])
    mail = message("m").model_copy(
        update={"channel": Channel.EMAIL, "author": Author(id="m@x.com")}
    )
    alone = await persons.person_for(store, OFFLINE, mail, now=T0 + timedelta(minutes=1))
    assert alone.id != insta.id

    second = mail.model_copy(update={"author": Author(id="M@x.com")})
    await store.create_entry(
        "setting", persons.SETTING_KEY, UnificationSettings(auto_unify=True).model_dump()
    )
    joined = await persons.person_for(store, OFFLINE, second, now=T0 + timedelta(minutes=2))
    assert joined.id == insta.id, "the person seen first keeps the others"
    assert await store.get_person(alone.id) is None
    changes = (await outbox(store))["person.changed.v1"]
    # Made in no group, ``alone`` was not announced; absorbed, it is, as removed.
    assert [c["removed"] for c in changes if c["person_id"] == str(alone.id)] == [True]
    *_, kept = [c for c in changes if c["person_id"] == str(insta.id)]
    assert set(kept["identities"]) == {"facebook:user-1", "email:m@x.com", "email:M@x.com"}
    assert {i.key for i in joined.identities} == {
        "facebook:user-1",
        "email:m@x.com",
        "email:M@x.com",
    }
