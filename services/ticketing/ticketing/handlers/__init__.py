"""Ticketing's transport: the consumers of triaged interactions and of opinion answers, and
the request/reply methods the gateway calls (``contracts.rpc_ticketing``), one module per
area. Each handler takes the contract, calls one use case and answers."""

from __future__ import annotations

from faststream.rabbit import RabbitRouter

from contracts import topology
from servicekit import consuming, rpc
from servicekit.event_consumer import EventConsumer
from ticketing.handlers import (
    approvals,
    bulk,
    console_pages,
    credentials,
    directory,
    interactions,
    lifecycle,
    moderation,
    network_changes,
    opinion_events,
    opinions,
    people,
    replies,
    reports,
    sla,
    tickets,
    triaged,
    views,
)
from ticketing.handlers.deps import Deps

__all__ = ["Deps", "build_router", "methods"]


def methods(deps: Deps) -> dict[str, rpc.Method]:
    """Every request/reply method ticketing serves, by its ``TicketingMethod``."""
    return {
        **tickets.methods(deps),
        **bulk.methods(deps),
        **lifecycle.methods(deps),
        **interactions.methods(deps),
        **directory.methods(deps),
        **opinions.methods(deps),
        **people.methods(deps),
        **credentials.methods(deps),
        **sla.methods(deps),
        **replies.methods(deps),
        **moderation.methods(deps),
        **reports.methods(deps),
        **views.methods(deps),
        **approvals.methods(deps),
        **console_pages.methods(deps),
    }


def build_router(
    deps: Deps, *, serve_requests: bool = True, events: EventConsumer | None = None
) -> RabbitRouter:
    """The consumers, and the request/reply methods on FastStream's subscriber unless
    ``serve_requests`` is off: the service answers them on ``servicekit.rpc_server`` (cheaper
    per request), the handler tests on FastStream's in-memory broker. Likewise the consumers
    go to ``events`` when given (``servicekit.event_consumer``), else to FastStream's
    subscribers."""
    router = RabbitRouter()
    consumers: consuming.Registrar = events if events is not None else router
    triaged.subscribe(consumers, deps)
    opinion_events.subscribe(consumers, deps)
    network_changes.subscribe(consumers, deps)
    replies.subscribe(consumers, deps)
    moderation.subscribe(consumers, deps)
    reports.subscribe(consumers, deps)
    if serve_requests:
        rpc.serve(router, topology.TICKETING_RPC, methods(deps))
    return router
