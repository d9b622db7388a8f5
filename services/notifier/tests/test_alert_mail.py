"""An alert mail shows the interaction that triggered it, which need not be the ticket's
first one (the ticket's title comes from its first)."""

from __future__ import annotations

from datetime import UTC, datetime

from contracts.events import AlertedInteraction, NotificationRequestedV1
from contracts.interaction import Interaction
from notifier import compose

from .test_send_once import EVENT

LATER = Interaction.model_validate(
    {
        "channel": "instagram",
        "account": "acme-br",
        "external_id": "ig-77",
        "thread_id": "ig-post-1",
        "kind": "reply",
        "author": {"id": "u9", "name": "Rui <Costa>", "handle": "ruic"},
        "text": "Agora vou ao Procon: <b>terceira</b> cobrança indevida",
        "occurred_at": datetime(2026, 11, 25, 14, 7, tzinfo=UTC),
    }
)


def mail_for(event: NotificationRequestedV1, language: str = "en") -> tuple[str, str]:
    [mail] = compose.notification_mails(
        event, [compose.Recipient("legal@example.com", language)], "http://desk"
    )
    return mail.text, mail.html


def test_the_alert_shows_the_triggering_interaction_not_the_ticket_s_first() -> None:
    event = EVENT.model_copy(
        update={"ticket_opened": False, "interaction": AlertedInteraction.of(LATER)}
    )

    text, html = mail_for(event)

    assert "Rui <Costa> (@ruic) wrote on instagram (acme-br), reply, 2026-11-25 14:07 UTC:" in text
    assert "  Agora vou ao Procon: <b>terceira</b> cobrança indevida" in text
    assert "Rui &lt;Costa&gt; (@ruic)</strong> wrote on instagram" in html
    assert "&lt;b&gt;terceira&lt;/b&gt;" in html
    # The ticket (named after its first interaction) is still there, below.
    assert EVENT.ticket.title in text


def test_the_alert_speaks_the_recipient_s_language() -> None:
    event = EVENT.model_copy(update={"interaction": AlertedInteraction.of(LATER)})
    text, _ = mail_for(event, "pt-BR")
    assert "Rui <Costa> (@ruic) escreveu em instagram (acme-br), reply" in text


def test_an_alert_from_before_interactions_were_carried_shows_the_ticket_only() -> None:
    text, html = mail_for(EVENT)
    assert "wrote on" not in text and "wrote on" not in html
    assert text.startswith(f"A rule opened ticket 2026-000042.\n\n{EVENT.ticket.protocol}: ")


def test_a_long_text_is_cut_for_the_mail() -> None:
    long = LATER.model_copy(update={"text": "x" * 5000})
    alerted = AlertedInteraction.of(long)
    assert len(alerted.text) == 2000
    assert alerted.text.endswith("…")
