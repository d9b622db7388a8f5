"""The ingestor's door: no Content-Length is trusted, no depth crashes it, and guessing the key
stops at a few tries a minute. Every refusal happens before the store or the broker is used."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from ingestor.app import create_app
from ingestor.settings import IngestorSettings

MIB = 1024 * 1024
KEY = "unit-test-ingest-key-0123456789abcdef"


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = IngestorSettings(
        SOCIALDESK_INGEST_KEY=KEY,
        SOCIALDESK_DATA_DIR=tmp_path,
        max_body_bytes=4 * MIB,
        auth_failures_per_minute=3,
    )
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://ingestor") as http:
        yield http


async def test_a_chunked_body_over_the_limit_is_refused_while_it_arrives(
    client: httpx.AsyncClient,
) -> None:
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        for _ in range(40):
            sent += MIB
            yield b" " * MIB

    response = await client.post("/v1/interactions", content=chunks(), headers={"X-Api-Key": KEY})
    assert response.status_code == 413
    assert sent <= 5 * MIB


async def test_a_200000_deep_array_is_a_422(client: httpx.AsyncClient) -> None:
    body = b"[" * 200_000 + b"]" * 200_000
    response = await client.post(
        "/v1/interactions",
        content=body,
        headers={"X-Api-Key": KEY, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    assert "too deeply" in response.text


async def test_wrong_keys_from_one_address_get_429_with_retry_after(
    client: httpx.AsyncClient,
) -> None:
    answers = [
        await client.post("/v1/interactions", json={}, headers={"X-Api-Key": f"guess-{n}"})
        for n in range(5)
    ]
    assert [a.status_code for a in answers] == [401, 401, 401, 429, 429]
    assert int(answers[-1].headers["Retry-After"]) >= 1


async def test_a_raw_nested_300_levels_deep_is_a_422_naming_raw_not_a_503(
    client: httpx.AsyncClient,
) -> None:
    raw = '{"a":' * 300 + "{}" + "}" * 300
    body = (
        '{"channel":"facebook","account":"acme","external_id":"1","kind":"comment",'
        '"author":{"id":"u"},"occurred_at":"2026-11-30T10:00:00Z","raw":' + raw + "}"
    )
    response = await client.post(
        "/v1/interactions",
        content=body,
        headers={"X-Api-Key": KEY, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "raw"]
    assert "deeper than 32 levels" in error["msg"]
