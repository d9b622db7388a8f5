"""Replies to customers (docs/domain.md F19), as pure rules: which interaction a reply answers,
what the network is asked to do, what it cannot do (refused at once, with the reason), the
outbound interaction that stands for the reply on the ticket, and what becomes of its delivery.
The networks' windows and limits are in CHANNELS.md "Meta" (developers.facebook.com
messenger-platform/send-api-reference, messenger-platform/discovery/private-replies,
instagram-platform/private-replies)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid5

from contracts.interaction import Author, Channel, Direction, Interaction, Kind, Visibility
from contracts.replies import (
    Delivery,
    DeliveryAttempt,
    DeliveryState,
    EmailThreading,
    ReplyMode,
)
from contracts.tickets import HistoryEntry, StoredInteraction
from ticketing.domain import reply_networks
from ticketing.domain.status import Status, TransitionRefused, check_transition
from ticketing.domain.tickets import Change, Outcome, Ticket

MESSAGING_WINDOW = timedelta(hours=24)
"""Messenger and Instagram take a message within 24 h of the customer's last one (standard
messaging; the HUMAN_AGENT tag's 7 days needs app review and is not used)."""
PRIVATE_REPLY_WINDOW = timedelta(days=7)
"""A private reply to a comment is allowed within 7 days of the comment."""

MODES: dict[Channel, frozenset[ReplyMode]] = {
    Channel.FACEBOOK: frozenset(
        {ReplyMode.COMMENT_REPLY, ReplyMode.PRIVATE_REPLY, ReplyMode.DIRECT_MESSAGE}
    ),
    Channel.INSTAGRAM: frozenset(
        {ReplyMode.COMMENT_REPLY, ReplyMode.PRIVATE_REPLY, ReplyMode.DIRECT_MESSAGE}
    ),
    Channel.EMAIL: frozenset({ReplyMode.EMAIL}),
    Channel.TWITTER: frozenset({ReplyMode.COMMENT_REPLY, ReplyMode.DIRECT_MESSAGE}),
    Channel.YOUTUBE: frozenset({ReplyMode.COMMENT_REPLY}),
    Channel.GOOGLE_BUSINESS: frozenset({ReplyMode.COMMENT_REPLY}),
}
"""What each channel's sender can do. A channel missing here has no sender yet: its replies
are refused at once rather than queued for nothing. A new sender adds its channel here and
its module in the ingestor (ingestor/replies/)."""

SENT = "reply_sent"
FAILED = "reply_failed"
UNCERTAIN = "reply_uncertain"
WRITTEN = "reply_written"
ATTEMPT = "reply_attempt"
APPROVED = "reply_approved"
REJECTED = "reply_rejected"
RESUBMITTED = "reply_resubmitted"
EDITED = "reply_edited"
SETTLED = frozenset({SENT, FAILED, UNCERTAIN})
"""History actions: who wrote a reply, who approved, rejected or edited it, who sent it back
for approval (F21), each call to the network, and how it ended."""

OPEN_STATES = frozenset(
    {DeliveryState.PENDING_APPROVAL, DeliveryState.QUEUED, DeliveryState.SENDING}
)


class ReplyRefused(Exception):
    """What the network cannot do, said to the agent (422)."""


def answered(interactions: Sequence[StoredInteraction], wanted: UUID | None) -> StoredInteraction:
    """The interaction a reply answers: the one asked for (it must be the ticket's), else the
    customer's latest on the ticket."""
    if wanted is not None:
        for stored in interactions:
            if stored.id == wanted:
                if stored.interaction.direction is Direction.OUTBOUND:
                    raise ReplyRefused("in_reply_to is one of our own messages, not the customer's")
                return stored
        raise ReplyRefused(f"interaction {wanted} is not on this ticket")
    inbound = [s for s in interactions if s.interaction.direction is Direction.INBOUND]
    if not inbound:
        raise ReplyRefused("the ticket has no message from the customer to answer")
    return max(inbound, key=lambda s: s.interaction.occurred_at)


def mode_for(target: StoredInteraction, *, private: bool) -> ReplyMode:
    interaction = target.interaction
    if interaction.channel is Channel.EMAIL:
        return ReplyMode.EMAIL
    if interaction.kind is Kind.DIRECT_MESSAGE:
        return ReplyMode.DIRECT_MESSAGE
    if private and interaction.channel is Channel.TWITTER:
        return ReplyMode.DIRECT_MESSAGE  # X has no private reply: a DM to the tweet's author
    return ReplyMode.PRIVATE_REPLY if private else ReplyMode.COMMENT_REPLY


def check_account(target: StoredInteraction, account: str, level_accounts: Sequence[str]) -> None:
    """Networks answer a comment or a conversation only from the profile it is on; and the
    account must be one the ticket's level serves (when the level names its accounts)."""
    if level_accounts and account not in level_accounts:
        raise ReplyRefused(f"the ticket's level does not serve account {account!r}")
    if account != target.interaction.account:
        raise ReplyRefused(
            f"account {account!r} cannot send on this conversation: it is on "
            f"{target.interaction.channel.value} account {target.interaction.account!r}"
        )


def check_possible(
    *,
    target: StoredInteraction,
    mode: ReplyMode,
    interactions: Sequence[StoredInteraction],
    now: datetime,
) -> None:
    """Refuse what the network would refuse: a channel without a sender, a removed thread, a
    message outside the window, a second private reply to one comment."""
    interaction = target.interaction
    channel = interaction.channel
    if mode not in MODES.get(channel, frozenset()):
        if channel in reply_networks.NO_SENDER:
            raise ReplyRefused(reply_networks.NO_SENDER[channel])
        if channel not in MODES:
            raise ReplyRefused(f"replies on {channel.value} cannot be sent yet")
        raise ReplyRefused(f"{channel.value} cannot send a {mode.value.replace('_', ' ')}")
    if target.removed_at is not None:
        raise ReplyRefused(
            f"the {interaction.kind.value.replace('_', ' ')} was removed on "
            f"{channel.value}: its thread accepts no replies"
        )
    refusal = reply_networks.check(target, mode, interactions)
    if refusal is not None:
        raise ReplyRefused(refusal)
    if mode is ReplyMode.DIRECT_MESSAGE and channel in (Channel.FACEBOOK, Channel.INSTAGRAM):
        last = _last_from_customer(interactions, interaction.conversation_id)
        if last is None or now - last > MESSAGING_WINDOW:
            raise ReplyRefused(
                f"{channel.value} takes a direct message only within 24 hours of the "
                "customer's last message, and the customer last wrote "
                f"{'never' if last is None else last.isoformat()}"
            )
    if mode is ReplyMode.PRIVATE_REPLY:
        if now - interaction.occurred_at > PRIVATE_REPLY_WINDOW:
            raise ReplyRefused(
                f"{channel.value} takes a private reply only within 7 days of the comment"
            )
        for other in interactions:
            sent = other.interaction
            if (
                other.delivery is not None
                and other.delivery.state not in (DeliveryState.FAILED, DeliveryState.REJECTED)
                and sent.direction is Direction.OUTBOUND
                and sent.visibility is Visibility.PRIVATE
                and sent.parent_id == interaction.external_id
            ):
                raise ReplyRefused(
                    f"{channel.value} takes one private reply per comment, and this comment "
                    "already has one"
                )


def _last_from_customer(
    interactions: Sequence[StoredInteraction], conversation: str
) -> datetime | None:
    times = [
        s.interaction.occurred_at
        for s in interactions
        if s.interaction.direction is Direction.INBOUND
        and s.interaction.conversation_id == conversation
    ]
    return max(times) if times else None


def network_target(target: StoredInteraction, mode: ReplyMode) -> str:
    """What the network's call names: the customer for a direct message, else the item."""
    interaction = target.interaction
    if mode is ReplyMode.DIRECT_MESSAGE:
        return str(interaction.author.id)
    return reply_networks.target_of(target, mode) or str(interaction.external_id)


def email_threading(target: StoredInteraction, ticket_title: str) -> EmailThreading:
    """In-Reply-To the customer's message and References its chain (RFC 5322 3.6.4), so the
    customer's client threads our answer under theirs."""
    interaction = target.interaction
    raw: dict[str, Any] = interaction.raw
    message_id = str(raw.get("message_id") or interaction.external_id)
    if not message_id.startswith("<"):
        message_id = f"<{message_id}>"
    earlier = raw.get("references") or []
    if isinstance(earlier, str):
        earlier = earlier.split()
    subject = str(raw.get("subject") or ticket_title)
    if not subject.lower().startswith("re:"):
        subject = f"Re: {subject}"
    return EmailThreading(
        to=str(raw.get("from_address") or interaction.author.id),
        subject=subject,
        in_reply_to=message_id,
        references=[*[str(r) for r in earlier], message_id],
    )


def reply_interaction(
    *,
    reply_id: UUID,
    target: StoredInteraction,
    mode: ReplyMode,
    account: str,
    author: str,
    text: str,
    now: datetime,
) -> StoredInteraction:
    """The outbound interaction that stands for the reply on the ticket, queued."""
    answered_ = target.interaction
    kind = {
        ReplyMode.COMMENT_REPLY: Kind.REPLY,
        ReplyMode.PRIVATE_REPLY: Kind.DIRECT_MESSAGE,
        ReplyMode.DIRECT_MESSAGE: Kind.DIRECT_MESSAGE,
        ReplyMode.EMAIL: Kind.EMAIL,
    }[mode]
    return StoredInteraction(
        id=reply_id,
        ticket_id=None,
        received_at=now,
        interaction=Interaction(
            channel=answered_.channel,
            account=account,
            external_id=f"reply:{reply_id}",
            thread_id=answered_.conversation_id,
            parent_id=answered_.external_id,
            kind=kind,
            direction=Direction.OUTBOUND,
            visibility=(
                Visibility.PUBLIC if mode is ReplyMode.COMMENT_REPLY else Visibility.PRIVATE
            ),
            author=Author(id=account, name=author),
            text=text,
            occurred_at=now,
        ),
        delivery=Delivery(state=DeliveryState.QUEUED),
    )


def settled(
    stored: StoredInteraction,
    *,
    state: DeliveryState,
    attempts: Sequence[DeliveryAttempt],
    network_id: str | None = None,
    sent_at: datetime | None = None,
    reason: str | None = None,
) -> StoredInteraction | None:
    """The reply with its delivery's outcome; None when it already has one (an event that
    came twice, or an uncertain verdict arriving after the network's answer was recorded)."""
    current = stored.delivery
    if current is not None and current.state not in OPEN_STATES:
        return None
    return stored.model_copy(
        update={
            "delivery": Delivery(
                state=state,
                network_id=network_id,
                sent_at=sent_at,
                reason=reason,
                attempts=len([a for a in attempts if a.outcome != "uncertain"]),
            )
        }
    )


def status_after_sending(ticket: Ticket, wanted: str | None, now: datetime) -> Outcome:
    """The status the agent asked for once the reply is out; a move the status machine does
    not allow (the ticket was closed meanwhile) leaves the ticket as it is."""
    if wanted is None or wanted == ticket.status.value:
        return Outcome(ticket)
    target = Status(wanted)
    try:
        check_transition(ticket.status, target)
    except TransitionRefused:
        return Outcome(ticket)
    return Outcome(
        ticket=_with_status(ticket, target, now),
        changes=[Change("status", ticket.status.value, target.value)],
    )


def _with_status(ticket: Ticket, status: Status, now: datetime) -> Ticket:
    return replace(ticket, status=status, updated_at=now, change_count=ticket.change_count + 1)


AUTO_REPLY_SKIPPED = "auto_reply_skipped"
DEFAULT_AUTO_REPLY_COOLDOWN = timedelta(hours=24)
_RULE_REPLIES = UUID("8a5e2d7c-3b1f-4c69-9d0e-6f2a1b4c7e93")
"""Namespace of the ids of replies made by rules."""


def rule_reply_id(interaction_key: str, rule_id: UUID) -> UUID:
    """One automatic reply per interaction and rule, whatever redelivers the interaction."""
    return uuid5(_RULE_REPLIES, f"{interaction_key}\n{rule_id}")


def automatic_reply_refusal(interaction: Interaction) -> str | None:
    """Why no automatic reply may answer this interaction, so two systems never loop: the
    brand's own messages, and automatic e-mails (RFC 3834 ``Auto-Submitted`` other than
    ``no``, as the e-mail connector keeps it in ``raw``)."""
    if interaction.direction is Direction.OUTBOUND:
        return "the message is the brand's own"
    if interaction.channel is Channel.EMAIL:
        raw = interaction.raw
        found = raw.get("headers")
        headers: dict[str, Any] = found if isinstance(found, dict) else {}
        value = raw.get("auto_submitted") or headers.get("Auto-Submitted") or "no"
        if str(value).strip().lower() != "no":
            return f"the e-mail is automatic (Auto-Submitted: {value})"
    return None


AUTOMATIC_ACTORS = ("rule:", "out_of_hours:")
"""Who writes automatic replies: a rule (``rule:<id>``), a level's out-of-hours message
(``out_of_hours:<level>``)."""
_OUT_OF_HOURS_REPLIES = UUID("3f1c9a52-7d84-4e0b-a6c3-2b9e5d7f1a08")


def out_of_hours_reply_id(interaction_key: str) -> UUID:
    """One out-of-hours reply per interaction, whatever redelivers it."""
    return uuid5(_OUT_OF_HOURS_REPLIES, interaction_key)


def in_cooldown(history: Sequence[HistoryEntry], now: datetime, cooldown: timedelta) -> bool:
    """An automatic reply already answered this conversation (its ticket) within the
    cooldown."""
    return any(
        e.action == WRITTEN and e.actor.startswith(AUTOMATIC_ACTORS) and now - e.at < cooldown
        for e in history
    )
