"""What every adapter must do for a ticket's detail page: the ticket, its interactions with
their authors' groups and its sub-tickets in one read, the same as reading them one by one."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest
from pydantic_core import to_json

from contracts.interaction import Author, Interaction
from contracts.rpc import Caller
from contracts.tickets import StoredInteraction
from ticketing.domain import lifecycle, persons
from ticketing.domain.threading import thread_key
from ticketing.domain.tickets import Ticket
from ticketing.shared import views
from ticketing.store import detail_interactions
from ticketing.store.port import TicketStore
from ticketing.usecases import reads

from .test_store_contract import T0, message, open_for, record


def by(author: str, thread: str, minutes: int) -> Interaction:
    return message(thread, minutes=minutes).model_copy(
        update={"author": Author(id=author, name=author.title())}
    )


async def child_of(store: TicketStore, parent: Ticket, title: str, *, minutes: int = 0) -> Ticket:
    at = T0 + timedelta(minutes=minutes)
    child = lifecycle.child(parent, title=title, now=at, opened_by="agent:ana")
    return await store.create_ticket(
        child, year=2026, interaction_id=None, history=lambda t: [], announce=lambda t: []
    )


async def test_the_detail_is_the_ticket_its_interactions_and_sub_tickets_as_read_apart(
    store: TicketStore,
) -> None:
    for minutes, author in enumerate(["ana", "bia", "ana"]):
        await record(store, by(author, "post-1", minutes))
    ticket = await open_for(store, by("caio", "post-1", 9))
    # Opened in the other order than their ids' creation: the detail lists them by opening.
    second = await child_of(store, ticket, "Troca", minutes=20)
    first = await child_of(store, ticket, "Laudo", minutes=10)
    await open_for(store, message("post-2"))  # another ticket: not part of this one

    for ref in (ticket.id, ticket.protocol):
        stored = await store.ticket_detail(ref)
        assert stored is not None
        assert stored.ticket == ticket
        assert stored.read == views.read(ticket)
        assert stored.interactions == await store.interactions_of(ticket.id)
        assert [i.interaction.author.id for i in stored.interactions] == [
            "ana",
            "bia",
            "ana",
            "caio",
        ]
        assert all(i.ticket_id == ticket.id for i in stored.interactions)
        assert stored.children == [views.read(first), views.read(second)]
    assert await store.ticket_detail(uuid4()) is None
    assert await store.ticket_detail("2026-999999") is None


async def test_each_interaction_shows_its_authors_person_and_kept_groups_once(
    store: TicketStore,
) -> None:
    # The stored body's own author_groups is what an earlier read saw: the detail reads now.
    stale = StoredInteraction(
        id=uuid4(),
        ticket_id=None,
        received_at=T0,
        interaction=by("ana", "post-1", 0),
        author_groups=["Former"],
    )
    await store.record_interaction(stale, thread_key=thread_key(stale.interaction))
    await record(store, by("bia", "post-1", 1))
    ticket = await open_for(store, by("caio", "post-1", 2))
    ana, bia = (
        persons.new_person(
            persons.identity_of(by(name, "t", 0)), person_id=uuid4(), now=T0, groups=groups
        )
        for name, groups in (("ana", ["VIP", "Press"]), ("bia", []))
    )
    await store.write_people(save=[ana, bia])
    await store.create_entry("author", "facebook:ana", {"groups": ["press", "VIP", "Partner"]})
    await store.create_entry("author", "facebook:caio", {"groups": ["Partner"]})

    stored = await store.ticket_detail(ticket.protocol)

    assert stored is not None
    assert {i.interaction.author.id: i.author_groups for i in stored.interactions} == {
        "ana": ["VIP", "Press", "press", "Partner"],
        "bia": [],
        "caio": ["Partner"],
    }
    assert all(i.ticket_id == ticket.id for i in stored.interactions)


async def test_a_ticket_without_interactions_or_authors_reads_empty(store: TicketStore) -> None:
    parent = await open_for(store, message("post-1"))
    child = await child_of(store, parent, "Laudo")
    stored = await store.ticket_detail(child.id)
    assert stored is not None
    assert (stored.interactions, stored.children) == ([], [])
    assert stored.read.parent_ticket_id == parent.id


async def test_the_detail_as_sent_is_the_detail_serialised_on_every_read(
    store: TicketStore,
) -> None:
    # What the API sends is what serialising the detail's model gives, byte for byte: with
    # groups read now rather than the body's, sub-tickets, text that looks like JSON, and on
    # a second read too, from the bodies validated on the first.
    stale = StoredInteraction(
        id=uuid4(),
        ticket_id=None,
        received_at=T0,
        interaction=by("ana", "post-1", 0).model_copy(
            update={"text": 'ção "interactions":[],"children":[] "author_groups":["x"]}'}
        ),
        author_groups=["Former"],
    )
    await store.record_interaction(stale, thread_key=thread_key(stale.interaction))
    await record(store, by("bia", "post-1", 1))
    ticket = await open_for(store, by("ana", "post-1", 2))
    await child_of(store, ticket, 'Laudo "interactions":[]', minutes=5)
    await store.create_entry("author", "facebook:ana", {"groups": ["VIP", "Imprensa ção"]})
    caller = Caller(id="admin", role="admin")

    for _ in range(2):
        for ref in (ticket.protocol, str(ticket.id)):
            detail = await reads.ticket_detail(store=store, ref=ref, caller=caller)
            sent = await reads.ticket_detail_json(store=store, ref=ref, caller=caller)
            assert bytes(sent) == to_json(detail)
            assert [i.author_groups for i in detail.interactions] == [
                ["VIP", "Imprensa ção"],
                [],
                ["VIP", "Imprensa ção"],
            ]
            assert len(detail.children) == 1


def test_the_kept_bodies_stay_within_their_bounds_and_answer_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(detail_interactions, "KEPT", 3)
    monkeypatch.setattr(detail_interactions, "_kept", {})
    monkeypatch.setattr(detail_interactions, "_kept_characters", 0)
    stored = [
        StoredInteraction(
            id=uuid4(), ticket_id=None, received_at=T0, interaction=by(name, "post-1", i)
        )
        for i, name in enumerate(["ana", "bia", "caio", "duda", "ana"])
    ]
    bodies = [(s.model_dump_json(), f"facebook:{s.interaction.author.id}") for s in stored]
    ticket = uuid4()
    groups = {"facebook:ana": ["VIP"]}
    expected = [
        s.model_copy(update={"ticket_id": ticket, "author_groups": groups.get(key, [])})
        for s, (_, key) in zip(stored, bodies, strict=True)
    ]
    for _ in range(2):
        read = detail_interactions.interactions_of_detail(bodies, str(ticket), groups)
        assert read.models == expected
        assert read.json == to_json(expected)
        assert len(detail_interactions._kept) <= 3
    assert detail_interactions._kept_characters == sum(map(len, detail_interactions._kept))

    size = max(len(body) for body, _ in bodies)
    monkeypatch.setattr(detail_interactions, "KEPT_CHARACTERS", size + 1)
    # The third and fourth were let go for the last two (KEPT): read again, they are kept
    # one at a time.
    read = detail_interactions.interactions_of_detail(bodies[2:4], str(ticket), groups)
    assert read.models == expected[2:4]
    assert len(detail_interactions._kept) == 1
    assert detail_interactions._kept_characters <= size + 1
