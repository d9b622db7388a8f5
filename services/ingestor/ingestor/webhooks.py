"""Meta's webhook (docs/channels.md): the verification handshake and signed deliveries (X's
is in webhooks_x; both share ingestor.deliveries). A delivery is answered 200 only once its
interactions are in the outbox (durable); publishing follows, and the outbox relay finishes it
if RabbitMQ is away, so a broker outage never makes Meta retry (and, after an hour, disable the
webhook)."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import PlainTextResponse

from ingestor import deliveries, meta
from ingestor.settings import IngestorSettings
from ingestor.store.port import IngestStore
from servicekit.clock import Clock, system_clock
from servicekit.publishing import EventPublisher
from servicekit.ratelimits import RateLimit, client_address

log = logging.getLogger("ingestor.webhooks")

SIGNATURE = "X-Hub-Signature-256"


def signature_ok(body: bytes, header: str, secret: str) -> bool:
    """HMAC-SHA256 of the raw bytes as received (Meta signs its escaped-unicode form; a
    re-serialised body would not match), compared in constant time."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().lower().encode())


async def collect(store: IngestStore, data: Any, received_at: datetime) -> deliveries.Sorted:
    """The delivery's interactions, its edits and removals, and what was set aside with the
    reason."""
    found = list(meta.items(data, received_at))
    accounts = await deliveries.accounts_of(store, (i for i in found if isinstance(i, meta.Item)))
    return deliveries.sort(found, accounts, meta.normalise)


def router(
    settings: IngestorSettings,
    store: IngestStore,
    publisher: EventPublisher,
    authenticated: Callable[..., Awaitable[None]],
    failures: RateLimit,
    clock: Clock = system_clock,
) -> APIRouter:
    """``failures`` is the ingestor's limit on failed authentications: a wrong verify token or
    signature counts like a wrong key, so nobody can probe the webhook at full speed."""
    api = APIRouter(tags=["webhooks"])

    def meta_secrets() -> tuple[str, str]:
        """The app secret and verify token; a deployment that set neither takes no Meta
        delivery at all (404), never one it cannot verify."""
        if settings.meta_app_secret is None or settings.meta_verify_token is None:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND,
                "Meta webhooks are off: set INGESTOR_META_APP_SECRET and "
                "INGESTOR_META_VERIFY_TOKEN",
            )
        return settings.meta_app_secret, settings.meta_verify_token

    @api.get(
        "/webhooks/meta",
        response_class=PlainTextResponse,
        responses={
            403: {"description": "Not a subscription request with our verify token"},
            429: {"description": "Too many failed attempts from this address"},
            404: {"description": "Meta webhooks are not configured on this ingestor"},
        },
    )
    async def meta_verification(
        request: Request,
        mode: Annotated[str, Query(alias="hub.mode")] = "",
        token: Annotated[str, Query(alias="hub.verify_token")] = "",
        challenge: Annotated[str, Query(alias="hub.challenge", max_length=1000)] = "",
    ) -> str:
        """Meta's subscription handshake: the challenge back when the token is ours."""
        expected = meta_secrets()[1].encode()
        address = client_address(request)
        failures.refuse_if_exhausted(address)
        if mode != "subscribe" or not hmac.compare_digest(token.encode(), expected):
            failures.hit(address)
            raise HTTPException(status.HTTP_403_FORBIDDEN, "wrong hub.mode or hub.verify_token")
        return challenge

    @api.post(
        "/webhooks/meta",
        responses={
            401: {"description": "No X-Hub-Signature-256; nothing was kept"},
            429: {"description": "Too many failed signatures from this address"},
            403: {"description": "The signature does not match the body; nothing was kept"},
            404: {"description": "Meta webhooks are not configured on this ingestor"},
            413: {"description": "Body too large"},
        },
    )
    async def meta_delivery(request: Request) -> dict[str, int]:
        """A signed delivery. Every item becomes an interaction (repeats are duplicates) or is
        set aside with its reason; both are answered 200 so Meta never disables the webhook
        for one odd event. The raw bytes are kept INGESTOR_RAW_DELIVERY_DAYS."""
        app_secret = meta_secrets()[0]
        address = client_address(request)
        failures.refuse_if_exhausted(address)
        header = request.headers.get(SIGNATURE)
        if not header:
            failures.hit(address)
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, f"missing {SIGNATURE}")
        body = await request.body()
        if not signature_ok(body, header, app_secret):
            failures.hit(address)
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"{SIGNATURE} does not match the body")
        outcome = await deliveries.keep_json(
            store=store,
            publisher=publisher,
            source="meta",
            body=body,
            collect=collect,
            clock=clock,
        )
        return outcome.answer()

    @api.get("/v1/webhooks/health", dependencies=[Depends(authenticated)])
    async def webhooks_health() -> dict[str, int]:
        """Raw deliveries kept, and their items set aside by reason (``unknown_account``:
        a page or profile nobody registered; ``unnormalisable``: not readable)."""
        return await store.delivery_summary()

    return api
