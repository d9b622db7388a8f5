"""Notifier: sends the e-mails other services ask for, once per (request, recipient); owns
the users' notification settings and the opinion-request links."""

from __future__ import annotations

import logging

from faststream.asgi import AsgiFastStream

from contracts import topology
from notifier.handlers import Deps, build_router
from notifier.mail import SmtpMailer
from notifier.settings import NotifierSettings
from notifier.store import open_store
from servicekit.event_consumer import EventConsumer
from servicekit.logs import configure_logging
from servicekit.outbox import OutboxRelay
from servicekit.publishing import EventPublisher
from servicekit.service import new_broker, service_app
from servicekit.topology import declare_consumer_queue, declare_events_exchange
from servicekit.tracing import configure_tracing

log = logging.getLogger("notifier")


def create_app(settings: NotifierSettings | None = None) -> AsgiFastStream:
    settings = settings or NotifierSettings()
    configure_logging("notifier", settings.log_level, settings.log_format)
    configure_tracing("notifier")
    broker = new_broker(settings.rabbitmq_url, settings.prefetch, "notifier")
    store = open_store(settings)
    publisher = EventPublisher(broker)
    relay = OutboxRelay(store, publisher)
    # The events, on a plain AMQP consumer (servicekit.event_consumer says why).
    events = EventConsumer(settings.rabbitmq_url, settings.prefetch, "notifier")
    broker.include_router(
        build_router(Deps(store, SmtpMailer(settings), publisher, settings), events)
    )

    async def prepare() -> None:
        await store.open()
        log.info(
            "notifier store backend: %s; SMTP %s:%s",
            store.backend,
            settings.smtp_host,
            settings.smtp_port,
        )
        await declare_events_exchange(broker)
        await publisher.start("notifier")
        for queue in (
            topology.NOTIFIER_NOTIFICATIONS,
            topology.NOTIFIER_DIGESTS,
            topology.NOTIFIER_OPINIONS,
            topology.NOTIFIER_ACCOUNT_ALERTS,
        ):
            await declare_consumer_queue(broker, queue, settings.rabbitmq_retry_queue_type)

    async def health() -> dict[str, str]:
        return {"store": store.backend}

    async def start_relay() -> None:
        relay.start()

    return service_app(
        broker=broker,
        health=health,
        checks={"store": store.ping, "events": events.check},
        before_consuming=[prepare, events.start],
        after_consuming_started=[start_relay],
        before_stopping=[events.stop, relay.stop],
        after_stopped=[store.close],
    )
