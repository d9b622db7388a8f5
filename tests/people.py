"""Helpers for tests that need agents, levels and teams, and agents' own sessions."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support import unique


def agent(gateway: httpx.Client, **fields: Any) -> dict[str, Any]:
    agent_id = fields.pop("id", None) or unique("agent")
    body = {"id": agent_id, "name": "Ana Lima", "email": f"{agent_id}@example.com", **fields}
    response = gateway.post("/v1/agents", json=body)
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def level(gateway: httpx.Client, **fields: Any) -> dict[str, Any]:
    response = gateway.post("/v1/levels", json={"name": unique("level"), **fields})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def team(gateway: httpx.Client) -> dict[str, Any]:
    response = gateway.post("/v1/teams", json={"name": unique("team")})
    assert response.status_code == 201, response.text
    return response.json()  # type: ignore[no-any-return]


def as_agent(gateway: httpx.Client, agent_id: str) -> httpx.Client:
    response = gateway.post(f"/v1/agents/{agent_id}/tokens")
    assert response.status_code == 201, response.text
    return httpx.Client(
        base_url=gateway.base_url,
        timeout=30,
        headers={"Authorization": f"Bearer {response.json()['token']}"},
    )
