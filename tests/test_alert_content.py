"""An alert mail shows the interaction that triggered it, not the ticket's first one."""

from __future__ import annotations

import httpx

from devtools.launcher import Stack
from tests.notifier_support import text_of
from tests.support import (
    create_rule,
    interaction,
    mails_to,
    post,
    tickets_of_thread,
    unique,
    wait_until,
)


def test_an_alert_on_a_later_interaction_shows_that_interaction(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    recipient = f"{unique('ouvidoria')}@example.com"
    opens, alerts = unique("pedido"), unique("procon")
    create_rule(
        gateway, {"name": "open", "when": {"text_any": [opens]}, "then": {"open_ticket": {}}}
    )
    create_rule(
        gateway,
        {"name": "escalate", "when": {"text_any": [alerts]}, "then": {"alert_emails": [recipient]}},
    )
    thread = unique("post")
    post(ingestor, interaction(thread=thread, text=f"Meu {opens} não chegou"))
    [ticket] = wait_until(lambda: tickets_of_thread(gateway, thread), what="the ticket")

    post(
        ingestor,
        interaction(
            thread=thread,
            text=f"Vou ao {alerts} amanhã",
            channel="facebook",
            kind="reply",
            author_id="fb-rui",
            author_name="Rui Costa",
            minutes=5,
        ),
    )

    [mail] = wait_until(lambda: mails_to(stack.mail_dir, recipient), what="the alert e-mail")
    text = text_of(mail).replace("\r\n", "\n")
    assert ticket["protocol"] in mail["Subject"]
    heading = "Rui Costa escreveu em facebook (acme-page), reply, 2026-11-25 09:05 UTC:\n"
    assert heading in text
    quoted = text.split(heading, 1)[1].split("\n\n", 1)[0]
    assert quoted == f"  Vou ao {alerts} amanhã"
