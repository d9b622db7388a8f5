"""The Meta webhook's doors before any delivery is read: off without its secrets (there is no
default secret anyone could sign with), and wrong signatures or verify tokens from one address
limited like wrong ingest keys."""

from __future__ import annotations

from pathlib import Path

import httpx

from ingestor.app import create_app
from ingestor.settings import IngestorSettings


async def test_without_meta_secrets_the_webhook_is_off(tmp_path: Path) -> None:
    settings = IngestorSettings(SOCIALDESK_DATA_DIR=tmp_path, SOCIALDESK_INGEST_KEY="k" * 32)
    # ASGITransport runs no lifespan: the refusal comes before the store or the broker.
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://ingestor") as client:
        handshake = await client.get(
            "/webhooks/meta",
            params={"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "42"},
        )
        delivery = await client.post(
            "/webhooks/meta", content=b"{}", headers={"X-Hub-Signature-256": "sha256=00"}
        )
    for answer in (handshake, delivery):
        assert answer.status_code == 404
        assert "INGESTOR_META_APP_SECRET" in answer.json()["detail"]


async def test_wrong_signatures_from_one_address_are_rate_limited(tmp_path: Path) -> None:
    settings = IngestorSettings(
        SOCIALDESK_DATA_DIR=tmp_path,
        SOCIALDESK_INGEST_KEY="k" * 32,
        meta_app_secret="s" * 32,
        meta_verify_token="v" * 32,
        auth_failures_per_minute=3,
    )
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://ingestor") as client:
        forged = {"X-Hub-Signature-256": "sha256=" + "0" * 64}
        answers = [
            (await client.post("/webhooks/meta", content=b"{}", headers=forged)).status_code
            for _ in range(4)
        ]
        guess = {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"}
        handshake = await client.get("/webhooks/meta", params=guess)
    assert answers == [403, 403, 403, 429]
    assert handshake.status_code == 429
    assert handshake.headers["Retry-After"]
