"""Moderation: the request/reply method an agent's hide, unhide or delete arrives by, and the
consumer of what the network made of it (``moderation.done.v1``, ``moderation.failed.v1``)."""

from __future__ import annotations

from typing import Any, TypeAlias

from contracts import topology
from contracts.moderation import ModerationDoneV1, ModerationFailedV1
from contracts.rpc import Caller
from contracts.rpc_ticketing import InteractionModerating, TicketingMethod
from servicekit import consuming, rpc
from ticketing.handlers.deps import Deps
from ticketing.usecases import moderation

ModerationOutcome: TypeAlias = ModerationDoneV1 | ModerationFailedV1


def methods(deps: Deps) -> dict[str, rpc.Method]:
    async def moderate(params: InteractionModerating, caller: Caller) -> Any:
        return await moderation.moderate(
            store=deps.store,
            publisher=deps.publisher,
            interaction=params.id,
            action=params.action,
            caller=caller,
            now=deps.clock(),
        )

    return {TicketingMethod.INTERACTIONS_MODERATE: rpc.typed(InteractionModerating, moderate)}


def subscribe(router: consuming.Registrar, deps: Deps) -> None:
    async def on_outcome(event: ModerationOutcome) -> None:
        await moderation.record_outcome(
            store=deps.store, publisher=deps.publisher, event=event, now=deps.clock()
        )

    contracts: dict[str, type[ModerationOutcome]] = {
        ModerationDoneV1.routing_key: ModerationDoneV1,
        ModerationFailedV1.routing_key: ModerationFailedV1,
    }
    consuming.consume(
        router, topology.TICKETING_MODERATION, contracts, on_outcome, publisher=deps.publisher
    )
