"""What every notifier store adapter must keep of the trace context: an answered opinion
request keeps the ``traceparent`` and ``tracestate`` of its announcement, so the relay
publishes a late announcement in the trace of the answer; an answer kept before the context
was still relays, in no trace."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

from devtools.store_backends import Backend
from devtools.traced_request import CALLER_TRACESTATE, traced_request
from notifier.store.port import NotifierStore
from notifier.store.sqlite import SqliteNotifierStore
from servicekit.clock import ManualClock

from .test_store_opinions_contract import NOW, announcement, request

OLD_OPINION_REQUESTS = """
CREATE TABLE opinion_requests (
    request_id TEXT PRIMARY KEY,
    ticket_id TEXT NOT NULL,
    email TEXT NOT NULL,
    expires_at REAL NOT NULL,
    shared TEXT NOT NULL,
    answered_at REAL,
    event_id TEXT,
    routing_key TEXT,
    body BLOB,
    correlation_id TEXT,
    published INTEGER NOT NULL DEFAULT 0,
    claimed_until REAL NOT NULL DEFAULT 0
)
"""


async def relay(store: NotifierStore) -> list[tuple[str, str, str]]:
    claimed = await store.claim_unpublished(older_than_seconds=0, lease_seconds=0, limit=10)
    return [(str(m.id), m.traceparent, m.tracestate) for m in claimed]


async def test_an_answer_relays_in_the_trace_context_it_was_given_in(
    store: NotifierStore,
) -> None:
    saved = await store.save_opinion_request(request())
    with traced_request() as (traceparent, tracestate):
        event = dataclasses.replace(announcement(), traceparent=traceparent, tracestate=tracestate)
        await store.answer_opinion_request(saved.request_id, answered_at=NOW, announce=event)
    assert await relay(store) == [(str(event.id), traceparent, CALLER_TRACESTATE)]


async def test_an_answer_kept_before_the_context_was_still_relays(
    backend: Backend[NotifierStore], clock: ManualClock, tmp_path: Path
) -> None:
    store = await backend.open()
    event = announcement()
    if isinstance(store, SqliteNotifierStore):
        await store.close()
        path = tmp_path / "old-notifier.db"
        with sqlite3.connect(path) as connection:  # as an earlier version left it
            connection.execute(OLD_OPINION_REQUESTS)
            connection.execute(
                "INSERT INTO opinion_requests (request_id, ticket_id, email, expires_at,"
                " shared, answered_at, event_id, routing_key, body)"
                " VALUES ('r', 't', 'perito@example.com', ?, '{}', ?, ?, ?, ?)",
                (
                    NOW.timestamp() + 3600,
                    NOW.timestamp(),
                    str(event.id),
                    event.routing_key,
                    event.body,
                ),
            )
        store = SqliteNotifierStore(path, clock=clock)
        await store.open()
    else:
        saved = await store.save_opinion_request(request())
        await store.answer_opinion_request(saved.request_id, answered_at=NOW, announce=event)
        # The announcement as an earlier version kept it: no trace fields at all.
        await store._opinions.update_one(  # type: ignore[attr-defined]
            {"_id": str(saved.request_id)},
            {"$unset": {"event.traceparent": "", "event.tracestate": ""}},
        )
    try:
        assert await relay(store) == [(str(event.id), "", "")]
    finally:
        if isinstance(store, SqliteNotifierStore):
            await store.close()
