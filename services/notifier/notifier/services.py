"""Notifier use cases."""

from __future__ import annotations

import logging

from contracts.accounts import AccountHealthChangedV1
from contracts.events import DigestReadyV1, NotificationRequestedV1
from contracts.notifications import (
    AlertChoices,
    NotificationSettings,
    NotificationSettingsUpdate,
)
from notifier import compose
from notifier.sending import DEFAULT_POLICY, ClaimPolicy, Mailer, send_once
from notifier.store.port import NotifierStore, SettingsStore, StoredSettings


async def notify(
    *,
    store: NotifierStore,
    mailer: Mailer,
    event: NotificationRequestedV1,
    public_url: str,
    default_language: str,
    policy: ClaimPolicy = DEFAULT_POLICY,
) -> None:
    """Mail everyone the event names who wants this kind of mail, once each."""
    settings = await store.settings_of(list(event.recipient_users.values()))
    recipients = compose.recipients_for(
        event.kind, event.recipients, event.recipient_users, settings, default_language
    )
    mails = compose.notification_mails(event, recipients, public_url)
    await send_once(log_store=store, mailer=mailer, mails=mails, policy=policy)


async def mail_digest(
    *,
    store: NotifierStore,
    mailer: Mailer,
    event: DigestReadyV1,
    public_url: str,
    default_language: str,
    policy: ClaimPolicy = DEFAULT_POLICY,
) -> None:
    recipients = compose.recipients_for("digest", event.recipients, {}, {}, default_language)
    mails = compose.digest_mails(event, recipients, public_url)
    await send_once(log_store=store, mailer=mailer, mails=mails, policy=policy)


async def mail_account_health(
    *,
    store: NotifierStore,
    mailer: Mailer,
    event: AccountHealthChangedV1,
    admins: list[str],
    public_url: str,
    default_language: str,
    policy: ClaimPolicy = DEFAULT_POLICY,
) -> None:
    """The admins hear of each incident and each recovery once: the ingestor publishes one
    event per transition, and the claims make it one mail per (event, admin)."""
    if not admins:
        logging.getLogger("notifier").warning(
            "account %s is %s; NOTIFIER_ADMIN_EMAILS is empty, so nobody is mailed",
            event.account,
            event.after.value,
        )
        return
    recipients = compose.recipients_for("account_health", admins, {}, {}, default_language)
    mails = compose.account_health_mails(event, recipients, public_url)
    await send_once(log_store=store, mailer=mailer, mails=mails, policy=policy)


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
