"""The gateway's doors refuse oversized, over-deep and repeated-failure requests before any
route (authentication included) reads them. No broker needed: every refusal happens before a
service is called."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import HTTPException

from gateway.app import create_app
from gateway.limits import Limits, body_limit
from gateway.settings import GatewaySettings

MIB = 1024 * 1024


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(GatewaySettings(auth_failures_per_minute=5))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as http:
        yield http


def admin() -> dict[str, str]:
    return {"Authorization": f"Bearer {os.environ['SOCIALDESK_ADMIN_TOKEN']}"}


async def test_a_large_body_without_credentials_is_refused_while_it_arrives(
    client: httpx.AsyncClient,
) -> None:
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:  # chunked: no Content-Length to trust
        nonlocal sent
        for _ in range(200):
            sent += MIB
            yield b" " * MIB

    response = await client.post("/v1/opinions/x.y", content=chunks())
    assert response.status_code == 413
    assert "larger than" in response.json()["detail"]
    assert sent <= 17 * MIB  # reading stopped at the limit (16 MiB on this route), not 200 MiB


async def test_an_announced_large_body_is_refused_before_reading(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/v1/tickets/bulk", content=b"{}", headers={"Content-Length": str(2 * MIB), **admin()}
    )
    assert response.status_code == 413


async def test_a_deeply_nested_json_body_is_a_422_not_a_500(client: httpx.AsyncClient) -> None:
    body = b"[" * 200_000 + b"]" * 200_000
    response = await client.post(
        "/v1/rules", content=body, headers={"Content-Type": "application/json", **admin()}
    )
    assert response.status_code == 422
    assert "deeper than 64" in response.json()["detail"]


@pytest.mark.parametrize("path", ["/v1/tickets", "/v1/interactions"])
async def test_a_page_number_past_the_maximum_is_a_422(
    client: httpx.AsyncClient, path: str
) -> None:
    response = await client.get(path, params={"page": "10000000000000000000"}, headers=admin())
    assert response.status_code == 422, response.text


async def test_repeated_failed_authentications_get_429_with_retry_after(
    client: httpx.AsyncClient,
) -> None:
    statuses = []
    for attempt in range(8):
        headers = {"Authorization": f"Bearer wrong-{attempt}"}
        statuses.append((await client.get("/v1/tickets", headers=headers)).status_code)
    assert statuses[:5] == [401] * 5
    assert statuses[5:] == [429] * 3
    refused = await client.get("/v1/tickets", headers={"Authorization": "Bearer wrong"})
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert "failed authentications" in refused.json()["detail"]


async def test_a_body_within_the_limit_reaches_the_route(client: httpx.AsyncClient) -> None:
    body = json.dumps({"name": ""}).encode()
    response = await client.post(
        "/v1/rules", content=body, headers={"Content-Type": "application/json", **admin()}
    )
    assert response.status_code == 422  # the route's own validation, not a limit
    assert "larger than" not in response.text


def test_a_callers_streams_are_capped_and_their_places_given_back() -> None:
    limits = Limits(GatewaySettings(max_streams_per_caller=2))
    first, second = limits.open_stream("ana"), limits.open_stream("ana")
    with pytest.raises(HTTPException) as refused:
        limits.open_stream("ana")
    assert refused.value.status_code == 429
    limits.open_stream("bob")  # another caller has places of their own
    first()
    first()  # released twice (the stream's end and the background task): counted once
    limits.open_stream("ana")
    with pytest.raises(HTTPException):
        limits.open_stream("ana")
    second()


def test_the_consoles_opinion_form_may_carry_a_file_as_large_as_the_apis() -> None:
    settings = GatewaySettings()
    limit = body_limit(settings)
    api, console = "/v1/tickets/2026-1/opinion-requests", "/tickets/2026-1/opinion-requests"
    for path in (api, console):
        assert limit({"method": "POST", "path": path}) == settings.max_attachment_body_bytes
    notes = {"method": "POST", "path": "/tickets/2026-1/notes"}
    assert limit(notes) == settings.max_body_bytes
