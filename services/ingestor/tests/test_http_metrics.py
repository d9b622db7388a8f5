"""The ingestor's HTTP series as Prometheus scrapes them from ``/metrics``: requests counted by
route template and exact status, and a path no route knows grouped as ``none`` rather than
adding a series per URL a scanner tries."""

from __future__ import annotations

from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from ingestor.app import create_app
from ingestor.settings import IngestorSettings


async def requests_counted(client: httpx.AsyncClient, **labels: str) -> float:
    response = await client.get("/metrics")
    assert response.status_code == 200
    return sum(
        sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
        if sample.name == "http_requests_total" and labels.items() <= sample.labels.items()
    )


async def test_requests_are_counted_by_route_template_and_exact_status(tmp_path: Path) -> None:
    settings = {"SOCIALDESK_DATA_DIR": tmp_path, "SOCIALDESK_INGEST_KEY": "k" * 32}
    # ASGITransport runs no lifespan: these requests are refused before the broker or store.
    transport = httpx.ASGITransport(app=create_app(IngestorSettings(**settings)))
    async with httpx.AsyncClient(transport=transport, base_url="http://ingestor") as client:
        await exercise(client)


async def exercise(client: httpx.AsyncClient) -> None:
    refused = {"handler": "/v1/interactions", "method": "POST", "status": "401"}
    unknown = {"handler": "none", "status": "404"}
    before_refused = await requests_counted(client, **refused)
    before_unknown = await requests_counted(client, **unknown)

    for _ in range(3):
        assert (await client.post("/v1/interactions", json={})).status_code == 401
    assert (await client.get("/wp-login.php")).status_code == 404
    assert (await client.get("/.env")).status_code == 404

    assert await requests_counted(client, **refused) == before_refused + 3
    assert await requests_counted(client, **unknown) == before_unknown + 2
    assert await requests_counted(client, handler="/wp-login.php") == 0
    # Scrapes are not counted: Prometheus would otherwise see its own polling.
    assert await requests_counted(client, handler="/metrics") == 0
