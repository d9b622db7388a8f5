"""What each network lets an account do to a customer's comment (ticketing.domain.moderation),
refused before anything is asked, and what the interaction shows once the network answered."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import uuid4

import pytest

from contracts.interaction import Author, Channel, Direction, Interaction, Kind
from contracts.moderation import Moderation, ModerationAction
from contracts.tickets import StoredInteraction
from ticketing.domain import moderation

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
HIDE, UNHIDE, DELETE = ModerationAction.HIDE, ModerationAction.UNHIDE, ModerationAction.DELETE


def stored(
    channel: Channel = Channel.FACEBOOK, kind: Kind = Kind.COMMENT, **extra: Any
) -> StoredInteraction:
    direction = extra.pop("direction", Direction.INBOUND)
    return StoredInteraction(
        id=uuid4(),
        ticket_id=uuid4(),
        received_at=NOW,
        interaction=Interaction(
            channel=channel,
            account="acme",
            external_id="c-1",
            kind=kind,
            direction=direction,
            author=Author(id="cust", name="Maria"),
            occurred_at=NOW,
        ),
        **extra,
    )


@pytest.mark.parametrize(
    ("channel", "kind", "action"),
    [
        (Channel.FACEBOOK, Kind.COMMENT, DELETE),
        (Channel.INSTAGRAM, Kind.REPLY, HIDE),
        (Channel.YOUTUBE, Kind.COMMENT, HIDE),
        (Channel.TWITTER, Kind.REPLY, UNHIDE),
    ],
)
def test_what_the_networks_allow(channel: Channel, kind: Kind, action: ModerationAction) -> None:
    moderation.check(stored(channel, kind), action)


@pytest.mark.parametrize(
    ("item", "action", "reason"),
    [
        (stored(Channel.YOUTUBE), DELETE, "YouTube deletes only the channel's own"),
        (stored(Channel.TWITTER, Kind.REPLY), DELETE, "X deletes only the account's own"),
        (stored(Channel.TWITTER, Kind.POST), HIDE, "X hides only replies"),
        (stored(Channel.GOOGLE_BUSINESS, Kind.REVIEW), HIDE, "google_business does not let"),
        (stored(Channel.FACEBOOK, Kind.DIRECT_MESSAGE), HIDE, "only comments"),
        (stored(direction=Direction.OUTBOUND), HIDE, "the brand's own"),
        (stored(removed_at=NOW), HIDE, "already removed"),
        (stored(moderation=Moderation(deleted=True)), UNHIDE, "deleted it already"),
        (stored(moderation=Moderation(pending=HIDE)), DELETE, "already on its way"),
    ],
)
def test_what_they_refuse_is_said(
    item: StoredInteraction, action: ModerationAction, reason: str
) -> None:
    with pytest.raises(moderation.ModerationRefused, match=reason):
        moderation.check(item, action)


def test_the_networks_answer_settles_the_pending_action_once() -> None:
    asked = moderation.pending(stored(), HIDE)
    assert asked.moderation == Moderation(pending=HIDE)
    hidden = moderation.settled(asked, HIDE, at=NOW)
    assert hidden is not None and hidden.moderation == Moderation(hidden=True, at=NOW)
    assert moderation.settled(hidden, HIDE, at=NOW) is None  # a redelivered answer
    refused = moderation.settled(moderation.pending(hidden, UNHIDE), UNHIDE, reason="HTTP 400")
    assert refused is not None and refused.moderation is not None
    assert (refused.moderation.hidden, refused.moderation.reason) == (True, "HTTP 400")
