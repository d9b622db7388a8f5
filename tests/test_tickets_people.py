"""Agents, teams and levels through the gateway, and agents signing in with their own
tokens."""

from __future__ import annotations

import httpx
import jwt

from tests.people import agent, as_agent, level, team
from tests.support import (
    JWT_SECRET,
    create_rule,
    interaction,
    invalid,
    post,
    tickets_of_thread,
    unique,
    wait_until,
)


def test_a_level_lists_the_agents_who_work_it(gateway: httpx.Client) -> None:
    legal = level(gateway, default_priority="high", auto_close_after_hours=72)
    night = team(gateway)
    ana = agent(gateway, levels=[legal["name"]], teams=[night["name"]])

    read = gateway.get(f"/v1/levels/{legal['name']}").json()
    assert read["agents"] == [ana["id"]]
    assert (read["default_priority"], read["auto_close_after_hours"]) == ("high", 72)
    assert gateway.get(f"/v1/teams/{night['name']}").json()["agents"] == [ana["id"]]
    assert ana["id"] in [a["id"] for a in gateway.get("/v1/agents").json()]


def test_moving_an_agent_to_another_level_changes_both_levels(gateway: httpx.Client) -> None:
    basic, legal = level(gateway), level(gateway)
    ana = agent(gateway, levels=[basic["name"]])

    moved = gateway.put(f"/v1/agents/{ana['id']}", json={**ana, "levels": [legal["name"]]})

    assert moved.status_code == 200, moved.text
    assert gateway.get(f"/v1/levels/{basic['name']}").json()["agents"] == []
    assert gateway.get(f"/v1/levels/{legal['name']}").json()["agents"] == [ana["id"]]


def test_an_agent_in_a_level_that_does_not_exist_is_refused(gateway: httpx.Client) -> None:
    missing = unique("nowhere")
    response = gateway.post(
        "/v1/agents",
        json={"id": unique("agent"), "name": "X", "email": "x@example.com", "levels": [missing]},
    )
    assert response.status_code == 422
    assert missing in invalid(response)[("body", "levels")]


def test_a_taken_agent_id_or_level_name_is_a_conflict(gateway: httpx.Client) -> None:
    ana = agent(gateway)
    legal = level(gateway)
    # The agent as created, but for its revision (a read's, which a new record has not).
    created = {name: value for name, value in ana.items() if name != "revision"}
    again = gateway.post("/v1/agents", json={**created, "name": "Someone else"})
    assert again.status_code == 409
    assert gateway.post("/v1/levels", json={"name": legal["name"]}).status_code == 409


def test_a_level_default_priority_off_the_scale_is_refused(gateway: httpx.Client) -> None:
    response = gateway.post(
        "/v1/levels", json={"name": unique("level"), "default_priority": "asap"}
    )
    assert response.status_code == 422
    assert "asap" in invalid(response)[("body", "default_priority")]


def test_deleted_level_is_gone(gateway: httpx.Client) -> None:
    legal = level(gateway)
    assert gateway.delete(f"/v1/levels/{legal['name']}").status_code == 204
    assert gateway.get(f"/v1/levels/{legal['name']}").status_code == 404
    assert gateway.delete(f"/v1/levels/{legal['name']}").status_code == 404


def ticket_on_level(gateway: httpx.Client, ingestor: httpx.Client, name: str) -> dict:
    """A ticket a rule opens on the level ``name``."""
    keyword = unique("kw")
    then = {"open_ticket": {"level": name}}
    create_rule(gateway, {"name": keyword, "when": {"text_any": [keyword]}, "then": then})
    thread = unique("post")
    post(ingestor, interaction(thread=thread, text=f"help {keyword}"))
    [ticket] = wait_until(lambda: tickets_of_thread(gateway, thread), what="the ticket")
    return ticket


def test_a_ticket_is_never_put_on_a_deleted_level_and_says_why(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    """A rule saved while its level existed still opens tickets once the level is deleted,
    without the level (its history says why); moving a ticket onto it is a 422."""
    legal = level(gateway)["name"]
    keyword = unique("kw")
    then = {"open_ticket": {"level": legal}}
    create_rule(gateway, {"name": keyword, "when": {"text_any": [keyword]}, "then": then})
    assert gateway.delete(f"/v1/levels/{legal}").status_code == 204

    thread = unique("post")
    post(ingestor, interaction(thread=thread, text=f"help {keyword}"))
    [ticket] = wait_until(lambda: tickets_of_thread(gateway, thread), what="the ticket")
    assert ticket["level"] is None
    history = gateway.get(f"/v1/tickets/{ticket['id']}/history").json()
    [opened] = [entry for entry in history if entry["action"] == "opened"]
    assert f"there is no level '{legal}'" in opened["detail"]["level_refused"]

    moved = gateway.patch(f"/v1/tickets/{ticket['id']}", json={"level": legal})
    assert moved.status_code == 422
    assert f"there is no level '{legal}'" in moved.text
    assert gateway.get(f"/v1/tickets/{ticket['id']}").json()["level"] is None


def test_a_level_with_open_tickets_is_kept_until_they_move_or_finish(
    gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    legal, basic = level(gateway), level(gateway)
    waiting = ticket_on_level(gateway, ingestor, legal["name"])
    done = ticket_on_level(gateway, ingestor, legal["name"])
    assert (waiting["level"], done["level"]) == (legal["name"], legal["name"])
    resolved = gateway.patch(f"/v1/tickets/{done['id']}", json={"status": "resolved"})
    assert resolved.status_code == 200, resolved.text

    refused = gateway.delete(f"/v1/levels/{legal['name']}")
    assert refused.status_code == 409
    assert "still has 1 open ticket(s)" in refused.json()["detail"]
    assert gateway.get(f"/v1/levels/{legal['name']}").status_code == 200

    moved = gateway.patch(f"/v1/tickets/{waiting['id']}", json={"level": basic["name"]})
    assert moved.status_code == 200, moved.text
    assert gateway.delete(f"/v1/levels/{legal['name']}").status_code == 204
    assert gateway.get(f"/v1/tickets/{done['id']}").json()["level"] == legal["name"]


def test_an_agent_signs_in_with_a_token_the_admin_issued(gateway: httpx.Client) -> None:
    ana = agent(gateway)
    with as_agent(gateway, ana["id"]) as client:
        response = client.get("/v1/agents")
    assert response.status_code == 200


def test_an_agent_cannot_use_admin_only_endpoints(gateway: httpx.Client) -> None:
    ana = agent(gateway)
    with as_agent(gateway, ana["id"]) as client:
        assert client.post("/v1/levels", json={"name": unique("level")}).status_code == 403
        assert client.post(f"/v1/agents/{ana['id']}/tokens").status_code == 403


def test_an_expired_or_forged_token_is_refused(gateway: httpx.Client) -> None:
    ana = agent(gateway)
    forged = jwt.encode(
        {"sub": ana["id"], "role": "agent", "aud": "socialdesk-gateway", "exp": 2**40},
        "not-the-secret-at-all-but-long-enough-for-hs256",
        "HS256",
    )
    expired = jwt.encode(
        {"sub": ana["id"], "role": "agent", "aud": "socialdesk-gateway", "exp": 1},
        JWT_SECRET,
        "HS256",
    )
    for token in (forged, expired, "garbage"):
        response = httpx.get(
            f"{gateway.base_url}/v1/agents", headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 401, token


def test_no_token_for_an_inactive_or_unknown_agent(gateway: httpx.Client) -> None:
    gone = agent(gateway, active=False)
    assert gateway.post(f"/v1/agents/{gone['id']}/tokens").status_code == 409
    assert gateway.post(f"/v1/agents/{unique('nobody')}/tokens").status_code == 404


def test_a_level_that_still_has_agents_is_not_deleted(gateway: httpx.Client) -> None:
    legal = level(gateway)
    ana = agent(gateway, levels=[legal["name"]])
    refused = gateway.delete(f"/v1/levels/{legal['name']}")
    assert refused.status_code == 409
    assert ana["id"] in refused.json()["detail"]
    assert gateway.get(f"/v1/levels/{legal['name']}").status_code == 200
