"""Notifier use cases."""

from __future__ import annotations

import logging
from typing import Protocol

from contracts.events import DigestReadyV1, NotificationRequestedV1
from contracts.notifications import (
    AlertChoices,
    NotificationSettings,
    NotificationSettingsUpdate,
)
from notifier import compose
from notifier.mail import Mail, RecipientRefused
from notifier.store.port import Claim, MailLog, NotifierStore, SettingsStore, StoredSettings

log = logging.getLogger(__name__)

SEND_LEASE_SECONDS = 120


class Mailer(Protocol):
    async def send(self, mail: Mail) -> None: ...


class MailsPending(Exception):
    """Some recipients could not be served yet; the event is retried for them only."""


async def notify(
    *,
    store: NotifierStore,
    mailer: Mailer,
    event: NotificationRequestedV1,
    public_url: str,
    default_language: str,
) -> None:
    """Mail everyone the event names who wants this kind of mail, once each."""
    settings = await store.settings_of(list(event.recipient_users.values()))
    recipients = compose.recipients_for(
        event.kind, event.recipients, event.recipient_users, settings, default_language
    )
    mails = compose.notification_mails(event, recipients, public_url)
    await send_once(log_store=store, mailer=mailer, mails=mails)


async def mail_digest(
    *,
    store: NotifierStore,
    mailer: Mailer,
    event: DigestReadyV1,
    public_url: str,
    default_language: str,
) -> None:
    recipients = compose.recipients_for("digest", event.recipients, {}, {}, default_language)
    mails = compose.digest_mails(event, recipients, public_url)
    await send_once(log_store=store, mailer=mailer, mails=mails)


async def get_settings(
    *, store: SettingsStore, user_id: str, default_language: str
) -> NotificationSettings:
    stored = await store.get_settings(user_id)
    if stored is None:
        return NotificationSettings(
            user_id=user_id, language=default_language, alerts=AlertChoices()
        )
    return NotificationSettings(
        user_id=user_id,
        language=stored.language or default_language,
        alerts=AlertChoices.model_validate(stored.alerts),
    )


async def put_settings(
    *,
    store: SettingsStore,
    user_id: str,
    update: NotificationSettingsUpdate,
    default_language: str,
) -> NotificationSettings:
    await store.put_settings(StoredSettings(user_id, update.language, update.alerts.model_dump()))
    return await get_settings(store=store, user_id=user_id, default_language=default_language)


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
