"""What X, YouTube and Google cannot do with a reply, refused before it is queued, and what
their calls name (ticketing.domain.reply_networks through ticketing.domain.replies)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from contracts.interaction import Author, Channel, Direction, Interaction, Kind
from contracts.replies import Delivery, DeliveryState, ReplyMode
from contracts.tickets import StoredInteraction
from ticketing.domain import replies

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def stored(
    *,
    minutes_ago: float = 10,
    kind: Kind = Kind.COMMENT,
    channel: Channel = Channel.FACEBOOK,
    direction: Direction = Direction.INBOUND,
    **fields: Any,
) -> StoredInteraction:
    extra = {k: fields.pop(k) for k in ("delivery",) if k in fields}
    return StoredInteraction(
        id=uuid4(),
        ticket_id=None,
        received_at=NOW,
        interaction=Interaction(
            channel=channel,
            account="acme",
            external_id=fields.pop("external_id", str(uuid4())),
            thread_id=fields.pop("thread_id", "thread-1"),
            kind=kind,
            direction=direction,
            author=Author(id="cust-1", name="Maria", handle="maria"),
            occurred_at=NOW - timedelta(minutes=minutes_ago),
            **fields,
        ),
        **extra,
    )


def test_an_x_tweet_is_answered_in_public_or_by_dm_to_its_author() -> None:
    tweet = stored(channel=Channel.TWITTER, kind=Kind.POST, external_id="1700")
    assert replies.mode_for(tweet, private=False) is ReplyMode.COMMENT_REPLY
    assert replies.network_target(tweet, ReplyMode.COMMENT_REPLY) == "1700"
    assert replies.mode_for(tweet, private=True) is ReplyMode.DIRECT_MESSAGE
    assert replies.network_target(tweet, ReplyMode.DIRECT_MESSAGE) == "cust-1"


def test_an_x_dm_goes_only_to_a_user_who_wrote_to_the_account_by_dm() -> None:
    tweet = stored(channel=Channel.TWITTER, kind=Kind.POST)
    with pytest.raises(replies.ReplyRefused, match="never written to it by DM"):
        replies.check_possible(
            target=tweet, mode=ReplyMode.DIRECT_MESSAGE, interactions=[tweet], now=NOW
        )
    # No 24-hour window on X: a DM from two days ago still opens the conversation.
    dm = stored(channel=Channel.TWITTER, kind=Kind.DIRECT_MESSAGE, minutes_ago=48 * 60)
    replies.check_possible(
        target=tweet, mode=ReplyMode.DIRECT_MESSAGE, interactions=[tweet, dm], now=NOW
    )


def test_a_youtube_reply_goes_under_the_threads_top_comment_unless_it_takes_no_replies() -> None:
    top = stored(channel=Channel.YOUTUBE, external_id="Ugx1", raw={"thread": "Ugx1"})
    answer = stored(
        channel=Channel.YOUTUBE,
        kind=Kind.REPLY,
        external_id="Ugx1.r2",
        parent_id="Ugx1",
        raw={"thread": "Ugx1", "can_reply": True},
    )
    assert replies.network_target(top, ReplyMode.COMMENT_REPLY) == "Ugx1"
    assert replies.network_target(answer, ReplyMode.COMMENT_REPLY) == "Ugx1"
    closed = stored(channel=Channel.YOUTUBE, raw={"can_reply": False})
    with pytest.raises(replies.ReplyRefused, match="does not accept replies"):
        replies.check_possible(
            target=closed, mode=ReplyMode.COMMENT_REPLY, interactions=[closed], now=NOW
        )
    with pytest.raises(replies.ReplyRefused, match="youtube cannot send a private reply"):
        replies.check_possible(
            target=top, mode=ReplyMode.PRIVATE_REPLY, interactions=[top], now=NOW
        )


def test_a_google_review_takes_one_reply_named_by_the_reviews_full_name() -> None:
    name = "accounts/1/locations/2/reviews/r9"
    review = stored(
        channel=Channel.GOOGLE_BUSINESS,
        kind=Kind.REVIEW,
        external_id="r9",
        thread_id=name,
        raw={"name": name},
    )
    assert replies.network_target(review, ReplyMode.COMMENT_REPLY) == name
    replies.check_possible(
        target=review, mode=ReplyMode.COMMENT_REPLY, interactions=[review], now=NOW
    )
    ours = stored(
        channel=Channel.GOOGLE_BUSINESS,
        kind=Kind.REPLY,
        direction=Direction.OUTBOUND,
        parent_id="r9",
        delivery=Delivery(state=DeliveryState.SENT),
    )
    with pytest.raises(replies.ReplyRefused, match="one reply per review, and a new one replaces"):
        replies.check_possible(
            target=review, mode=ReplyMode.COMMENT_REPLY, interactions=[review, ours], now=NOW
        )
    failed = ours.model_copy(update={"delivery": Delivery(state=DeliveryState.FAILED)})
    replies.check_possible(
        target=review, mode=ReplyMode.COMMENT_REPLY, interactions=[review, failed], now=NOW
    )


def test_reclame_aqui_replies_are_refused_with_the_reason() -> None:
    complaint = stored(channel=Channel.RECLAME_AQUI)
    with pytest.raises(replies.ReplyRefused, match="HugMe answer API is not publicly"):
        replies.check_possible(
            target=complaint, mode=ReplyMode.COMMENT_REPLY, interactions=[complaint], now=NOW
        )
