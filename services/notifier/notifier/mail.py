"""Composing e-mails from templates (HTML + plain text, in the recipient's language), and
sending them over SMTP."""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any
from uuid import UUID

import aiosmtplib
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from contracts.opinions import safe_basename
from notifier.settings import NotifierSettings
from servicekit import metrics

_MIME_TYPE = re.compile(r"[\w.+-]+/[\w.+-]+")

templates = Environment(
    loader=PackageLoader("notifier", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default=False),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


LANGUAGES = ("pt-BR", "en")


class RecipientRefused(Exception):
    """The SMTP server refused this address for good (5xx)."""


def message_id(event_id: UUID, recipient: str) -> str:
    """Stable per (event, recipient), so a mail that does get sent twice is one to clients."""
    digest = hashlib.sha256(recipient.casefold().encode()).hexdigest()[:16]
    return f"<{event_id}.{digest}@socialdesk>"


@dataclass(frozen=True)
class Attachment:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class Mail:
    recipient: str
    subject: str
    text: str
    html: str
    event_id: UUID
    attachments: tuple[Attachment, ...] = ()
    attempt: str = ""
    """Which attempt of which process sends it (its claim's owner): shown to operators in a
    header; the Message-ID stays the same across attempts."""

    def render(self, sender: str) -> EmailMessage:
        message = EmailMessage()
        message["From"] = sender
        message["To"] = self.recipient
        message["Subject"] = self.subject
        message["Date"] = formatdate(usegmt=True)
        message["Message-ID"] = message_id(self.event_id, self.recipient)
        message["X-Socialdesk-Event"] = str(self.event_id)
        if self.attempt:
            message["X-Socialdesk-Attempt"] = self.attempt
        message.set_content(self.text)
        message.add_alternative(self.html, subtype="html")
        for attachment in self.attachments:
            content_type = attachment.content_type
            if not _MIME_TYPE.fullmatch(content_type):  # same reason as the name below
                content_type = "application/octet-stream"
            maintype, _, subtype = content_type.partition("/")
            message.add_attachment(
                attachment.content,
                maintype=maintype,
                subtype=subtype or "octet-stream",
                # The gateway cleans names now, but events queued before it did may carry a path
                # or a line break, which the e-mail library refuses in a header: that mail
                # would fail on every retry. Cleaned here too, it goes out.
                filename=safe_basename(attachment.filename) or "attachment",
            )
        return message


def compose(
    *,
    kind: str,
    language: str,
    context: Mapping[str, Any],
    recipient: str,
    event_id: UUID,
    attachments: tuple[Attachment, ...] = (),
) -> Mail:
    """One mail of ``kind`` from ``templates/<language>/<kind>.{subject,txt,html}.j2``."""
    if language not in LANGUAGES:
        raise ValueError(f"no templates for language {language!r}")
    subject = templates.get_template(f"{language}/{kind}.subject.j2").render(context)
    return Mail(
        recipient=recipient,
        subject=" ".join(subject.split())[:200],
        text=templates.get_template(f"{language}/{kind}.txt.j2").render(context),
        html=templates.get_template(f"{language}/{kind}.html.j2").render(context),
        event_id=event_id,
        attachments=attachments,
    )


class SmtpMailer:
    def __init__(self, settings: NotifierSettings) -> None:
        self._settings = settings
        # Few connections at once: kinder to the SMTP server, and a crash can only leave as
        # many mails in the one uncertain moment (accepted, not yet recorded) as there are.
        self._connections = asyncio.Semaphore(settings.smtp_connections)

    async def send(self, mail: Mail) -> None:
        """Returns as soon as the server accepted the mail (its answer to DATA): the caller
        records it as sent then, and the goodbye (QUIT) is said afterwards, so that a crash
        has as little time as possible between the two (a crash there sends it again)."""
        async with self._connections:
            await self._send(mail)

    async def _send(self, mail: Mail) -> None:
        settings = self._settings
        client = aiosmtplib.SMTP(
            hostname=settings.smtp_host,
            port=settings.smtp_port,
            username=settings.smtp_username,
            password=settings.smtp_password,
            start_tls=settings.smtp_starttls,
            timeout=settings.smtp_timeout_seconds,
        )
        try:
            await client.connect()
            await client.send_message(mail.render(settings.mail_from))
        except aiosmtplib.SMTPRecipientsRefused as exc:
            if all(500 <= r.code < 600 for r in exc.recipients):
                metrics.MAILS_FAILED.labels("refused").inc()
                raise RecipientRefused(str(exc)) from exc
            metrics.MAILS_FAILED.labels("error").inc()
            raise
        except Exception:
            metrics.MAILS_FAILED.labels("error").inc()
            raise
        finally:
            _closing.add(task := asyncio.create_task(_quit(client)))
            task.add_done_callback(_closing.discard)
        metrics.MAILS_SENT.inc()


_closing: set[asyncio.Task[None]] = set()
"""Connections saying goodbye after their mail was accepted (kept so they are not collected)."""


async def _quit(client: aiosmtplib.SMTP) -> None:
    try:
        await client.quit()
    except (aiosmtplib.SMTPException, OSError):
        client.close()  # the mail was accepted (or refused) already: only the goodbye failed
