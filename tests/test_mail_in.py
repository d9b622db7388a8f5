"""Mail in over real SMTP: mail sent to the ingestor's SMTP endpoint for a registered mailbox
becomes an interaction; a reply threads by In-Reply-To into the same ticket; mail to a mailbox
nobody registered is refused at RCPT."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage
from typing import Any

import httpx
import pytest

from devtools.launcher import Stack
from tests.support import create_rule, unique, wait_until
from tests.test_webhooks_meta import interactions_of


def mailbox(gateway: httpx.Client) -> dict[str, Any]:
    body = {
        "id": unique("sac"),
        "channel": "email",
        "network_id": f"{unique('Atendimento')}@Acme.test",
        "name": "Atendimento Acme",
        "collect": ["emails"],
    }
    created = gateway.post("/v1/accounts", json=body)
    assert created.status_code == 201, created.text
    return created.json()  # type: ignore[no-any-return]


def mail(to: str, subject: str, text: str, **headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = headers.pop("From", "Maria Souza <maria@cliente.test>")
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = headers.pop("Message_ID", f"<{unique('m')}@cliente.test>")
    message["Date"] = "Mon, 30 Nov 2026 10:00:00 -0300"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(text)
    return message


def send(stack: Stack, message: EmailMessage) -> None:
    with smtplib.SMTP("127.0.0.1", stack.inbound_smtp_port(), timeout=30) as client:
        client.send_message(message)


def test_a_mail_to_a_registered_mailbox_is_an_interaction(
    stack: Stack, gateway: httpx.Client
) -> None:
    account = mailbox(gateway)
    message = mail(account["network_id"].upper(), "Pedido 123", "Meu pedido não chegou.")
    message.add_attachment(
        b"%PDF-1.4 nota", maintype="application", subtype="pdf", filename="nf.pdf"
    )
    send(stack, message)
    [stored] = interactions_of(gateway, account["id"], 1)
    interaction = stored["interaction"]
    assert (interaction["channel"], interaction["kind"]) == ("email", "email")
    assert (interaction["direction"], interaction["visibility"]) == ("inbound", "private")
    assert interaction["text"] == "Meu pedido não chegou."
    assert interaction["author"] == {
        **interaction["author"],
        "id": "maria@cliente.test",
        "name": "Maria Souza",
    }
    assert interaction["external_id"] == message["Message-ID"].strip("<>")
    assert interaction["raw"]["subject"] == "Pedido 123"
    assert interaction["raw"]["attachments"] == [
        {"filename": "nf.pdf", "content_type": "application/pdf", "size": 13}
    ]
    assert interaction["auto_submitted"] is None


def test_a_mail_to_an_unknown_mailbox_is_refused_at_rcpt(stack: Stack) -> None:
    with pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        send(stack, mail(f"{unique('ninguem')}@acme.test", "Oi", "Alguém?"))
    [(code, reason)] = refused.value.recipients.values()
    assert code == 550
    assert b"no such mailbox" in reason


def test_a_reply_threads_by_in_reply_to_into_the_same_ticket(
    stack: Stack, gateway: httpx.Client
) -> None:
    account = mailbox(gateway)
    keyword = unique("kw").replace("-", "")
    create_rule(
        gateway, {"name": keyword, "when": {"text_any": [keyword]}, "then": {"open_ticket": {}}}
    )
    first = mail(account["network_id"], "Troca", f"Quero trocar o produto {keyword}")
    send(stack, first)
    ticket = wait_until(
        lambda: interactions_of(gateway, account["id"], 1)[0].get("ticket_id"),
        timeout=60,
        what="the first mail's ticket",
    )
    reply = mail(
        account["network_id"],
        "Re: Troca",
        "Alguma novidade?",
        In_Reply_To=first["Message-ID"],
    )
    send(stack, reply)

    def both() -> list[dict[str, Any]] | None:
        found = interactions_of(gateway, account["id"], 2)
        return found if all(s.get("ticket_id") for s in found) else None

    stored = {s["interaction"]["text"]: s for s in wait_until(both, timeout=60, what="the reply")}
    answer = stored["Alguma novidade?"]
    assert answer["ticket_id"] == ticket
    assert answer["interaction"]["parent_id"] == first["Message-ID"].strip("<>")
    detail = gateway.get(f"/v1/tickets/{ticket}").json()
    assert len(detail["interactions"]) == 2
    # A client that sends In-Reply-To without References, answering the reply: still this
    # ticket, because the ingestor remembers the reply's thread.
    again = mail(account["network_id"], "Re: Re: Troca", "Oi??", In_Reply_To=reply["Message-ID"])
    send(stack, again)

    def third() -> dict[str, Any] | None:
        found = [s for s in interactions_of(gateway, account["id"], 3) if s.get("ticket_id")]
        return next((s for s in found if s["interaction"]["text"] == "Oi??"), None)

    assert wait_until(third, timeout=60, what="the second reply")["ticket_id"] == ticket


def test_an_html_auto_reply_sent_three_times_is_one_interaction_marked_auto_submitted(
    stack: Stack, gateway: httpx.Client
) -> None:
    account = mailbox(gateway)
    message = mail(account["network_id"], "Ausência", "", Auto_Submitted="auto-replied")
    message.set_content(
        "<html><style>p{color:red}</style><body><p>Estou <b>fora</b> até segunda.</p>"
        "<script>x()</script></body></html>",
        subtype="html",
    )
    for _ in range(3):
        send(stack, message)
    send(stack, mail(account["network_id"], "Depois", "depois"))

    def after_the_marker() -> list[dict[str, Any]] | None:
        found = [s["interaction"] for s in interactions_of(gateway, account["id"], 1)]
        return found if any(i["text"] == "depois" for i in found) else None

    found = wait_until(after_the_marker, timeout=60, what="the mail sent after the repeats")
    assert sorted(i["text"] for i in found) == ["Estou fora até segunda.", "depois"]
    stored = {i["text"]: i for i in found}
    assert stored["Estou fora até segunda."]["auto_submitted"] == "auto-replied"
    assert stored["depois"]["auto_submitted"] is None
