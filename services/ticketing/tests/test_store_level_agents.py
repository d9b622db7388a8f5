"""Saving an agent onto a level and deleting that level cannot interleave badly, on every
adapter: the deletion finds the agent in the same step (a level an agent names is kept, with
the agents named), an agent being saved onto a level holds it, and an agent saved onto a level
deleted first is refused with the reason (422), never left naming a level that is gone."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest

from contracts.people import AgentCreate
from contracts.rpc import Caller
from servicekit import rpc
from ticketing.shared import level_pins
from ticketing.store.directory import LevelDeletion
from ticketing.store.port import TicketStore
from ticketing.usecases import directory

from .test_sharing import OFFLINE

ADMIN = Caller(id="admin", role="admin")


def agent(levels: list[str], agent_id: str = "ana") -> AgentCreate:
    return AgentCreate(id=agent_id, name="Ana", email=f"{agent_id}@example.com", levels=levels)


async def save(store: TicketStore, body: AgentCreate, *, replace: bool = False) -> None:
    await directory.save_agent(
        store=store,
        publisher=OFFLINE,
        agent_id=body.id if replace else None,
        body=body,
        caller=ADMIN,
    )


async def delete_level(store: TicketStore, level: str) -> None:
    await directory.delete(store=store, publisher=OFFLINE, kind="level", key=level, caller=ADMIN)


async def levels_of(store: TicketStore, agent_id: str) -> list[str] | None:
    found = await store.get_entry("agent", agent_id)
    return None if found is None else list(found["levels"])


async def test_a_level_an_agent_has_is_kept_by_the_store_and_names_the_agents(
    store: TicketStore,
) -> None:
    await store.create_entry("level", "N2", {"name": "N2"})
    await save(store, agent(["N2"], "bruno"))
    await save(store, agent(["N2"], "ana"))
    assert await store.delete_level("N2") == LevelDeletion("agents", agents=("ana", "bruno"))
    assert await store.get_entry("level", "N2") == {"name": "N2"}
    await save(store, agent([], "ana"), replace=True)
    await save(store, agent([], "bruno"), replace=True)
    assert await store.delete_level("N2") == LevelDeletion("deleted")


async def test_an_agent_saved_after_the_deletion_looked_for_agents_keeps_the_level(
    store: TicketStore,
) -> None:
    """The use case's first look finds no agent on the level; an agent is saved onto it
    before the store's step: the store's step finds the agent, the API answers 409."""
    await store.create_entry("level", "N2", {"name": "N2"})
    deleting = store.delete_level

    async def saved_first(level: str) -> LevelDeletion:
        await save(store, agent([level]))
        return await deleting(level)

    store.delete_level = saved_first  # type: ignore[method-assign]
    with pytest.raises(rpc.Conflict, match=r"the level 'N2' still has agents \(ana\)"):
        await delete_level(store, "N2")
    store.delete_level = deleting  # type: ignore[method-assign]
    assert await store.get_entry("level", "N2") == {"name": "N2"}
    assert await levels_of(store, "ana") == ["N2"]


async def test_an_agent_saved_onto_a_level_deleted_after_the_check_is_refused(
    store: TicketStore,
) -> None:
    """The save's first look finds the level; it is deleted before the agent is written:
    the save is refused (422, on ``levels``) and writes nothing."""
    await store.create_entry("level", "N2", {"name": "N2"})
    pinning = store.pin_level

    async def deleted_first(level: str) -> str | None:
        assert await store.delete_level(level) == LevelDeletion("deleted")
        return await pinning(level)

    store.pin_level = deleted_first  # type: ignore[method-assign]
    with pytest.raises(rpc.Invalid, match="there is no level 'N2'") as refused:
        await save(store, agent(["N2"]))
    store.pin_level = pinning  # type: ignore[method-assign]
    assert refused.value.status == 422
    assert await levels_of(store, "ana") is None


async def test_a_level_an_agent_is_being_saved_onto_is_not_deleted_meanwhile(
    store: TicketStore,
) -> None:
    await store.create_entry("level", "N1", {"name": "N1"})
    await store.create_entry("level", "N2", {"name": "N2"})
    async with level_pins.holding_all(store, ["N2", "N1"]):
        assert await store.delete_level("N2") == LevelDeletion("busy")
        assert await store.delete_level("N1") == LevelDeletion("busy")
    # Released, both can go again (no agent was written).
    assert await store.delete_level("N1") == LevelDeletion("deleted")
    with pytest.raises(level_pins.LevelGone, match="'N1'"):
        async with level_pins.holding_all(store, ["N2", "N1"]):
            raise AssertionError("the block runs only with every level held")
    # The one held before the refusal was let go.
    assert await store.delete_level("N2") == LevelDeletion("deleted")


async def test_a_save_and_a_delete_racing_never_leave_an_agent_on_a_deleted_level(
    store: TicketStore,
) -> None:
    """Each round runs an agent's save onto a fresh level and that level's deletion together;
    whichever wins, the other gives way with its reason."""
    outcomes = []
    for round_ in range(12):
        level = f"L{round_}"
        await store.create_entry("level", level, {"name": level})
        body = agent([level], f"agent-{round_}")

        async def saving(body: AgentCreate = body) -> bool:
            try:
                await save(store, body)
            except rpc.Invalid:
                return False
            return True

        async def deleting(level: str = level) -> bool:
            try:
                await delete_level(store, level)
            except rpc.Conflict:
                return False
            return True

        if round_ % 2:
            # The deletion starts once the save holds the level, while the agent is being
            # written (the save's reads first would otherwise always let the deletion win).
            held = asyncio.Event()
            pin = store.pin_level

            async def pin_and_tell(
                level: str, pin: Callable[..., Any] = pin, held: asyncio.Event = held
            ) -> str | None:
                token: str | None = await pin(level)
                held.set()
                return token

            async def deleting_once_held(held: asyncio.Event = held) -> bool:
                await asyncio.wait_for(held.wait(), timeout=10)  # the save pins its levels
                return await deleting()

            store.pin_level = pin_and_tell  # type: ignore[method-assign]
            saved, deleted = await asyncio.gather(saving(), deleting_once_held())
            store.pin_level = pin  # type: ignore[method-assign]
        else:  # both start at once
            deleted, saved = await asyncio.gather(deleting(), saving())
        outcomes.append((saved, deleted))
        level_kept = await store.get_entry("level", level) is not None
        assert deleted != level_kept
        if saved:
            assert level_kept and await levels_of(store, body.id) == [level]
        else:
            assert await levels_of(store, body.id) is None
        assert saved or deleted, "one of the two always gets through"
    assert {saved for saved, _ in outcomes} == {True, False}, outcomes  # both orders won
