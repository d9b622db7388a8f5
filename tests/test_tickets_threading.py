"""Threading and reopening (docs/domain.md F2) for direct messages and resolved tickets."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support import create_rule, interaction, post, tickets, unique, wait_until


def dm(author: str, text: str, minutes: int, account: str = "acme-page") -> dict[str, Any]:
    return interaction(
        thread=None,
        text=text,
        kind="direct_message",
        visibility="private",
        author_id=author,
        account=account,
        minutes=minutes,
    )


def tickets_of_author(gateway: httpx.Client, author: str) -> list[dict[str, Any]]:
    return [t for t in tickets(gateway) if t["thread_key"].endswith(f":dm:{author}")]


def test_direct_messages_of_one_author_on_one_account_share_a_ticket(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    keyword = unique("dm")
    create_rule(
        gateway, {"name": keyword, "when": {"text_any": [keyword]}, "then": {"open_ticket": {}}}
    )
    author, other = unique("author"), unique("author")

    post(ingestor, [dm(author, f"{keyword} oi", 0), dm(other, f"{keyword} olá", 0)])
    [first] = wait_until(lambda: tickets_of_author(gateway, author), what="the first DM's ticket")
    post(ingestor, [dm(author, "ainda aí?", 1), dm(author, "alô", 2)])

    wait_until(
        lambda: gateway.get(f"/v1/tickets/{first['id']}").json()["interaction_count"] == 3,
        what="the author's DMs on one ticket",
    )
    assert len(tickets_of_author(gateway, author)) == 1
    assert len(wait_until(lambda: tickets_of_author(gateway, other), what="the other's")) == 1


def test_a_customers_message_on_a_resolved_ticket_reopens_it(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    keyword = unique("kw")
    create_rule(
        gateway, {"name": keyword, "when": {"text_any": [keyword]}, "then": {"open_ticket": {}}}
    )
    thread = unique("post")
    post(ingestor, interaction(thread=thread, text=keyword))
    [ticket] = wait_until(
        lambda: [t for t in tickets(gateway) if t["thread_key"].endswith(f":thread:{thread}")],
        what="the ticket",
    )
    url = f"/v1/tickets/{ticket['id']}"
    gateway.patch(url, json={"status": "resolved"}).raise_for_status()

    post(ingestor, interaction(thread=thread, text="não resolveu", minutes=5))

    wait_until(lambda: gateway.get(url).json()["status"] == "open", what="the ticket reopened")
