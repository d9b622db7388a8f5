"""Opinion requests end to end (F31): an agent shares a ticket, the collaborator gets a
link by e-mail, reads the ticket and answers once; the answer lands on the ticket, the
assignee (or the master user) hears about it, and the link is dead."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import httpx

from devtools.launcher import Stack
from notifier.domain import links
from tests import people
from tests.notifier_support import open_ticket, opinion_link, text_of
from tests.support import (
    LINK_SECRET,
    create_rule,
    interaction,
    mails_to,
    post,
    tickets_of_thread,
    unique,
    wait_until,
)

PDF = {
    "filename": "contrato.pdf",
    "content_type": "application/pdf",
    "content_base64": base64.b64encode(b"%PDF-1.4 contrato").decode(),
}
WAITING = "Waiting_Opinion"


def share(gateway: httpx.Client, protocol: str, email: str, **body: Any) -> dict[str, Any]:
    response = gateway.post(
        f"/v1/tickets/{protocol}/opinion-requests", json={"email": email, **body}
    )
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def link_mailed_to(stack: Stack, email: str) -> str:
    [mail] = wait_until(lambda: mails_to(stack.mail_dir, email), what="the opinion request mail")
    return opinion_link(mail)


def ticket(gateway: httpx.Client, protocol: str) -> dict[str, Any]:
    return gateway.get(f"/v1/tickets/{protocol}").json()  # type: ignore[no-any-return]


def test_the_whole_opinion_flow_from_share_to_a_dead_link(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    opened = open_ticket(gateway, ingestor, "Cobrança indevida na fatura de outubro")
    protocol = opened["protocol"]
    holder = people.agent(gateway)
    assignee = holder["email"]
    assert gateway.patch(f"/v1/tickets/{protocol}", json={"assignee": holder["id"]}).is_success
    collaborator = f"{unique('juridico')}@example.com"

    share(gateway, protocol, collaborator, note="Procede a cobrança?", attachments=[PDF])

    assert WAITING in ticket(gateway, protocol)["tags"]
    history = gateway.get(f"/v1/tickets/{protocol}/history").json()
    assert [e["detail"]["email"] for e in history if e["action"] == "opinion_requested"] == [
        collaborator
    ]
    [mail] = wait_until(lambda: mails_to(stack.mail_dir, collaborator), what="the request mail")
    assert protocol in mail["Subject"]
    assert "Procede a cobrança?" in text_of(mail)
    assert [p.get_filename() for p in mail.walk() if p.get_filename()] == ["contrato.pdf"]
    link = opinion_link(mail)

    page = httpx.get(link, headers={"Accept": "application/json"})
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    assert page.json()["note"] == "Procede a cobrança?"
    assert "Cobrança indevida" in page.json()["interactions"][0]["text"]
    html = httpx.get(link, headers={"Accept": "text/html"})
    assert "Cobrança indevida" in html.text and "<form" in html.text

    png = {
        "filename": "fatura.png",
        "content_type": "image/png",
        "content_base64": base64.b64encode(b"\x89PNG fatura").decode(),
    }
    answered = httpx.post(
        link, json={"text": "Não procede: o plano mudou em setembro.", "attachment": png}
    )
    assert answered.status_code == 200, answered.text

    # The assignee also had a mail when the ticket was assigned to them: this is the other one.
    [alert] = wait_until(
        lambda: [m for m in mails_to(stack.mail_dir, assignee) if "Não procede" in text_of(m)],
        what="the opinion alert",
    )
    assert protocol in alert["Subject"]
    assert "Não procede" in text_of(alert)
    wait_until(
        lambda: WAITING not in ticket(gateway, protocol)["tags"], what="the tag to be removed"
    )
    history = gateway.get(f"/v1/tickets/{protocol}/history").json()
    [entry] = [e for e in history if e["action"] == "opinion_received"]
    assert entry["detail"]["text"] == "Não procede: o plano mudou em setembro."
    assert entry["detail"]["internal"] is True
    assert entry["detail"]["attachment"]["filename"] == "fatura.png"
    assert base64.b64decode(entry["detail"]["attachment"]["content_base64"]) == b"\x89PNG fatura"
    assert "fatura.png" in text_of(alert)
    dead = httpx.get(link, headers={"Accept": "application/json"})
    assert dead.status_code == 410
    assert protocol not in dead.text and "Cobrança" not in dead.text


def test_a_reused_link_is_refused_and_the_second_answer_is_not_recorded(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    protocol = open_ticket(gateway, ingestor, "Produto chegou quebrado")["protocol"]
    collaborator = f"{unique('perito')}@example.com"
    share(gateway, protocol, collaborator)
    link = link_mailed_to(stack, collaborator)

    assert httpx.post(link, json={"text": "Primeira resposta"}).status_code == 200
    second = httpx.post(link, json={"text": "Segunda resposta"})

    assert second.status_code == 410
    assert "already" in second.json()["detail"] or "sent" in second.json()["detail"]
    wait_until(
        lambda: [
            e
            for e in gateway.get(f"/v1/tickets/{protocol}/history").json()
            if e["action"] == "opinion_received"
        ],
        what="the first answer on the ticket",
    )
    texts = [
        e["detail"]["text"]
        for e in gateway.get(f"/v1/tickets/{protocol}/history").json()
        if e["action"] == "opinion_received"
    ]
    assert texts == ["Primeira resposta"]


def test_a_tampered_link_is_refused_and_reveals_nothing(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    opened = open_ticket(gateway, ingestor, "Segredo comercial no ticket")
    collaborator = f"{unique('perito')}@example.com"
    share(gateway, opened["protocol"], collaborator)
    link = link_mailed_to(stack, collaborator)
    payload, signature = link.rsplit("/", 1)[1].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["e"] += 10 * 24 * 3600  # try to stretch the link's life
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    base = link.rsplit("/", 1)[0]

    for token in (f"{forged}.{signature}", f"{payload}.{signature[:-2]}xx", "garbage"):
        response = httpx.get(f"{base}/{token}", headers={"Accept": "application/json"})
        assert response.status_code == 404, token
        assert "Segredo" not in response.text and opened["protocol"] not in response.text
        assert httpx.post(f"{base}/{token}", json={"text": "x"}).status_code == 404
    assert httpx.get(link, headers={"Accept": "application/json"}).status_code == 200


def test_an_expired_link_is_refused_as_expired(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    opened = open_ticket(gateway, ingestor, "Pedido antigo")
    collaborator = f"{unique('perito')}@example.com"
    request = share(gateway, opened["protocol"], collaborator)
    base = link_mailed_to(stack, collaborator).rsplit("/", 1)[0]
    # The test knows the stack's link secret, so it can sign what the notifier
    # would have signed, had the request been made four days ago.
    expired = links.issue(
        LINK_SECRET,
        links.LinkGrant(
            UUID(request["request_id"]),
            UUID(opened["id"]),
            datetime.now(UTC) - timedelta(hours=1),
        ),
    )

    response = httpx.get(
        f"{base}/{expired}", headers={"Accept": "text/html", "Accept-Language": "en-GB,en"}
    )

    assert response.status_code == 410
    assert "This link has expired" in response.text
    assert "Pedido antigo" not in response.text


def test_the_tag_stays_until_every_pending_request_is_answered(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    protocol = open_ticket(gateway, ingestor, "Dúvida técnica e jurídica")["protocol"]
    first, second = (f"{unique(n)}@example.com" for n in ("tecnico", "juridico"))
    share(gateway, protocol, first)
    share(gateway, protocol, second)
    first_link, second_link = link_mailed_to(stack, first), link_mailed_to(stack, second)

    assert httpx.post(first_link, json={"text": "Parecer técnico"}).status_code == 200
    wait_until(
        lambda: "Parecer técnico" in gateway.get(f"/v1/tickets/{protocol}/history").text,
        what="the first answer",
    )
    assert WAITING in ticket(gateway, protocol)["tags"]
    assert httpx.get(second_link, headers={"Accept": "application/json"}).status_code == 200

    assert httpx.post(second_link, json={"text": "Parecer jurídico"}).status_code == 200
    wait_until(
        lambda: WAITING not in ticket(gateway, protocol)["tags"], what="the tag to be removed"
    )


def test_an_unassigned_tickets_opinion_alerts_the_master_user(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    protocol = open_ticket(gateway, ingestor, "Sem responsável")["protocol"]
    collaborator = f"{unique('perito')}@example.com"
    share(gateway, protocol, collaborator)

    httpx.post(link_mailed_to(stack, collaborator), json={"text": "Resposta do perito"})

    wait_until(
        lambda: [
            m
            for m in mails_to(stack.mail_dir, "master@socialdesk.local")
            if protocol in m["Subject"]
        ],
        what="the alert to the master user",
    )


def test_the_collaborator_can_answer_from_the_html_page(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    protocol = open_ticket(gateway, ingestor, "Resposta pelo navegador")["protocol"]
    collaborator = f"{unique('perito')}@example.com"
    share(gateway, protocol, collaborator)
    link = link_mailed_to(stack, collaborator)

    browser = {"Accept": "text/html", "Accept-Language": "pt-BR,pt;q=0.9,en;q=0.8"}
    form = httpx.get(link, headers=browser)
    sent = httpx.post(link, data={"text": "Enviado pelo formulário"}, headers=browser)

    assert "Enviar o parecer" in form.text
    assert sent.status_code == 200 and "o seu parecer foi enviado" in sent.text
    refused = httpx.get(link, headers=browser)
    assert refused.status_code == 410 and "Resposta pelo navegador" not in refused.text
    assert "O seu parecer foi enviado" in refused.text


def test_attachments_too_large_or_of_the_wrong_type_are_refused_with_a_reason(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    protocol = open_ticket(gateway, ingestor, "Anexos")["protocol"]
    big = base64.b64encode(b"x" * (5 * 1024 * 1024 + 1)).decode()
    url = f"/v1/tickets/{protocol}/opinion-requests"
    email = "perito@example.com"

    too_big = gateway.post(
        url, json={"email": email, "attachments": [{**PDF, "content_base64": big}]}
    )
    exe = {"filename": "run.exe", "content_type": "application/x-msdownload", "content_base64": ""}
    wrong_type = gateway.post(url, json={"email": email, "attachments": [exe]})
    bad_email = gateway.post(url, json={"email": "not an address"})
    missing = gateway.post("/v1/tickets/2026-999999/opinion-requests", json={"email": email})

    assert too_big.status_code == 413 and "at most 5.0 MiB" in too_big.json()["detail"]
    assert wrong_type.status_code == 415 and "run.exe" in wrong_type.json()["detail"]
    assert bad_email.status_code == 422
    assert missing.status_code == 404
    assert "Waiting_Opinion" not in ticket(gateway, protocol)["tags"]


def test_a_request_the_collaborators_server_refuses_stops_the_ticket_waiting(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    protocol = open_ticket(gateway, ingestor, "Endereço errado")["protocol"]
    refused = f"refused-{unique('perito')}@example.com"

    request = share(gateway, protocol, refused)

    [entry] = wait_until(
        lambda: [
            e
            for e in gateway.get(f"/v1/tickets/{protocol}/history").json()
            if e["action"] == "opinion_undeliverable"
        ],
        what="the ticket to learn the request was not delivered",
    )
    assert entry["detail"]["request_id"] == request["request_id"]
    assert entry["detail"]["email"] == refused
    assert WAITING not in ticket(gateway, protocol)["tags"]
    assert mails_to(stack.mail_dir, refused) == []


def test_a_rule_shares_its_ticket_as_an_opinion_request(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    keyword = unique("parecer")
    collaborator = f"{unique('juridico')}@example.com"
    create_rule(
        gateway,
        {
            "name": keyword,
            "when": {"text_any": [keyword]},
            "then": {"open_ticket": {}, "share_emails": [collaborator]},
        },
    )
    thread = unique("post")
    message = interaction(thread=thread, text=f"Processo contra a empresa {keyword}")
    post(ingestor, message)
    [opened] = wait_until(lambda: tickets_of_thread(gateway, thread), what="the ticket")

    link = link_mailed_to(stack, collaborator)
    assert WAITING in ticket(gateway, opened["protocol"])["tags"]
    history = gateway.get(f"/v1/tickets/{opened['protocol']}/history").json()
    [requested] = [e for e in history if e["action"] == "opinion_requested"]
    assert requested["actor"].startswith("rule:")
    assert requested["detail"]["email"] == collaborator
    assert httpx.get(link, headers={"Accept": "application/json"}).status_code == 200
