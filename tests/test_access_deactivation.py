"""Deactivation is immediate (issue #15): a deactivated agent's open live-event stream ends at
once, and every endpoint refuses them from then on, the rules and the notifier's included."""

from __future__ import annotations

import time
from typing import Any

import httpx

from devtools.launcher import Stack
from gateway.live import HEARTBEAT_SECONDS
from tests.people import agent, as_agent, level

PROMPTLY = 5.0
"""Well inside one heartbeat (15 s): the stream ends on the announcement, not on the
heartbeat's re-check."""


def _replace(gateway: httpx.Client, person: dict[str, Any], **changes: Any) -> None:
    body = {k: person[k] for k in ("id", "name", "email", "language", "active", "levels", "teams")}
    response = gateway.put(f"/v1/agents/{person['id']}", json={**body, **changes})
    assert response.status_code == 200, response.text


def _ends_after(
    stack: Stack, gateway: httpx.Client, person: dict[str, Any], **changes: Any
) -> float:
    """Seconds from the change to the end of the agent's open stream."""
    with as_agent(gateway, person["id"]) as client:
        token = client.headers["Authorization"]
    with (
        httpx.Client(
            base_url=stack.url("gateway"),
            headers={"Authorization": token},
            timeout=httpx.Timeout(10, read=HEARTBEAT_SECONDS * 3),
        ) as client,
        client.stream("GET", "/v1/events") as response,
    ):
        lines = response.iter_lines()
        assert next(lines) == ": subscribed"
        _replace(gateway, person, **changes)
        changed = time.monotonic()
        for line in lines:
            assert not line.startswith("data:"), "an event reached a stream that lost access"
        return time.monotonic() - changed


def test_a_deactivated_agents_stream_ends_and_every_endpoint_refuses_them(
    stack: Stack, gateway: httpx.Client
) -> None:
    person = agent(gateway, levels=[level(gateway)["name"]])
    with as_agent(gateway, person["id"]) as client:
        assert client.get("/v1/rules").status_code == 200

        assert _ends_after(stack, gateway, person, active=False) < PROMPTLY

        for method, path in (
            ("GET", "/v1/rules"),
            ("GET", "/v1/me/notification-settings"),
            ("GET", "/v1/tickets"),
            ("GET", "/v1/interactions"),
            ("GET", "/v1/agents"),
            ("GET", "/v1/events"),
        ):
            refused = client.request(method, path)
            assert refused.status_code == 403, (method, path, refused.text)
        assert "deactivated" in client.get("/v1/rules").json()["detail"]


def test_an_agent_taken_out_of_a_level_has_their_stream_ended(
    stack: Stack, gateway: httpx.Client
) -> None:
    """It would go on showing that level's tickets; reconnecting follows the new levels."""
    kept, left = level(gateway)["name"], level(gateway)["name"]
    person = agent(gateway, levels=[kept, left])

    assert _ends_after(stack, gateway, person, levels=[kept]) < PROMPTLY
