"""The ingestor: takes normalised interactions over HTTP, the networks' webhooks and what its
pollers fetch, and publishes each new one as ``interaction.received.v1``."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import httpx
from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import Response
from fastapi.security import APIKeyHeader
from pydantic import TypeAdapter, ValidationError

from contracts.interaction import Interaction
from contracts.moderation import ModerationRequestedV1
from contracts.replies import ReplyRequestedV1
from contracts.topology import INGESTOR_MODERATION, INGESTOR_REPLIES, INGESTOR_RPC
from ingestor import accounts, imap, replies, services, smtp, webhooks, webhooks_x
from ingestor.credentials import Vault, load_key
from ingestor.moderation import Moderator, moderate
from ingestor.pollers.runner import Pollers, mailboxes
from ingestor.replies.sending import RetryPolicy, deliver
from ingestor.schemas import IngestResponse
from ingestor.settings import IngestorSettings
from ingestor.store import open_store
from servicekit import consuming
from servicekit import health as probes
from servicekit.bodylimits import BodyLimit
from servicekit.clock import system_clock
from servicekit.http import NATIVE_TELEMETRY_OFF, instrument_http
from servicekit.logs import configure_logging
from servicekit.outbox import OutboxRelay
from servicekit.periodic import Periodic
from servicekit.publishing import EventPublisher
from servicekit.ratelimits import RateLimit, client_address
from servicekit.rpc import serve
from servicekit.service import new_broker
from servicekit.topology import declare_consumer_queue, declare_events_exchange
from servicekit.tracing import configure_tracing

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
    except RecursionError as exc:
        # A body nested thousands deep. Shallower nesting is refused by the contract: raw is
        # the only free-form field, and it is bounded (contracts.interaction.MAX_RAW_DEPTH).
        raise RequestValidationError(
            [{"type": "json_too_deep", "loc": ["body"], "msg": "the JSON nests too deeply"}]
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


def create_app(settings: IngestorSettings | None = None) -> FastAPI:
    settings = settings or IngestorSettings()
    configure_logging("ingestor", settings.log_level, settings.log_format)
    configure_tracing("ingestor")
    broker = new_broker(settings.rabbitmq_url, settings.prefetch, "ingestor")
    store = open_store(settings)
    publisher = EventPublisher(broker)
    relay = OutboxRelay(store, publisher)
    vault = Vault(load_key(settings))
    serve(broker, INGESTOR_RPC, accounts.methods(store, vault, publisher=publisher))
    http = httpx.AsyncClient(timeout=settings.reply_timeout_seconds)
    senders = replies.senders(settings, http)
    policy = RetryPolicy(
        attempts=settings.reply_attempts,
        backoff_seconds=settings.reply_backoff_seconds,
        max_wait_seconds=settings.reply_max_wait_seconds,
    )

    async def send_reply(request: ReplyRequestedV1) -> None:
        await deliver(
            request=request,
            store=store,
            vault=vault,
            senders=senders,
            publisher=publisher,
            policy=policy,
            clock=system_clock,
        )

    consuming.consume(broker, INGESTOR_REPLIES, ReplyRequestedV1, send_reply, publisher=publisher)
    moderator = Moderator(settings, http)

    async def moderate_comment(request: ModerationRequestedV1) -> None:
        await moderate(
            request=request,
            store=store,
            vault=vault,
            moderator=moderator,
            publisher=publisher,
            policy=policy,
            clock=system_clock,
        )

    consuming.consume(
        broker, INGESTOR_MODERATION, ModerationRequestedV1, moderate_comment, publisher=publisher
    )
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

    # Mailboxes under the pollers' lease and health; read even where the networks are not
    # polled (INGESTOR_POLLING=false), as before the lease existed.
    read_mailboxes = Periodic(
        "ingestor-imap-poll",
        min(settings.imap_poll_seconds, settings.poll_tick_seconds),
        Pollers(
            settings,
            store,
            publisher,
            vault,
            polled=mailboxes(settings, imap.Reader(store, publisher)),
        ).tick,
    )

    # The networks without push, and Meta's reconciliation (docs/channels.md "Pollers").
    polling = Periodic(
        "ingestor-pollers",
        settings.poll_tick_seconds,
        Pollers(settings, store, publisher, vault).tick,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await store.open()
        log.info("ingestor store backend: %s", store.backend)
        await broker.connect()
        await declare_events_exchange(broker)
        await publisher.start("ingestor")
        await declare_consumer_queue(broker, INGESTOR_REPLIES, settings.rabbitmq_retry_queue_type)
        await declare_consumer_queue(
            broker, INGESTOR_MODERATION, settings.rabbitmq_retry_queue_type
        )
        await broker.start()
        relay.start()
        prune.start()
        forget_deliveries.start()
        mail_server = await smtp.serve(settings, store, publisher)
        read_mailboxes.start()
        if settings.polling:
            polling.start()
        yield
        await polling.stop()
        await read_mailboxes.stop()
        if mail_server is not None:
            mail_server.close()
            await mail_server.wait_closed()
        await forget_deliveries.stop()
        await prune.stop()
        await relay.stop()
        await broker.stop()
        await http.aclose()
        await store.close()

    app = FastAPI(
        title="Socialdesk ingestor",
        separate_input_output_schemas=False,
        version="1",
        description="Accepts normalised interactions from channel connectors.",
        lifespan=lifespan,
        # As the gateway: traces come from instrument_http; left on, FastAPI's own telemetry
        # looked for global providers on every request (~15 us of a bare route, measured).
        telemetry=NATIVE_TELEMETRY_OFF,
    )

    failures = RateLimit(
        "auth-failures",
        settings.auth_failures_per_minute,
        "too many failed authentications from this address",
    )

    def check_key(request: Request, key: str | None) -> None:
        # An address that keeps failing is refused before its key is compared: guessing the
        # key stops at a few tries a minute.
        address = client_address(request)
        failures.refuse_if_exhausted(address)
        if key is None or not secrets.compare_digest(key.encode(), settings.ingest_key.encode()):
            failures.hit(address)
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "missing or wrong X-Api-Key")

    async def authenticated(
        request: Request, key: Annotated[str | None, Depends(api_key_header)]
    ) -> None:
        # async: a plain def would run in a worker thread, a thread hop for every request.
        check_key(request, key)

    # Depth is checked by parse_interactions and the contract, cheaper than a scan of every
    # batch's bytes on this hot path.
    max_bytes = settings.max_body_bytes
    app.add_middleware(BodyLimit, limit=lambda scope: max_bytes, max_json_depth=None)
    instrument_http(app)

    @app.post(
        "/v1/interactions",
        status_code=status.HTTP_202_ACCEPTED,
        response_model=IngestResponse,
        openapi_extra={**INTERACTIONS_BODY, "security": [{"APIKeyHeader": []}]},
        responses={
            401: {"description": "Missing or wrong X-Api-Key"},
            413: {"description": "The body is larger than INGESTOR_MAX_BODY_BYTES"},
            429: {"description": "Too many failed authentications from this address"},
            422: {"description": "Invalid body; nothing of it was published"},
            503: {"description": "RabbitMQ did not confirm; safe to retry"},
        },
    )
    async def post_interactions(request: Request) -> Response:
        """One interaction or an array of up to 1,000. Answers once RabbitMQ confirmed every
        new interaction; a repeated (channel, external_id) is counted as a duplicate, or as
        pending while its event still waits in the outbox for RabbitMQ (after an outage). An
        invalid body is refused whole (422, with every field error) and nothing of it is
        published."""
        # The key is checked here, not by a FastAPI dependency as on the other routes: solving
        # the dependency (and its APIKeyHeader) cost ~45 us of a one-interaction POST, measured
        # on a bare route. ``security`` in openapi_extra keeps the documented scheme.
        check_key(request, request.headers.get(api_key_header.model.name))
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
                "when it is back, and a retry counts them as pending until they are",
            ) from exc
        # Answered as bytes: response_model above documents the shape, without FastAPI
        # validating and serialising this three-count answer again on every request.
        answer = IngestResponse(
            accepted=result.accepted, duplicates=result.duplicates, pending=result.pending
        )
        return Response(answer.model_dump_json(), status.HTTP_202_ACCEPTED, media_type=JSON)

    # After /v1/interactions: a request is matched against the routes in order, and each
    # included router's routes are matched anew for every request that reaches them (FastAPI
    # resolves include_router lazily), a cost the hot route does not need to pay.
    app.include_router(webhooks.router(settings, store, publisher, authenticated, failures))
    app.include_router(webhooks_x.router(settings, store, publisher, failures))

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

    checks = {"broker": probes.broker_connected(broker), "store": store.ping}

    probes.serve_probes(app, checks, {"store": store.backend})

    return app
