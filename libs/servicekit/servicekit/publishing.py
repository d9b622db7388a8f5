"""Persistent, confirmed publishing of contract events."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from uuid import UUID

from faststream.rabbit import RabbitBroker

from contracts.base import Event
from servicekit.topology import EVENTS


@dataclass(frozen=True)
class OutgoingMessage:
    """An event already serialised, e.g. as it was kept in an outbox."""

    id: UUID
    routing_key: str
    body: bytes
    correlation_id: UUID | None = None

    @classmethod
    def of(cls, event: Event) -> OutgoingMessage:
        return cls(
            id=event.id,
            routing_key=event.routing_key,
            body=event.model_dump_json().encode(),
            correlation_id=event.correlation_id,
        )


class EventPublisher:
    """Publishes to the events exchange. Every publish is persistent and awaited until RabbitMQ
    confirms it, so "published" means "RabbitMQ has it on disk"."""

    def __init__(self, broker: RabbitBroker) -> None:
        self._broker = broker

    @property
    def broker(self) -> RabbitBroker:
        return self._broker

    async def publish(self, event: Event) -> None:
        await self.publish_message(OutgoingMessage.of(event))

    async def publish_message(self, message: OutgoingMessage) -> None:
        await self._broker.publish(
            message.body,
            exchange=EVENTS,
            routing_key=message.routing_key,
            persist=True,
            mandatory=False,
            message_id=str(message.id),
            correlation_id=str(message.correlation_id or message.id),
            content_type="application/json",
        )

    async def publish_all(self, messages: Iterable[OutgoingMessage]) -> None:
        """Publish concurrently (confirms are pipelined on the channel); raises if any fails."""
        await asyncio.gather(*(self.publish_message(m) for m in messages))
