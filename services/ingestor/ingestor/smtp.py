"""The inbound SMTP endpoint (aiosmtpd): mail forwarded or routed by MX to a registered mailbox
account. A recipient nobody registered is refused at RCPT (550), so the sending server bounces
it to its sender at once instead of it vanishing here; a mail is answered 250 only once it is
durable (the outbox), and 451 (try later) if it could not be kept.

It runs on the ingestor's own event loop (not aiosmtpd's Controller thread), so it shares the
store and the broker with the webhooks."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

from ingestor import mailin
from ingestor.settings import IngestorSettings
from ingestor.store.port import IngestStore
from servicekit.publishing import EventPublisher

log = logging.getLogger("ingestor.smtp")


class MailboxHandler:
    def __init__(self, store: IngestStore, publisher: EventPublisher) -> None:
        self.store, self.publisher = store, publisher

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        try:
            known = await mailin.mailbox_account(self.store, address)
        except Exception:
            log.exception("looking up mailbox %s failed", address)
            return "451 4.3.0 Mailbox lookup failed, try again later"
        if known is None:
            return f"550 5.1.1 <{address}>: no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        data = envelope.original_content or envelope.content
        assert isinstance(data, bytes)  # decode_data=False: aiosmtpd keeps the bytes
        try:
            await mailin.receive(
                store=self.store,
                publisher=self.publisher,
                data=data,
                mailboxes=envelope.rcpt_tos,
                source="smtp",
            )
        except Exception:
            log.exception("keeping a mail failed")
            return "451 4.3.0 Not kept, try again later"
        return "250 OK: kept"


async def serve(
    settings: IngestorSettings, store: IngestStore, publisher: EventPublisher
) -> asyncio.Server | None:
    """The SMTP server on INGESTOR_SMTP_HOST:INGESTOR_SMTP_PORT, or None when no port is set."""
    if settings.smtp_port is None:
        return None
    handler = MailboxHandler(store, publisher)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(
            handler,
            data_size_limit=settings.max_body_bytes,
            enable_SMTPUTF8=True,
            hostname="socialdesk-ingestor",
        ),
        host=settings.smtp_host,
        port=settings.smtp_port,
    )
    log.info("inbound SMTP on %s:%s", settings.smtp_host, settings.smtp_port)
    return server
