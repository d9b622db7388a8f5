"""Alert e-mails go out once per (event, recipient), whatever happens around them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from contracts.events import NotificationRequestedV1
from notifier import compose
from notifier.mail import Mail, RecipientRefused
from notifier.sending import MailsPending, send_once
from notifier.store.port import MailLog
from notifier.store.sqlite import SqliteNotifierStore

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
EVENT = NotificationRequestedV1(
    kind="rule_alert",
    ticket_opened=True,
    ticket={
        "id": "6f1c2b4e-1d3a-4b5c-8d9e-0a1b2c3d4e5f",
        "protocol": "2026-000042",
        "title": "comment from Ana: <b>Anatel</b>",
        "status": "new",
        "priority": "urgent",
        "level": "legal",
        "assignee": None,
        "tags": ["anatel"],
        "channel": "facebook",
        "account": "acme",
        "interaction_count": 1,
        "opened_at": NOW,
        "updated_at": NOW,
    },
    recipients=["legal@example.com", "bad@example.com", "boss@example.com"],
)


def alert_mails(event: NotificationRequestedV1, public_url: str) -> list[Mail]:
    recipients = [compose.Recipient(address, "en") for address in event.recipients]
    return compose.notification_mails(event, recipients, public_url)


class RecordingMailer:
    """Stands in for the SMTP server: records, and fails for the addresses it is told to."""

    def __init__(self) -> None:
        self.sent: list[str] = []
        self.refuse: set[str] = set()
        self.down: set[str] = set()

    async def send(self, mail: Mail) -> None:
        if mail.recipient in self.refuse:
            raise RecipientRefused("550 no such user")
        if mail.recipient in self.down:
            raise ConnectionError("SMTP unreachable")
        self.sent.append(mail.recipient)


@pytest.fixture
async def mail_log(tmp_path: Path) -> AsyncIterator[SqliteNotifierStore]:
    log = SqliteNotifierStore(tmp_path / "notifier.sqlite3")
    await log.open()
    yield log
    await log.close()


async def test_a_redelivered_event_sends_nothing_more(mail_log: MailLog) -> None:
    mailer = RecordingMailer()
    mails = alert_mails(EVENT, "http://desk")
    await send_once(log_store=mail_log, mailer=mailer, mails=mails)
    await send_once(log_store=mail_log, mailer=mailer, mails=mails)
    assert sorted(mailer.sent) == ["bad@example.com", "boss@example.com", "legal@example.com"]


async def test_a_refused_address_does_not_hold_back_the_others(
    mail_log: SqliteNotifierStore,
) -> None:
    mailer = RecordingMailer()
    mailer.refuse = {"bad@example.com"}
    await send_once(log_store=mail_log, mailer=mailer, mails=alert_mails(EVENT, "http://desk"))
    assert sorted(mailer.sent) == ["boss@example.com", "legal@example.com"]


async def test_smtp_down_retries_only_the_unsent_mails(mail_log: MailLog) -> None:
    mailer = RecordingMailer()
    mailer.down = {"boss@example.com"}
    mails = alert_mails(EVENT, "http://desk")
    with pytest.raises(MailsPending, match=r"boss@example\.com"):
        await send_once(log_store=mail_log, mailer=mailer, mails=mails)
    mailer.down = set()
    await send_once(log_store=mail_log, mailer=mailer, mails=mails)
    assert sorted(mailer.sent) == ["bad@example.com", "boss@example.com", "legal@example.com"]


def test_alert_mail_has_text_and_escaped_html_with_a_link() -> None:
    mail = alert_mails(EVENT, "http://desk/")[0]
    message = mail.render("Socialdesk <alerts@example.com>")
    assert message["Subject"].startswith("[Socialdesk] New ticket 2026-000042 (urgent)")
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "http://desk/tickets/2026-000042" in text
    assert "&lt;b&gt;Anatel&lt;/b&gt;" in html
    assert message["Message-ID"] == alert_mails(EVENT, "http://x")[0].render("a@b")["Message-ID"]
