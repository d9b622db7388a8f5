"""The consumer of what became of opinion requests: a collaborator's answer, or a request
that could not be delivered."""

from __future__ import annotations

from typing import TypeAlias

from contracts import topology
from contracts.opinions import OpinionReceivedV1, OpinionUndeliverableV1
from servicekit import consuming
from ticketing.handlers.deps import Deps
from ticketing.usecases import opinions

OpinionOutcome: TypeAlias = OpinionReceivedV1 | OpinionUndeliverableV1


def subscribe(router: consuming.Registrar, deps: Deps) -> None:
    async def on_opinion_event(event: OpinionOutcome) -> None:
        if isinstance(event, OpinionReceivedV1):
            await opinions.receive_opinion(
                store=deps.store,
                publisher=deps.publisher,
                event=event,
                master_email=deps.master_email,
                now=deps.clock(),
            )
        else:
            await opinions.record_undeliverable(
                store=deps.store, publisher=deps.publisher, event=event, now=deps.clock()
            )

    contracts: dict[str, type[OpinionOutcome]] = {
        OpinionReceivedV1.routing_key: OpinionReceivedV1,
        OpinionUndeliverableV1.routing_key: OpinionUndeliverableV1,
    }
    consuming.consume(
        router, topology.TICKETING_OPINIONS, contracts, on_opinion_event, publisher=deps.publisher
    )
