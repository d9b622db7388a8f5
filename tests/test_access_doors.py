"""The doors issue #15 found open, each shut in the service that owns the data: an agent
reaches the interactions, tickets, addresses and backtests of their own levels only."""

from __future__ import annotations

import httpx

from tests.access_world import interactions, two_levels
from tests.people import agent, as_agent
from tests.support import create_rule, unique


def test_an_agent_lists_only_their_levels_interactions_and_their_accounts_loose_ones(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    world = two_levels(gateway, ingestor)
    a, b = world.a, world.b

    with as_agent(gateway, a.agent["id"]) as alice:
        by_text = {i["id"] for i in interactions(alice, text=world.marker)}
        loose = {i["id"] for i in interactions(alice, has_ticket="false", text=world.marker)}
        everything = {i["id"] for i in interactions(alice)}

    assert by_text == {a.ticketed["id"], a.loose["id"]}
    assert loose == {a.loose["id"]}
    assert not {b.ticketed["id"], b.loose["id"]} & everything
    admin_sees = {i["id"] for i in interactions(gateway, text=world.marker)}
    assert admin_sees == {a.ticketed["id"], a.loose["id"], b.ticketed["id"], b.loose["id"]}


def test_an_agent_tags_and_opens_tickets_only_within_their_levels(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    world = two_levels(gateway, ingestor)
    a, b = world.a, world.b

    with as_agent(gateway, a.agent["id"]) as alice:
        tag = {"tags": [unique("tag")]}
        assert alice.post(f"/v1/interactions/{b.ticketed['id']}/tags", json=tag).status_code == 403
        assert alice.post(f"/v1/interactions/{b.loose['id']}/tags", json=tag).status_code == 403
        assert alice.post(f"/v1/interactions/{a.loose['id']}/tags", json=tag).status_code == 200

        elsewhere = alice.post(
            "/v1/tickets", json={"interaction_id": a.loose["id"], "level": b.level}
        )
        theirs = alice.post("/v1/tickets", json={"interaction_id": b.loose["id"]})
        taken = alice.post("/v1/tickets", json={"interaction_id": b.ticketed["id"]})
        child = alice.post(
            f"/v1/tickets/{a.ticket['id']}/children", json={"title": "x", "level": b.level}
        )
        own_child = alice.post(
            f"/v1/tickets/{a.ticket['id']}/children", json={"title": "x", "level": a.level}
        )
        opened = alice.post("/v1/tickets", json={"interaction_id": a.loose["id"], "level": a.level})
        again = alice.post("/v1/tickets", json={"interaction_id": a.loose["id"]})

    assert (elsewhere.status_code, theirs.status_code, child.status_code) == (403, 403, 403)
    # Another level's ticket is not named, not even as a conflict.
    assert taken.status_code == 403, taken.text
    assert b.ticket["protocol"] not in taken.text and b.ticket["id"] not in taken.text
    assert own_child.status_code == 201, own_child.text
    assert opened.status_code == 201, opened.text
    assert opened.json()["level"] == a.level
    assert again.status_code == 409 and opened.json()["id"] in again.text
    b_tags = gateway.get(f"/v1/tickets/{b.ticket['id']}").json()["interactions"][0]["tags"]
    assert tag["tags"][0] not in b_tags


def test_agents_see_colleagues_names_and_rules_without_their_addresses(
    gateway: httpx.Client,
) -> None:
    alice, bob = agent(gateway), agent(gateway)
    rule = create_rule(
        gateway,
        {
            "name": unique("alerta"),
            "when": {"text_any": [unique("kw")]},
            "then": {"alert_emails": ["legal@example.com"], "share_emails": ["ext@example.com"]},
        },
    )

    with as_agent(gateway, alice["id"]) as client:
        listed = {a["id"]: a for a in client.get("/v1/agents").json()}
        one = client.get(f"/v1/agents/{bob['id']}").json()
        mine = client.get(f"/v1/agents/{alice['id']}").json()
        read = client.get(f"/v1/rules/{rule['id']}").json()
        page = {r["id"]: r for r in client.get("/v1/rules").json()["items"]}
        history = client.get(f"/v1/rules/{rule['id']}/history").json()["items"]

    assert (listed[bob["id"]]["name"], listed[bob["id"]]["email"]) == (bob["name"], "")
    assert one["email"] == "" and mine["email"] == alice["email"]
    for shown in (read, page[rule["id"]], history[0]["after"]):
        assert (shown["then"]["alert_emails"], shown["then"]["share_emails"]) == ([], [])
    admin_read = gateway.get(f"/v1/rules/{rule['id']}").json()
    assert admin_read["then"]["alert_emails"] == ["legal@example.com"]
    assert gateway.get(f"/v1/agents/{bob['id']}").json()["email"] == bob["email"]


def test_backtests_over_the_logged_interactions_are_for_administrators(
    gateway: httpx.Client,
) -> None:
    catch_all = {"name": unique("tudo"), "when": {"text_regex": ["."]}, "then": {}}
    rule = create_rule(gateway, {**catch_all, "active": False})
    window = {"from": "2026-11-25T00:00:00Z", "to": "2026-11-26T00:00:00Z", "rule": catch_all}
    someone = agent(gateway)

    with as_agent(gateway, someone["id"]) as client:
        refused = client.post(f"/v1/rules/{rule['id']}/backtest", json=window)

    assert refused.status_code == 403, refused.text
    assert "administrator" in refused.json()["detail"]
    assert gateway.post(f"/v1/rules/{rule['id']}/backtest", json=window).status_code == 200
