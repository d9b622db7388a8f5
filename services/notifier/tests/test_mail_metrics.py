"""The notifier's mail counters, with the real SMTP sender and the local SMTP sink: a mail the
server takes is counted as sent, a refused address as refused, a server that says "later" as
an error (retried)."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from uuid import uuid4

import aiosmtplib
import pytest
from prometheus_client import REGISTRY

from devtools import mailsink
from notifier.mail import Mail, RecipientRefused, SmtpMailer
from notifier.settings import NotifierSettings


def count(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def mailer(tmp_path: Path) -> Iterator[SmtpMailer]:
    port = free_port()
    controller = mailsink.start(tmp_path / "mail", port=port)
    yield SmtpMailer(NotifierSettings(smtp_host="127.0.0.1", smtp_port=port, link_secret="k" * 32))
    controller.stop()


def mail(recipient: str) -> Mail:
    return Mail(recipient, "Ticket 2026-000042", "text", "<p>html</p>", uuid4())


async def test_sent_refused_and_failed_mails_are_counted_apart(mailer: SmtpMailer) -> None:
    sent = count("socialdesk_mails_sent_total")
    refused = count("socialdesk_mails_failed_total", reason="refused")
    failed = count("socialdesk_mails_failed_total", reason="error")

    await mailer.send(mail("legal@example.com"))
    with pytest.raises(RecipientRefused):
        await mailer.send(mail("refused-ana@example.com"))
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused):
        await mailer.send(mail("tempfail-ana@example.com"))

    assert count("socialdesk_mails_sent_total") == sent + 1
    assert count("socialdesk_mails_failed_total", reason="refused") == refused + 1
    assert count("socialdesk_mails_failed_total", reason="error") == failed + 1
