"""What X, YouTube and Google Business Profile can and cannot do with a reply (CHANNELS.md "X",
"YouTube", "Google Business Profile reviews"), checked before a reply is queued so the agent
hears it at once (422) rather than from a failed delivery later; and what their calls name.
Meta's and e-mail's rules are in ``ticketing.domain.replies``."""

from __future__ import annotations

from collections.abc import Sequence

from contracts.interaction import Channel, Direction, Kind
from contracts.replies import DeliveryState, ReplyMode
from contracts.tickets import StoredInteraction

NO_SENDER: dict[Channel, str] = {
    Channel.LINKEDIN: (
        "replies on linkedin cannot be sent: LinkedIn's comment API (Community Management) "
        "is granted to approved partners only and no documented call is available to us; "
        "answer on LinkedIn itself"
    ),
    Channel.RECLAME_AQUI: (
        "replies on reclame_aqui cannot be sent: the HugMe answer API is not publicly "
        "documented (CHANNELS.md: unconfirmed), so nothing would be posted reliably; answer "
        "on Reclame Aqui itself"
    ),
}
"""Channels with no sender, and why: said when a reply is asked for."""


def check(
    target: StoredInteraction, mode: ReplyMode, interactions: Sequence[StoredInteraction]
) -> str | None:
    """Why the network would refuse this reply, or None."""
    interaction = target.interaction
    channel = interaction.channel
    if channel is Channel.TWITTER and mode is ReplyMode.DIRECT_MESSAGE:
        return _x_direct_message(target, interactions)
    if channel is Channel.YOUTUBE and interaction.raw.get("can_reply") is False:
        return "this YouTube comment thread does not accept replies (canReply is false)"
    if channel is Channel.GOOGLE_BUSINESS:
        if interaction.kind is not Kind.REVIEW:
            return "Google Business Profile replies answer a review"
        for other in interactions:
            sent = other.interaction
            if (
                sent.direction is Direction.OUTBOUND
                and other.delivery is not None
                and other.delivery.state is not DeliveryState.FAILED
                and sent.parent_id == interaction.external_id
            ):
                return (
                    "Google keeps one reply per review, and a new one replaces it: this review "
                    f"already has ours ({other.delivery.state.value}); edit it on Google "
                    "rather than overwrite it unseen"
                )
    return None


def _x_direct_message(
    target: StoredInteraction, interactions: Sequence[StoredInteraction]
) -> str | None:
    """X delivers a DM only to a user who accepts them from this account; a user who wrote to
    it by DM does. A DM about a public tweet to a user who never did would be refused (403)."""
    customer = target.interaction.author.id
    wrote = any(
        s.interaction.kind is Kind.DIRECT_MESSAGE
        and s.interaction.direction is Direction.INBOUND
        and s.interaction.author.id == customer
        and s.interaction.account == target.interaction.account
        for s in interactions
    )
    if wrote:
        return None
    handle = target.interaction.author.handle or customer
    return (
        f"X delivers a direct message only to a user who accepts messages from this account, "
        f"and @{handle} has never written to it by DM: answer in public, or ask them to "
        "send a DM first"
    )


def target_of(target: StoredInteraction, mode: ReplyMode) -> str | None:
    """What this network's call names, where it differs from the answered item's id: a
    YouTube reply goes under the thread's top-level comment, a Google reply to the review's
    full name. None: the general rule applies."""
    interaction = target.interaction
    if interaction.channel is Channel.YOUTUBE and mode is ReplyMode.COMMENT_REPLY:
        if interaction.kind is Kind.REPLY and interaction.parent_id:
            return str(interaction.raw.get("thread") or interaction.parent_id)
        return str(interaction.external_id)
    if interaction.channel is Channel.GOOGLE_BUSINESS:
        return str(interaction.raw.get("name") or interaction.thread_id or interaction.external_id)
    return None


def attachment_refusal(channel: Channel, mode: ReplyMode) -> str | None:
    """Why this reply cannot carry attachments, or None: e-mails carry them, and Messenger
    direct messages upload them to the Send API (``filedata``, one message per file).
    Instagram's messaging API takes media only by a public URL, which the desk does not give
    its files; comments and reviews take text only."""
    if mode is ReplyMode.EMAIL:
        return None
    if mode is ReplyMode.DIRECT_MESSAGE and channel is Channel.FACEBOOK:
        return None
    if mode is ReplyMode.DIRECT_MESSAGE and channel is Channel.INSTAGRAM:
        return (
            "Instagram direct messages take media only from a public URL, and the desk does "
            "not publish its files: send the text, or the file by e-mail or Messenger"
        )
    return (
        "attachments go with e-mails and Messenger direct messages; a "
        f"{channel.value} {mode.value.replace('_', ' ')} takes text only"
    )
