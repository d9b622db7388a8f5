"""The consumer of edits and removals made on the networks (``interaction.changed.v1``)."""

from __future__ import annotations

from contracts import topology
from contracts.events import InteractionChangedV1
from servicekit import consuming
from ticketing.handlers.deps import Deps
from ticketing.usecases import network_changes


def subscribe(router: consuming.Registrar, deps: Deps) -> None:
    async def on_change(event: InteractionChangedV1) -> None:
        await network_changes.apply_change(
            store=deps.store, publisher=deps.publisher, event=event, now=deps.clock()
        )

    consuming.consume(
        router,
        topology.TICKETING_CHANGES,
        {InteractionChangedV1.routing_key: InteractionChangedV1},
        on_change,
        publisher=deps.publisher,
    )
