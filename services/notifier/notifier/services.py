"""Notifier use cases."""

from __future__ import annotations

import logging
from typing import Protocol

from contracts.events import NotificationRequestedV1
from notifier.mail import Mail, RecipientRefused
from notifier.store.port import Claim, MailLog

log = logging.getLogger(__name__)

SEND_LEASE_SECONDS = 120


class Mailer(Protocol):
    async def send(self, mail: Mail) -> None: ...


class MailsPending(Exception):
    """Some recipients could not be served yet; the event is retried for them only."""


def alert_mails(event: NotificationRequestedV1, public_url: str) -> list[Mail]:
    ticket = event.ticket
    opened = event.ticket_opened
    verb = "New ticket" if opened else "Activity on ticket"
    context = {
        "opened": opened,
        "ticket": ticket.model_dump(mode="json"),
        "matched": [m.model_dump(mode="json") for m in event.matched],
        "link": f"{public_url.rstrip('/')}/v1/tickets/{ticket.protocol}",
    }
    subject = f"[Socialdesk] {verb} {ticket.protocol} ({ticket.priority}): {ticket.title}"
    return [
        Mail(
            recipient=r,
            subject=subject[:200],
            template="ticket_alert",
            context=context,
            event_id=event.id,
        )
        for r in event.recipients
    ]


async def send_once(*, log_store: MailLog, mailer: Mailer, mails: list[Mail]) -> None:
    """Send each mail unless it was sent for this event before. One recipient's failure
    does not hold back the others; transient failures make the whole event retry, and the
    mails already sent are skipped then."""
    pending = []
    for mail in mails:
        claim = await log_store.claim(
            mail.event_id, mail.recipient, lease_seconds=SEND_LEASE_SECONDS
        )
        if claim is Claim.DONE:
            continue
        if claim is Claim.BUSY:
            pending.append(f"{mail.recipient}: being sent by another replica")
            continue
        try:
            await mailer.send(mail)
        except RecipientRefused as exc:
            log.warning("the SMTP server refused %s for good: %s", mail.recipient, exc)
            await log_store.finish(mail.event_id, mail.recipient, outcome="refused")
        except Exception as exc:
            await log_store.release(mail.event_id, mail.recipient)
            pending.append(f"{mail.recipient}: {type(exc).__name__}: {exc}")
        else:
            await log_store.finish(mail.event_id, mail.recipient, outcome="sent")
    if pending:
        raise MailsPending("; ".join(pending))
