"""Administrator agents (issue #14, admins in the console): the development admin token makes
an agent an administrator; with their own API token, and signed in to the console, they may do
what the admin token does, while an agent who is not one is refused. Taking the flag away, or
deactivating the agent, takes effect on the very next request."""

from __future__ import annotations

from typing import Any

import httpx

from devtools.launcher import Stack
from tests.access_world import World, two_levels
from tests.console.sessions import console_session
from tests.people import agent, as_agent, level
from tests.support import unique

FIELDS = ("id", "name", "email", "language", "levels", "teams", "active")


def made_admin(gateway: httpx.Client, person: dict[str, Any], admin: bool = True) -> None:
    body = {k: person[k] for k in FIELDS}
    replaced = gateway.put(f"/v1/agents/{person['id']}", json={**body, "admin": admin})
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["admin"] is admin


def test_an_admin_agent_s_token_administers_and_an_agent_s_does_not(
    stack: Stack, gateway: httpx.Client
) -> None:
    boss, plain = agent(gateway), agent(gateway)
    assert boss["admin"] is False
    made_admin(gateway, boss)
    with as_agent(gateway, boss["id"]) as as_boss, as_agent(gateway, plain["id"]) as as_plain:
        created = as_boss.post("/v1/levels", json={"name": unique("level")})
        assert created.status_code == 201, created.text
        assert as_boss.get("/v1/accounts").status_code == 200
        seen = as_boss.get(f"/v1/agents/{plain['id']}").json()
        assert seen["email"] == plain["email"]  # addresses are administrators' to see

        refused = as_plain.post("/v1/levels", json={"name": unique("level")})
        assert refused.status_code == 403, refused.text
        assert as_plain.get("/v1/accounts").status_code == 403
        body = {k: plain[k] for k in FIELDS}
        promoted = as_plain.put(f"/v1/agents/{plain['id']}", json={**body, "admin": True})
        assert promoted.status_code == 403, "an agent made themselves an administrator"
        assert gateway.get(f"/v1/agents/{plain['id']}").json()["admin"] is False

        made_admin(gateway, boss, admin=False)
        after = as_boss.post("/v1/levels", json={"name": unique("level")})
        assert after.status_code == 403, "the taken-away flag still let the old token in"
        assert as_boss.get("/v1/agents").status_code == 200  # still an agent


def test_a_deactivated_admin_agent_is_refused_at_once(stack: Stack, gateway: httpx.Client) -> None:
    boss = agent(gateway, admin=True)
    with as_agent(gateway, boss["id"]) as as_boss:
        assert as_boss.get("/v1/accounts").status_code == 200
        body = {k: boss[k] for k in FIELDS}
        off = gateway.put(f"/v1/agents/{boss['id']}", json={**body, "admin": True, "active": False})
        assert off.status_code == 200, off.text
        assert as_boss.get("/v1/accounts").status_code == 403
        assert as_boss.get("/v1/agents").status_code == 403


def test_an_admin_agent_signed_in_to_the_console_sees_every_level(
    stack: Stack, gateway: httpx.Client, ingestor: httpx.Client
) -> None:
    world: World = two_levels(gateway, ingestor)
    protocol = world.a.ticket["protocol"]
    boss = agent(gateway, levels=[level(gateway)["name"]], admin=True)
    with console_session(gateway, stack, boss) as console:
        page = console.get(f"/tickets/{protocol}")
        assert page.status_code == 200, page.text
        assert protocol in console.get("/").text
    with console_session(gateway, stack, world.b.agent) as bob:
        assert bob.get(f"/tickets/{protocol}").status_code == 403
