"""Ticketing: owns tickets, interactions and their history."""

from __future__ import annotations

import logging
from datetime import timedelta

from faststream.asgi import AsgiFastStream

from contracts import topology
from servicekit import heap
from servicekit.clock import Clock, FileOffsetClock, system_clock
from servicekit.event_consumer import EventConsumer
from servicekit.logs import configure_logging
from servicekit.outbox import OutboxRelay
from servicekit.periodic import Periodic
from servicekit.publishing import EventPublisher
from servicekit.rpc_server import RpcServer
from servicekit.service import new_broker, service_app
from servicekit.topology import declare_consumer_queue, declare_events_exchange
from servicekit.tracing import configure_tracing
from ticketing.handlers import Deps, build_router, methods
from ticketing.settings import TicketingSettings
from ticketing.shared import report_facts
from ticketing.store import open_store
from ticketing.usecases import lifecycle, sla

log = logging.getLogger("ticketing")


def create_app(settings: TicketingSettings | None = None) -> AsgiFastStream:
    settings = settings or TicketingSettings()
    configure_logging("ticketing", settings.log_level, settings.log_format)
    configure_tracing("ticketing")
    broker = new_broker(settings.rabbitmq_url, settings.prefetch, "ticketing")
    store = open_store(settings, facts_of=report_facts.facts_of)
    publisher = EventPublisher(broker)
    relay = OutboxRelay(store, publisher)

    async def close_idle_tickets() -> None:
        closed = await lifecycle.auto_close(store=store, publisher=publisher)
        if closed:
            log.info("auto-closed %d idle tickets", closed)

    auto_close = Periodic(
        "auto-close", settings.auto_close_every_seconds, close_idle_tickets, first_now=False
    )
    clock: Clock = system_clock
    if settings.clock_offset_file is not None:
        clock = FileOffsetClock(settings.clock_offset_file)
        log.warning("SLA clocks read the offset in %s (tests only)", settings.clock_offset_file)

    async def read_sla_clocks() -> None:
        await sla.scan(store=store, now=clock())

    sla_scan = Periodic("sla-scan", settings.sla_scan_every_seconds, read_sla_clocks)
    deps = Deps(
        store,
        publisher,
        settings.priority_scale,
        master_email=settings.master_email,
        clock=clock,
        auto_reply_cooldown=timedelta(hours=settings.auto_reply_cooldown_hours),
    )
    # The events, on a plain AMQP consumer (servicekit.event_consumer says why).
    events = EventConsumer(settings.rabbitmq_url, settings.prefetch, "ticketing")
    broker.include_router(build_router(deps, serve_requests=False, events=events))
    # The desk's reads, on a plain aio-pika consumer (servicekit.rpc_server says why).
    requests = RpcServer(
        settings.rabbitmq_url, topology.TICKETING_RPC, methods(deps), settings.prefetch
    )

    async def prepare() -> None:
        await store.open()
        log.info("ticketing store backend: %s", store.backend)
        await declare_events_exchange(broker)
        await publisher.start("ticketing")
        await declare_consumer_queue(
            broker, topology.TICKETING_INTERACTIONS, settings.rabbitmq_retry_queue_type
        )
        await declare_consumer_queue(
            broker, topology.TICKETING_OPINIONS, settings.rabbitmq_retry_queue_type
        )
        await declare_consumer_queue(
            broker, topology.TICKETING_CHANGES, settings.rabbitmq_retry_queue_type
        )
        await declare_consumer_queue(
            broker, topology.TICKETING_REPLIES, settings.rabbitmq_retry_queue_type
        )
        await declare_consumer_queue(
            broker, topology.TICKETING_REPORTS, settings.rabbitmq_retry_queue_type
        )
        await declare_consumer_queue(
            broker, topology.TICKETING_MODERATION, settings.rabbitmq_retry_queue_type
        )
        await requests.start()
        # After the store opened and the queues were declared, as FastStream's subscribers
        # started after ``before_consuming``.
        await events.start()

    async def health() -> dict[str, str]:
        return {"store": store.backend}

    async def freeze_startup_heap() -> None:
        # What is alive once the service has started (modules, pydantic's validators, the
        # broker, the store) lives as long as the process; frozen, a full collection no
        # longer walks it and stops the event loop only for what requests left behind. Each
        # full collection was a pause every request in flight waited out (bench/detail.py,
        # 50 concurrent callers on a loaded machine, 3 runs each way: full collections of
        # 230-560 ms and p99 540-970 ms; frozen, no full collection and p99 44-335 ms).
        # And a wider young generation (servicekit.heap says why).
        heap.settle()

    async def start_background_work() -> None:
        relay.start()
        auto_close.start()
        sla_scan.start()

    return service_app(
        broker=broker,
        health=health,
        checks={"store": store.ping, "requests": requests.check, "events": events.check},
        before_consuming=[prepare],
        after_consuming_started=[freeze_startup_heap, start_background_work],
        before_stopping=[events.stop, requests.stop, sla_scan.stop, auto_close.stop, relay.stop],
        after_stopped=[store.close],
    )
