"""E-mail replies over SMTP (aiosmtplib), from the account's mailbox with its SMTP settings
(the account's credentials: ``smtp_host``, ``smtp_port``, ``smtp_username``,
``smtp_password``, ``smtp_tls`` = ``starttls`` | ``tls`` | ``none``). ``In-Reply-To`` and
``References`` (RFC 5322 3.6.4) make the customer's client thread the answer; the Message-ID we
give it is the reply's network id, which an echo (a copy in the mailbox) is matched by."""

from __future__ import annotations

import base64
import contextlib
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib

from contracts.replies import ReplyRequestedV1
from ingestor.replies.base import Refused, Retryable, Uncertain
from ingestor.store.accounts_port import StoredAccount


def compose(request: ReplyRequestedV1, sender: str, sender_name: str) -> EmailMessage:
    if request.email is None:
        raise Refused("an e-mail reply without its recipient and subject")
    message = EmailMessage()
    message["From"] = f"{sender_name} <{sender}>" if sender_name else sender
    message["To"] = request.email.to
    message["Subject"] = request.email.subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(
        idstring=str(request.reply_id), domain=sender.rpartition("@")[2] or None
    )
    if request.email.in_reply_to:
        message["In-Reply-To"] = request.email.in_reply_to
    if request.email.references:
        message["References"] = " ".join(request.email.references)
    message["Auto-Submitted"] = "no"
    message.set_content(request.text)
    for attachment in request.attachments:
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(
            base64.b64decode(attachment.content_base64),
            maintype=maintype,
            subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
    return message


class EmailSender:
    def __init__(self, timeout: float) -> None:
        self._timeout = timeout

    async def send(
        self, request: ReplyRequestedV1, account: StoredAccount, credentials: dict[str, str]
    ) -> str:
        host = credentials.get("smtp_host")
        if not host:
            raise Refused(f"account {account.account.id!r} has no smtp_host")
        message = compose(request, account.account.network_id, account.account.name)
        tls = credentials.get("smtp_tls", "starttls")
        client = aiosmtplib.SMTP(
            hostname=host,
            port=int(credentials.get("smtp_port") or 587),
            username=credentials.get("smtp_username") or None,
            password=credentials.get("smtp_password") or None,
            use_tls=tls == "tls",
            start_tls=tls == "starttls",
            timeout=self._timeout,
        )
        try:
            await client.connect()
        except (aiosmtplib.SMTPConnectError, aiosmtplib.SMTPConnectTimeoutError, OSError) as exc:
            raise Retryable(f"the SMTP server could not be reached: {exc}") from exc
        except aiosmtplib.SMTPException as exc:
            raise Retryable(f"the SMTP server refused the connection: {exc}") from exc
        try:
            await client.send_message(message)
        except aiosmtplib.SMTPResponseException as exc:
            if 400 <= exc.code < 500:
                raise Retryable(f"SMTP {exc.code}: {exc.message}") from exc
            raise Refused(f"SMTP {exc.code}: {exc.message}") from exc
        except (aiosmtplib.SMTPServerDisconnected, aiosmtplib.SMTPTimeoutError) as exc:
            raise Uncertain(f"the SMTP server stopped answering during the send: {exc}") from exc
        except aiosmtplib.SMTPException as exc:
            raise Refused(f"SMTP: {exc}") from exc
        finally:
            with contextlib.suppress(aiosmtplib.SMTPException):
                await client.quit()
        return str(message["Message-ID"])
