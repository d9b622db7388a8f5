"""The report projection over real ticket writes, on every adapter: projecting after each
change and rebuilding from the tickets give the same counters, a rebuild run twice changes
nothing, and (MongoDB) a move cut short by a crash is finished exactly once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import uuid4

import pytest

from devtools.store_backends import Backend
from ticketing.domain import reports
from ticketing.domain.reports import TicketFacts
from ticketing.shared import report_facts
from ticketing.store.mongo import MongoTicketStore
from ticketing.store.port import TicketStore
from ticketing.usecases import report_projection

from .test_store_contract import T0, apply, message, open_for

HOURS = (reports.epoch_hour(T0) - 24, reports.epoch_hour(T0) + 24)


async def snapshot(store: TicketStore) -> dict[str, list[tuple[object, ...]]]:
    out = {}
    for series in (reports.OPENED, reports.AUTHORS, reports.DONE):
        for dim in (reports.ALL, *reports.SPLITS):
            rows = await store.report_rows(series, dim, *HOURS, None)
            out[f"{series}/{dim}"] = sorted(tuple(r) for r in rows)
    return out


async def test_projecting_each_change_equals_a_rebuild_from_the_tickets(
    store: TicketStore,
) -> None:
    first = await open_for(store, message("post-1"))
    await report_projection.ticket_changed(store=store, ticket_id=first.id)
    second = await open_for(store, message("post-2"))
    await report_projection.ticket_changed(store=store, ticket_id=second.id)
    moved = await apply(store, first, now=T0 + timedelta(hours=1), status="resolved")
    await report_projection.ticket_changed(store=store, ticket_id=moved.id)
    await report_projection.ticket_changed(store=store, ticket_id=moved.id)  # a redelivery
    incremental = await snapshot(store)

    assert await report_projection.rebuild(store=store) == 2
    assert await snapshot(store) == incremental
    assert await report_projection.rebuild(store=store) == 2
    assert await snapshot(store) == incremental
    status = {r[1]: r[4] for r in incremental["opened/status"]}
    assert status == {"new": 1, "resolved": 1}
    assert [r[4] for r in incremental["done/level"]] == [1]


async def test_a_rebuild_counts_tickets_the_events_never_reached(store: TicketStore) -> None:
    ticket = await open_for(store, message("post-1"))
    assert await report_projection.rebuild(store=store) == 1
    rows = await store.report_rows(reports.OPENED, "channel", *HOURS, None)
    assert [(r.value, r.n) for r in rows] == [("facebook", 1)]
    assert not await report_facts.project(store, ticket.id)


async def test_a_move_cut_short_is_finished_once_by_the_next_projection(
    backend: Backend[TicketStore], monkeypatch: pytest.MonkeyPatch
) -> None:
    store = await backend.open()
    if not isinstance(store, MongoTicketStore):
        pytest.skip("SQLite moves a ticket's counts in one transaction")
    ticket = uuid4()
    facts = TicketFacts("basic", "new", "normal", "email", "brand", "", "email:a", T0)
    reports_part = store._reports
    finish = reports_part._finish

    async def crash(key: str, pending: dict[str, Any]) -> None:
        # The first counter takes the move, then the process dies.
        delta, op = pending["deltas"][0], pending["op"]
        fields = {k: v for k, v in delta.items() if k not in ("_id", "n")}
        await reports_part._counts.update_one(
            {"_id": delta["_id"], "ops": {"$ne": op}},
            {"$inc": {"n": delta["n"]}, "$push": {"ops": op}, "$set": fields},
            upsert=True,
        )
        raise RuntimeError("killed")

    monkeypatch.setattr(reports_part, "_finish", crash)
    with pytest.raises(RuntimeError):
        await store.project_ticket(ticket, facts, version=1)
    monkeypatch.setattr(reports_part, "_finish", finish)

    assert not await store.project_ticket(ticket, facts, version=1)
    rows = await store.report_rows(reports.OPENED, reports.ALL, *HOURS, None)
    assert [r.n for r in rows] == [1]
    rows = await store.report_rows(reports.OPENED, "channel", *HOURS, None)
    assert [(r.value, r.n) for r in rows] == [("email", 1)]
