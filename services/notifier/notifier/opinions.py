"""Opinion requests on the notifier's side: keep the request and mail its link; show the
shared ticket to whoever holds a valid link; take the one answer and announce it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID, uuid5

from contracts.opinions import (
    OpinionAnswer,
    OpinionReceivedV1,
    OpinionRequestedV1,
    OpinionUndeliverableV1,
)
from contracts.rpc_notifier import OpinionSent, OpinionShared
from notifier import compose
from notifier.domain import links
from notifier.sending import DEFAULT_POLICY, ClaimPolicy, Mailer, send_once
from notifier.store.port import Answered, NotifierStore, OpinionRequest
from servicekit.outbox import publish_and_mark
from servicekit.publishing import EventPublisher, OutgoingMessage

UNDELIVERABLE = UUID("0b5f3a52-2f1e-4c53-9d7e-6f1a8c2b9e41")
"""Namespace of the ids of OpinionUndeliverableV1 events (one per request)."""


class AlreadyAnswered(links.LinkRefused):
    """The link was used: it gives no further access to the ticket."""


def opinion_link(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/v1/opinions/{token}"


def _shared(event: OpinionRequestedV1) -> dict[str, Any]:
    """What the link shows: the request without the attachments' bytes."""
    shared = event.model_dump(mode="json", exclude={"attachments"})
    shared["attachments"] = [
        {"filename": a.filename, "content_type": a.content_type, "size": a.size}
        for a in event.attachments
    ]
    return shared


async def share(
    *,
    store: NotifierStore,
    mailer: Mailer,
    publisher: EventPublisher,
    event: OpinionRequestedV1,
    secret: str,
    ttl_hours: float,
    public_url: str,
    language: str,
    policy: ClaimPolicy = DEFAULT_POLICY,
) -> None:
    """Keep the request and mail the collaborator the link, once. The link's expiry counts
    from when the agent asked, and a redelivered request mails the same link."""
    stored = await store.save_opinion_request(
        OpinionRequest(
            request_id=event.request_id,
            ticket_id=event.ticket.id,
            email=event.collaborator_email,
            expires_at=event.occurred_at + timedelta(hours=ttl_hours),
            shared=_shared(event),
        )
    )
    token = links.issue(
        secret, links.LinkGrant(stored.request_id, stored.ticket_id, stored.expires_at)
    )
    mail = compose.opinion_request_mail(
        event,
        link=opinion_link(public_url, token),
        expires_at=stored.expires_at,
        language=language,
    )
    await send_once(log_store=store, mailer=mailer, mails=[mail], policy=policy)
    if await store.outcome(mail.event_id, mail.recipient) == "refused":
        # Nobody will answer: say so, or the ticket would wait for this opinion forever.
        # Published on every redelivery until it is confirmed; the id makes repeats
        # duplicates.
        await publisher.publish(
            OpinionUndeliverableV1(
                **event.caused(),
                id=uuid5(UNDELIVERABLE, str(stored.request_id)),
                request_id=stored.request_id,
                ticket_id=stored.ticket_id,
                collaborator_email=stored.email,
                reason="the collaborator's mail server refused the address",
            )
        )


async def _open(store: NotifierStore, secret: str, token: str, now: datetime) -> OpinionRequest:
    grant = links.verify(secret, token, now=now)
    request = await store.get_opinion_request(grant.request_id)
    if request is None or request.ticket_id != grant.ticket_id:
        raise links.LinkInvalid("This link is not valid.")
    if request.answered_at is not None:
        raise AlreadyAnswered(_answered_message(request.answered_at))
    return request


def _answered_message(answered_at: datetime) -> str:
    return (
        f"Your opinion was sent on {answered_at:%Y-%m-%d %H:%M} UTC. Thank you; this link "
        "no longer opens the ticket."
    )


async def view(*, store: NotifierStore, secret: str, token: str, now: datetime) -> OpinionShared:
    """The shared ticket, or LinkRefused saying why not (revealing nothing of the ticket)."""
    request = await _open(store, secret, token, now)
    return OpinionShared.model_validate({**request.shared, "expires_at": request.expires_at})


async def answer(
    *,
    store: NotifierStore,
    publisher: EventPublisher,
    secret: str,
    token: str,
    reply: OpinionAnswer,
    now: datetime,
) -> OpinionSent:
    """Record the one answer and announce it (through the store's outbox, so a broker
    outage after the answer was taken loses nothing)."""
    request = await _open(store, secret, token, now)
    received = OpinionReceivedV1(
        request_id=request.request_id,
        ticket_id=request.ticket_id,
        collaborator_email=request.email,
        text=reply.text,
        attachment=reply.attachment.to_attachment() if reply.attachment else None,
        answered_at=now,
    )
    message = OutgoingMessage.of(received)
    outcome = await store.answer_opinion_request(
        request.request_id, answered_at=now, announce=message
    )
    if outcome is Answered.BEFORE:  # another answer won the race
        won = await store.get_opinion_request(request.request_id)
        raise AlreadyAnswered(
            _answered_message(won.answered_at if won and won.answered_at else now)
        )
    if outcome is Answered.MISSING:
        raise links.LinkInvalid("This link is not valid.")
    await publish_and_mark(store, publisher, [message])
    return OpinionSent(answered_at=now)
