"""``servicekit.http``'s request series on an app shaped like the gateway: routes of an
included router with a prefix and a path parameter are counted under their full template, a
path no route takes under ``none``, and the probes and scrapes not at all."""

from __future__ import annotations

import uuid

import httpx
from fastapi import APIRouter, FastAPI, HTTPException
from prometheus_client.parser import text_string_to_metric_families

from servicekit.http import instrument_http


def app_with_a_router() -> tuple[FastAPI, str]:
    # A prefix of its own per app: the series are process-wide, shared by every test's app.
    prefix = f"/v1/things-{uuid.uuid4().hex[:8]}"
    router = APIRouter(prefix=prefix)

    @router.get("/{ref}")
    async def one(ref: str) -> dict[str, str]:
        if ref == "missing":
            raise HTTPException(404, "no such thing")
        return {"ref": ref}

    app = FastAPI()
    instrument_http(app)
    app.include_router(router)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {}

    return app, prefix


async def counted(client: httpx.AsyncClient, **labels: str) -> float:
    response = await client.get("/metrics")
    assert response.status_code == 200
    return sum(
        sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
        if sample.name == "http_requests_total" and labels.items() <= sample.labels.items()
    )


async def test_requests_are_counted_by_full_route_template() -> None:
    app, prefix = app_with_a_router()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        template = f"{prefix}/{{ref}}"
        before_none = await counted(client, handler="none", status="404")
        assert (await client.get(f"{prefix}/a")).status_code == 200
        assert (await client.get(f"{prefix}/b")).status_code == 200
        assert (await client.get(f"{prefix}/missing")).status_code == 404
        assert (await client.get(f"/nowhere-{prefix}")).status_code == 404
        assert (await client.get("/healthz")).status_code == 200

        assert await counted(client, handler=template, method="GET", status="200") == 2
        assert await counted(client, handler=template, status="404") == 1
        assert await counted(client, handler="none", status="404") == before_none + 1
        assert await counted(client, handler=f"{prefix}/a") == 0
        assert await counted(client, handler="/healthz") == 0
        assert await counted(client, handler="/metrics") == 0


async def test_the_latency_series_move_with_the_requests() -> None:
    app, prefix = app_with_a_router()
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        assert (await client.get(f"{prefix}/x")).status_code == 200
        text = (await client.get("/metrics")).text
    durations = [
        sample
        for family in text_string_to_metric_families(text)
        for sample in family.samples
        if sample.name == "http_request_duration_seconds_count"
        and sample.labels.get("handler") == f"{prefix}/{{ref}}"
    ]
    assert [s.value for s in durations] == [1.0]
