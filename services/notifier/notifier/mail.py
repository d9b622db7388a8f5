"""Composing alert e-mails from templates, and sending them over SMTP."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any
from uuid import UUID

import aiosmtplib
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from notifier.settings import NotifierSettings

templates = Environment(
    loader=PackageLoader("notifier", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default=False),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


class RecipientRefused(Exception):
    """The SMTP server refused this address for good (5xx)."""


def message_id(event_id: UUID, recipient: str) -> str:
    """Stable per (event, recipient), so a mail that does get sent twice is one to clients."""
    digest = hashlib.sha256(recipient.casefold().encode()).hexdigest()[:16]
    return f"<{event_id}.{digest}@socialdesk>"


@dataclass(frozen=True)
class Mail:
    recipient: str
    subject: str
    template: str
    context: dict[str, Any]
    event_id: UUID

    def render(self, sender: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = sender
        message["To"] = self.recipient
        message["Subject"] = self.subject
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = message_id(self.event_id, self.recipient)
        message["X-Socialdesk-Event"] = str(self.event_id)
        message.set_content(templates.get_template(f"{self.template}.txt.j2").render(self.context))
        message.add_alternative(
            templates.get_template(f"{self.template}.html.j2").render(self.context), subtype="html"
        )
        return message


class SmtpMailer:
    def __init__(self, settings: NotifierSettings) -> None:
        self._settings = settings

    async def send(self, mail: Mail) -> None:
        settings = self._settings
        try:
            await aiosmtplib.send(
                mail.render(settings.mail_from),
                hostname=settings.smtp_host,
                port=settings.smtp_port,
                username=settings.smtp_username,
                password=settings.smtp_password,
                start_tls=settings.smtp_starttls,
                timeout=settings.smtp_timeout_seconds,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            if all(500 <= r.code < 600 for r in exc.recipients):
                raise RecipientRefused(str(exc)) from exc
            raise
