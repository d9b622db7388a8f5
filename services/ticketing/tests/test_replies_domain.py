"""The rules of replies (ticketing.domain.replies): what a reply answers, and what the
networks cannot do, refused before anything is queued."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from contracts.interaction import Author, Channel, Direction, Interaction, Kind, Visibility
from contracts.replies import DeliveryAttempt, DeliveryState, ReplyMode
from contracts.tickets import HistoryEntry, StoredInteraction
from ticketing.domain import replies
from ticketing.domain.status import Status
from ticketing.domain.tickets import Ticket

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def stored(
    *,
    minutes_ago: float = 10,
    kind: Kind = Kind.COMMENT,
    channel: Channel = Channel.FACEBOOK,
    direction: Direction = Direction.INBOUND,
    **fields: Any,
) -> StoredInteraction:
    extra = {k: fields.pop(k) for k in ("removed_at", "delivery") if k in fields}
    return StoredInteraction(
        id=uuid4(),
        ticket_id=None,
        received_at=NOW,
        interaction=Interaction(
            channel=channel,
            account=fields.pop("account", "acme-page"),
            external_id=fields.pop("external_id", str(uuid4())),
            thread_id=fields.pop("thread_id", "post-1"),
            kind=kind,
            direction=direction,
            author=Author(id="cust-1", name="Maria"),
            occurred_at=NOW - timedelta(minutes=minutes_ago),
            **fields,
        ),
        **extra,
    )


def test_a_reply_answers_the_customers_latest_message_by_default() -> None:
    older, latest = stored(minutes_ago=30), stored(minutes_ago=5)
    ours = stored(minutes_ago=1, direction=Direction.OUTBOUND)
    assert replies.answered([older, latest, ours], None) == latest


def test_a_named_interaction_must_be_the_customers_and_on_the_ticket() -> None:
    customer, ours = stored(), stored(direction=Direction.OUTBOUND)
    assert replies.answered([customer, ours], customer.id) == customer
    with pytest.raises(replies.ReplyRefused, match="our own"):
        replies.answered([customer, ours], ours.id)
    with pytest.raises(replies.ReplyRefused, match="not on this ticket"):
        replies.answered([customer], uuid4())


@pytest.mark.parametrize(
    ("kind", "channel", "private", "mode"),
    [
        (Kind.COMMENT, Channel.FACEBOOK, False, ReplyMode.COMMENT_REPLY),
        (Kind.COMMENT, Channel.INSTAGRAM, True, ReplyMode.PRIVATE_REPLY),
        (Kind.DIRECT_MESSAGE, Channel.FACEBOOK, False, ReplyMode.DIRECT_MESSAGE),
        (Kind.EMAIL, Channel.EMAIL, False, ReplyMode.EMAIL),
    ],
)
def test_the_network_call_follows_the_answered_kind(
    kind: Kind, channel: Channel, private: bool, mode: ReplyMode
) -> None:
    assert replies.mode_for(stored(kind=kind, channel=channel), private=private) is mode


def test_the_account_must_be_the_conversations_and_served_by_the_level() -> None:
    target = stored(account="acme-page")
    replies.check_account(target, "acme-page", ["acme-page"])
    replies.check_account(target, "acme-page", [])
    with pytest.raises(replies.ReplyRefused, match="does not serve"):
        replies.check_account(target, "acme-page", ["other"])
    with pytest.raises(replies.ReplyRefused, match="cannot send on this conversation"):
        replies.check_account(target, "other-page", ["acme-page", "other-page"])


def test_a_direct_message_is_refused_24_hours_after_the_customers_last_message() -> None:
    dm = stored(kind=Kind.DIRECT_MESSAGE, thread_id="dm:1:c", minutes_ago=24 * 60 + 1)
    with pytest.raises(replies.ReplyRefused, match="within 24 hours"):
        replies.check_possible(target=dm, mode=ReplyMode.DIRECT_MESSAGE, interactions=[dm], now=NOW)
    fresh = stored(kind=Kind.DIRECT_MESSAGE, thread_id="dm:1:c", minutes_ago=60)
    replies.check_possible(
        target=dm, mode=ReplyMode.DIRECT_MESSAGE, interactions=[dm, fresh], now=NOW
    )


def test_a_comment_takes_one_private_reply_unless_the_first_failed() -> None:
    target = stored(external_id="c-1")
    sent = stored(
        direction=Direction.OUTBOUND,
        kind=Kind.DIRECT_MESSAGE,
        visibility=Visibility.PRIVATE,
        parent_id="c-1",
        delivery={"state": "sent"},
    )
    failed = sent.model_copy(
        update={"delivery": sent.delivery.model_copy(update={"state": DeliveryState.FAILED})}
    )  # type: ignore[union-attr]
    replies.check_possible(
        target=target, mode=ReplyMode.PRIVATE_REPLY, interactions=[target, failed], now=NOW
    )
    with pytest.raises(replies.ReplyRefused, match="one private reply per comment"):
        replies.check_possible(
            target=target, mode=ReplyMode.PRIVATE_REPLY, interactions=[target, sent], now=NOW
        )


def test_a_private_reply_is_refused_a_week_after_the_comment() -> None:
    old = stored(minutes_ago=8 * 24 * 60)
    with pytest.raises(replies.ReplyRefused, match="within 7 days"):
        replies.check_possible(
            target=old, mode=ReplyMode.PRIVATE_REPLY, interactions=[old], now=NOW
        )


def test_a_removed_comment_and_a_channel_without_sender_are_refused() -> None:
    removed = stored(removed_at=NOW)
    with pytest.raises(replies.ReplyRefused, match="accepts no replies"):
        replies.check_possible(
            target=removed, mode=ReplyMode.COMMENT_REPLY, interactions=[removed], now=NOW
        )
    linkedin = stored(channel=Channel.LINKEDIN)
    with pytest.raises(replies.ReplyRefused, match="linkedin cannot be sent: LinkedIn's"):
        replies.check_possible(
            target=linkedin, mode=ReplyMode.COMMENT_REPLY, interactions=[linkedin], now=NOW
        )


def test_an_email_reply_threads_under_the_customers_message() -> None:
    mail = stored(
        kind=Kind.EMAIL,
        channel=Channel.EMAIL,
        external_id="<m2@example.com>",
        raw={"subject": "Pedido 123", "references": "<m1@example.com>"},
    )
    threading = replies.email_threading(mail, "fallback")
    assert threading.subject == "Re: Pedido 123"
    assert threading.in_reply_to == "<m2@example.com>"
    assert threading.references == ["<m1@example.com>", "<m2@example.com>"]
    assert threading.to == "cust-1"


def test_an_outcome_settles_a_queued_reply_once() -> None:
    reply = replies.reply_interaction(
        reply_id=uuid4(),
        target=stored(),
        mode=ReplyMode.COMMENT_REPLY,
        account="acme-page",
        author="agent:ana",
        text="Olá",
        now=NOW,
    )
    assert reply.delivery is not None and reply.delivery.state is DeliveryState.QUEUED
    attempt = DeliveryAttempt(at=NOW, outcome="sent")
    sent = replies.settled(
        reply, state=DeliveryState.SENT, attempts=[attempt], network_id="1_2", sent_at=NOW
    )
    assert sent is not None and sent.delivery is not None
    assert (sent.delivery.state, sent.delivery.network_id, sent.delivery.attempts) == (
        DeliveryState.SENT,
        "1_2",
        1,
    )
    assert replies.settled(sent, state=DeliveryState.UNCERTAIN, attempts=[]) is None


def test_the_status_asked_for_applies_once_sent_when_the_machine_allows_it() -> None:
    ticket = Ticket(
        id=uuid4(),
        title="t",
        status=Status.OPEN,
        priority="medium",
        level=None,
        assignee=None,
        tags=(),
        channel="facebook",
        account="acme-page",
        thread_key="k",
        opened_by="system",
        opened_at=NOW,
        updated_at=NOW,
    )
    assert replies.status_after_sending(ticket, "pending", NOW).ticket.status is Status.PENDING
    assert replies.status_after_sending(ticket, None, NOW).ticket is ticket
    closed = replies.status_after_sending(
        Ticket(**{**ticket.__dict__, "status": Status.CLOSED}), "pending", NOW
    )
    assert closed.ticket.status is Status.CLOSED and not closed.changes


def test_no_automatic_reply_to_the_brands_own_messages_or_to_automatic_mail() -> None:
    assert replies.automatic_reply_refusal(stored(direction=Direction.OUTBOUND).interaction)
    automatic = stored(
        kind=Kind.EMAIL, channel=Channel.EMAIL, raw={"auto_submitted": "auto-replied"}
    )
    assert "Auto-Submitted" in (replies.automatic_reply_refusal(automatic.interaction) or "")
    generated = {"headers": {"Auto-Submitted": "auto-generated"}}
    headers = stored(kind=Kind.EMAIL, channel=Channel.EMAIL, raw=generated)
    assert replies.automatic_reply_refusal(headers.interaction)
    person = stored(kind=Kind.EMAIL, channel=Channel.EMAIL, raw={"auto_submitted": "no"})
    assert replies.automatic_reply_refusal(person.interaction) is None
    assert replies.automatic_reply_refusal(stored().interaction) is None


def test_one_automatic_reply_per_conversation_within_the_cooldown() -> None:
    def written(actor: str, hours_ago: float) -> HistoryEntry:
        return HistoryEntry(
            id=uuid4(),
            ticket_id=uuid4(),
            at=NOW - timedelta(hours=hours_ago),
            actor=actor,
            action=replies.WRITTEN,
        )

    day = timedelta(hours=24)
    assert replies.in_cooldown([written("rule:1", 23)], NOW, day)
    assert not replies.in_cooldown([written("rule:1", 25)], NOW, day)
    assert not replies.in_cooldown([written("agent:ana", 1)], NOW, day)
    key, rule = "facebook:c1", uuid4()
    assert replies.rule_reply_id(key, rule) == replies.rule_reply_id(key, rule)
    assert replies.rule_reply_id(key, rule) != replies.rule_reply_id("facebook:c2", rule)
