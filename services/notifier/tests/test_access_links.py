"""The mails that carry an agent's password link (issue 14): in the agent's language, with
the console's address built from the public URL, sent once however often it is asked."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from contracts.credentials import AccessLinkMail, Purpose
from notifier.access_links import mail_link
from notifier.mail import Mail
from notifier.store.port import NotifierStore

TOKEN = "k" * 43


class Recording:
    def __init__(self) -> None:
        self.sent: list[Mail] = []

    async def send(self, mail: Mail) -> None:
        self.sent.append(mail)


def request(purpose: Purpose, language: str = "en") -> AccessLinkMail:
    return AccessLinkMail.model_validate(
        {
            "token": TOKEN,
            "purpose": purpose,
            "email": "ana@example.com",
            "name": "Ana",
            "language": language,
            "expires_at": datetime(2026, 12, 1, 12, 0, tzinfo=UTC),
        }
    )


@pytest.mark.parametrize(
    ("purpose", "language", "words"),
    [
        ("invite", "en", "invited"),
        ("reset", "en", "reset"),
        ("invite", "pt-BR", "convidado"),
        ("reset", "pt-BR", "redefinir"),
    ],
)
async def test_the_link_mail_speaks_the_agent_s_language_and_points_at_the_console(
    store: NotifierStore, purpose: Purpose, language: str, words: str
) -> None:
    mailer = Recording()
    await mail_link(
        log_store=store,
        mailer=mailer,
        request=request(purpose, language),
        public_url="http://desk/",
    )
    (mail,) = mailer.sent
    assert mail.recipient == "ana@example.com"
    assert words in mail.text
    assert f"http://desk/password?token={TOKEN}" in mail.text
    assert f'href="http://desk/password?token={TOKEN}"' in mail.html


async def test_a_link_asked_for_twice_is_mailed_once(store: NotifierStore) -> None:
    mailer = Recording()
    for _ in range(2):
        await mail_link(
            log_store=store, mailer=mailer, request=request("invite"), public_url="http://desk"
        )
    assert len(mailer.sent) == 1
