"""Notifier: sends the e-mails other services ask for, once per (request, recipient)."""

from __future__ import annotations

import logging

from faststream.asgi import AsgiFastStream

from contracts import topology
from notifier.handlers import build_router
from notifier.mail import SmtpMailer
from notifier.settings import NotifierSettings
from notifier.store import open_store
from servicekit.logs import configure_logging
from servicekit.publishing import EventPublisher
from servicekit.service import new_broker, service_app
from servicekit.topology import declare_consumer_queue, declare_events_exchange

log = logging.getLogger("notifier")


def create_app(settings: NotifierSettings | None = None) -> AsgiFastStream:
    settings = settings or NotifierSettings()
    configure_logging("notifier", settings.log_level)
    broker = new_broker(settings.rabbitmq_url, settings.prefetch)
    store = open_store(settings)
    broker.include_router(
        build_router(
            log_store=store,
            mailer=SmtpMailer(settings),
            public_url=settings.public_url,
            publisher=EventPublisher(broker),
        )
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
        await declare_consumer_queue(broker, topology.NOTIFIER_NOTIFICATIONS)

    async def health() -> dict[str, str]:
        return {"store": store.backend}

    return service_app(
        broker=broker, health=health, before_consuming=[prepare], after_stopped=[store.close]
    )
