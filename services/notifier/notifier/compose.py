"""Which mails an event becomes: one per recipient who wants that kind of mail, in their
language. Users' settings apply to the recipients an event names as users; a plain address
gets every mail, in the deployment's default language."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from contracts.accounts import AccountHealthChangedV1, HealthState
from contracts.events import DigestReadyV1, NotificationRequestedV1
from contracts.notifications import AlertChoices
from contracts.opinions import OpinionRequestedV1
from notifier.mail import Attachment, Mail, compose
from notifier.store.port import StoredSettings


@dataclass(frozen=True)
class Recipient:
    address: str
    language: str


def recipients_for(
    kind: str,
    addresses: list[str],
    users: Mapping[str, str],
    settings: Mapping[str, StoredSettings],
    default_language: str,
) -> list[Recipient]:
    """``users`` maps an address to the user id whose ``settings`` apply to it."""
    chosen = []
    for address in dict.fromkeys(addresses):
        stored = settings.get(users.get(address, ""))
        if stored is None:
            chosen.append(Recipient(address, default_language))
            continue
        if AlertChoices.model_validate(stored.alerts).wants(kind):
            chosen.append(Recipient(address, stored.language or default_language))
    return chosen


def ticket_link(public_url: str, protocol: str) -> str:
    """The ticket's page in the console (it asks a signed-out browser to sign in first)."""
    return f"{public_url.rstrip('/')}/tickets/{protocol}"


def notification_mails(
    event: NotificationRequestedV1, recipients: list[Recipient], public_url: str
) -> list[Mail]:
    context = {
        "opened": event.ticket_opened,
        "ticket": event.ticket.model_dump(mode="json"),
        "matched": [m.model_dump(mode="json") for m in event.matched],
        "detail": event.detail,
        "link": ticket_link(public_url, event.ticket.protocol),
        "interaction": _alerted(event),
    }
    return [
        compose(
            kind=event.kind,
            language=r.language,
            context=context,
            recipient=r.address,
            event_id=event.id,
        )
        for r in recipients
    ]


def _minute(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M")


def _alerted(event: NotificationRequestedV1) -> dict[str, str] | None:
    """The interaction that triggered the alert (events from before it was carried have
    none: their mail shows the ticket only)."""
    if event.interaction is None:
        return None
    return {
        **event.interaction.model_dump(mode="json"),
        "occurred_at": _minute(event.interaction.occurred_at) + " UTC",
    }


def digest_mails(event: DigestReadyV1, recipients: list[Recipient], public_url: str) -> list[Mail]:
    context = {
        "rule_name": event.rule_name,
        "window_start": _minute(event.window_start),
        "window_end": _minute(event.window_end),
        "items": [
            {**item.model_dump(mode="json"), "occurred_at": _minute(item.occurred_at)}
            for item in event.items
        ],
        "total_matched": event.total_matched,
        "link": f"{public_url.rstrip('/')}/",
    }
    return [
        compose(
            kind="digest",
            language=r.language,
            context=context,
            recipient=r.address,
            event_id=event.id,
        )
        for r in recipients
    ]


def opinion_request_mail(
    event: OpinionRequestedV1, *, link: str, expires_at: datetime, language: str
) -> Mail:
    context = {
        "ticket": event.ticket.model_dump(mode="json"),
        "note": event.note,
        "requested_by": event.requested_by,
        "interaction_count": len(event.interactions),
        "attachments": [a.filename for a in event.attachments],
        "expires_at": _minute(expires_at),
        "link": link,
    }
    return compose(
        kind="opinion_request",
        language=language,
        context=context,
        recipient=event.collaborator_email,
        event_id=event.id,
        attachments=tuple(
            Attachment(a.filename, a.content_type, a.content()) for a in event.attachments
        ),
    )


def account_health_mails(
    event: AccountHealthChangedV1, recipients: list[Recipient], public_url: str
) -> list[Mail]:
    """An account turned failing or throttled (an incident), or recovered (back to ok)."""
    context = {
        **event.model_dump(mode="json"),
        "recovered": event.after is HealthState.OK,
        "link": f"{public_url.rstrip('/')}/v1/accounts/{event.account}",
    }
    return [
        compose(
            kind="account_health",
            language=r.language,
            context=context,
            recipient=r.address,
            event_id=event.id,
        )
        for r in recipients
    ]
