"""The ingestor: takes normalised interactions over HTTP and publishes each new one as
``interaction.received.v1``. Channel connectors (webhooks, pollers) arrive in later issues and
feed the same use case."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from fastapi.security import APIKeyHeader
from pydantic import TypeAdapter, ValidationError
from starlette.types import ASGIApp, Receive, Scope, Send

from contracts.interaction import Interaction
from contracts.topology import INGESTOR_RPC
from ingestor import accounts, services, webhooks
from ingestor.credentials import Vault, load_key
from ingestor.schemas import IngestResponse
from ingestor.settings import IngestorSettings
from ingestor.store import open_store
from servicekit.logs import configure_logging
from servicekit.outbox import OutboxRelay
from servicekit.periodic import Periodic
from servicekit.publishing import EventPublisher
from servicekit.rpc import serve
from servicekit.service import new_broker
from servicekit.topology import declare_events_exchange

log = logging.getLogger("ingestor")

api_key_header = APIKeyHeader(
    name="X-Api-Key", auto_error=False, description="The ingest key (SOCIALDESK_INGEST_KEY)."
)

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


JSON = "application/json"
_one = TypeAdapter(Interaction)
_many = TypeAdapter(list[Interaction])

INTERACTIONS_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"$ref": "#/components/schemas/Interaction"},
                        {
                            "type": "array",
                            "items": {"$ref": "#/components/schemas/Interaction"},
                            "maxItems": 1000,
                        },
                    ]
                },
                "examples": {"one": {"value": EXAMPLE}, "batch": {"value": [EXAMPLE]}},
            }
        },
    }
}


def parse_interactions(body: bytes, max_batch: int) -> list[Interaction]:
    """The body as interactions, or a 422 listing every field error with its position."""
    try:
        data = json.loads(body)
    except ValueError as exc:
        raise RequestValidationError(
            [{"type": "json_invalid", "loc": ["body"], "msg": f"invalid JSON: {exc}"}]
        ) from exc
    if isinstance(data, list) and not 1 <= len(data) <= max_batch:
        raise RequestValidationError(
            [
                {
                    "type": "batch_size",
                    "loc": ["body"],
                    "msg": f"send between 1 and {max_batch} interactions per request",
                }
            ]
        )
    try:
        return (
            _many.validate_python(data) if isinstance(data, list) else [_one.validate_python(data)]
        )
    except ValidationError as exc:
        raise RequestValidationError(
            [
                {**e, "loc": ["body", *e["loc"]]}
                for e in exc.errors(include_url=False, include_context=False)
            ]
        ) from exc


class BodySizeLimit:
    """Refuses a body announced larger than ``max_bytes`` (413) before it is read. A plain ASGI
    middleware: Starlette's ``BaseHTTPMiddleware`` (``@app.middleware``) runs every request
    through a task group and memory streams, which profiling showed to be about a fifth of
    the ingestor's CPU for a one-interaction POST."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            for name, value in scope["headers"]:
                if name == b"content-length":
                    if not value.isdigit() or int(value) > self.max_bytes:
                        refusal = JSONResponse(
                            {"detail": f"body larger than {self.max_bytes} bytes"},
                            status_code=413,
                        )
                        await refusal(scope, receive, send)
                        return
                    break
        await self.app(scope, receive, send)


def create_app(settings: IngestorSettings | None = None) -> FastAPI:
    settings = settings or IngestorSettings()
    configure_logging("ingestor", settings.log_level)
    broker = new_broker(settings.rabbitmq_url, settings.prefetch)
    store = open_store(settings)
    publisher = EventPublisher(broker)
    relay = OutboxRelay(store, publisher)
    vault = Vault(load_key(settings))
    serve(broker, INGESTOR_RPC, accounts.methods(store, vault))
    prune = Periodic(
        "ingestor-dedup-prune",
        settings.dedup_prune_seconds,
        lambda: services.forget_old_keys(store=store, keep_days=settings.dedup_days),
    )

    forget_deliveries = Periodic(
        "ingestor-deliveries-prune",
        settings.dedup_prune_seconds,
        lambda: services.forget_old_deliveries(store=store, keep_days=settings.raw_delivery_days),
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await store.open()
        log.info("ingestor store backend: %s", store.backend)
        await broker.start()
        await declare_events_exchange(broker)
        relay.start()
        prune.start()
        forget_deliveries.start()
        yield
        await forget_deliveries.stop()
        await prune.stop()
        await relay.stop()
        await broker.stop()
        await store.close()

    app = FastAPI(
        title="Socialdesk ingestor",
        separate_input_output_schemas=False,
        version="1",
        description="Accepts normalised interactions from channel connectors.",
        lifespan=lifespan,
    )

    async def authenticated(key: Annotated[str | None, Depends(api_key_header)]) -> None:
        # async: a plain def would run in a worker thread, a thread hop for every request.
        if key is None or not secrets.compare_digest(key.encode(), settings.ingest_key.encode()):
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing or wrong X-Api-Key")

    app.include_router(webhooks.router(settings, store, publisher, authenticated))
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)

    @app.post(
        "/v1/interactions",
        status_code=status.HTTP_202_ACCEPTED,
        response_model=IngestResponse,
        dependencies=[Depends(authenticated)],
        openapi_extra=INTERACTIONS_BODY,
        responses={
            401: {"description": "Missing or wrong X-Api-Key"},
            422: {"description": "Invalid body; nothing of it was published"},
            503: {"description": "RabbitMQ did not confirm; safe to retry"},
        },
    )
    async def post_interactions(request: Request) -> Response:
        """One interaction or an array of up to 1,000. Answers once RabbitMQ confirmed every
        new interaction; a repeated (channel, external_id) is counted as a duplicate. An
        invalid body is refused whole (422, with every field error) and nothing of it is
        published."""
        interactions = parse_interactions(await request.body(), settings.max_batch)
        try:
            result = await services.ingest(
                store=store, publisher=publisher, interactions=interactions
            )
        except Exception as exc:
            log.exception("publishing accepted interactions failed")
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE,
                "accepted but not yet confirmed by the message broker; they will be published "
                "when it is back, and a retry is answered as duplicates",
            ) from exc
        # Answered as bytes: response_model above documents the shape, without FastAPI
        # validating and serialising this two-field answer again on every request.
        answer = IngestResponse(accepted=result.accepted, duplicates=result.duplicates)
        return Response(answer.model_dump_json(), status.HTTP_202_ACCEPTED, media_type=JSON)

    def openapi() -> dict[str, Any]:
        """The body is parsed by hand (for clean errors), so its schema is added here."""
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            components = schema.setdefault("components", {}).setdefault("schemas", {})
            interaction = _one.json_schema(ref_template="#/components/schemas/{model}")
            components.update(interaction.pop("$defs", {}))
            components["Interaction"] = interaction
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        broker_ok = await broker.ping(timeout=2)
        return JSONResponse(
            {
                "status": "ok" if broker_ok else "degraded",
                "broker": broker_ok,
                "store": store.backend,
            },
            status_code=200 if broker_ok else 503,
        )

    return app
