"""Filters the rules service works out itself (sentiment, language, business hours) deciding
real tickets through the gateway and the real bus, with the reasons on the ticket's history."""

from __future__ import annotations

from typing import Any

import httpx

from tests.rules_bus import EventTap
from tests.support import create_rule, interaction, post, tickets_of_thread, unique, wait_until

TRIAGED = "interaction.triaged.v1"


def fired(tap: EventTap, external_id: str, rule_name: str) -> list[dict[str, Any]] | None:
    """The rule's match in the interaction's decision ([] when it did not fire), or None while
    the interaction has not been triaged yet."""
    for event in tap.events(TRIAGED):
        if event["interaction"]["external_id"] == external_id:
            return [m for m in event["decision"]["matched"] if m["rule_name"] == rule_name]
    return None


def test_a_negative_comment_after_hours_is_tagged_and_the_history_says_why(
    gateway: httpx.Client, ingestor: httpx.Client, rabbitmq_url: str
) -> None:
    tag, name = unique("after-hours"), unique("angry after hours")
    create_rule(
        gateway,
        {
            "name": name,
            "order": -100,
            "when": {
                "channels": ["instagram"],
                "sentiments": ["negative"],
                "languages": ["pt"],
                "business_hours": {
                    "timezone": "America/Sao_Paulo",
                    "weekly": {"mon": [{"start": "09:00", "end": "18:00"}]},
                    "inside": False,
                },
            },
            "then": {"open_ticket": {"priority": "high"}, "add_tags": [tag]},
        },
    )
    # 09:00 UTC on Wednesday 2026-11-25 is 06:00 in São Paulo: closed.
    angry = interaction(
        thread=unique("post"), channel="instagram", text="Que atendimento péssimo, não resolveram"
    )
    happy = interaction(
        thread=unique("post"), channel="instagram", text="Adorei a loja, obrigada pela ajuda!"
    )
    with EventTap(rabbitmq_url, TRIAGED) as tap:
        post(ingestor, [angry, happy])
        wait_until(
            lambda: fired(tap, happy["external_id"], name) is not None, what="the happy triage"
        )
        assert fired(tap, happy["external_id"], name) == []

    [ticket] = wait_until(lambda: tickets_of_thread(gateway, angry["thread_id"]), what="ticket")
    assert tag in ticket["tags"]
    history = gateway.get(f"/v1/tickets/{ticket['id']}/history").json()
    [match] = [r for r in history[0]["detail"]["rules"] if r["rule_name"] == name]
    assert match["reasons"] == [
        "channel is instagram",
        "language is pt (detected from its common words)",
        "Wed 2026-11-25 06:00 America/Sao_Paulo is outside business hours",
        "sentiment is negative (from the words 'pessimo')",
    ]
