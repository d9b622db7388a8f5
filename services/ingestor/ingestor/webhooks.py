"""The networks' webhooks (docs/channels.md): Meta's verification handshake and signed
deliveries. A delivery is answered 200 only once its interactions are in the outbox (durable);
publishing follows, and the outbox relay finishes it if RabbitMQ is away, so a broker outage
never makes Meta retry (and, after an hour, disable the webhook)."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Request, status
from fastapi.responses import PlainTextResponse
from pydantic import ValidationError

from contracts.events import InteractionChangedV1, InteractionReceivedV1
from contracts.interaction import Direction, Interaction
from ingestor import meta
from ingestor.settings import IngestorSettings
from ingestor.store.accounts_port import Delivery
from ingestor.store.port import IngestStore
from servicekit.clock import Clock, system_clock
from servicekit.publishing import EventPublisher, OutgoingMessage
from servicekit.ratelimits import RateLimit, client_address

log = logging.getLogger("ingestor.webhooks")

SIGNATURE = "X-Hub-Signature-256"


def signature_ok(body: bytes, header: str, secret: str) -> bool:
    """HMAC-SHA256 of the raw bytes as received (Meta signs its escaped-unicode form; a
    re-serialised body would not match), compared in constant time."""
    expected = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), header.strip().lower().encode())


Change = tuple[str, InteractionChangedV1]
"""An edit or removal, with the account it came through."""


def change_key(change: InteractionChangedV1) -> str:
    """The de-duplication key of one change: Meta's retries repeat it and are dropped, while
    a later edit of the same comment is a new key."""
    return f"{change.key}:{change.change}:{change.changed_at.isoformat()}"


async def collect(
    store: IngestStore, data: Any
) -> tuple[list[Interaction], list[Change], list[dict[str, str]]]:
    """The delivery's interactions, its edits and removals, and what was set aside with the
    reason."""
    found = list(meta.items(data))
    wanted = [i for i in found if isinstance(i, meta.Item)]
    accounts = {
        (s.account.channel, s.account.network_id): s.account
        for s in await store.accounts_by_network(
            sorted({i.channel.value for i in wanted}), sorted({i.network_id for i in wanted})
        )
    }
    interactions: list[Interaction] = []
    changes: list[Change] = []
    set_aside: list[dict[str, str]] = []
    for item in found:
        try:
            if isinstance(item, meta.SetAside):
                raise item
            account = accounts.get((item.channel, item.network_id))
            if account is None or not account.active:
                raise meta.SetAside(
                    "unknown_account",
                    f"{item.position}: no active {item.channel.value} account {item.network_id}",
                )
            found_item = meta.normalise(item, account)
            if isinstance(found_item, InteractionChangedV1):
                changes.append((account.id, found_item))
            else:
                interactions.append(found_item)
        except meta.SetAside as aside:
            set_aside.append({"reason": aside.reason, "detail": aside.detail})
        except (KeyError, TypeError, ValueError, ValidationError) as exc:
            where = getattr(item, "position", "delivery")
            detail = f"{where}: {type(exc).__name__}: {exc}"[:1000]
            set_aside.append({"reason": "unnormalisable", "detail": detail})
    ours = await store.our_replies(
        [i.key for i in interactions if i.direction is Direction.OUTBOUND]
    )
    if ours:
        # The network's echo of a reply we posted: the reply is on its ticket already.
        interactions = [i for i in interactions if i.key not in ours]
        set_aside += [{"reason": "our_reply", "detail": key} for key in sorted(ours)]
    return interactions, changes, set_aside


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
        interactions: list[Interaction]
        changes: list[Change]
        set_aside: list[dict[str, str]]
        try:
            data = json.loads(body)
        except ValueError as exc:
            interactions, changes = [], []
            set_aside = [{"reason": "unnormalisable", "detail": str(exc)}]
        else:
            interactions, changes, set_aside = await collect(store, data)
        received = [
            (i.key, OutgoingMessage.of(InteractionReceivedV1(interaction=i))) for i in interactions
        ] + [(change_key(c), OutgoingMessage.of(c)) for _, c in changes]
        accepted = await store.accept(received)
        now = clock()
        await store.keep_delivery(
            Delivery(
                id=str(uuid.uuid4()),
                source="meta",
                received_at=now,
                body=body,
                accepted=len(accepted),
                duplicates=len(received) - len(accepted),
                set_aside=set_aside,
            )
        )
        if interactions or changes:
            touched = {i.account for i in interactions} | {a for a, _ in changes}
            await store.note_events(sorted(touched), now)
        for aside in set_aside:
            log.warning("meta delivery item set aside: %s (%s)", aside["reason"], aside["detail"])
        try:
            await publisher.publish_all(accepted)
            await store.mark_published([m.id for m in accepted])
        except Exception:
            log.exception("publishing a webhook delivery failed; the outbox relay will")
        return {
            "accepted": len(accepted),
            "duplicates": len(received) - len(accepted),
            "set_aside": len(set_aside),
        }

    @api.get("/v1/webhooks/health", dependencies=[Depends(authenticated)])
    async def webhooks_health() -> dict[str, int]:
        """Raw deliveries kept, and their items set aside by reason (``unknown_account``:
        a page or profile nobody registered; ``unnormalisable``: not readable)."""
        return await store.delivery_summary()

    return api
