"""Every operation of the gateway's OpenAPI, tried by an agent of another level and by a
deactivated agent (issue #15). Each operation is classified here; a route added without a
classification fails the first test, so nobody adds a door without saying who may use it.

- ``public``: no credential; the link in the URL is the credential (opinion pages).
- ``admin``: administrators only (403 for every agent).
- ``own``: the caller's own data only (their settings).
- ``desk``: desk-wide configuration every active agent reads (levels, teams, colleagues'
  names, rules); no customer's data, and no one else's e-mail address.
- ``level``: names a ticket or an interaction: 403 when it is another level's.
- ``listing``: returns tickets or interactions: another level's are left out (or, for a bulk
  change, each refused on its own).
- ``person``: names a person: 404 when the person wrote only in another level's tickets (to
  that agent the person does not exist).
- ``people``: returns people: those known only through another level's tickets are left out.
- ``scoped``: names a canned response of level A: 404 to whoever is outside its scope.

The console's pages are not in the OpenAPI; ``PAGES`` classifies every route outside it the
same way (tests/console/test_console_access.py walks them):

- ``sign-in``: the doors before a session (sign in, choose a password, ask for a reset,
  sign out): no session, a CSRF token on every form.
- ``session``: a signed-in agent's pages: the session's agent is the caller, so the API's
  rules above hold (another level's ticket is refused, listings leave it out); without a
  live session (none, signed out, deactivated agent) the browser is sent to sign in.
- ``admin-session``: the administrators' screens: as ``session`` without a live session; an
  agent who is not an administrator gets a 403 page (tests/console/test_console_admin_access.py).
- ``static``: the console's pinned files. ``probe``: health and metrics, as every service.
- ``report``: figures about tickets: another level's tickets are not counted.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import httpx
import pytest

from devtools.launcher import Stack
from gateway.app import create_app
from gateway.route_index import RouteIndex
from gateway.settings import GatewaySettings
from tests.access_world import World, two_levels
from tests.people import agent, as_agent, level, team
from tests.support import STACK_SECRETS, create_rule, interaction, unique

GATEWAY_SECRETS = {"SOCIALDESK_ADMIN_TOKEN", "SOCIALDESK_JWT_SECRET"}

Kind = Literal[
    "public", "admin", "own", "desk", "level", "listing", "person", "people", "report", "scoped"
]
Call = Callable[[World], dict[str, Any]]
"""The request's path and keyword arguments for ``httpx.Client.request``."""

RULE = {"name": "r", "when": {"text_any": ["x"]}, "then": {}}
A_TICKET = "/v1/tickets/{a.ticket[id]}"
NOTHING: Call = lambda w: {}  # noqa: E731


def body(json: Any) -> Call:
    return lambda w: {"json": json}


_TODAY = datetime.now(UTC).date()
REPORT_DAYS = {
    "since": (_TODAY - timedelta(days=1)).isoformat(),
    "until": (_TODAY + timedelta(days=1)).isoformat(),
}
"""Reports around today, when the world's tickets were opened."""

ACCOUNT = {"channel": "facebook", "network_id": "x", "name": "x"}

OPERATIONS: dict[str, tuple[Kind, Call]] = {
    "GET /v1/opinions/{token}": ("public", NOTHING),
    "POST /v1/opinions/{token}": ("public", NOTHING),
    "POST /v1/rules": ("admin", body(RULE)),
    "PUT /v1/rules/{rule_id}": ("admin", body(RULE)),
    "DELETE /v1/rules/{rule_id}": ("admin", NOTHING),
    "POST /v1/rules/{rule_id}/backtest": (
        "admin",
        body({"from": "2026-11-25T00:00:00Z", "to": "2026-11-26T00:00:00Z"}),
    ),
    "POST /v1/agents": ("admin", body({"id": "x", "name": "x", "email": "x@example.com"})),
    "PUT /v1/agents/{agent_id}": ("admin", body({"id": "x", "name": "x", "email": "x@x.com"})),
    "DELETE /v1/agents/{agent_id}": ("admin", NOTHING),
    "POST /v1/agents/{agent_id}/tokens": ("admin", NOTHING),
    "POST /v1/agents/{agent_id}/invitations": ("admin", NOTHING),
    "POST /v1/teams": ("admin", body({"name": "x"})),
    "PUT /v1/teams/{name}": ("admin", body({"name": "x"})),
    "DELETE /v1/teams/{name}": ("admin", NOTHING),
    "POST /v1/levels": ("admin", body({"name": "x"})),
    "PUT /v1/levels/{name}": ("admin", body({"name": "x"})),
    "DELETE /v1/levels/{name}": ("admin", NOTHING),
    "POST /v1/calendars": ("admin", body({"name": "x", "timezone": "UTC"})),
    "PUT /v1/calendars/{name}": ("admin", body({"name": "x", "timezone": "UTC"})),
    "DELETE /v1/calendars/{name}": ("admin", NOTHING),
    "GET /v1/admin/queues": ("admin", NOTHING),
    "GET /v1/admin/dlq/{queue}": ("admin", NOTHING),
    "POST /v1/admin/dlq/{queue}/replay": ("admin", body({"dry_run": True})),
    "GET /v1/accounts": ("admin", NOTHING),
    "POST /v1/accounts": ("admin", body({"id": "x", **ACCOUNT})),
    "GET /v1/accounts/{account_id}": ("admin", NOTHING),
    "PUT /v1/accounts/{account_id}": ("admin", body(ACCOUNT)),
    "DELETE /v1/accounts/{account_id}": ("admin", NOTHING),
    "POST /v1/accounts/{account_id}/replay": (
        "admin",
        body({"from": "2026-11-01T00:00:00Z", "to": "2026-11-02T00:00:00Z"}),
    ),
    "GET /v1/me/notification-settings": ("own", NOTHING),
    "PUT /v1/me/notification-settings": ("own", body({})),
    "GET /v1/agents": ("desk", NOTHING),
    "GET /v1/agents/{agent_id}": ("desk", NOTHING),
    "GET /v1/teams": ("desk", NOTHING),
    "GET /v1/teams/{name}": ("desk", NOTHING),
    "GET /v1/levels": ("desk", NOTHING),
    "GET /v1/levels/{name}": ("desk", NOTHING),
    "GET /v1/calendars": ("desk", NOTHING),
    "GET /v1/calendars/{name}": ("desk", NOTHING),
    "GET /v1/rules": ("desk", NOTHING),
    "GET /v1/rules/{rule_id}": ("desk", NOTHING),
    "GET /v1/rules/{rule_id}/history": ("desk", NOTHING),
    # The interaction is the caller's own draft: nothing stored is read.
    "POST /v1/rules/test": (
        "desk",
        body({"rule": RULE, "interaction": interaction(thread="t", text="x")}),
    ),
    "GET /v1/tickets/{ref}": ("level", NOTHING),
    # Counts of a level's tickets: 403 for an agent who does not work it.
    "GET /v1/levels/{name}/sla": ("level", NOTHING),
    "PATCH /v1/tickets/{ref}": ("level", body({"status": "open"})),
    "DELETE /v1/tickets/{ref}": ("level", NOTHING),
    "GET /v1/tickets/{ref}/history": ("level", NOTHING),
    "POST /v1/tickets/{ref}/assign": ("level", lambda w: {"json": {"agent": w.b.agent["id"]}}),
    "POST /v1/tickets/{ref}/notes": ("level", body({"text": "x"})),
    "POST /v1/tickets/{ref}/replies": ("level", body({"text": "x"})),
    "POST /v1/tickets/{ref}/merge": ("level", lambda w: {"json": {"into": w.b.ticket["id"]}}),
    "POST /v1/tickets/{ref}/children": ("level", body({"title": "x"})),
    "GET /v1/tickets/{ref}/export": ("level", NOTHING),
    "POST /v1/tickets/{ref}/opinion-requests": ("level", body({"email": "ext@example.com"})),
    "POST /v1/interactions/{interaction_id}/tags": ("level", body({"tags": ["x"]})),
    "POST /v1/interactions/{interaction_id}/hide": ("level", NOTHING),
    "POST /v1/interactions/{interaction_id}/unhide": ("level", NOTHING),
    "POST /v1/interactions/{interaction_id}/delete": ("level", NOTHING),
    "POST /v1/tickets": ("level", lambda w: {"json": {"interaction_id": w.a.loose["id"]}}),
    "GET /v1/tickets": ("listing", lambda w: {"params": {"page_size": 200}}),
    "GET /v1/interactions": ("listing", lambda w: {"params": {"text": w.marker}}),
    "POST /v1/tickets/bulk": (
        "listing",
        lambda w: {"json": {"ids": [w.a.ticket["id"]], "change": {"add_tags": ["x"]}}},
    ),
    "GET /v1/events": ("listing", NOTHING),
    "POST /v1/groups": ("admin", body({"name": "x"})),
    "PUT /v1/groups/{name}": ("admin", body({"name": "x"})),
    "DELETE /v1/groups/{name}": ("admin", NOTHING),
    "PUT /v1/people/settings": ("admin", body({"auto_unify": False})),
    "GET /v1/groups": ("desk", NOTHING),
    "GET /v1/groups/{name}": ("desk", NOTHING),
    "GET /v1/people/settings": ("desk", NOTHING),
    "GET /v1/people/{person_id}": ("person", NOTHING),
    "PATCH /v1/people/{person_id}": ("person", body({"name": "x"})),
    "GET /v1/people/{person_id}/proposals": ("person", NOTHING),
    "POST /v1/people/{person_id}/unify": ("person", lambda w: {"json": {"other": w.b.person}}),
    "POST /v1/people/{person_id}/split": ("person", body({"identities": ["facebook:x"]})),
    "POST /v1/groups/{name}/members": ("person", lambda w: {"json": {"person": w.a.person}}),
    "DELETE /v1/groups/{name}/members/{person_id}": ("person", NOTHING),
    "GET /v1/people": ("people", lambda w: {"params": {"page_size": 200}}),
    "GET /v1/groups/{name}/members": ("people", NOTHING),
    "GET /v1/reports/volume": ("report", lambda w: {"params": {**REPORT_DAYS, "split": "level"}}),
    "GET /v1/reports/times": ("report", lambda w: {"params": {**REPORT_DAYS, "split": "level"}}),
    "GET /v1/reports/backlog": ("report", lambda w: {"params": REPORT_DAYS}),
    # Views: the list and a new view are the caller's own; a saved view names level A's
    # (shared with it alone), so another level's agent is refused it.
    "GET /v1/views": ("own", NOTHING),
    "POST /v1/views": ("own", body({"name": "x"})),
    "GET /v1/views/{view_id}": ("level", NOTHING),
    "PUT /v1/views/{view_id}": ("level", body({"name": "x"})),
    "DELETE /v1/views/{view_id}": ("level", NOTHING),
    "GET /v1/views/{view_id}/tickets": ("level", NOTHING),
    "GET /v1/views/{view_id}/board": ("level", NOTHING),
    "GET /v1/search": ("listing", lambda w: {"params": {"q": w.marker}}),
    # Approvals: the list holds the levels the caller approves and their own replies; a held
    # reply names level A's ticket (level A moderated, alice's reply waiting).
    "GET /v1/approvals": ("own", NOTHING),
    "PUT /v1/approvals/{reply_id}": ("level", body({"text": "x"})),
    "POST /v1/approvals/{reply_id}/approve": ("level", NOTHING),
    "POST /v1/approvals/{reply_id}/reject": ("level", body({"reason": "x"})),
    "POST /v1/approvals/{reply_id}/resubmit": ("level", body({})),
    # Canned responses: the list and a new (personal) one are the caller's own; one of
    # level A's is out of sight (404) for anyone outside level A.
    "GET /v1/canned-responses": ("own", NOTHING),
    "POST /v1/canned-responses": ("own", body({"shortcut": "x", "text": "x"})),
    "GET /v1/canned-responses/{canned_id}": ("scoped", NOTHING),
    "PUT /v1/canned-responses/{canned_id}": ("scoped", body({"shortcut": "x", "text": "x"})),
    "DELETE /v1/canned-responses/{canned_id}": ("scoped", NOTHING),
}


PageKind = Literal["sign-in", "session", "admin-session", "static", "probe"]

PAGES: dict[str, PageKind] = {
    "GET /sign-in": "sign-in",
    "POST /sign-in": "sign-in",
    "POST /sign-out": "sign-in",
    "GET /password": "sign-in",
    "POST /password": "sign-in",
    "GET /password-reset": "sign-in",
    "POST /password-reset": "sign-in",
    "GET /": "session",
    "GET /inbox/rows": "session",
    "GET /inbox/counts": "session",
    "GET /live": "session",
    "GET /tickets/{ref}": "session",
    "POST /tickets/{ref}/notes": "session",
    "POST /tickets/{ref}/changes": "session",
    "POST /tickets/{ref}/assignment": "session",
    "POST /tickets/{ref}/replies": "session",
    "GET /canned/suggestions": "session",
    "GET /approvals": "session",
    "POST /approvals/{reply_id}/edit": "session",
    "POST /approvals/{reply_id}/approve": "session",
    "POST /approvals/{reply_id}/reject": "session",
    "GET /canned": "session",
    "POST /canned": "session",
    "POST /canned/{canned_id}": "session",
    "POST /canned/{canned_id}/delete": "session",
    "POST /views": "session",
    "POST /inbox/bulk": "session",
    "GET /views/{view_id}/board": "session",
    "POST /views/{view_id}/board/moves": "session",
    "GET /rules": "session",
    "GET /rules/new": "session",
    "GET /rules/{rule_id}": "session",
    "GET /rules/{rule_id}/history": "session",
    "POST /rules/save": "session",
    "POST /rules/test": "session",
    "POST /rules/{rule_id}/backtest": "session",
    "GET /tickets/{ref}/author": "session",
    "GET /tickets/{ref}/conversation": "session",
    "POST /tickets/{ref}/merge": "session",
    "POST /tickets/{ref}/children": "session",
    "GET /tickets/{ref}/transcript": "session",
    "POST /tickets/{ref}/opinion-requests": "session",
    "GET /reports": "session",
    "GET /reports.csv": "session",
    "GET /admin/accounts": "admin-session",
    "POST /admin/accounts": "admin-session",
    "POST /admin/accounts/{account_id}": "admin-session",
    "GET /admin/levels": "admin-session",
    "POST /admin/levels/{name}": "admin-session",
    "POST /admin/calendars": "admin-session",
    "POST /admin/calendars/{name}": "admin-session",
    "GET /admin/agents": "admin-session",
    "POST /admin/agents": "admin-session",
    "POST /admin/agents/{agent_id}": "admin-session",
    "POST /admin/teams": "admin-session",
    "GET /admin/accounts/{account_id}/delete": "admin-session",
    "POST /admin/accounts/{account_id}/delete": "admin-session",
    "POST /admin/levels": "admin-session",
    "GET /admin/levels/{name}": "admin-session",
    "POST /admin/levels/{name}/sla": "admin-session",
    "GET /admin/calendars/{calendar}": "admin-session",
    "POST /admin/calendars/{calendar}/hours": "admin-session",
    "POST /admin/calendars/{calendar}/holidays": "admin-session",
    "POST /admin/calendars/{calendar}/holidays/remove": "admin-session",
    "POST /admin/calendars/{calendar}/exceptions": "admin-session",
    "POST /admin/calendars/{calendar}/exceptions/remove": "admin-session",
    "GET /admin/agents/{agent_id}": "admin-session",
    "POST /admin/agents/{agent_id}/memberships": "admin-session",
    "GET /admin/levels/{name}/delete": "admin-session",
    "POST /admin/levels/{name}/delete": "admin-session",
    "GET /admin/calendars/{calendar}/delete": "admin-session",
    "POST /admin/calendars/{calendar}/delete": "admin-session",
    "GET /admin/agents/{agent_id}/delete": "admin-session",
    "POST /admin/agents/{agent_id}/delete": "admin-session",
    "GET /admin/teams/{team}/delete": "admin-session",
    "POST /admin/teams/{team}/delete": "admin-session",
    "GET /static": "static",
    "GET /metrics": "probe",
    "GET /healthz": "probe",
    "GET /readyz": "probe",
    "GET /livez": "probe",
}

FASTAPI_OWN = {"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"}


def gateway_app() -> Any:
    settings = GatewaySettings(**{k: v for k, v in STACK_SECRETS.items() if k in GATEWAY_SECRETS})
    return create_app(settings)


def pages() -> list[str]:
    """Every route of the gateway outside the OpenAPI (FastAPI's own docs aside)."""
    found: list[str] = []

    def walk(routes: list[Any]) -> None:
        for route in routes:
            included = getattr(route, "original_router", None)
            if isinstance(route, RouteIndex):  # no page: it picks one of the others
                continue
            if included is not None:
                walk(included.routes)
            elif getattr(route, "include_in_schema", False) or route.path in FASTAPI_OWN:
                continue
            else:
                methods = getattr(route, "methods", None) or {"GET"}
                found.extend(f"{m} {route.path}" for m in methods if m != "HEAD")

    walk(gateway_app().routes)
    return sorted(found)


def test_every_page_of_the_gateway_is_classified() -> None:
    unclassified = set(pages()) - set(PAGES)
    assert not unclassified, f"say who may use these pages, in PAGES: {unclassified}"
    assert not set(PAGES) - set(pages()), "PAGES names routes that are gone"


def operations() -> list[str]:
    settings = GatewaySettings(**{k: v for k, v in STACK_SECRETS.items() if k in GATEWAY_SECRETS})
    paths = create_app(settings).openapi()["paths"]
    return sorted(f"{method.upper()} {path}" for path, ops in paths.items() for method in ops)


def test_every_operation_of_the_gateway_is_classified() -> None:
    unclassified = set(operations()) - set(OPERATIONS)
    assert not unclassified, f"say who may use these operations, in OPERATIONS: {unclassified}"
    assert not set(OPERATIONS) - set(operations()), "OPERATIONS names routes that are gone"


def path_of(operation: str, world: World, keys: dict[str, str]) -> str:
    """The operation's URL aimed at level A's data (and alice, level A, a team, a rule)."""
    template = operation.split(" ", 1)[1]
    return template.format(
        ref=world.a.ticket["id"],
        interaction_id=world.a.ticketed["id"],
        rule_id=keys["rule"],
        agent_id=world.a.agent["id"],
        person_id=world.a.person,
        name=keys["team"]
        if template.startswith("/v1/teams")
        else keys["group"]
        if template.startswith("/v1/groups")
        else keys["calendar"]
        if template.startswith("/v1/calendars")
        else world.a.level,
        token="not.a-link",
        queue="ticketing.interactions",
        account_id="acme-page",
        view_id=keys["view"],
        reply_id=keys["reply"],
        canned_id=keys["canned"],
    )


def request(
    client: httpx.Client, operation: str, world: World, keys: dict[str, str]
) -> httpx.Response:
    method = operation.split(" ", 1)[0]
    url = path_of(operation, world, keys)
    if operation == "GET /v1/events":
        # A stream that was let in never ends by itself: the status is all that is read.
        with client.stream(method, url) as response:
            return response
    return client.request(method, url, **OPERATIONS[operation][1](world))


@pytest.fixture
def world(gateway: httpx.Client, ingestor: httpx.Client) -> World:
    return two_levels(gateway, ingestor)


@pytest.fixture
def keys(gateway: httpx.Client, world: World) -> dict[str, str]:
    """A rule that e-mails someone, a team, a calendar and a view shared with level A, to
    aim the desk operations at."""
    rule = create_rule(
        gateway,
        {
            "name": unique("walk"),
            "when": {"text_any": [unique("kw")]},
            "then": {"alert_emails": ["legal@example.com"]},
        },
    )
    calendar = gateway.post("/v1/calendars", json={"name": unique("cal"), "timezone": "UTC"})
    assert calendar.status_code == 201, calendar.text
    group = gateway.post("/v1/groups", json={"name": unique("group")})
    assert group.status_code == 201, group.text
    view = gateway.post("/v1/views", json={"name": "A's", "shared_with": [world.a.level]})
    assert view.status_code == 201, view.text
    moderated = gateway.get(f"/v1/levels/{world.a.level}").json()
    moderated = {k: v for k, v in moderated.items() if k != "agents"}
    changed = gateway.put(
        f"/v1/levels/{world.a.level}", json={**moderated, "moderation_required": True}
    )
    assert changed.status_code == 200, changed.text
    with as_agent(gateway, world.a.agent["id"]) as alice:
        held = alice.post(f"/v1/tickets/{world.a.ticket['id']}/replies", json={"text": "x"})
        assert held.status_code == 202, held.text
        assert held.json()["delivery"]["state"] == "pending_approval"
        canned = alice.post(
            "/v1/canned-responses",
            json={"shortcut": "a", "text": "x", "scope": "level", "scope_key": world.a.level},
        )
        assert canned.status_code == 201, canned.text
    return {
        "reply": held.json()["id"],
        "canned": canned.json()["id"],
        "view": view.json()["id"],
        "rule": str(rule["id"]),
        "team": team(gateway)["name"],
        "group": group.json()["name"],
        "calendar": calendar.json()["name"],
    }


def no_one_elses_address(data: Any, caller: str) -> None:
    """No e-mail address of anyone else anywhere in a desk answer."""
    if isinstance(data, list):
        for item in data:
            no_one_elses_address(item, caller)
    elif isinstance(data, dict):
        if "email" in data and data.get("id") != caller:
            assert data["email"] == "", data
        for key in ("alert_emails", "share_emails"):
            assert data.get(key, []) == [], data
        for value in data.values():
            no_one_elses_address(value, caller)


def test_an_agent_of_another_level_is_refused_everything_of_level_a(
    stack: Stack, gateway: httpx.Client, world: World, keys: dict[str, str]
) -> None:
    bob = world.b.agent["id"]
    a_ids = {world.a.ticket["id"], world.a.ticketed["id"], world.a.loose["id"]}
    with as_agent(gateway, bob) as client:
        for operation, (kind, _) in OPERATIONS.items():
            if kind == "public" or operation == "GET /v1/events":
                continue  # events: each one filtered, see test_events_stream
            response = request(client, operation, world, keys)
            said = f"{operation} as an agent of level B: {response.status_code} {response.text}"
            if kind in ("admin", "level"):
                assert response.status_code == 403, said
            elif kind in ("own", "desk"):
                created = operation in ("POST /v1/views", "POST /v1/canned-responses")
                assert response.status_code == (201 if created else 200), said
                no_one_elses_address(response.json(), bob)
            elif kind in ("person", "scoped"):
                assert response.status_code == 404, said
            elif kind == "people":
                assert response.status_code == 200, said
                assert world.a.person not in {p["id"] for p in response.json()["items"]}, said
            elif kind == "report":
                assert response.status_code == 200, said
                counted = {
                    key
                    for period in response.json()["periods"]
                    for key in (*period.get("values", {}), *period.get("levels", {}))
                }
                assert world.a.level not in counted, said
            elif operation == "POST /v1/tickets/bulk":
                assert [r["status"] for r in response.json()["results"]] == [403], said
            else:
                assert response.status_code == 200, said
                assert not a_ids & {i["id"] for i in response.json()["items"]}, said
    untouched = gateway.get(f"/v1/tickets/{world.a.ticket['id']}").json()
    assert (untouched["status"], untouched["tags"]) == (world.a.ticket["status"], [])


def test_a_deactivated_agent_is_refused_every_operation(
    stack: Stack, gateway: httpx.Client, world: World, keys: dict[str, str]
) -> None:
    person = agent(gateway, levels=[world.a.level, level(gateway)["name"]])
    with as_agent(gateway, person["id"]) as client:
        off = {k: person[k] for k in ("id", "name", "email", "language", "levels", "teams")}
        replaced = gateway.put(f"/v1/agents/{person['id']}", json={**off, "active": False})
        assert replaced.status_code == 200, replaced.text
        for operation, (kind, _) in OPERATIONS.items():
            if kind == "public":
                continue
            response = request(client, operation, world, keys)
            assert response.status_code == 403, (
                f"{operation} as a deactivated agent: {response.status_code} {response.text}"
            )
