"""The links that set an agent's console password (issue 14): an administrator's invitation
and a reset asked for on the sign-in page. Ticketing draws and keeps the link; the notifier
builds the address from its public URL, as for every other link it mails, and sends it once."""

from __future__ import annotations

from uuid import UUID, uuid5

from contracts.credentials import AccessLinkMail, AccessLinkMailed
from notifier.mail import compose
from notifier.sending import DEFAULT_POLICY, ClaimPolicy, Mailer, send_once
from notifier.store.port import MailLog

ACCESS_LINKS = UUID("5d6c1f0e-8a43-4c1b-9e0f-3b2a7c9d4e18")
"""Namespace of the mails' ids: one per link, so a retried request sends the mail once."""


def password_link(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/password?token={token}"


async def mail_link(
    *,
    log_store: MailLog,
    mailer: Mailer,
    request: AccessLinkMail,
    public_url: str,
    policy: ClaimPolicy = DEFAULT_POLICY,
) -> AccessLinkMailed:
    context = {
        "name": request.name,
        "link": password_link(public_url, request.token),
        "expires_at": request.expires_at.strftime("%Y-%m-%d %H:%M"),
    }
    mail = compose(
        kind=request.purpose,
        language=request.language,
        context=context,
        recipient=request.email,
        event_id=uuid5(ACCESS_LINKS, request.token),
    )
    await send_once(log_store=log_store, mailer=mailer, mails=[mail], policy=policy)
    return AccessLinkMailed()
