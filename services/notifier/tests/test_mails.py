"""What each kind of e-mail looks like: HTML and plain text, in the recipient's language,
with a link, and only for those who want it."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from contracts.events import DigestItem, DigestReadyV1, NotificationRequestedV1
from contracts.opinions import OpinionAttachment, OpinionRequestedV1
from notifier import compose
from notifier.store.port import StoredSettings

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
TICKET = {
    "id": "6f1c2b4e-1d3a-4b5c-8d9e-0a1b2c3d4e5f",
    "protocol": "2026-000042",
    "title": "comment from Ana: <b>Anatel</b>",
    "status": "open",
    "priority": "urgent",
    "level": "legal",
    "assignee": "ana",
    "tags": ["anatel"],
    "channel": "facebook",
    "account": "acme",
    "interaction_count": 2,
    "opened_at": NOW,
    "updated_at": NOW,
}
KINDS = (
    "rule_alert",
    "assigned",
    "escalated",
    "opinion_received",
    "reply_failed",
    "reply_rejected",
)


def notification(kind: str, **extra: object) -> NotificationRequestedV1:
    return NotificationRequestedV1.model_validate(
        {
            "kind": kind,
            "recipients": ["ana@example.com"],
            "recipient_users": {"ana@example.com": "ana"},
            "ticket": TICKET,
            "ticket_opened": False,
            "detail": {"by": "bob", "priority_before": "high", "excerpt": "Procede."},
            **extra,
        }
    )


@pytest.mark.parametrize("language", ["pt-BR", "en"])
@pytest.mark.parametrize("kind", KINDS)
def test_every_ticket_mail_has_escaped_html_text_and_the_ticket_link(
    kind: str, language: str
) -> None:
    recipients = [compose.Recipient("ana@example.com", language)]
    [mail] = compose.notification_mails(notification(kind), recipients, "http://desk/")
    message = mail.render("Socialdesk <alerts@example.com>")
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "2026-000042" in message["Subject"]
    assert "http://desk/tickets/2026-000042" in text
    assert 'href="http://desk/tickets/2026-000042"' in html
    assert "&lt;b&gt;Anatel&lt;/b&gt;" in html
    assert "<b>Anatel</b>" in text


def test_mails_speak_the_recipients_language() -> None:
    event = notification("assigned")
    [pt] = compose.notification_mails(event, [compose.Recipient("a@x", "pt-BR")], "http://d")
    [en] = compose.notification_mails(event, [compose.Recipient("a@x", "en")], "http://d")
    assert "foi atribuído a você por bob" in pt.text
    assert "was assigned to you by bob" in en.text


def test_an_escalation_says_what_the_priority_was() -> None:
    [mail] = compose.notification_mails(
        notification("escalated"), [compose.Recipient("a@x", "en")], "http://d"
    )
    assert "escalated to urgent (it was high)" in mail.text


def test_a_user_who_switched_a_kind_off_gets_none_of_it() -> None:
    settings = {"ana": StoredSettings("ana", "en", {"assigned": False})}
    users = {"ana@example.com": "ana"}
    addresses = ["ana@example.com", "boss@example.com"]
    assert compose.recipients_for("assigned", addresses, users, settings, "pt-BR") == [
        compose.Recipient("boss@example.com", "pt-BR")
    ]
    assert compose.recipients_for("escalated", addresses, users, settings, "pt-BR") == [
        compose.Recipient("ana@example.com", "en"),
        compose.Recipient("boss@example.com", "pt-BR"),
    ]


def test_a_plain_address_gets_every_mail_in_the_default_language() -> None:
    assert compose.recipients_for("rule_alert", ["x@example.com"], {}, {}, "en") == [
        compose.Recipient("x@example.com", "en")
    ]


def test_a_repeated_address_gets_one_mail() -> None:
    addresses = ["x@example.com", "x@example.com"]
    assert len(compose.recipients_for("rule_alert", addresses, {}, {}, "en")) == 1


@pytest.mark.parametrize("language", ["pt-BR", "en"])
def test_a_digest_lists_its_interactions_and_says_how_many_were_left_out(language: str) -> None:
    event = DigestReadyV1(
        rule_id=uuid4(),
        rule_name="Avaliações ruins",
        window_start=NOW,
        window_end=NOW,
        recipients=["gerente@example.com"],
        items=[
            DigestItem(
                interaction_key="google_business:r1",
                channel="google_business",
                account="loja",
                kind="review",
                author="João",
                text="Atendimento <péssimo>",
                rating=1,
                occurred_at=NOW,
            )
        ],
        total_matched=3,
    )
    [mail] = compose.digest_mails(event, [compose.Recipient("g@x", language)], "http://d")
    assert "Avaliações ruins" in mail.subject and "3" in mail.subject
    assert "Atendimento <péssimo>" in mail.text
    assert "Atendimento &lt;péssimo&gt;" in mail.html
    assert ("e mais 2" if language == "pt-BR" else "and 2 more") in mail.text


def test_an_opinion_request_carries_the_note_the_link_and_the_attachments() -> None:
    event = OpinionRequestedV1(
        request_id=uuid4(),
        ticket=TICKET,
        interactions=[],
        note="Procede a reclamação?",
        attachments=[
            OpinionAttachment(
                filename="contrato.pdf",
                content_type="application/pdf",
                size=4,
                content_base64="JVBERg==",
            )
        ],
        collaborator_email="perito@example.com",
        requested_by="agent:ana",
    )
    mail = compose.opinion_request_mail(
        event, link="http://d/v1/opinions/tok", expires_at=NOW, language="pt-BR"
    )
    message = mail.render("a@b")
    assert "http://d/v1/opinions/tok" in mail.text
    assert "Procede a reclamação?" in mail.text
    [attachment] = list(message.iter_attachments())
    assert attachment.get_filename() == "contrato.pdf"
    assert attachment.get_content() == b"%PDF"


def test_an_already_queued_path_or_line_break_in_a_file_name_still_goes_out_cleaned() -> None:
    """Events queued before the gateway cleaned names: the mail must not fail on every retry."""
    event = OpinionRequestedV1(
        request_id=uuid4(),
        ticket=TICKET,
        interactions=[],
        attachments=[
            OpinionAttachment(
                filename="../../re\r\nport.pdf",
                content_type="application/pdf\r\nX-Evil: 1",
                size=4,
                content_base64="JVBERg==",
            )
        ],
        collaborator_email="perito@example.com",
        requested_by="agent:ana",
    )
    mail = compose.opinion_request_mail(
        event, link="http://d/v1/opinions/tok", expires_at=NOW, language="en"
    )
    message = mail.render("a@b")
    (attachment,) = list(message.iter_attachments())
    assert attachment.get_filename() == "report.pdf"
    assert attachment.get_content_type() == "application/octet-stream"
    assert "X-Evil" not in message.as_string()
