"""Every console page by who may use it (``PAGES`` in tests/test_access_openapi.py), with
httpx: without a live session every session page sends the browser to sign in; an agent of
another level is refused level A's ticket page and actions and does not see it listed; a
deactivated agent's session ends at once; no form is taken without its CSRF token."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from devtools.launcher import Stack
from tests.access_world import World, two_levels
from tests.console.sessions import console_session, csrf_of
from tests.people import agent
from tests.support import interaction
from tests.test_access_openapi import PAGES

FORMS: dict[str, dict[str, str]] = {
    "POST /tickets/{ref}/notes": {"text": "a note from another level"},
    "POST /tickets/{ref}/changes": {"status": "pending", "tags": "taken"},
    "POST /tickets/{ref}/assignment": {"assignee": "most_available"},
    "POST /tickets/{ref}/replies": {"text": "a reply from another level"},
    "POST /approvals/{reply_id}/edit": {"text": "x"},
    "POST /approvals/{reply_id}/approve": {},
    "POST /approvals/{reply_id}/reject": {"reason": "x"},
    "POST /canned": {"shortcut": "x", "text": "x"},
    "POST /canned/{canned_id}": {"shortcut": "x", "text": "x"},
    "POST /canned/{canned_id}/delete": {},
    "POST /views": {"name": "a view of mine", "filters": "{}"},
    "POST /inbox/bulk": {"ref": "{ref}", "status": "pending", "add_tags": "taken"},
    "POST /views/{view_id}/board/moves": {"ref": "{ref}", "status": "pending"},
    "POST /rules/save": {"name": "not mine to save", "when": "{}", "then": '{"add_tags": ["x"]}'},
    "POST /rules/test": {
        "name": "a draft",
        "when": '{"text_any": ["pedido"]}',
        "then": '{"add_tags": ["x"]}',
        "interaction": json.dumps(interaction(thread="t", text="meu pedido")),
    },
    "POST /rules/{rule_id}/backtest": {
        "name": "a draft",
        "when": "{}",
        "then": '{"add_tags": ["x"]}',
    },
    "POST /tickets/{ref}/merge": {"into": "2000-000001"},
    "POST /tickets/{ref}/children": {"title": "a sub-ticket from another level"},
    "POST /tickets/{ref}/opinion-requests": {"email": "outsider@example.com", "note": "x"},
}
AS_ANOTHER_LEVEL = {
    "POST /views": 303,  # their own view: saved, and it lists only what they see
    "POST /inbox/bulk": 200,  # the report says the ticket was not changed
    "POST /views/{view_id}/board/moves": 403,
    "POST /rules/save": 403,  # rules are written by administrators only
    "POST /rules/{rule_id}/backtest": 403,
}
SOMEONE_ELSES = "00000000-0000-4000-8000-000000000000"
"""A reply or canned response id the visitor does not hold: refused, showing nothing."""
SESSION_PAGES = [page for page, kind in PAGES.items() if kind == "session"]


@pytest.fixture
def world(gateway: httpx.Client, ingestor: httpx.Client) -> World:
    return two_levels(gateway, ingestor)


@pytest.fixture
def rule_id(gateway: httpx.Client) -> str:
    return str(gateway.get("/v1/rules").json()["items"][0]["id"])


def visit(client: httpx.Client, page: str, world: World, rule_id: str) -> httpx.Response:
    method, template = page.split(" ", 1)
    ref = world.a.ticket["protocol"]
    path = template.format(
        ref=ref,
        view_id="builtin:open",
        rule_id=rule_id,
        reply_id=SOMEONE_ELSES,
        canned_id=SOMEONE_ELSES,
    )
    if method == "GET":
        if page == "GET /live":
            with client.stream("GET", path) as response:
                return response
        return client.get(path)
    form = {name: value.replace("{ref}", ref) for name, value in FORMS[page].items()}
    return client.post(path, data={"csrf": csrf_of(client), **form})


def sent_to_sign_in(response: httpx.Response) -> bool:
    return response.status_code == 303 and response.headers["location"].startswith("/sign-in")


def test_every_session_page_sends_a_browser_without_a_session_to_sign_in(
    stack: Stack, world: World, rule_id: str
) -> None:
    with httpx.Client(base_url=stack.url("gateway"), timeout=30) as anonymous:
        for page in SESSION_PAGES:
            response = visit(anonymous, page, world, rule_id)
            assert sent_to_sign_in(response), f"{page}: {response.status_code}"
        htmx = anonymous.get("/inbox/rows", headers={"HX-Request": "true"})
        assert htmx.status_code == 401 and htmx.headers["HX-Redirect"].startswith("/sign-in")


def test_an_agent_of_another_level_is_refused_level_a_s_ticket_in_the_console(
    stack: Stack, gateway: httpx.Client, world: World, rule_id: str
) -> None:
    protocol = world.a.ticket["protocol"]
    with console_session(gateway, stack, world.b.agent) as bob:
        for page in SESSION_PAGES:
            response = visit(bob, page, world, rule_id)
            said = f"{page} as an agent of level B: {response.status_code}"
            if "{ref}" in page:
                assert response.status_code == 403, said
            elif page in AS_ANOTHER_LEVEL:
                assert response.status_code == AS_ANOTHER_LEVEL[page], said
                if page == "POST /inbox/bulk":
                    assert response.text.count('class="outcome-failed"') == 1, said
            elif page == "GET /live":
                assert response.status_code == 200, said
            elif "{reply_id}" in page or "{canned_id}" in page:  # someone else's, by id
                assert response.status_code in (403, 404), said
                assert protocol not in response.text, said
            elif page == "POST /canned":  # bob's own personal response, then his page
                assert response.status_code in (200, 303), said
            else:
                assert response.status_code == 200, said
                assert protocol not in response.text, said
    untouched = gateway.get(f"/v1/tickets/{world.a.ticket['id']}").json()
    assert (untouched["status"], untouched["tags"]) == (world.a.ticket["status"], [])
    history = gateway.get(f"/v1/tickets/{world.a.ticket['id']}/history").json()
    assert not [e for e in history if e["action"] == "note"]


def test_a_deactivated_agent_s_session_is_refused_every_page(
    stack: Stack, gateway: httpx.Client, world: World, rule_id: str
) -> None:
    person = agent(gateway, levels=[world.a.level])
    with console_session(gateway, stack, person) as client:
        assert client.get("/").status_code == 200
        off: dict[str, Any] = {
            k: person[k] for k in ("id", "name", "email", "language", "levels", "teams")
        }
        assert gateway.put(f"/v1/agents/{person['id']}", json={**off, "active": False}).is_success
        for page in SESSION_PAGES:
            response = visit(client, page, world, rule_id)
            assert sent_to_sign_in(response), f"{page}: {response.status_code}"


def test_no_form_is_taken_without_its_csrf_token(
    stack: Stack, gateway: httpx.Client, world: World
) -> None:
    person = agent(gateway, levels=[world.a.level])
    with console_session(gateway, stack, person) as client:
        path = f"/tickets/{world.a.ticket['protocol']}/notes"
        forged = client.post(path, data={"text": "from another site"})
        assert forged.status_code == 403
        wrong = client.post(path, data={"csrf": "0" * 64, "text": "from another site"})
        assert wrong.status_code == 403
        for page in [p for p, kind in PAGES.items() if kind == "sign-in" and p[0] == "P"]:
            refused = client.post(page.split(" ", 1)[1], data={"email": person["email"]})
            assert refused.status_code == 403, page
    history = gateway.get(f"/v1/tickets/{world.a.ticket['id']}/history").json()
    assert not [e for e in history if e["action"] == "note"]
