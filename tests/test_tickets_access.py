"""Agents see their levels' tickets and their own; admins see all (docs/domain.md F33)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.people import agent, as_agent, level
from tests.support import create_rule, interaction, post, tickets_of_thread, unique, wait_until


def ticket_in(gateway: httpx.Client, ingestor: httpx.Client, level_name: str) -> dict[str, Any]:
    keyword = unique("kw")
    create_rule(
        gateway,
        {
            "name": keyword,
            "when": {"text_any": [keyword]},
            "then": {"open_ticket": {"level": level_name}},
        },
    )
    thread = unique("post")
    post(ingestor, interaction(thread=thread, text=keyword))
    [ticket] = wait_until(lambda: tickets_of_thread(gateway, thread), what="the ticket")
    return ticket


def test_an_agent_lists_only_their_levels_tickets_and_their_own(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    mine, other = level(gateway), level(gateway)
    ana = agent(gateway, levels=[mine["name"]])
    visible = ticket_in(gateway, ingestor, mine["name"])
    hidden = ticket_in(gateway, ingestor, other["name"])
    handed = ticket_in(gateway, ingestor, other["name"])
    gateway.patch(f"/v1/tickets/{handed['id']}", json={"assignee": ana["id"]}).raise_for_status()

    with as_agent(gateway, ana["id"]) as client:
        seen = {
            t["id"] for t in client.get("/v1/tickets", params={"page_size": 200}).json()["items"]
        }

    assert {visible["id"], handed["id"]} <= seen
    assert hidden["id"] not in seen
    admin_sees = {
        t["id"] for t in gateway.get("/v1/tickets", params={"page_size": 200}).json()["items"]
    }
    assert hidden["id"] in admin_sees


def test_an_agent_opening_someone_elses_ticket_is_forbidden(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    mine, other = level(gateway), level(gateway)
    ana = agent(gateway, levels=[mine["name"]])
    hidden = ticket_in(gateway, ingestor, other["name"])

    with as_agent(gateway, ana["id"]) as client:
        assert client.get(f"/v1/tickets/{hidden['id']}").status_code == 403
        assert client.get(f"/v1/tickets/{hidden['id']}/history").status_code == 403
        refused = client.patch(f"/v1/tickets/{hidden['id']}", json={"status": "open"})
    assert refused.status_code == 403
    assert hidden["protocol"] in refused.json()["detail"]


def test_an_agents_edits_are_recorded_under_their_name(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    mine = level(gateway)
    ana = agent(gateway, levels=[mine["name"]])
    ticket = ticket_in(gateway, ingestor, mine["name"])

    with as_agent(gateway, ana["id"]) as client:
        response = client.patch(f"/v1/tickets/{ticket['id']}", json={"status": "pending"})
    assert response.status_code == 200, response.text

    history = gateway.get(f"/v1/tickets/{ticket['id']}/history").json()
    [change] = [h for h in history if h["field"] == "status"]
    assert change["actor"] == f"agent:{ana['id']}"


def test_a_deactivated_agents_token_stops_working(gateway: httpx.Client) -> None:
    ana = agent(gateway)
    with as_agent(gateway, ana["id"]) as client:
        gateway.put(f"/v1/agents/{ana['id']}", json={**ana, "active": False}).raise_for_status()
        assert client.get("/v1/tickets").status_code == 403
        assert client.get("/v1/interactions").status_code == 403
        assert client.get("/v1/levels").status_code == 403
