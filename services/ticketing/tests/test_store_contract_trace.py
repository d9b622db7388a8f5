"""What every TicketStore adapter must keep of the trace context: the events a change writes
into the outbox keep the ``traceparent`` and ``tracestate`` the change was made in (on SQLite
the write runs on the database's thread, in its caller's context), so the relay publishes a
late event in the trace of the change; events kept before the context was still relay, in no
trace."""

from __future__ import annotations

import sqlite3
from typing import Any

from devtools.store_backends import Backend
from devtools.traced_request import CALLER_TRACESTATE, traced_request
from ticketing.store.port import TicketStore
from ticketing.store.sqlite import SqliteTicketStore

from .test_store_contract import claim_all, message, open_for


async def test_the_events_of_a_change_relay_in_the_trace_context_it_was_made_in(
    store: TicketStore,
) -> None:
    await open_for(store, message("untraced"))
    untraced = {m.id for m in await claim_all(store)}
    with traced_request() as (traceparent, tracestate):
        await open_for(store, message("traced"))
    relayed = [m for m in await claim_all(store) if m.id not in untraced]
    assert relayed
    assert {(m.traceparent, m.tracestate) for m in relayed} == {(traceparent, CALLER_TRACESTATE)}
    assert tracestate == CALLER_TRACESTATE


async def test_events_kept_before_the_context_was_still_relay(
    backend: Backend[TicketStore], tmp_path: Any
) -> None:
    store = await backend.open()
    await open_for(store, message("old"))
    if isinstance(store, SqliteTicketStore):
        await store.close()
        with sqlite3.connect(store._db.path) as connection:  # as an earlier version left it
            connection.execute("ALTER TABLE outbox DROP COLUMN traceparent")
            connection.execute("ALTER TABLE outbox DROP COLUMN tracestate")
        store = await backend.open()
    else:
        # Tickets as an earlier version wrote them: events without trace fields at all.
        tickets = store._tickets  # type: ignore[attr-defined]
        async for doc in tickets.find({"pending_events.0": {"$exists": True}}):
            events = [
                {k: v for k, v in e.items() if k not in ("traceparent", "tracestate")}
                for e in doc["pending_events"]
            ]
            await tickets.update_one({"_id": doc["_id"]}, {"$set": {"pending_events": events}})
    old = await claim_all(store, lease_seconds=0)
    assert old
    assert {(m.traceparent, m.tracestate) for m in old} == {("", "")}
    with traced_request() as (traceparent, _):
        await open_for(store, message("new"))
    new = [m for m in await claim_all(store) if m.id not in {o.id for o in old}]
    assert new
    assert {m.traceparent for m in new} == {traceparent}
