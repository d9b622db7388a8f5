"""Interactions accepted while RabbitMQ could not confirm are published later by the relay."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from contracts.interaction import Interaction
from ingestor import services
from ingestor.store.sqlite import SqliteIngestStore
from servicekit.outbox import OutboxRelay
from servicekit.publishing import OutgoingMessage

INTERACTION = Interaction.model_validate(
    {
        "channel": "youtube",
        "account": "acme-channel",
        "external_id": "yt-c1",
        "kind": "comment",
        "author": {"id": "yt-9"},
        "text": "cadê meu reembolso?",
        "occurred_at": datetime.now(UTC),
    }
)


class Broker:
    """Stands in for RabbitMQ's confirms: refuses while down, records while up."""

    def __init__(self) -> None:
        self.up = False
        self.published: list[OutgoingMessage] = []

    async def connected(self) -> bool:
        return self.up

    async def publish_all(self, messages: list[OutgoingMessage]) -> None:
        if not self.up:
            raise ConnectionError("no confirm from RabbitMQ")
        self.published.extend(messages)


async def test_accepted_interactions_are_published_once_the_broker_is_back(tmp_path: Path) -> None:
    store = SqliteIngestStore(tmp_path / "ingestor.sqlite3")
    await store.open()
    broker = Broker()
    try:
        with pytest.raises(ConnectionError):
            await services.ingest(store=store, publisher=broker, interactions=[INTERACTION])  # type: ignore[arg-type]
        # A retry while it is still only in the outbox is pending, not a duplicate.
        waiting = await services.ingest(store=store, publisher=broker, interactions=[INTERACTION])  # type: ignore[arg-type]
        assert (waiting.accepted, waiting.duplicates, waiting.pending) == (0, 0, 1)
        relay = OutboxRelay(store, broker, grace_seconds=0)  # type: ignore[arg-type]
        # Still down: the relay claims nothing (it would hold the rows' lease) and tries again
        # at its next tick.
        assert await relay.relay_once() == 0

        broker.up = True
        assert await relay.relay_once() == 1
        assert await relay.relay_once() == 0  # published once, not again
        assert [m.routing_key for m in broker.published] == ["interaction.received.v1"]
        retry = await services.ingest(store=store, publisher=broker, interactions=[INTERACTION])  # type: ignore[arg-type]
        assert (retry.accepted, retry.duplicates, retry.pending) == (0, 1, 0)
    finally:
        await store.close()
