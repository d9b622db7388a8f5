"""Ticketing applies every part of the rules' decision: title, priority override, tags on
the interaction, automatic replies (kept pending, never reported as sent), author groups and
engagement tracking; and the level's settings shape the tickets opened in it."""

from __future__ import annotations

from typing import Any

import httpx

from tests.people import level
from tests.support import create_rule, interaction, post, tickets_of_thread, unique, wait_until


def triaged(
    gateway: httpx.Client, ingestor: httpx.Client, then: dict[str, Any], **message: Any
) -> dict[str, Any]:
    """The detail of the ticket a rule with actions ``then`` opened for a new thread."""
    keyword = unique("kw")
    create_rule(gateway, {"name": keyword, "when": {"text_any": [keyword]}, "then": then})
    thread = unique("post")
    post(ingestor, interaction(thread=thread, text=f"socorro {keyword}", **message))
    [ticket] = wait_until(lambda: tickets_of_thread(gateway, thread), what="the ticket")
    return gateway.get(f"/v1/tickets/{ticket['id']}").json()  # type: ignore[no-any-return]


def test_a_rules_title_template_and_priority_override_shape_the_ticket(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    ticket = triaged(
        gateway,
        ingestor,
        {
            "open_ticket": {"priority": "low", "title_template": "Reclamação de $author_name"},
            "set_priority": "urgent",
        },
    )
    assert (ticket["title"], ticket["priority"]) == ("Reclamação de Maria Souza", "urgent")


def test_tags_groups_and_tracking_land_on_the_interaction_and_its_author(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    author = unique("author")
    ticket = triaged(
        gateway,
        ingestor,
        {
            "open_ticket": {},
            "interaction_tags": ["elogio"],
            "author_groups": ["VIP"],
            "track_engagement": True,
        },
        author_id=author,
    )
    [stored] = ticket["interactions"]
    assert stored["tags"] == ["elogio"]
    assert stored["track_engagement"] is True
    assert stored["author_groups"] == ["VIP"]
    assert ticket["tags"] == []


def test_an_automatic_reply_is_a_reply_on_the_ticket_written_by_the_rule(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    ticket = triaged(
        gateway,
        ingestor,
        {"open_ticket": {}, "auto_reply": {"template": "Olá $author_name, já vamos ver."}},
    )
    assert "pending_replies" not in ticket

    def the_reply() -> dict[str, Any] | None:
        detail = gateway.get(f"/v1/tickets/{ticket['id']}").json()
        ours = [i for i in detail["interactions"] if i["interaction"]["direction"] == "outbound"]
        return ours[0] if ours else None

    reply = wait_until(the_reply, what="the automatic reply")
    assert reply["interaction"]["text"] == "Olá Maria Souza, já vamos ver."
    assert reply["delivery"] is not None
    history = gateway.get(f"/v1/tickets/{ticket['id']}/history").json()
    [entry] = [h for h in history if h["action"] == "reply_written"]
    assert entry["actor"].startswith("rule:")
    assert not [h for h in history if h["action"] == "auto_reply_pending"]


def test_a_level_sets_the_default_priority_and_dates_tickets_from_the_interaction(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    legal = level(gateway, default_priority="high", opened_at_from_interaction=True)
    ticket = triaged(gateway, ingestor, {"open_ticket": {"level": legal["name"]}}, minutes=7)
    assert ticket["priority"] == "high"
    assert ticket["opened_at"].startswith("2026-11-25T09:07:00")
