"""SQLite projects a ticket's report facts in the write transaction that publishes its event
(store.sqlite.report_writes): the counters equal a rebuild from the tickets after each kind
of write, a ticket changed by several writes of one group transaction is projected as the
group leaves it, and the ``ticketing.reports`` consumer skips, without a store call, the
events this process projected while it still projects the others."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest
from faststream.rabbit import RabbitBroker, TestRabbitBroker

from contracts import topology
from contracts.base import Event
from contracts.interaction import Author, Direction
from servicekit.consuming import ROUTING_KEY_HEADER
from servicekit.publishing import EventPublisher
from ticketing.domain.reports import TicketFacts
from ticketing.domain.tickets import Ticket
from ticketing.handlers import Deps, build_router
from ticketing.shared import report_facts
from ticketing.store.reports import ReportSource
from ticketing.store.sqlite import SqliteTicketStore, report_writes
from ticketing.usecases import report_projection

from .test_domain import SCALE
from .test_report_projection import snapshot
from .test_store_contract import (
    T0,
    Opening,
    edit,
    follow_up_of,
    message,
    record,
    save,
)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteTicketStore]:
    opened = SqliteTicketStore(tmp_path / "ticketing.db", facts_of=report_facts.facts_of)
    await opened.open()
    yield opened
    await opened.close()


async def rebuilt(store: SqliteTicketStore) -> dict[str, list[tuple[object, ...]]]:
    """The counters made again from nothing by the rebuild command."""

    def forget(connection: Any) -> None:
        connection.execute("DELETE FROM report_facts")
        connection.execute("DELETE FROM report_counts")

    await store._db.write(forget)
    await report_projection.rebuild(store=store)
    return await snapshot(store)


async def opened(store: SqliteTicketStore, thread: str) -> tuple[Ticket, list[Event]]:
    interaction = message(thread)
    stored = await record(store, interaction)
    opening = Opening(interaction, now=T0)
    ticket = await opening.create(store, interaction_id=stored.id)
    return ticket, list(opening.events)


async def test_the_writes_own_projection_equals_a_rebuild_after_every_kind_of_write(
    store: SqliteTicketStore,
) -> None:
    first, _ = await opened(store, "post-1")
    second, _ = await opened(store, "post-2")
    assert (await snapshot(store))["opened/all"], "the opening write projected the ticket"

    # A follow-up, then our reply (an outbound interaction: the first response).
    follow = await record(store, message("post-1", minutes=3))
    first = await save(
        store, follow_up_of(first, follow), expected_version=first.version, interaction_id=follow.id
    )
    reply = message("post-1", minutes=8).model_copy(
        update={"direction": Direction.OUTBOUND, "author": Author(id="acme", name="Acme")}
    )
    answered = await record(store, reply)
    first = await save(
        store,
        follow_up_of(first, answered, minutes=8),
        expected_version=first.version,
        interaction_id=answered.id,
    )
    # A status change.
    first = await save(
        store,
        edit(first, now=T0 + timedelta(hours=1), status="resolved"),
        expected_version=first.version,
    )
    on_write = await snapshot(store)
    assert {r[1]: r[4] for r in on_write["opened/status"]} == {"new": 1, "resolved": 1}
    assert [r[4] for r in on_write["done/level"]] == [1]
    assert await rebuilt(store) == on_write

    # A bulk edit: several tickets, and one ticket twice, in writes started together (one
    # group transaction on the database's thread).
    edits = [
        save(
            store,
            edit(second, now=T0 + timedelta(hours=2), priority="high"),
            expected_version=second.version,
        ),
        save(
            store,
            edit(first, now=T0 + timedelta(hours=2), status="open"),
            expected_version=first.version,
        ),
    ]
    second, first = await asyncio.gather(*edits)
    first = await save(
        store,
        edit(first, now=T0 + timedelta(hours=3), status="closed"),
        expected_version=first.version,
    )
    on_write = await snapshot(store)
    assert {r[1]: r[4] for r in on_write["opened/priority"]} == {"high": 1, "medium": 1}
    assert await rebuilt(store) == on_write


async def test_a_ticket_changed_twice_in_one_group_is_projected_once_as_the_group_leaves_it(
    store: SqliteTicketStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket, _ = await opened(store, "post-1")
    projected: list[UUID] = []
    project = report_writes.reports.project_from_source

    def counting(connection: Any, ticket_id: UUID, facts_of: Callable[..., Any]) -> bool:
        projected.append(ticket_id)
        return project(connection, ticket_id, facts_of)

    monkeypatch.setattr(report_writes.reports, "project_from_source", counting)
    resolved = edit(ticket, now=T0 + timedelta(hours=1), status="resolved")
    closed = edit(resolved.ticket, now=T0 + timedelta(hours=2), status="closed")
    # Both writes wait behind one that holds the database's thread, so they share a group.
    entered, release = threading.Event(), threading.Event()

    def hold(connection: Any) -> None:
        entered.set()
        release.wait(10)

    holding = asyncio.create_task(store._db.write(hold))
    await until(entered.is_set)
    writes = [
        asyncio.create_task(save(store, resolved, expected_version=ticket.version)),
        asyncio.create_task(save(store, closed, expected_version=ticket.version + 1)),
    ]
    await until(lambda: len(store._db._pending) == 2)
    release.set()
    await holding
    await asyncio.gather(*writes)

    assert projected == [ticket.id]
    rows = await snapshot(store)
    assert {r[1]: r[4] for r in rows["opened/status"]} == {"closed": 1}


async def until(condition: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.001)


class Counting:
    """Counts the store calls the reports consumer makes."""

    def __init__(self, store: SqliteTicketStore) -> None:
        self.calls = 0
        self._project = store.project_report

    async def project_report(
        self, ticket_id: UUID, facts_of: Callable[[ReportSource], TicketFacts | None]
    ) -> bool:
        self.calls += 1
        return await self._project(ticket_id, facts_of)


async def consume(store: SqliteTicketStore, events: list[Event]) -> None:
    broker = RabbitBroker(apply_types=False)
    broker.include_router(build_router(Deps(store, EventPublisher(broker), SCALE)))
    async with TestRabbitBroker(broker) as test_broker:
        for event in events:
            await test_broker.publish(
                event.model_dump_json().encode(),
                queue=topology.TICKETING_REPORTS.name,
                headers={ROUTING_KEY_HEADER: event.routing_key},
            )


async def test_the_consumer_skips_without_a_store_call_an_event_its_write_projected(
    store: SqliteTicketStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    ticket, events = await opened(store, "post-1")
    change = edit(ticket, now=T0 + timedelta(hours=1), status="resolved")
    await save(store, change, expected_version=ticket.version)
    counting = Counting(store)
    monkeypatch.setattr(store, "project_report", counting.project_report)
    before = await snapshot(store)

    await consume(store, [*events, change.event])

    assert counting.calls == 0
    assert await snapshot(store) == before


async def test_the_consumer_projects_an_event_another_replica_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # An older replica sharing the file: its writes do not project (no facts function).
    older = SqliteTicketStore(tmp_path / "ticketing.db")
    ours = SqliteTicketStore(tmp_path / "ticketing.db", facts_of=report_facts.facts_of)
    await older.open()
    await ours.open()
    try:
        _, events = await opened(older, "post-1")
        assert not (await snapshot(ours))["opened/all"]
        counting = Counting(ours)
        monkeypatch.setattr(ours, "project_report", counting.project_report)

        await consume(ours, events)

        assert counting.calls == 1
        rows = await snapshot(ours)
        assert [r[4] for r in rows["opened/all"]] == [1]
    finally:
        await ours.close()
        await older.close()
