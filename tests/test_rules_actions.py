"""Every action a rule can take, as the decision that travels on the bus to ticketing
(interaction.triaged.v1), merged across rules in order with stop-processing."""

from __future__ import annotations

from typing import Any

import httpx

from tests.people import level
from tests.rules_bus import EventTap
from tests.support import create_rule, interaction, post, unique, wait_until

TRIAGED = "interaction.triaged.v1"


def decision_of(tap: EventTap, external_id: str) -> dict[str, Any] | None:
    for event in tap.events(TRIAGED):
        if event["interaction"]["external_id"] == external_id:
            decision: dict[str, Any] = event["decision"]
            return decision
    return None


def test_every_action_reaches_ticketing_in_the_decision_merged_in_rule_order(
    gateway: httpx.Client, ingestor: httpx.Client, rabbitmq_url: str
) -> None:
    word = unique("vip").replace("-", "")
    vip, basic = level(gateway)["name"], level(gateway)["name"]
    first = create_rule(
        gateway,
        {
            "name": unique("first"),
            "order": -50,
            "when": {"text_any": [word]},
            "then": {
                "open_ticket": {
                    "status": "open",
                    "priority": "high",
                    "level": vip,
                    "assignee": "ana",
                    "team": "sac",
                    "title_template": "$channel: $author_name",
                },
                "add_tags": ["vip"],
                "interaction_tags": ["elogio"],
                "alert_emails": ["gerente@example.com"],
                "share_emails": ["juridico@example.com"],
                "auto_reply": {"template": "Olá $author_name!"},
                "author_groups": ["VIP"],
                "track_engagement": True,
                "digest": {"every": "day", "emails": ["diretoria@example.com"]},
            },
        },
    )
    second = create_rule(
        gateway,
        {
            "name": unique("second"),
            "order": -49,
            "stop_processing": True,
            "when": {"text_any": [word]},
            "then": {
                "open_ticket": {"priority": "low", "level": basic},
                "add_tags": ["VIP", "second"],
                "set_priority": "urgent",
            },
        },
    )
    create_rule(
        gateway,
        {
            "name": unique("after the stop"),
            "order": -48,
            "when": {"text_any": [word]},
            "then": {"add_tags": ["never"]},
        },
    )
    sent = interaction(thread=unique("post"), text=f"Cliente {word} aqui")
    with EventTap(rabbitmq_url, TRIAGED) as tap:
        post(ingestor, sent)
        decision = wait_until(lambda: decision_of(tap, sent["external_id"]), what="the triage")

    assert [m["rule_id"] for m in decision["matched"]] == [first["id"], second["id"]]
    assert decision["open_ticket"] == {
        "status": "open",
        "priority": "high",
        "level": vip,
        "assignee": "ana",
        "team": "sac",
        "title_template": "$channel: $author_name",
    }
    assert decision["ticket_title"] == "facebook: Maria Souza"
    assert decision["set_priority"] == "urgent"
    assert decision["tags"] == ["vip", "second"]
    assert decision["interaction_tags"] == ["elogio"]
    assert decision["alert_emails"] == ["gerente@example.com"]
    assert decision["share_emails"] == ["juridico@example.com"]
    assert decision["auto_replies"] == [{"rule_id": first["id"], "text": "Olá Maria Souza!"}]
    assert decision["author_groups"] == ["VIP"]
    assert decision["track_engagement"] is True
    assert decision["digest_rules"] == [first["id"]]
