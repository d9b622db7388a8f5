"""What every adapter must do for agents, teams and levels, and for agents' loads."""

from __future__ import annotations

from ticketing.store.port import TicketStore

from .test_store_contract import T0, apply, message, open_for

ANA = {"id": "ana", "name": "Ana", "email": "ana@example.com", "levels": ["legal"]}


async def test_an_entry_is_created_once_and_read_back(store: TicketStore) -> None:
    assert await store.create_entry("agent", "ana", ANA)
    assert not await store.create_entry("agent", "ana", {**ANA, "name": "Other"})
    assert await store.get_entry("agent", "ana") == ANA


async def test_entries_of_one_kind_are_listed_by_key_and_kinds_do_not_mix(
    store: TicketStore,
) -> None:
    await store.create_entry("agent", "bruno", {"id": "bruno"})
    await store.create_entry("agent", "ana", {"id": "ana"})
    await store.create_entry("level", "ana", {"name": "ana"})
    assert await store.list_entries("agent") == [{"id": "ana"}, {"id": "bruno"}]
    assert await store.list_entries("level") == [{"name": "ana"}]
    assert await store.list_entries("team") == []


async def test_replacing_changes_only_an_existing_entry(store: TicketStore) -> None:
    assert not await store.replace_entry("team", "night", {"name": "night"})
    assert await store.get_entry("team", "night") is None
    await store.create_entry("team", "night", {"name": "night", "active": True})
    assert await store.replace_entry("team", "night", {"name": "night", "active": False})
    assert await store.get_entry("team", "night") == {"name": "night", "active": False}


async def test_deleting_removes_the_entry_once(store: TicketStore) -> None:
    await store.create_entry("level", "legal", {"name": "legal"})
    assert await store.delete_entry("level", "legal")
    assert not await store.delete_entry("level", "legal")
    assert await store.get_entry("level", "legal") is None


async def test_an_agents_load_counts_only_tickets_still_needing_work(
    store: TicketStore,
) -> None:
    first = await open_for(store, message("post-1"))
    second = await open_for(store, message("post-2"))
    third = await open_for(store, message("post-3"))
    await apply(store, first, now=T0, assignee="ana")
    second = await apply(store, second, now=T0, assignee="ana")
    await apply(store, second, now=T0, status="resolved")
    await apply(store, third, now=T0, assignee="bruno")
    assert await store.open_ticket_counts(["ana", "bruno", "carla"]) == {
        "ana": 1,
        "bruno": 1,
        "carla": 0,
    }
