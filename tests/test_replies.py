"""Replies out (issue 11), through the real services against the fake Graph API and the SMTP
sink: an agent answers on the ticket, ticketing asks the ingestor through its outbox, the
ingestor claims the reply and calls the network with the account's token, and the ticket shows
what became of it."""

from __future__ import annotations

import email.utils
import signal
from datetime import UTC, datetime, timedelta
from email.message import Message
from typing import Any

import httpx
import pytest

from devtools.fakenets import meta
from devtools.launcher import Stack
from tests.people import agent, as_agent, level
from tests.support import create_rule, mails_to, post, unique, wait_until
from tests.test_webhooks_meta import (  # noqa: F401  (fake_meta is a fixture)
    comment,
    deliver,
    fake_meta,
    register,
)


class Desk:
    """An account, a level serving it and an agent of that level with their own session."""

    def __init__(self, gateway: httpx.Client, channel: str = "facebook", **account: Any) -> None:
        self.gateway = gateway
        self.account = register(gateway, channel, **account)
        self.level = level(gateway, accounts=[self.account["id"]])
        self.agent = agent(gateway, levels=[self.level["name"]])
        self.session = as_agent(gateway, self.agent["id"])

    def stored(self, external_id: str) -> dict[str, Any]:
        def found() -> dict[str, Any] | None:
            items = self.gateway.get(
                "/v1/interactions", params={"account": self.account["id"], "page_size": 200}
            ).json()["items"]
            return next((i for i in items if i["interaction"]["external_id"] == external_id), None)

        return wait_until(found, timeout=30, what=f"interaction {external_id}")

    def ticket_for(self, external_id: str) -> dict[str, Any]:
        """A ticket opened by hand on the interaction, in the level (so the agent holds it)."""
        stored = self.stored(external_id)
        opened = self.gateway.post(
            "/v1/tickets", json={"interaction_id": stored["id"], "level": self.level["name"]}
        )
        assert opened.status_code == 201, opened.text
        return opened.json()  # type: ignore[no-any-return]

    def reply(self, ticket: dict[str, Any], **body: Any) -> httpx.Response:
        return self.session.post(f"/v1/tickets/{ticket['id']}/replies", json=body)

    def settled(self, ticket: dict[str, Any], reply_id: str) -> dict[str, Any]:
        """The reply once its delivery is no longer queued."""

        def done() -> dict[str, Any] | None:
            detail = self.gateway.get(f"/v1/tickets/{ticket['id']}").json()
            reply = next(i for i in detail["interactions"] if i["id"] == reply_id)
            return reply if reply["delivery"]["state"] not in ("queued", "sending") else None

        return wait_until(done, timeout=60, what=f"reply {reply_id} to settle")

    def history(self, ticket: dict[str, Any]) -> list[dict[str, Any]]:
        return self.gateway.get(f"/v1/tickets/{ticket['id']}/history").json()  # type: ignore[no-any-return]


def sent_to_graph(fake: httpx.Client, text: str) -> list[dict[str, Any]]:
    return [
        r
        for r in fake.get("/_fake/requests", params={"network": "meta"}).json()
        if text in str(r["body"])
    ]


def page_comment_on(desk: Desk, fake: httpx.Client, text: str) -> tuple[str, dict[str, Any]]:
    """A customer's comment on one of the page's posts, and the ticket opened on it."""
    item = comment(desk.account, text)
    comment_id = item["changes"][0]["value"]["comment_id"]
    assert deliver(fake, meta.delivery("page", [item]))["status"] == 200
    return comment_id, desk.ticket_for(comment_id)


def post_of(desk: Desk, comment_id: str) -> str:
    return str(desk.stored(comment_id)["interaction"]["thread_id"])


def text_of(mail: Message) -> str:
    return "".join(
        part.get_payload(decode=True).decode()
        for part in mail.walk()
        if part.get_content_type() == "text/plain"
    )


def test_a_public_reply_to_a_facebook_comment_goes_with_the_pages_token_and_its_echo_adds_nothing(
    fake_meta: httpx.Client,  # noqa: F811
    gateway: httpx.Client,
) -> None:
    desk = Desk(gateway)
    comment_id, ticket = page_comment_on(desk, fake_meta, "Meu pedido não chegou")
    text = f"Olá Maria, já estamos vendo {unique('r')}"

    answer = desk.reply(ticket, text=text, status_after="pending")

    assert answer.status_code == 202, answer.text
    queued = answer.json()
    assert queued["delivery"]["state"] == "queued"
    assert queued["interaction"]["direction"] == "outbound"
    reply = desk.settled(ticket, queued["id"])
    assert reply["delivery"]["state"] == "sent", reply
    [call] = sent_to_graph(fake_meta, text)
    assert call["path"] == f"/v21.0/{comment_id}/comments"
    assert call["query"]["access_token"] == "EAAB-test"
    assert call["body"] == {"message": text}
    assert reply["delivery"]["network_id"].startswith(comment_id)
    detail = gateway.get(f"/v1/tickets/{ticket['id']}").json()
    assert detail["status"] == "pending"
    history = desk.history(ticket)
    written = [e for e in history if e["action"] == "reply_written"]
    assert [e["actor"] for e in written] == [f"agent:{desk.agent['id']}"]
    assert [e["detail"]["outcome"] for e in history if e["action"] == "reply_attempt"] == ["sent"]
    assert any(e["action"] == "reply_sent" for e in history)

    # Meta then tells us about the page's own comment: the reply we just posted.
    echo = meta.page_comment(
        page_id=desk.account["network_id"],
        comment_id=reply["delivery"]["network_id"],
        post_id=post_of(desk, comment_id),
        parent_id=comment_id,
        from_id=desk.account["network_id"],
        from_name="Acme Brasil",
        message=text,
    )
    delivered = deliver(fake_meta, meta.delivery("page", [echo]))
    assert '"accepted":0' in delivered["body"].replace(" ", ""), delivered
    after = gateway.get(f"/v1/tickets/{ticket['id']}").json()
    assert after["interaction_count"] == detail["interaction_count"]
    assert after["status"] == "pending"
    assert len(after["interactions"]) == len(detail["interactions"])


def test_a_private_reply_to_an_instagram_comment_goes_to_the_comment_once(
    fake_meta: httpx.Client,  # noqa: F811
    gateway: httpx.Client,
) -> None:
    desk = Desk(gateway, "instagram")
    comment_id = unique("igc")
    item = meta.instagram_comment(
        ig_id=desk.account["network_id"],
        comment_id=comment_id,
        media_id=unique("media"),
        from_id=unique("iguser"),
        username="maria.souza",
        text="Qual o prazo?",
    )
    assert deliver(fake_meta, meta.delivery("instagram", [item]))["status"] == 200
    ticket = desk.ticket_for(comment_id)
    text = f"Te mandamos por direct {unique('r')}"

    answer = desk.reply(ticket, text=text, private=True)

    assert answer.status_code == 202, answer.text
    reply = desk.settled(ticket, answer.json()["id"])
    assert reply["delivery"]["state"] == "sent", reply
    assert reply["interaction"]["visibility"] == "private"
    [call] = sent_to_graph(fake_meta, text)
    assert call["path"] == f"/v21.0/{desk.account['network_id']}/messages"
    assert call["body"]["recipient"] == {"comment_id": comment_id}

    second = desk.reply(ticket, text="Mais uma coisa", private=True)
    assert second.status_code == 422, second.text
    assert "one private reply per comment" in second.text


def test_a_direct_message_outside_the_24_hour_window_is_refused_with_the_reason(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    desk = Desk(gateway)
    customer = unique("psid")
    mid = unique("mid")
    long_ago = datetime.now(UTC) - timedelta(hours=30)
    post(
        ingestor,
        {
            "channel": "facebook",
            "account": desk.account["id"],
            "external_id": mid,
            "thread_id": f"dm:{desk.account['network_id']}:{customer}",
            "kind": "direct_message",
            "visibility": "private",
            "author": {"id": customer, "name": "Maria Souza"},
            "text": "Oi, tudo bem?",
            "occurred_at": long_ago.isoformat(),
        },
    )
    ticket = desk.ticket_for(mid)

    answer = desk.reply(ticket, text="Oi Maria!")

    assert answer.status_code == 422, answer.text
    assert "within 24 hours of the customer's last message" in answer.text
    detail = gateway.get(f"/v1/tickets/{ticket['id']}").json()
    assert all(i["interaction"]["direction"] == "inbound" for i in detail["interactions"])


def test_a_direct_message_inside_the_window_goes_through_the_send_api(
    fake_meta: httpx.Client,  # noqa: F811
    gateway: httpx.Client,
) -> None:
    desk = Desk(gateway)
    customer, mid = unique("psid"), unique("mid")
    item = meta.direct_message(
        account_id=desk.account["network_id"], customer_id=customer, mid=mid, text="Oi!"
    )
    assert deliver(fake_meta, meta.delivery("page", [item]))["status"] == 200
    ticket = desk.ticket_for(mid)
    text = f"Olá! {unique('r')}"

    reply = desk.settled(ticket, desk.reply(ticket, text=text).json()["id"])

    assert reply["delivery"]["state"] == "sent", reply
    [call] = sent_to_graph(fake_meta, text)
    assert call["body"]["recipient"] == {"id": customer}
    assert call["body"]["messaging_type"] == "RESPONSE"
    # The Send API's echo of our message, by its mid: nothing new on the ticket.
    echo = meta.direct_message(
        account_id=desk.account["network_id"],
        customer_id=customer,
        mid=reply["delivery"]["network_id"],
        text=text,
        echo=True,
    )
    assert '"accepted":0' in deliver(fake_meta, meta.delivery("page", [echo]))["body"]


def test_a_429_with_retry_after_is_waited_out_then_the_reply_is_sent(
    fake_meta: httpx.Client,  # noqa: F811
    gateway: httpx.Client,
) -> None:
    desk = Desk(gateway)
    _comment_id, ticket = page_comment_on(desk, fake_meta, "Alguém?")
    fake_meta.post("/_fake/meta/script", json=[{"status": 429, "retry_after": 1, "code": 4}])
    text = f"Estamos aqui {unique('r')}"

    reply = desk.settled(ticket, desk.reply(ticket, text=text).json()["id"])

    assert reply["delivery"]["state"] == "sent", reply
    assert reply["delivery"]["attempts"] == 2
    calls = sent_to_graph(fake_meta, text)
    assert len(calls) == 2
    attempts = [e for e in desk.history(ticket) if e["action"] == "reply_attempt"]
    assert [e["detail"]["outcome"] for e in attempts] == ["retry", "sent"]
    waited = datetime.fromisoformat(attempts[1]["at"]) - datetime.fromisoformat(attempts[0]["at"])
    assert waited >= timedelta(seconds=0.9), waited


def test_a_permanent_failure_shows_on_the_ticket_and_mails_the_assignee(
    fake_meta: httpx.Client,  # noqa: F811
    gateway: httpx.Client,
    stack: Stack,
) -> None:
    desk = Desk(gateway)
    _comment_id, ticket = page_comment_on(desk, fake_meta, "Quero cancelar")
    assert ticket["assignee"] == desk.agent["id"]
    fake_meta.post(
        "/_fake/meta/script",
        json=[{"status": 400, "code": 100, "message": "Unsupported post request"}],
    )

    reply = desk.settled(ticket, desk.reply(ticket, text="Cancelado!").json()["id"])

    assert reply["delivery"]["state"] == "failed", reply
    assert "Unsupported post request" in reply["delivery"]["reason"]
    assert any(e["action"] == "reply_failed" for e in desk.history(ticket))
    [mail] = wait_until(
        lambda: (
            [
                m
                for m in mails_to(stack.mail_dir, desk.agent["email"])
                if "Unsupported post request" in text_of(m)
            ]
            or None
        ),
        timeout=30,
        what="the failure mail to the assignee",
    )
    assert ticket["protocol"] in mail["Subject"]
    assert "Cancelado!" in text_of(mail)


def test_a_failed_reply_answers_nobody_in_the_reports_and_a_sent_one_does(
    fake_meta: httpx.Client,  # noqa: F811
    gateway: httpx.Client,
) -> None:
    desk = Desk(gateway)
    _comment_id, ticket = page_comment_on(desk, fake_meta, "Cadê meu pedido?")
    fake_meta.post(
        "/_fake/meta/script",
        json=[{"status": 400, "code": 100, "message": "Unsupported post request"}],
    )
    failed = desk.settled(ticket, desk.reply(ticket, text="Já vai!").json()["id"])
    assert failed["delivery"]["state"] == "failed", failed
    resolved = desk.session.patch(f"/v1/tickets/{ticket['id']}", json={"status": "resolved"})
    assert resolved.status_code == 200, resolved.text
    today = datetime.now(UTC).date()
    days = {"since": (today - timedelta(days=1)).isoformat(), "until": today.isoformat()}

    def counts() -> tuple[int, int]:
        response = desk.session.get("/v1/reports/times", params=days)
        assert response.status_code == 200, response.text
        periods = response.json()["periods"]
        return (
            sum(p["first_response"]["count"] for p in periods),
            sum(p["resolution"]["count"] for p in periods),
        )

    # Resolved, so counted: the failed reply is not its first response.
    assert wait_until(lambda: (c := counts())[1] == 1 and c, what="the resolution") == (0, 1)

    reopened = desk.session.patch(f"/v1/tickets/{ticket['id']}", json={"status": "open"})
    assert reopened.status_code == 200, reopened.text
    sent = desk.settled(ticket, desk.reply(ticket, text="Chegou?").json()["id"])
    assert sent["delivery"]["state"] == "sent", sent
    wait_until(lambda: counts() == (1, 0), what="the sent reply as the first response")


def test_an_email_reply_reaches_the_customer_threaded_under_their_message(
    gateway: httpx.Client, ingestor: httpx.Client, stack: Stack
) -> None:
    customer = f"{unique('cliente')}@example.com"
    desk = Desk(
        gateway,
        "email",
        network_id=f"{unique('sac')}@acme.example",
        credentials={
            "smtp_host": "127.0.0.1",
            "smtp_port": str(stack.smtp_port),
            "smtp_tls": "none",
        },
    )
    message_id = f"<{unique('m')}@example.com>"
    post(
        ingestor,
        {
            "channel": "email",
            "account": desk.account["id"],
            "external_id": message_id,
            "kind": "email",
            "visibility": "private",
            "author": {"id": customer, "name": "Maria Souza"},
            "text": "Segue a nota fiscal.",
            "occurred_at": datetime.now(UTC).isoformat(),
            "raw": {"subject": "Pedido 123", "references": ["<first@example.com>"]},
        },
    )
    ticket = desk.ticket_for(message_id)
    text = f"Recebemos, obrigado. {unique('r')}"

    reply = desk.settled(ticket, desk.reply(ticket, text=text).json()["id"])

    assert reply["delivery"]["state"] == "sent", reply
    [mail] = wait_until(lambda: mails_to(stack.mail_dir, customer) or None, timeout=30)
    assert mail["Subject"] == "Re: Pedido 123"
    assert mail["In-Reply-To"] == message_id
    assert mail["References"].split() == ["<first@example.com>", message_id]
    assert mail["Message-ID"] == reply["delivery"]["network_id"]
    assert email.utils.parseaddr(mail["From"])[1] == desk.account["network_id"]
    assert text in text_of(mail)


def test_an_agent_of_another_level_cannot_reply(
    fake_meta: httpx.Client,  # noqa: F811
    gateway: httpx.Client,
) -> None:
    desk = Desk(gateway)
    _, ticket = page_comment_on(desk, fake_meta, "Oi")
    outsider = agent(gateway, levels=[level(gateway)["name"]])
    session = as_agent(gateway, outsider["id"])

    refused = session.post(f"/v1/tickets/{ticket['id']}/replies", json={"text": "Oi"})

    assert refused.status_code == 403, refused.text
    detail = gateway.get(f"/v1/tickets/{ticket['id']}").json()
    assert all(i["interaction"]["direction"] == "inbound" for i in detail["interactions"])


@pytest.mark.parametrize("replies", [12])
def test_an_ingestor_killed_with_replies_in_flight_leaves_them_sent_or_uncertain_never_twice(
    fake_meta: httpx.Client,  # noqa: F811
    gateway: httpx.Client,
    stack: Stack,
    replies: int,
) -> None:
    desk = Desk(gateway)
    tickets = [page_comment_on(desk, fake_meta, f"Pedido {n}")[1] for n in range(replies)]
    second = stack.start_replica("ingestor", 1)
    stack.wait_healthy(timeout=60)
    victim = next(p for p in stack.processes if p.name == "ingestor")
    fake_meta.post("/_fake/meta/delay", json={"seconds": 1.5})
    marker = unique("kill")
    try:
        ids = [(t, desk.reply(t, text=f"{marker} {n}").json()["id"]) for n, t in enumerate(tickets)]
        wait_until(
            lambda: len(sent_to_graph(fake_meta, marker)) >= 2, timeout=30, what="calls in flight"
        )
        victim.popen.send_signal(signal.SIGKILL)
        assert victim.popen.wait(10) == -signal.SIGKILL
        stack.processes.remove(victim)
        settled = [desk.settled(t, reply_id) for t, reply_id in ids]
    finally:
        fake_meta.post("/_fake/meta/delay", json={"seconds": 0})
        stack.start_replica("ingestor", 0)
        stack.wait_healthy(timeout=60)
        stack.stop_process(second)
        stack.processes.remove(second)

    states = [r["delivery"]["state"] for r in settled]
    assert set(states) <= {"sent", "uncertain"}, states
    calls = sent_to_graph(fake_meta, marker)
    for n, reply in enumerate(settled):
        posted = [c for c in calls if c["body"]["message"] == f"{marker} {n}"]
        assert len(posted) <= 1, f"reply {n} was posted {len(posted)} times"
        if reply["delivery"]["state"] == "sent":
            assert len(posted) == 1
    print(f"\n[replies kill -9] {states.count('sent')} sent, {states.count('uncertain')} uncertain")


def test_a_rules_automatic_reply_is_sent_once_per_conversation_within_the_cooldown(
    fake_meta: httpx.Client,  # noqa: F811
    gateway: httpx.Client,
) -> None:
    desk = Desk(gateway)
    word = unique("horario").replace("-", "")
    answer = f"Recebemos sua mensagem {unique('auto')}"
    rule = create_rule(
        gateway,
        {
            "name": word,
            "when": {"text_any": [word]},
            "then": {"open_ticket": {}, "auto_reply": {"template": answer}},
        },
    )
    post_id = unique("post")
    first = comment(desk.account, f"{word} alguém?", post_id=post_id)
    assert deliver(fake_meta, meta.delivery("page", [first]))["status"] == 200
    wait_until(lambda: sent_to_graph(fake_meta, answer), timeout=60, what="the automatic reply")
    second = comment(desk.account, f"{word} de novo?", post_id=post_id)
    assert deliver(fake_meta, meta.delivery("page", [second]))["status"] == 200
    second_id = second["changes"][0]["value"]["comment_id"]
    ticket_id = wait_until(
        lambda: desk.stored(second_id)["ticket_id"], timeout=30, what="the comment's ticket"
    )

    def skipped() -> list[dict[str, Any]] | None:
        history = gateway.get(f"/v1/tickets/{ticket_id}/history").json()
        return [h for h in history if h["action"] == "auto_reply_skipped"] or None

    [entry] = wait_until(skipped, timeout=30, what="the second automatic reply skipped")
    assert "less than" in entry["detail"]["reason"]
    assert entry["actor"] == f"rule:{rule['id']}"
    [call] = sent_to_graph(fake_meta, answer)
    assert call["path"] == f"/v21.0/{first['changes'][0]['value']['comment_id']}/comments"
    history = gateway.get(f"/v1/tickets/{ticket_id}/history").json()
    written = [h for h in history if h["action"] == "reply_written"]
    assert [h["actor"] for h in written] == [f"rule:{rule['id']}"]
