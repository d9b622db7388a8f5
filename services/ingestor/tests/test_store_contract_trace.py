"""What every IngestStore adapter must keep of the trace context: an outbox row keeps the
``traceparent`` and ``tracestate`` its event was accepted in (interactions and reply outcomes
alike), so the relay publishes a late event in the trace of the request that brought it; a row
kept before the context was (none stored) still relays, in no trace."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

from devtools.store_backends import Backend
from devtools.traced_request import CALLER_TRACESTATE, traced_request
from ingestor.store.port import IngestStore
from ingestor.store.replies_port import outcome_key
from ingestor.store.sqlite import SqliteIngestStore
from servicekit.clock import ManualClock

from .test_store_contract import claim_all, received
from .test_store_contract_replies import delivered

OLD_RECEIVED = """
CREATE TABLE received (
    dedup_key TEXT PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    routing_key TEXT NOT NULL,
    body BLOB NOT NULL,
    correlation_id TEXT,
    accepted_at REAL NOT NULL,
    published_at REAL,
    claimed_until REAL NOT NULL DEFAULT 0
)
"""


async def test_an_accepted_event_relays_in_the_trace_context_it_was_accepted_in(
    store: IngestStore, clock: ManualClock
) -> None:
    with traced_request() as (traceparent, tracestate):
        key, message = received("a")
        await store.accept([(key, message)])
    assert tracestate == CALLER_TRACESTATE
    [claimed] = await claim_all(store, clock)
    assert (claimed.id, claimed.traceparent, claimed.tracestate) == (
        message.id,
        traceparent,
        tracestate,
    )


async def test_a_reply_outcome_relays_in_the_trace_context_it_was_settled_in(
    store: IngestStore, clock: ManualClock
) -> None:
    reply_id = str(uuid4())
    await store.claim_reply(reply_id, datetime.now(UTC))
    with traced_request() as (traceparent, _):
        outcome = delivered(reply_id)
        assert await store.settle_reply(reply_id, None, outcome) == [outcome]
    [claimed] = await claim_all(store, clock)
    assert (claimed.id, claimed.traceparent) == (outcome.id, traceparent)
    assert outcome_key(reply_id) in await store.unpublished_keys([outcome_key(reply_id)])


async def test_an_event_accepted_untraced_relays_with_no_context(
    store: IngestStore, clock: ManualClock
) -> None:
    key, message = received("a")
    await store.accept([(key, message)])
    [claimed] = await claim_all(store, clock)
    assert (claimed.traceparent, claimed.tracestate) == ("", "")


async def test_a_row_kept_before_the_context_was_still_relays(
    backend: Backend[IngestStore], clock: ManualClock, tmp_path: Path
) -> None:
    store = await backend.open()
    key, message = received("old")
    if isinstance(store, SqliteIngestStore):
        await store.close()
        path = tmp_path / "old-ingestor.db"
        with sqlite3.connect(path) as connection:  # as an earlier version left it
            connection.execute(OLD_RECEIVED)
            connection.execute(
                "INSERT INTO received (dedup_key, event_id, routing_key, body, accepted_at)"
                " VALUES (?, ?, ?, ?, ?)",
                (key, str(message.id), message.routing_key, message.body, clock().timestamp()),
            )
        store = SqliteIngestStore(path, clock=clock)
        await store.open()
    else:
        # A document as an earlier version wrote it: no trace fields at all.
        await store._received.insert_one(  # type: ignore[attr-defined]
            {
                "_id": key,
                "event_id": str(message.id),
                "routing_key": message.routing_key,
                "body": message.body,
                "accepted_at": clock(),
                "published_at": None,
                "claimed_until": datetime.min.replace(tzinfo=UTC),
            }
        )
    try:
        [claimed] = await claim_all(store, clock)
        assert (claimed.id, claimed.body, claimed.traceparent) == (message.id, message.body, "")
        # ... and the table takes traced rows from now on.
        with traced_request() as (traceparent, _):
            new_key, new = received("new")
            await store.accept([(new_key, new)])
        [relayed] = await claim_all(store, clock)
        assert relayed.traceparent == traceparent
    finally:
        if isinstance(store, SqliteIngestStore):
            await store.close()
