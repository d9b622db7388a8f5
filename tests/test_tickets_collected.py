"""An interaction whose rules want an alert (and tags, a priority, a reply, a share) but no
ticket of its own, stored before the interaction that opens its conversation's ticket: the
ticket that collects it applies all of it, once (issue 9: its alert mail was never sent, its
priority and tags never applied). Through the real services, two ticketing replicas."""

from __future__ import annotations

from typing import Any

import httpx

from devtools.launcher import Stack
from tests.support import (
    create_rule,
    interaction,
    mails_to,
    post,
    tickets_of_thread,
    unique,
    wait_until,
)


def rules(gateway: httpx.Client) -> dict[str, str]:
    """A rule that alerts (and more) without opening, and one that opens; their words and
    addresses."""
    names = {
        "alert_word": unique("alerta").replace("-", ""),
        "open_word": unique("abre").replace("-", ""),
        "alert_to": f"{unique('gerente')}@example.com",
        "share_to": f"{unique('juridico')}@example.com",
    }
    create_rule(
        gateway,
        {
            "name": names["alert_word"],
            "when": {"text_any": [names["alert_word"]]},
            "then": {
                "alert_emails": [names["alert_to"]],
                "add_tags": ["procon"],
                "set_priority": "urgent",
                "auto_reply": {"template": "Olá $author_name, já vamos ver."},
                "share_emails": [names["share_to"]],
            },
        },
    )
    create_rule(
        gateway,
        {
            "name": names["open_word"],
            "when": {"text_any": [names["open_word"]]},
            "then": {"open_ticket": {}},
        },
    )
    return names


def outbound(gateway: httpx.Client, ticket: dict[str, Any]) -> dict[str, Any] | None:
    detail = gateway.get(f"/v1/tickets/{ticket['id']}").json()
    ours = [i for i in detail["interactions"] if i["interaction"]["direction"] == "outbound"]
    return ours[0] if ours else None


def unticketed(gateway: httpx.Client, word: str) -> list[dict[str, Any]]:
    page = gateway.get("/v1/interactions", params={"text": word, "has_ticket": False})
    page.raise_for_status()
    return page.json()["items"]  # type: ignore[no-any-return]


def test_an_alert_asked_for_before_the_ticket_opened_is_mailed_once_with_the_rest_applied(
    gateway: httpx.Client, ingestor: httpx.Client, stack: Stack
) -> None:
    words = rules(gateway)
    thread = unique("post")
    post(ingestor, interaction(thread=thread, text=f"{words['alert_word']} de novo", minutes=1))
    # Deterministically the order that lost the alert: stored first, with no ticket to go on.
    wait_until(lambda: unticketed(gateway, words["alert_word"]), what="the unticketed comment")

    post(ingestor, interaction(thread=thread, text=f"{words['open_word']} aqui", minutes=2))

    [ticket] = wait_until(lambda: tickets_of_thread(gateway, thread), what="the ticket")
    [alert] = wait_until(lambda: mails_to(stack.mail_dir, words["alert_to"]), what="the alert")
    wait_until(lambda: mails_to(stack.mail_dir, words["share_to"]), what="the opinion request")
    # The collected comment's automatic reply goes out through the reply path (issue 11; it
    # used to wait as "pending" forever): tests/test_replies_networks.py sees it reach the
    # network.
    reply = wait_until(lambda: outbound(gateway, ticket), what="the automatic reply")
    assert reply["interaction"]["text"] == "Olá Maria Souza, já vamos ver."
    detail = gateway.get(f"/v1/tickets/{ticket['id']}").json()
    assert detail["interaction_count"] == 3
    assert detail["priority"] == "urgent"
    assert {"procon", "Waiting_Opinion"} <= set(detail["tags"])
    history = gateway.get(f"/v1/tickets/{ticket['id']}/history").json()
    written = [h["actor"] for h in history if h["action"] == "reply_written"]
    assert len(written) == 1 and written[0].startswith("rule:")
    assert len(mails_to(stack.mail_dir, words["alert_to"])) == 1
    assert len(mails_to(stack.mail_dir, words["share_to"])) == 1
    assert alert["Subject"]


def test_conversations_posted_at_once_get_every_alert_once_across_two_replicas(
    gateway: httpx.Client, ingestor: httpx.Client, stack: Stack
) -> None:
    words = rules(gateway)
    threads = [unique("post") for _ in range(20)]
    batch = []
    for thread in threads:  # the alerting comment first, the opener right behind it
        batch += [
            interaction(thread=thread, text=f"{words['alert_word']} oi", minutes=1),
            interaction(thread=thread, text=f"{words['open_word']} oi", minutes=2),
        ]
    post(ingestor, batch)

    wait_until(
        lambda: len(mails_to(stack.mail_dir, words["alert_to"])) >= len(threads),
        timeout=60,
        what="an alert per conversation",
    )
    wait_until(
        lambda: len(mails_to(stack.mail_dir, words["share_to"])) >= len(threads),
        timeout=60,
        what="an opinion request per conversation",
    )
    for thread in threads:
        [ticket] = tickets_of_thread(gateway, thread)
        assert ticket["priority"] == "urgent"
        # Both customer comments, and the alert rule's automatic reply exactly once, whichever
        # order the ticket and its comment met in (collected or triaged after).
        wait_until(lambda t=ticket: outbound(gateway, t), what="the automatic reply")
        detail = gateway.get(f"/v1/tickets/{ticket['id']}").json()
        directions = [i["interaction"]["direction"] for i in detail["interactions"]]
        assert directions.count("inbound") == 2
        assert directions.count("outbound") == 1
    assert len(mails_to(stack.mail_dir, words["alert_to"])) == len(threads)
    assert len(mails_to(stack.mail_dir, words["share_to"])) == len(threads)
