"""X's webhook (Account Activity): the CRC challenge X repeats to keep the webhook valid, and
signed deliveries, each answered only once durable (ingestor.deliveries)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, status

from ingestor import deliveries, x
from ingestor.settings import IngestorSettings
from ingestor.store.port import IngestStore
from servicekit.clock import Clock, system_clock
from servicekit.publishing import EventPublisher
from servicekit.ratelimits import RateLimit, client_address


async def collect(store: IngestStore, data: Any, received_at: datetime) -> deliveries.Sorted:
    """As Meta's; every X event carries its own time, so ``received_at`` is not needed."""
    found = list(x.items(data))
    accounts = await deliveries.accounts_of(store, (i for i in found if isinstance(i, x.Item)))
    return deliveries.sort(found, accounts, x.normalise)


def router(
    settings: IngestorSettings,
    store: IngestStore,
    publisher: EventPublisher,
    failures: RateLimit,
    clock: Clock = system_clock,
) -> APIRouter:
    """``failures`` counts wrong signatures like wrong ingest keys (app.py)."""
    api = APIRouter(tags=["webhooks"])

    def consumer_secret() -> str:
        if settings.x_consumer_secret is None:
            raise HTTPException(
                status.HTTP_404_NOT_FOUND, "X webhooks are off: set INGESTOR_X_CONSUMER_SECRET"
            )
        return settings.x_consumer_secret

    @api.get(
        "/webhooks/x",
        responses={404: {"description": "X webhooks are not configured on this ingestor"}},
    )
    async def x_crc(
        crc_token: Annotated[str, Query(min_length=1, max_length=1000)],
    ) -> dict[str, str]:
        """X's challenge-response check: ``sha256=`` + base64 HMAC-SHA256 of ``crc_token``
        with the consumer secret. Only the secret's holder can answer, so X knows the webhook
        is ours."""
        return x.crc_response(consumer_secret(), crc_token)

    @api.post(
        "/webhooks/x",
        responses={
            401: {"description": f"No {x.SIGNATURE}; nothing was kept"},
            403: {"description": "The signature does not match the body; nothing was kept"},
            404: {"description": "X webhooks are not configured on this ingestor"},
            413: {"description": "Body too large"},
            429: {"description": "Too many failed signatures from this address"},
        },
    )
    async def x_delivery(request: Request) -> dict[str, int]:
        """A signed delivery: every tweet, DM and deletion for ``for_user_id``'s account
        becomes an interaction or a change (repeats are duplicates), or is set aside with its
        reason, all answered 200. The raw bytes are kept INGESTOR_RAW_DELIVERY_DAYS."""
        secret = consumer_secret()
        address = client_address(request)
        failures.refuse_if_exhausted(address)
        header = request.headers.get(x.SIGNATURE)
        if not header:
            failures.hit(address)
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, f"missing {x.SIGNATURE}")
        body = await request.body()
        if not x.signature_ok(body, header, secret):
            failures.hit(address)
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"{x.SIGNATURE} does not match the body")
        outcome = await deliveries.keep_json(
            store=store,
            publisher=publisher,
            source="x",
            body=body,
            collect=collect,
            clock=clock,
        )
        return outcome.answer()

    return api
