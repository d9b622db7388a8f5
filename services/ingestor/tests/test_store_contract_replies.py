"""What every IngestStore adapter must do for replies: claim each reply once (the claim comes
before the network call, so a second claim means "do not call again"), keep one outcome per
reply in the outbox, and know the network keys of what we posted so echoes are recognised."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

from contracts.replies import ReplyDeliveredV1, ReplyFailedV1
from ingestor.store.port import IngestStore
from servicekit.publishing import OutgoingMessage

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def delivered(reply_id: str, network_id: str = "123_456") -> OutgoingMessage:
    return OutgoingMessage.of(
        ReplyDeliveredV1(reply_id=reply_id, ticket_id=uuid4(), network_id=network_id, sent_at=NOW)
    )


def failed(reply_id: str) -> OutgoingMessage:
    return OutgoingMessage.of(
        ReplyFailedV1(reply_id=reply_id, ticket_id=uuid4(), reason="x", uncertain=True)
    )


async def test_a_reply_is_claimed_once(store: IngestStore) -> None:
    reply = str(uuid4())
    assert (await store.claim_reply(reply, NOW)).new
    again = await store.claim_reply(reply, NOW)
    assert not again.new
    assert not again.settled


async def test_a_claimed_reply_with_an_outcome_is_settled(store: IngestStore) -> None:
    reply = str(uuid4())
    await store.claim_reply(reply, NOW)
    outcome = delivered(reply)
    assert await store.settle_reply(reply, "facebook:123_456", outcome) == [outcome]
    assert (await store.claim_reply(reply, NOW)).settled


async def test_only_the_first_outcome_of_a_reply_is_kept(store: IngestStore) -> None:
    reply = str(uuid4())
    await store.claim_reply(reply, NOW)
    await store.settle_reply(reply, "facebook:1_1", delivered(reply, "1_1"))
    assert await store.settle_reply(reply, None, failed(reply)) == []
    assert await store.our_replies(["facebook:1_1"]) == {"facebook:1_1"}


async def test_the_outcome_waits_in_the_outbox_until_published(store: IngestStore) -> None:
    reply = str(uuid4())
    await store.claim_reply(reply, NOW)
    outcome = delivered(reply)
    await store.settle_reply(reply, "facebook:9", outcome)
    assert (await store.outbox_backlog()).events == 1
    await store.mark_published([outcome.id])
    assert (await store.outbox_backlog()).events == 0


async def test_echoes_are_known_by_the_network_key_of_what_we_posted(store: IngestStore) -> None:
    a, b = str(uuid4()), str(uuid4())
    for reply in (a, b):
        await store.claim_reply(reply, NOW)
    await store.settle_reply(a, "facebook:posted", delivered(a, "posted"))
    await store.settle_reply(b, None, failed(b))
    assert await store.our_replies(["facebook:posted", "facebook:other", "instagram:posted"]) == {
        "facebook:posted"
    }
    assert await store.our_replies([]) == set()
