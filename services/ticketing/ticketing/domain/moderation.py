"""Moderating a customer's content on its network (docs/domain.md F23), as pure rules: what
each network lets a page or channel do to a comment it did not write (CHANNELS.md; Meta
pages/publishing and instagram-platform/comment-moderation, YouTube comments/
setModerationStatus, X hide replies), refused at once with the reason; and what the
interaction shows once the network answered."""

from __future__ import annotations

from datetime import datetime

from contracts.interaction import Channel, Direction, Kind
from contracts.moderation import Moderation, ModerationAction
from contracts.tickets import StoredInteraction

HIDE_UNHIDE = frozenset({ModerationAction.HIDE, ModerationAction.UNHIDE})
ALLOWED: dict[Channel, frozenset[ModerationAction]] = {
    Channel.FACEBOOK: frozenset(ModerationAction),
    Channel.INSTAGRAM: frozenset(ModerationAction),
    Channel.YOUTUBE: HIDE_UNHIDE,
    Channel.TWITTER: HIDE_UNHIDE,
}
"""Facebook and Instagram hide, unhide and delete comments on the account's content; YouTube
holds a comment back (``rejected``) or publishes it again, and deletes only the channel's own;
X hides and unhides replies to the account's tweets, and deletes only its own tweets."""

WHY_NOT: dict[tuple[Channel, ModerationAction], str] = {
    (Channel.YOUTUBE, ModerationAction.DELETE): (
        "YouTube deletes only the channel's own comments: hide this one instead (it is held "
        "back from the public, setModerationStatus rejected)"
    ),
    (Channel.TWITTER, ModerationAction.DELETE): (
        "X deletes only the account's own tweets: hide this reply instead"
    ),
}

REQUESTED = "moderation_requested"
DONE = "moderation_done"
FAILED = "moderation_failed"
"""History actions."""


class ModerationRefused(Exception):
    """What the network does not allow, said to the agent (422)."""


def check(stored: StoredInteraction, action: ModerationAction) -> None:
    interaction = stored.interaction
    channel = interaction.channel
    if action not in ALLOWED.get(channel, frozenset()):
        reason = WHY_NOT.get((channel, action))
        raise ModerationRefused(
            reason or f"{channel.value} does not let an account {action.value} its content"
        )
    if interaction.direction is Direction.OUTBOUND:
        raise ModerationRefused("this is the brand's own message: moderation is for customers'")
    if channel is Channel.TWITTER and interaction.kind is not Kind.REPLY:
        raise ModerationRefused("X hides only replies to the account's tweets")
    if interaction.kind not in (Kind.COMMENT, Kind.REPLY):
        raise ModerationRefused(
            f"only comments can be moderated, and this is a {interaction.kind.value}"
        )
    if stored.removed_at is not None:
        raise ModerationRefused(f"it was already removed on {channel.value}")
    current = stored.moderation or Moderation()
    if current.deleted:
        raise ModerationRefused("we deleted it already")
    if current.pending is not None:
        raise ModerationRefused(
            f"a {current.pending.value} is already on its way to {channel.value}"
        )


def pending(stored: StoredInteraction, action: ModerationAction) -> StoredInteraction:
    current = stored.moderation or Moderation()
    return stored.model_copy(
        update={"moderation": current.model_copy(update={"pending": action, "reason": None})}
    )


def settled(
    stored: StoredInteraction,
    action: ModerationAction,
    *,
    at: datetime | None = None,
    reason: str | None = None,
) -> StoredInteraction | None:
    """The interaction once the network answered (``reason``: it refused); None when that
    answer is already recorded (a redelivered event)."""
    current = stored.moderation or Moderation()
    if current.pending is not action:
        return None
    if reason is not None:
        after = current.model_copy(update={"pending": None, "reason": reason})
    else:
        after = Moderation(
            hidden=action is ModerationAction.HIDE,
            deleted=action is ModerationAction.DELETE,
            at=at,
        )
    return stored.model_copy(update={"moderation": after})
