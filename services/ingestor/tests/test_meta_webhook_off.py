"""A deployment that set no Meta secrets takes no Meta delivery at all: there is no default
secret anyone could sign with."""

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
