"""Replies: the request/reply method an agent's reply arrives by, and the consumer of what
the ingestor made of it (``reply.delivered.v1``, ``reply.failed.v1``)."""

from __future__ import annotations

from typing import Any, TypeAlias

from contracts import topology
from contracts.replies import ReplyDeliveredV1, ReplyFailedV1
from contracts.rpc import Caller
from contracts.rpc_ticketing import TicketingMethod, TicketReplying
from servicekit import consuming, rpc
from ticketing.handlers.deps import Deps
from ticketing.usecases import replies

ReplyOutcome: TypeAlias = ReplyDeliveredV1 | ReplyFailedV1


def methods(deps: Deps) -> dict[str, rpc.Method]:
    async def reply(params: TicketReplying, caller: Caller) -> Any:
        return await replies.send_reply(
            store=deps.store,
            publisher=deps.publisher,
            ref=params.ref,
            create=params.reply,
            caller=caller,
            now=deps.clock(),
        )

    return {TicketingMethod.TICKETS_REPLY: rpc.typed(TicketReplying, reply)}


def subscribe(router: consuming.Registrar, deps: Deps) -> None:
    async def on_outcome(event: ReplyOutcome) -> None:
        await replies.record_outcome(
            store=deps.store,
            publisher=deps.publisher,
            event=event,
            master_email=deps.master_email,
            now=deps.clock(),
        )

    contracts: dict[str, type[ReplyOutcome]] = {
        ReplyDeliveredV1.routing_key: ReplyDeliveredV1,
        ReplyFailedV1.routing_key: ReplyFailedV1,
    }
    consuming.consume(
        router, topology.TICKETING_REPLIES, contracts, on_outcome, publisher=deps.publisher
    )
