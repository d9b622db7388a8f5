"""The ingestor: takes normalised interactions over HTTP and publishes each new one as
``interaction.received.v1``. Channel connectors (webhooks, pollers) arrive in later issues and
feed the same use case."""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Body, Depends, FastAPI, HTTPException, Request, status
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader
from pydantic import Field

from contracts.interaction import Interaction
from ingestor import services
from ingestor.schemas import IngestResponse
from ingestor.settings import IngestorSettings
from ingestor.store import open_store
from servicekit.logs import configure_logging
from servicekit.outbox import OutboxRelay
from servicekit.publishing import EventPublisher
from servicekit.service import new_broker
from servicekit.topology import declare_events_exchange

log = logging.getLogger("ingestor")

api_key_header = APIKeyHeader(name="X-Api-Key", auto_error=False,
                              description="The ingest key (SOCIALDESK_INGEST_KEY).")

EXAMPLE = {
    "channel": "facebook",
    "account": "acme-page",
    "external_id": "1234567890_111",
    "thread_id": "1234567890",
    "kind": "comment",
    "author": {"id": "fb-42", "name": "Maria Souza", "bio": "Médica"},
    "text": "Vou reclamar na Anatel!",
    "occurred_at": "2026-11-25T10:00:00Z",
}


def create_app(settings: IngestorSettings | None = None) -> FastAPI:
    settings = settings or IngestorSettings()
    configure_logging("ingestor", settings.log_level)
    broker = new_broker(settings.rabbitmq_url, settings.prefetch)
    store = open_store(settings)
    publisher = EventPublisher(broker)
    relay = OutboxRelay(store, publisher)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await store.open()
        log.info("ingestor store backend: %s", store.backend)
        await broker.start()
        await declare_events_exchange(broker)
        relay.start()
        yield
        await relay.stop()
        await broker.stop()
        await store.close()

    app = FastAPI(
        title="Socialdesk ingestor",
        version="1",
        description="Accepts normalised interactions from channel connectors.",
        lifespan=lifespan,
    )

    def authenticated(key: Annotated[str | None, Depends(api_key_header)]) -> None:
        if key is None or not secrets.compare_digest(key.encode(), settings.ingest_key.encode()):
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing or wrong X-Api-Key")

    @app.middleware("http")
    async def limit_body_size(request: Request, call_next):  # type: ignore[no-untyped-def]
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > settings.max_body_bytes):
            return JSONResponse(
                {"detail": f"body larger than {settings.max_body_bytes} bytes"}, status_code=413
            )
        return await call_next(request)

    Batch = Annotated[list[Interaction], Field(min_length=1, max_length=settings.max_batch)]

    @app.post(
        "/v1/interactions",
        status_code=status.HTTP_202_ACCEPTED,
        response_model=IngestResponse,
        dependencies=[Depends(authenticated)],
        responses={401: {"description": "Missing or wrong X-Api-Key"},
                   503: {"description": "RabbitMQ did not confirm; safe to retry"}},
    )
    async def post_interactions(
        payload: Annotated[Interaction | Batch, Body(examples=[EXAMPLE, [EXAMPLE]])],
    ) -> IngestResponse:
        """One interaction or an array of up to 1,000. Answers once RabbitMQ confirmed every
        new interaction; a repeated (channel, external_id) is counted as a duplicate. An
        invalid body is refused whole (422) and nothing of it is published."""
        interactions = payload if isinstance(payload, list) else [payload]
        try:
            result = await services.ingest(store=store, publisher=publisher,
                                           interactions=interactions)
        except Exception as exc:
            log.exception("publishing accepted interactions failed")
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE,
                "accepted but not yet confirmed by the message broker; they will be published "
                "when it is back, and a retry is answered as duplicates",
            ) from exc
        return IngestResponse(accepted=result.accepted, duplicates=result.duplicates)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        broker_ok = await broker.ping(timeout=2)
        return JSONResponse(
            {"status": "ok" if broker_ok else "degraded", "broker": broker_ok,
             "store": store.backend},
            status_code=200 if broker_ok else 503,
        )

    return app
