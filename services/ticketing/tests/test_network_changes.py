"""Edits and removals made on a network, on every store adapter: the interaction takes the new
text (text search included) or is marked removed, and its ticket's history says so, with the
network as the actor. Repeats and older edits change nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from faststream.rabbit import RabbitBroker

from contracts.events import InteractionChangedV1
from contracts.tickets import InteractionQuery
from servicekit.publishing import EventPublisher
from ticketing.store.port import TicketStore
from ticketing.usecases.network_changes import NotStoredYet, apply_change

from .test_store_contract import T0, message, open_for, record

OFFLINE = EventPublisher(RabbitBroker("amqp://guest:guest@127.0.0.1:1/"))


def edit(key: str, text: str, minutes: int) -> InteractionChangedV1:
    return InteractionChangedV1(
        key=key,
        change="edited",
        text=text,
        changed_at=T0 + timedelta(minutes=minutes),
        actor="network:facebook",
    )


def removal(key: str, minutes: int) -> InteractionChangedV1:
    return InteractionChangedV1(
        key=key,
        change="removed",
        changed_at=T0 + timedelta(minutes=minutes),
        actor="network:facebook",
    )


async def test_an_edit_replaces_the_text_and_search_finds_the_new_one(store: TicketStore) -> None:
    stored = await record(store, message("post-1"))
    await apply_change(
        store=store, publisher=OFFLINE, event=edit(stored.interaction.key, "Found it, thanks", 5)
    )
    after = await store.get_interaction(stored.id)
    assert after is not None
    assert after.interaction.text == "Found it, thanks"
    assert after.edited_at == T0 + timedelta(minutes=5)
    found, *_ = await store.list_interactions(InteractionQuery(text="thanks"))
    assert [i.id for i in found] == [stored.id]
    gone, *_ = await store.list_interactions(InteractionQuery(text="never arrived"))
    assert gone == []


async def test_a_ticket_history_shows_the_edit_and_the_removal(store: TicketStore) -> None:
    ticket = await open_for(store, message("post-1"))
    [stored] = await store.interactions_of(ticket.id)
    key = stored.interaction.key
    await apply_change(store=store, publisher=OFFLINE, event=edit(key, "Still nothing!!", 5))
    await apply_change(store=store, publisher=OFFLINE, event=removal(key, 9))
    [kept] = await store.interactions_of(ticket.id)
    assert kept.interaction.text == "Still nothing!!"
    assert kept.removed_at == T0 + timedelta(minutes=9)
    entries = [h for h in await store.history_of(ticket.id) if h.action.startswith("interaction_")]
    assert [(h.action, h.actor, h.before, h.after) for h in entries] == [
        ("interaction_edited", "network:facebook", "My order never arrived", "Still nothing!!"),
        ("interaction_removed", "network:facebook", None, None),
    ]


async def test_repeated_and_older_changes_change_nothing(store: TicketStore) -> None:
    ticket = await open_for(store, message("post-1"))
    [stored] = await store.interactions_of(ticket.id)
    key = stored.interaction.key
    for event in (edit(key, "second", 5), edit(key, "second", 5), edit(key, "first", 3)):
        await apply_change(store=store, publisher=OFFLINE, event=event)
    [kept] = await store.interactions_of(ticket.id)
    assert kept.interaction.text == "second"
    history = await store.history_of(ticket.id)
    assert [h.after for h in history if h.action == "interaction_edited"] == ["second"]


async def test_a_change_before_its_interaction_is_retried(store: TicketStore) -> None:
    with pytest.raises(NotStoredYet):
        await apply_change(store=store, publisher=OFFLINE, event=edit("facebook:nope", "x", 1))


def status(key: str, value: str, minutes: int) -> InteractionChangedV1:
    return InteractionChangedV1(
        key=key,
        change="status",
        status=value,
        changed_at=T0 + timedelta(minutes=minutes),
        actor="network:reclame_aqui",
    )


async def test_a_status_change_is_kept_and_shown_before_to_after(store: TicketStore) -> None:
    ticket = await open_for(store, message("post-1"))
    [stored] = await store.interactions_of(ticket.id)
    key = stored.interaction.key
    # Answered, then the older report arrives late and a repeat: only the news counts.
    for event in (
        status(key, "Respondida", 5),
        status(key, "Respondida", 6),
        status(key, "Não respondida", 2),
        status(key, "Avaliada", 9),
    ):
        await apply_change(store=store, publisher=OFFLINE, event=event)
    [kept] = await store.interactions_of(ticket.id)
    assert (kept.network_status, kept.network_status_at) == ("Avaliada", T0 + timedelta(minutes=9))
    assert kept.interaction.text == stored.interaction.text and kept.removed_at is None
    entries = [h for h in await store.history_of(ticket.id) if h.action == "interaction_status"]
    assert [(h.field, h.actor, h.before, h.after) for h in entries] == [
        ("network_status", "network:reclame_aqui", None, "Respondida"),
        ("network_status", "network:reclame_aqui", "Respondida", "Avaliada"),
    ]
