"""A comment edited, then removed, on Facebook: the fake Meta signs both deliveries, the real
ingestor turns them into interaction.changed.v1 and ticketing applies them to the ticket's
interaction, with the network in the history."""

from __future__ import annotations

from typing import Any

import httpx

from devtools.fakenets import meta
from tests.support import create_rule, unique, wait_until
from tests.test_webhooks_meta import comment, deliver, fake_meta, interactions_of, register

__all__ = ["fake_meta"]  # the fixture, shared with the other Meta webhook tests

T0 = 1_800_000_000


def test_an_edit_then_a_removal_show_on_the_ticket(
    fake_meta: httpx.Client, gateway: httpx.Client
) -> None:
    account = register(gateway)
    keyword = unique("kw").replace("-", "")
    create_rule(
        gateway, {"name": keyword, "when": {"text_any": [keyword]}, "then": {"open_ticket": {}}}
    )
    comment_id, post_id, author = unique("c"), unique("post"), unique("user")

    def version(verb: str, text: str, at: int) -> dict[str, Any]:
        entry = comment(
            account,
            text,
            comment_id=comment_id,
            post_id=post_id,
            from_id=author,
            verb=verb,
            created_time=at,
        )
        return meta.delivery("page", [entry])

    assert deliver(fake_meta, version("add", f"Cadê meu pedido? {keyword}", T0))["status"] == 200
    ticket_id = wait_until(
        lambda: interactions_of(gateway, account["id"], 1)[0].get("ticket_id"),
        timeout=60,
        what="the comment's ticket",
    )
    edit = version("edited", f"{keyword} já faz 10 dias", T0 + 60)
    assert deliver(fake_meta, edit)["status"] == 200
    assert deliver(fake_meta, edit)["status"] == 200  # Meta's retry: applied once
    assert deliver(fake_meta, version("remove", "", T0 + 120))["status"] == 200

    def changed() -> list[dict[str, Any]] | None:
        history = gateway.get(f"/v1/tickets/{ticket_id}/history").json()
        entries = [h for h in history if h["action"].startswith("interaction_")]
        return entries if len(entries) >= 2 else None

    edited, removed = wait_until(changed, timeout=60, what="the edit and removal in the history")
    assert (edited["action"], edited["actor"]) == ("interaction_edited", "network:facebook")
    assert (edited["before"], edited["after"]) == (
        f"Cadê meu pedido? {keyword}",
        f"{keyword} já faz 10 dias",
    )
    assert (removed["action"], removed["actor"]) == ("interaction_removed", "network:facebook")
    detail = gateway.get(f"/v1/tickets/{ticket_id}").json()
    [kept] = detail["interactions"]
    assert kept["interaction"]["text"] == f"{keyword} já faz 10 dias"
    assert kept["removed_at"] is not None and kept["edited_at"] is not None
