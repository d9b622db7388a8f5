"""Deleting a level is one step no ticket write can slip into, on every adapter: a level with
open tickets is kept, a ticket being put on a level keeps it, and a ticket put on a level
deleted first is refused (or, when a rule opens it, opens without the level)."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from uuid import uuid4

import pytest

from contracts.events import InteractionTriagedV1
from contracts.people import LevelCreate
from contracts.rules import OpenTicket, RuleMatch, TriageDecision
from contracts.tickets import TicketPatch, TicketQuery
from servicekit.clock import ManualClock
from servicekit.keyed_locks import KeyedLocks
from ticketing.domain.tickets import Ticket
from ticketing.shared import field_edits, level_pins
from ticketing.store.directory import PIN_SECONDS, LevelDeletion
from ticketing.store.mongo import MongoTicketStore
from ticketing.store.port import TicketStore
from ticketing.usecases import triage

from .test_domain import NOW, SCALE, make
from .test_sharing import OFFLINE
from .test_store_contract import T0, apply, message, open_for


async def test_a_level_without_open_tickets_is_deleted_and_a_second_delete_finds_none(
    store: TicketStore,
) -> None:
    await store.create_entry("level", "N2", {"name": "N2"})
    done = await apply(store, await open_for(store, message("post-1")), now=T0, level="N2")
    await apply(store, done, now=T0, status="resolved")
    assert await store.delete_level("N2") == LevelDeletion("deleted")
    assert await store.get_entry("level", "N2") is None
    assert await store.delete_level("N2") == LevelDeletion("missing")


async def test_a_level_with_open_tickets_is_kept_and_says_how_many(store: TicketStore) -> None:
    await store.create_entry("level", "N2", {"name": "N2"})
    await apply(store, await open_for(store, message("post-1")), now=T0, level="N2")
    await apply(store, await open_for(store, message("post-2")), now=T0, level="N2")
    assert await store.delete_level("N2") == LevelDeletion("open", 2)
    assert await store.get_entry("level", "N2") == {"name": "N2"}
    # Kept whole: tickets can still be put on it.
    pin = await store.pin_level("N2")
    assert pin is not None
    await store.unpin_level("N2", pin)


async def test_a_level_a_ticket_is_being_put_on_is_kept_until_the_write_is_done(
    store: TicketStore,
) -> None:
    await store.create_entry("level", "N2", {"name": "N2"})
    ticket = await open_for(store, message("post-1"))
    async with level_pins.holding(store, "N2"):
        assert await store.delete_level("N2") == LevelDeletion("busy")
        await apply(store, ticket, now=T0, level="N2")
    assert await store.delete_level("N2") == LevelDeletion("open", 1)


async def test_a_deleted_level_cannot_be_held_and_its_ticket_write_never_runs(
    store: TicketStore,
) -> None:
    await store.create_entry("level", "N2", {"name": "N2"})
    assert await store.delete_level("N2") == LevelDeletion("deleted")
    with pytest.raises(level_pins.LevelGone, match="there is no level 'N2'"):
        async with level_pins.holding(store, "N2"):
            raise AssertionError("the block runs only with the level held")
    assert await store.pin_level("never-created") is None


async def test_a_crashed_holders_pin_stops_blocking_deletes_once_it_runs_out(
    store: TicketStore, clock: ManualClock
) -> None:
    await store.create_entry("level", "N2", {"name": "N2"})
    assert await store.pin_level("N2") is not None  # never released
    assert await store.delete_level("N2") == LevelDeletion("busy")
    clock.advance(PIN_SECONDS + 1)
    assert await store.delete_level("N2") == LevelDeletion("deleted")


async def test_a_move_and_a_delete_racing_never_leave_an_open_ticket_on_a_deleted_level(
    store: TicketStore,
) -> None:
    """Each round starts a move of a ticket onto a fresh level and that level's deletion at
    once; whichever wins, the other gives way."""
    outcomes = []
    for round_ in range(12):
        level = f"L{round_}"
        await store.create_entry("level", level, {"name": level})
        ticket = await open_for(store, message(f"post-{round_}"))

        async def move(ticket: Ticket = ticket, level: str = level) -> bool:
            try:
                async with level_pins.holding(store, level):
                    await apply(store, ticket, now=T0, level=level)
            except level_pins.LevelGone:
                return False
            return True

        if round_ % 2:  # either one starts first
            moved, deletion = await asyncio.gather(move(), store.delete_level(level))
        else:
            deletion, moved = await asyncio.gather(store.delete_level(level), move())
        outcomes.append((moved, deletion.outcome))
        stored = await store.get_ticket(ticket.id)
        assert stored is not None
        if deletion.outcome == "deleted":
            assert not moved and stored.level is None
            # The desk filtered by the deleted level shows nothing.
            _, on_level, *_ = await store.list_tickets(TicketQuery(level=[level]))
            assert on_level == 0
        else:
            assert moved and stored.level == level
            assert deletion.outcome in ("open", "busy")
            assert await store.get_entry("level", level) == {"name": level}
    assert all(moved != (outcome == "deleted") for moved, outcome in outcomes), outcomes
    assert {moved for moved, _ in outcomes} == {True, False}  # both orders were tried


async def test_an_edit_moving_a_ticket_to_a_deleted_level_is_refused_and_changes_nothing(
    store: TicketStore,
) -> None:
    await store.create_entry("level", "N2", {"name": "N2"})
    ticket = await open_for(store, message("post-1"))
    check = store.get_entry

    async def deleted_after_the_check(kind: str, key: str) -> object:
        """The level is deleted between the edit's first look and its write."""
        found = await check(kind, key)  # type: ignore[arg-type]
        if kind == "level":
            assert await store.delete_level(key) == LevelDeletion("deleted")
        return found

    store.get_entry = deleted_after_the_check  # type: ignore[method-assign,assignment]
    with pytest.raises(ValueError, match="there is no level 'N2'"):
        await field_edits.edit_fields(
            store=store,
            publisher=OFFLINE,
            scale=SCALE,
            ticket_id=ticket.id,
            patch=TicketPatch(level="N2"),
            actor="agent:ana",
        )
    store.get_entry = check  # type: ignore[method-assign]
    unchanged = await store.get_ticket(ticket.id)
    assert unchanged is not None
    assert unchanged.level is None and unchanged.version == ticket.version


async def test_a_rule_routing_to_a_level_that_is_gone_opens_the_ticket_without_it(
    store: TicketStore,
) -> None:
    rule = RuleMatch(rule_id=uuid4(), rule_name="jurídico", reasons=[])
    event = InteractionTriagedV1(
        interaction=make(external_id="c-1", occurred_at=NOW),
        decision=TriageDecision(matched=[rule], open_ticket=OpenTicket(level="legal")),
    )
    await triage.handle_triaged(
        store=store, publisher=OFFLINE, scale=SCALE, locks=KeyedLocks(), event=event
    )
    [ticket], *_ = await store.list_tickets(TicketQuery())
    assert ticket.level is None
    [opened] = [h for h in await store.history_of(ticket.id) if h.action == "opened"]
    assert "there is no level 'legal'" in opened.detail["level_refused"]


async def test_a_resolved_ticket_reopened_after_its_level_was_deleted_loses_the_level(
    store: TicketStore,
) -> None:
    """A level goes once its tickets are all resolved or closed; a customer writing again on
    one of them reopens it without the deleted level, and its history says why."""
    await store.create_entry("level", "legal", LevelCreate(name="legal").model_dump(mode="json"))
    rule = RuleMatch(rule_id=uuid4(), rule_name="jurídico", reasons=[])
    first = InteractionTriagedV1(
        interaction=make(external_id="c-1", occurred_at=NOW),
        decision=TriageDecision(matched=[rule], open_ticket=OpenTicket(level="legal")),
    )
    await triage.handle_triaged(
        store=store, publisher=OFFLINE, scale=SCALE, locks=KeyedLocks(), event=first
    )
    [ticket], *_ = await store.list_tickets(TicketQuery())
    assert ticket.level == "legal"
    await apply(store, ticket, now=T0, status="resolved")
    assert await store.delete_level("legal") == LevelDeletion("deleted")

    again = InteractionTriagedV1(
        interaction=make(external_id="c-2", occurred_at=NOW + timedelta(minutes=5)),
        decision=TriageDecision(),
    )
    await triage.handle_triaged(
        store=store, publisher=OFFLINE, scale=SCALE, locks=KeyedLocks(), event=again
    )
    reopened = await store.get_ticket(ticket.id)
    assert reopened is not None
    assert (reopened.status.value, reopened.level) == ("open", None)
    [moved] = [h for h in await store.history_of(ticket.id) if h.field == "level"]
    assert (moved.before, moved.after) == ("legal", None)
    assert "there is no level 'legal'" in moved.detail["level_refused"]


async def test_an_agent_reopening_a_ticket_on_a_deleted_level_must_pick_another(
    store: TicketStore,
) -> None:
    for name in ("legal", "basic"):
        await store.create_entry("level", name, {"name": name})
    ticket = await apply(store, await open_for(store, message("post-1")), now=T0, level="legal")
    resolved = await apply(store, ticket, now=T0, status="resolved")
    assert await store.delete_level("legal") == LevelDeletion("deleted")

    async def reopen(**patch: str) -> Ticket | None:
        return await field_edits.edit_fields(
            store=store,
            publisher=OFFLINE,
            scale=SCALE,
            ticket_id=ticket.id,
            patch=TicketPatch(status="open", **patch),
            actor="agent:ana",
        )

    with pytest.raises(level_pins.LevelGone, match="there is no level 'legal'"):
        await reopen()
    unchanged = await store.get_ticket(ticket.id)
    assert unchanged is not None and unchanged.version == resolved.version
    moved = await reopen(level="basic")
    assert moved is not None and (moved.status.value, moved.level) == ("open", "basic")


async def test_on_mongodb_a_level_being_deleted_refuses_tickets_until_it_is_kept(
    store: TicketStore,
) -> None:
    """MongoDB's delete has steps (mark, count, delete or unmark): while it counts, a ticket
    cannot be put on the level; once the level is kept, it can again. (SQLite's is one
    statement, with nothing in between.)"""
    if not isinstance(store, MongoTicketStore):
        pytest.skip("SQLite deletes a level in one statement")
    await store.create_entry("level", "N2", {"name": "N2"})
    await apply(store, await open_for(store, message("post-1")), now=T0, level="N2")
    directory = store._directory
    count = directory._open_on_level
    pinned_while_counting = []

    async def counting(level: str) -> int:
        pinned_while_counting.append(await store.pin_level(level))
        return await count(level)

    directory._open_on_level = counting  # type: ignore[method-assign]
    assert await store.delete_level("N2") == LevelDeletion("open", 1)
    directory._open_on_level = count  # type: ignore[method-assign]
    assert pinned_while_counting == [None]
    pin = await store.pin_level("N2")
    assert pin is not None
    await store.unpin_level("N2", pin)
