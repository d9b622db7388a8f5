"""The triaged-interaction consumer: each interaction the rules triaged goes onto its ticket."""

from __future__ import annotations

from contracts import topology
from contracts.events import InteractionTriagedV1
from servicekit import consuming
from ticketing.handlers.deps import Deps
from ticketing.usecases import triage


def subscribe(router: consuming.Registrar, deps: Deps) -> None:
    async def on_triaged(event: InteractionTriagedV1) -> None:
        await triage.handle_triaged(
            store=deps.store,
            publisher=deps.publisher,
            scale=deps.scale,
            locks=deps.locks,
            event=event,
            now=deps.clock(),
            auto_reply_cooldown=deps.auto_reply_cooldown,
        )

    consuming.consume(
        router,
        topology.TICKETING_INTERACTIONS,
        InteractionTriagedV1,
        on_triaged,
        publisher=deps.publisher,
    )
