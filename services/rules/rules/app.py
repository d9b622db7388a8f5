"""Rules: decides, for every received interaction, what happens to it."""

from __future__ import annotations

import logging

from faststream.asgi import AsgiFastStream

from contracts import topology
from rules import references, services
from rules.calendars import CalendarBook
from rules.domain.digest import WindowClock
from rules.handlers import Deps, build_router
from rules.rulebook import RuleBook
from rules.settings import RulesSettings
from rules.store import open_store
from servicekit.clock import Clock, FileOffsetClock, system_clock
from servicekit.event_consumer import EventConsumer
from servicekit.logs import configure_logging
from servicekit.periodic import Periodic, stop_all
from servicekit.publishing import EventPublisher
from servicekit.rpc import RpcClient
from servicekit.service import new_broker, service_app
from servicekit.topology import declare_consumer_queue, declare_events_exchange
from servicekit.tracing import configure_tracing

log = logging.getLogger("rules")

LOG_PRUNE_SECONDS = 3_600.0


def create_app(settings: RulesSettings | None = None) -> AsgiFastStream:
    settings = settings or RulesSettings()
    configure_logging("rules", settings.log_level, settings.log_format)
    configure_tracing("rules")
    broker = new_broker(settings.rabbitmq_url, settings.prefetch, "rules")
    store = open_store(settings)
    rulebook = RuleBook(store, settings.refresh_seconds)
    publisher = EventPublisher(broker)
    clock = WindowClock(settings.digest_test_window_seconds)
    now: Clock = system_clock
    if settings.clock_offset_file is not None:
        now = FileOffsetClock(settings.clock_offset_file)
        log.warning("the clock reads the offset in %s (tests only)", settings.clock_offset_file)
    # Saving a rule that names a priority or a level asks ticketing, which owns them.
    ticketing = RpcClient(settings.rabbitmq_url)
    vocabulary = references.asking(ticketing, settings.ticketing_timeout_seconds)
    calendars = CalendarBook(vocabulary, settings.calendars_refresh_seconds)
    # The events, on a plain AMQP consumer (servicekit.event_consumer says why).
    events = EventConsumer(settings.rabbitmq_url, settings.prefetch, "rules")
    broker.include_router(
        build_router(Deps(store, rulebook, publisher, clock, vocabulary, calendars, now), events)
    )

    async def prepare() -> None:
        await store.open()
        await ticketing.connect()
        log.info("rules store backend: %s", store.backend)
        await declare_events_exchange(broker)
        await publisher.start("rules")
        await declare_consumer_queue(
            broker, topology.RULES_INTERACTIONS, settings.rabbitmq_retry_queue_type
        )
        await declare_consumer_queue(
            broker, topology.RULES_PEOPLE, settings.rabbitmq_retry_queue_type
        )

    async def health() -> dict[str, str]:
        return {"store": store.backend}

    async def prune_log() -> None:
        removed = await services.prune_log(store=store, now=now(), keep_days=settings.log_days)
        if removed:
            log.info("forgot %d logged interactions older than %d days", removed, settings.log_days)

    async def send_digests() -> None:
        sent = await services.send_closed_digests(store=store, publisher=publisher, now=now())
        if sent:
            log.info("closed %d digest windows", sent)

    background = [
        rulebook.watcher(),
        calendars.watcher(),
        Periodic("pruning the log", LOG_PRUNE_SECONDS, prune_log),
        Periodic("sending digests", settings.digest_check_seconds, send_digests),
    ]

    async def start_watching() -> None:
        for task in background:
            task.start()

    async def stop_watching() -> None:
        await stop_all(background)

    return service_app(
        broker=broker,
        health=health,
        checks={"store": store.ping, "events": events.check},
        # Consuming starts last, as FastStream's subscribers started after these hooks.
        before_consuming=[prepare, start_watching, events.start],
        before_stopping=[events.stop, stop_watching],
        after_stopped=[store.close, ticketing.close],
    )
