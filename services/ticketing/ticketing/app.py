"""Ticketing: owns tickets, interactions and their history."""

from __future__ import annotations

import logging

from faststream.asgi import AsgiFastStream

from contracts import topology
from servicekit.logs import configure_logging
from servicekit.outbox import OutboxRelay
from servicekit.publishing import EventPublisher
from servicekit.service import new_broker, service_app
from servicekit.topology import declare_consumer_queue, declare_events_exchange
from ticketing import opinions
from ticketing.handlers import Deps, build_router
from ticketing.lifecycle import AutoCloser
from ticketing.settings import TicketingSettings
from ticketing.store import open_store

log = logging.getLogger("ticketing")


def create_app(settings: TicketingSettings | None = None) -> AsgiFastStream:
    settings = settings or TicketingSettings()
    configure_logging("ticketing", settings.log_level)
    broker = new_broker(settings.rabbitmq_url, settings.prefetch)
    store = open_store(settings)
    publisher = EventPublisher(broker)
    relay = OutboxRelay(store, publisher)
    closer = AutoCloser(store, publisher, settings.auto_close_every_seconds)
    broker.include_router(build_router(Deps(store, publisher, settings.priority_scale)))
    broker.include_router(
        opinions.build_router(store=store, publisher=publisher, settings=opinions.OpinionSettings())
    )

    async def prepare() -> None:
        await store.open()
        log.info("ticketing store backend: %s", store.backend)
        await declare_events_exchange(broker)
        await declare_consumer_queue(broker, topology.TICKETING_INTERACTIONS)
        await declare_consumer_queue(broker, topology.TICKETING_OPINIONS)

    async def health() -> dict[str, str]:
        return {"store": store.backend}

    async def start_relay() -> None:
        relay.start()
        closer.start()

    return service_app(
        broker=broker,
        health=health,
        before_consuming=[prepare],
        after_consuming_started=[start_relay],
        before_stopping=[closer.stop, relay.stop],
        after_stopped=[store.close],
    )
