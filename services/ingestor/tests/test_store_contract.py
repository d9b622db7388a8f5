"""What every IngestStore adapter must do: accept each (channel, external id) once and keep
its ``interaction.received`` event in the outbox until it is published."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from contracts.events import InteractionReceivedV1
from contracts.interaction import Author, Channel, Interaction, Kind
from ingestor.store.port import IngestStore
from servicekit.clock import ManualClock
from servicekit.outbox import Backlog
from servicekit.publishing import OutgoingMessage


def received(external_id: str) -> tuple[str, OutgoingMessage]:
    interaction = Interaction(
        channel=Channel.FACEBOOK,
        account="acme-page",
        external_id=external_id,
        kind=Kind.COMMENT,
        author=Author(id="user-1", name="Maria Souza"),
        text="Where is my order?",
        occurred_at=datetime(2026, 3, 10, 12, 0, tzinfo=UTC),
    )
    event = InteractionReceivedV1(interaction=interaction, correlation_id=uuid4())
    return interaction.key, OutgoingMessage.of(event)


async def claim_all(
    store: IngestStore, clock: ManualClock, *, lease_seconds: float = 60
) -> list[OutgoingMessage]:
    """Everything accepted so far. Moves the clock a few milliseconds first: "older than 0
    seconds" is only certain once it is past the accept (BSON dates keep milliseconds)."""
    clock.advance(0.005)
    return list(
        await store.claim_unpublished(older_than_seconds=0, lease_seconds=lease_seconds, limit=100)
    )


async def test_an_open_store_answers_the_health_check(store: IngestStore) -> None:
    await store.ping()


async def test_accept_returns_only_new_keys_including_duplicates_within_a_batch(
    store: IngestStore,
) -> None:
    a, b, a_again, c = received("a"), received("b"), received("a"), received("c")
    assert await store.accept([a, b, a_again, c]) == [a[1], b[1], c[1]]


async def test_keys_accepted_earlier_are_refused_in_a_later_batch(store: IngestStore) -> None:
    a, b = received("a"), received("b")
    await store.accept([a])
    assert await store.accept([received("a"), b]) == [b[1]]


async def test_empty_batch_accepts_nothing(store: IngestStore) -> None:
    assert await store.accept([]) == []


async def test_keys_still_in_the_outbox_are_told_apart_from_published_ones(
    store: IngestStore,
) -> None:
    (a_key, a), (b_key, b) = ("facebook:a", received("a")[1]), ("facebook:b", received("b")[1])
    await store.accept([(a_key, a), (b_key, b)])
    await store.mark_published([a.id])
    assert await store.unpublished_keys([a_key, b_key, b_key, "facebook:never"]) == {b_key}
    assert await store.unpublished_keys([]) == set()


async def test_a_key_accepted_through_one_replica_is_refused_by_another(backend: Any) -> None:
    first, second = await backend.open(), await backend.open()
    a = received("a")
    await first.accept([a])
    assert await second.accept([received("a")]) == []


async def test_claimed_message_is_the_accepted_event(
    store: IngestStore, clock: ManualClock
) -> None:
    _, message = received("a")
    await store.accept([("facebook:a", message)])
    assert await claim_all(store, clock) == [message]


async def test_outbox_events_are_claimed_once_until_their_lease_expires(
    store: IngestStore, clock: ManualClock
) -> None:
    _, message = received("a")
    await store.accept([("facebook:a", message)])
    assert await claim_all(store, clock, lease_seconds=0.5) == [message]
    assert await claim_all(store, clock, lease_seconds=0.5) == []
    clock.advance(0.6)
    assert await claim_all(store, clock) == [message]


async def test_a_replica_does_not_claim_events_leased_by_another(
    backend: Any, clock: ManualClock
) -> None:
    first, second = await backend.open(), await backend.open()
    await first.accept([received(f"x{i}") for i in range(4)])
    claims = await asyncio.gather(claim_all(first, clock), claim_all(second, clock))
    ids = [m.id for claim in claims for m in claim]
    assert len(ids) == 4
    assert len(set(ids)) == 4


async def test_published_events_are_not_claimed_again(
    store: IngestStore, clock: ManualClock
) -> None:
    (_, a), (_, b) = batch = [received("a"), received("b")]
    await store.accept(batch)
    await store.mark_published([a.id])
    assert await claim_all(store, clock, lease_seconds=0) == [b]
    await store.mark_published([b.id])
    assert await claim_all(store, clock) == []


async def test_recent_events_are_left_to_the_fast_path(store: IngestStore) -> None:
    await store.accept([received("a")])
    assert await store.claim_unpublished(older_than_seconds=60, lease_seconds=60, limit=10) == []


async def test_claim_returns_at_most_limit_events_oldest_first(
    store: IngestStore, clock: ManualClock
) -> None:
    batches = []
    for name in ("a", "b", "c"):
        batches.append(received(name))
        await store.accept([batches[-1]])
        clock.advance(0.01)
    claimed = await store.claim_unpublished(older_than_seconds=0, lease_seconds=60, limit=2)
    assert list(claimed) == [batches[0][1], batches[1][1]]


async def test_a_published_event_keeps_only_its_key_and_a_redelivery_is_still_refused(
    store: IngestStore,
) -> None:
    key, message = received("a")
    await store.accept([(key, message)])
    await store.mark_published([message.id])
    assert await store.body_of(key) is None
    assert await store.accept([received("a")]) == []


async def test_an_unpublished_event_keeps_its_body_until_it_is_published(
    store: IngestStore, clock: ManualClock
) -> None:
    (_, a), (key_b, b) = batch = [received("a"), received("b")]
    await store.accept(batch)
    await store.mark_published([a.id])
    assert await store.body_of(key_b) == b.body
    assert await claim_all(store, clock) == [b]
    await store.mark_published([b.id])
    assert await store.body_of(key_b) is None
    assert await store.accept([received("a"), received("b")]) == []


async def test_forgetting_old_keys_spares_recent_and_unpublished_ones(
    store: IngestStore, clock: ManualClock
) -> None:
    (key_a, a), (key_b, b) = [received("a"), received("b")]
    await store.accept([(key_a, a), (key_b, b)])
    await store.mark_published([a.id])
    assert await store.forget_published(before=clock() - timedelta(hours=1)) == 0
    assert await store.accept([received("a")]) == []
    clock.advance(0.005)
    assert await store.forget_published(before=clock()) == 1
    assert await store.body_of(key_b) == b.body
    again = received("a")
    assert await store.accept([again]) == [again[1]]
    assert await store.accept([received("b")]) == []


async def test_the_outbox_backlog_counts_unpublished_events_and_ages_the_oldest(
    store: IngestStore, clock: ManualClock
) -> None:
    assert await store.outbox_backlog() == Backlog()
    (_, a), (_, b) = first, second = received("a"), received("b")
    await store.accept([first])
    clock.advance(30)
    await store.accept([second])
    clock.advance(10)
    backlog = await store.outbox_backlog()
    assert backlog.events == 2
    assert backlog.oldest_age_seconds == pytest.approx(40, abs=0.01)
    await store.mark_published([a.id])
    backlog = await store.outbox_backlog()
    assert backlog.events == 1
    assert backlog.oldest_age_seconds == pytest.approx(10, abs=0.01)
    await store.mark_published([b.id])
    assert await store.outbox_backlog() == Backlog()
