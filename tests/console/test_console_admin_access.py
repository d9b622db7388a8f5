"""The administrators' screens by who may use them (``admin-session`` in PAGES,
tests/test_access_openapi.py), with httpx: without a live session they send the browser to
sign in; an agent who is not an administrator is refused every one of them with a 403 page and
changes nothing; an administrator agent opens them."""

from __future__ import annotations

import httpx

from devtools.launcher import Stack
from tests.console.sessions import console_session, csrf_of
from tests.people import agent, level, team
from tests.support import unique
from tests.test_access_openapi import PAGES

ADMIN_PAGES = [page for page, kind in PAGES.items() if kind == "admin-session"]


def visit(client: httpx.Client, page: str, names: dict[str, str]) -> httpx.Response:
    method, template = page.split(" ", 1)
    path = template.format(**names)
    if method == "GET":
        return client.get(path)
    form = {
        "id": names["fresh"],
        "name": names["fresh"],
        "email": f"{names['fresh']}@example.com",
        "channel": "facebook",
        "network_id": names["fresh"],
        "timezone": "UTC",
        "mon_start": "08:00",
        "mon_end": "12:00",
        "first_response": "5",
    }
    return client.post(path, data={"csrf": csrf_of(client), **form})


def test_the_admin_screens_are_for_administrators_only(stack: Stack, gateway: httpx.Client) -> None:
    calendar = unique("cal")
    assert gateway.post("/v1/calendars", json={"name": calendar, "timezone": "UTC"}).is_success
    account = unique("page").lower()
    connected = gateway.post(
        "/v1/accounts",
        json={"id": account, "channel": "facebook", "network_id": account, "name": "Loja"},
    )
    assert connected.status_code == 201, connected.text  # its delete page opens for an admin
    names = {
        "account_id": account,
        "name": level(gateway)["name"],
        "agent_id": agent(gateway)["id"],
        "calendar": calendar,
        "team": team(gateway)["name"],
        "fresh": unique("x"),
    }
    with httpx.Client(base_url=stack.url("gateway"), timeout=30) as anonymous:
        for page in ADMIN_PAGES:
            response = visit(anonymous, page, names)
            assert response.status_code == 303, f"{page}: {response.status_code}"
            assert response.headers["location"].startswith("/sign-in"), page

    plain_agent = agent(gateway)
    before = {
        "agents": gateway.get("/v1/agents").json(),
        "levels": gateway.get("/v1/levels").json(),
        "calendars": gateway.get("/v1/calendars").json(),
        "teams": gateway.get("/v1/teams").json(),
        "accounts": gateway.get("/v1/accounts").json(),
    }
    with console_session(gateway, stack, plain_agent) as plain:
        for page in ADMIN_PAGES:
            response = visit(plain, page, names)
            assert response.status_code == 403, f"{page} as an agent: {response.status_code}"
            assert "Only administrators" in response.text or "Só administradores" in response.text
    for what, seen in before.items():
        assert gateway.get(f"/v1/{what}").json() == seen, f"an agent changed the {what}"

    with console_session(gateway, stack, agent(gateway, admin=True)) as boss:
        for page in ADMIN_PAGES:
            if page.startswith("GET"):
                response = visit(boss, page, names)
                assert response.status_code == 200, f"{page} as an administrator"
