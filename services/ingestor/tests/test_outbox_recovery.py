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
        relay = OutboxRelay(store, broker, grace_seconds=0)  # type: ignore[arg-type]
        with pytest.raises(ConnectionError):  # still down: the relay's loop tries again later
            await relay.relay_once()

        broker.up = True
        assert await relay.relay_once() == 1
        assert await relay.relay_once() == 0  # published once, not again
        assert [m.routing_key for m in broker.published] == ["interaction.received.v1"]
        retry = await services.ingest(store=store, publisher=broker, interactions=[INTERACTION])  # type: ignore[arg-type]
        assert (retry.accepted, retry.duplicates) == (0, 1)
    finally:
        await store.close()
