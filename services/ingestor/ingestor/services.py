"""Use cases of the ingestor."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from contracts.events import InteractionReceivedV1
from contracts.interaction import Interaction
from ingestor.store.port import IngestStore
from servicekit.clock import Clock, system_clock
from servicekit.outbox import Outbox
from servicekit.publishing import EventPublisher, OutgoingMessage


@dataclass(frozen=True)
class IngestResult:
    accepted: int
    """New, and confirmed by RabbitMQ."""
    duplicates: int
    """Seen before and already confirmed: nothing to do."""
    pending: int = 0
    """Seen before (a retry) but still only in the outbox, e.g. accepted during a broker
    outage: the relay publishes them once RabbitMQ is back."""


async def ingest(
    *, store: IngestStore, publisher: EventPublisher, interactions: Sequence[Interaction]
) -> IngestResult:
    """Accept the interactions never seen before and publish them, returning only after
    RabbitMQ confirmed every publish. If publishing fails the accepted rows stay in the outbox
    (the relay publishes them later) and the error propagates so the caller can say so."""
    received = [
        (interaction.key, OutgoingMessage.of(InteractionReceivedV1(interaction=interaction)))
        for interaction in interactions
    ]
    accepted = await store.accept(received)
    if accepted:
        await publisher.publish_all(accepted)
        outbox: Outbox = store
        await outbox.mark_published([message.id for message in accepted])
    # Asked after this batch's own events are confirmed, so a key repeated within the batch
    # counts as a duplicate, not as pending.
    new = {message.id for message in accepted}
    repeated = [key for key, message in received if message.id not in new]
    waiting = await store.unpublished_keys(repeated) if repeated else set()
    pending = sum(1 for key in repeated if key in waiting)
    return IngestResult(accepted=len(accepted), duplicates=len(repeated) - pending, pending=pending)


async def forget_old_keys(
    *, store: IngestStore, keep_days: float, clock: Clock = system_clock
) -> int:
    """Forget the de-duplication keys published more than ``keep_days`` ago."""
    return await store.forget_published(before=clock() - timedelta(days=keep_days))


async def forget_old_deliveries(
    *, store: IngestStore, keep_days: float, clock: Clock = system_clock
) -> int:
    """Forget the raw webhook deliveries received more than ``keep_days`` ago, and the
    threads remembered as long ago (ingestor.deliveries.rethread)."""
    before = clock() - timedelta(days=keep_days)
    await store.forget_threads(before=before)
    return await store.forget_deliveries(before=before)
