"""What every adapter must do for agents, teams and levels, and for agents' loads."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import Counter
from typing import Any

import pytest

from contracts.tickets import TicketQuery
from devtools.store_backends import Backend
from ticketing.domain.access import Visibility
from ticketing.domain.tickets import Ticket
from ticketing.store.directory import LevelDeletion
from ticketing.store.port import StaleTicket, TicketStore

from .test_store_contract import T0, Opening, apply, message, open_for, record

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


async def test_a_calendar_is_kept_whole_with_its_nested_hours_and_apart_from_levels(
    store: TicketStore,
) -> None:
    calendar = {
        "name": "br",
        "timezone": "America/Sao_Paulo",
        "weekly": {"mon": [{"start": "22:00", "end": "06:00"}]},
        "holidays": [{"name": "Natal", "date": None, "yearly": "12-25"}],
        "exceptions": [{"date": "2026-12-24", "hours": [], "name": ""}],
    }
    assert await store.create_entry("calendar", "br", calendar)
    assert not await store.create_entry("calendar", "br", {**calendar, "timezone": "UTC"})
    await store.create_entry("level", "br", {"name": "br", "calendar": "br"})
    assert await store.get_entry("calendar", "br") == calendar
    assert await store.list_entries("calendar") == [calendar]
    assert await store.delete_entry("calendar", "br")
    assert await store.get_entry("level", "br") == {"name": "br", "calendar": "br"}


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


async def test_a_level_is_kept_for_its_open_tickets_only_not_finished_or_removed_ones(
    store: TicketStore,
) -> None:
    for level in ("N1", "N2", "N3"):
        await store.create_entry("level", level, {"name": level})
    waiting = await apply(store, await open_for(store, message("post-1")), now=T0, level="N2")
    done = await apply(store, await open_for(store, message("post-2")), now=T0, level="N2")
    await apply(store, done, now=T0, status="resolved")
    gone = await apply(store, await open_for(store, message("post-3")), now=T0, level="N2")
    await store.update_ticket(
        dataclasses.replace(gone, removed=True),
        expected_version=gone.version,
        interaction_id=None,
        history=[],
        events=[],
    )
    await apply(store, await open_for(store, message("post-4")), now=T0, level="N1")
    # The refusal names only the ticket still needing work (as the API's 409 says it).
    assert await store.delete_level("N2") == LevelDeletion("open", 1)
    assert await store.delete_level("N3") == LevelDeletion("deleted")
    await apply(store, waiting, now=T0, level="N1")
    assert await store.delete_level("N1") == LevelDeletion("open", 2)
    assert await store.delete_level("N2") == LevelDeletion("deleted")


async def test_a_new_ticket_goes_to_the_least_loaded_of_the_agents_offered(
    store: TicketStore,
) -> None:
    busy = await open_for(store, message("post-1"))
    await apply(store, busy, now=T0, assignee="ana")
    comment = message("post-2")
    stored = await record(store, comment)

    opening = Opening(comment)
    ticket = await store.create_ticket(
        opening.ticket,
        year=2026,
        interaction_id=stored.id,
        history=opening.make_history,
        announce=opening.announce,
        assign_among=["ana", "bia"],
    )

    assert ticket.assignee == "bia"
    assert opening.events[0].ticket.assignee == "bia"
    assert (await store.get_ticket(ticket.id)).assignee == "bia"  # type: ignore[union-attr]


async def test_concurrent_openings_spread_over_idle_agents(
    backend: Backend[TicketStore], store: TicketStore
) -> None:

    async def open_one(thread: str) -> str | None:
        comment = message(thread)
        stored = await record(store, comment)
        opening = Opening(comment)
        ticket = await store.create_ticket(
            opening.ticket,
            year=2026,
            interaction_id=stored.id,
            history=opening.make_history,
            announce=opening.announce,
            assign_among=["ana", "bia"],
        )
        return ticket.assignee

    assignees = await asyncio.gather(open_one("post-1"), open_one("post-2"))
    assert sorted(assignees) == ["ana", "bia"]  # type: ignore[type-var]


async def test_an_agent_lists_their_levels_tickets_and_their_own(store: TicketStore) -> None:
    in_level = await open_for(store, message("post-1"))
    in_level = await apply(store, in_level, now=T0, level="legal")
    mine = await open_for(store, message("post-2"))
    mine = await apply(store, mine, now=T0, assignee="ana")
    await open_for(store, message("post-3"))

    items, total, *_ = await store.list_tickets(
        TicketQuery(), visible=Visibility("ana", ("legal",))
    )

    assert total == 2
    assert {t.id for t in items} == {in_level.id, mine.id}
    _, without_levels, *_ = await store.list_tickets(TicketQuery(), visible=Visibility("ana", ()))
    assert without_levels == 1


async def test_tickets_are_listed_by_assignee(store: TicketStore) -> None:
    mine = await apply(store, await open_for(store, message("post-1")), now=T0, assignee="ana")
    await apply(store, await open_for(store, message("post-2")), now=T0, assignee="bia")
    items, total, *_ = await store.list_tickets(TicketQuery(assignee=["ana"]))
    assert ([t.id for t in items], total) == ([mine.id], 1)


async def test_many_concurrent_openings_never_overshoot_an_agent(store: TicketStore) -> None:
    async def open_one(thread: str) -> str | None:
        comment = message(thread)
        stored = await record(store, comment)
        opening = Opening(comment)
        ticket = await store.create_ticket(
            opening.ticket,
            year=2026,
            interaction_id=stored.id,
            history=opening.make_history,
            announce=opening.announce,
            assign_among=["ana", "bia", "caio"],
        )
        return ticket.assignee

    assignees = await asyncio.gather(*(open_one(f"post-{i}") for i in range(9)))
    assert sorted(Counter(assignees).values()) == [3, 3, 3]


async def test_mongodb_assignment_lock_makes_the_next_chooser_wait(
    backend: Backend[TicketStore], store: TicketStore
) -> None:
    if backend.kind == "sqlite":
        pytest.skip("SQLite's write transaction already serialises the choice")
    mongo: Any = store
    held = await mongo.hold_assignment_lock(["ana", "bia"], "ticket-1")
    waiting = asyncio.ensure_future(mongo.hold_assignment_lock(["bia", "ana"], "ticket-2"))
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(asyncio.shield(waiting), 0.2)

    await mongo.release_assignment_lock(held, "ticket-1")

    assert await asyncio.wait_for(waiting, 2) == held


async def test_mongodb_assignment_lock_of_a_crashed_holder_expires(
    backend: Backend[TicketStore], store: TicketStore
) -> None:
    if backend.kind == "sqlite":
        pytest.skip("SQLite's write transaction already serialises the choice")
    mongo: Any = store
    held = await mongo.hold_assignment_lock(["ana"], "crashed")
    await mongo._locks.update_one({"_id": held}, {"$set": {"until": T0}})
    assert await asyncio.wait_for(mongo.hold_assignment_lock(["ana"], "next"), 1) == held


async def test_simultaneous_moves_to_a_level_spread_over_its_idle_agents(
    store: TicketStore,
) -> None:
    first = await open_for(store, message("post-1"))
    second = await open_for(store, message("post-2"))

    async def move(ticket: Ticket) -> str | None:
        def finish(chosen: str) -> tuple[Ticket, list[Any], list[Any]]:
            return dataclasses.replace(ticket, level="legal", assignee=chosen), [], []

        moved = await store.update_assigning(
            expected_version=ticket.version, assign_among=["ana", "bia"], finish=finish
        )
        return moved.assignee

    assignees = await asyncio.gather(move(first), move(second))

    assert sorted(assignees) == ["ana", "bia"]  # type: ignore[type-var]
    assert (await store.get_ticket(first.id)).level == "legal"  # type: ignore[union-attr]


async def test_a_move_of_a_ticket_that_changed_meanwhile_is_refused(store: TicketStore) -> None:
    ticket = await open_for(store, message("post-1"))
    await apply(store, ticket, now=T0, priority="high")
    with pytest.raises(StaleTicket):
        await store.update_assigning(
            expected_version=ticket.version,
            assign_among=["ana"],
            finish=lambda chosen: (dataclasses.replace(ticket, assignee=chosen), [], []),
        )
    assert (await store.get_ticket(ticket.id)).assignee is None  # type: ignore[union-attr]
