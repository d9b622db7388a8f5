"""Moderating a customer's comment on its network (docs/architecture.md "Replies"; issue 11
part 7), asked by ticketing with ``moderation.requested.v1``. The calls (CHANNELS.md):

- Facebook: hide/unhide ``POST /{comment-id}`` with ``is_hidden`` (unconfirmed on an official
  page), delete ``DELETE /{comment-id}``, with the page's token;
- Instagram: hide/unhide ``POST /{ig-comment-id}`` with ``hide``, delete ``DELETE
  /{ig-comment-id}`` (instagram-platform/comment-moderation);
- YouTube: ``POST /youtube/v3/comments/setModerationStatus?id=…&moderationStatus=rejected``
  (hide) or ``published`` (unhide), as the channel;
- X: ``PUT /2/tweets/{id}/hidden`` with ``{"hidden": true|false}`` (hide replies), as the
  account.

Unlike a reply, a moderation is idempotent on the network (hiding twice leaves it hidden): it
needs no claim, and a call that may have gone through is simply made again. 429 and 5xx are
retried with the replies' policy; the outcome is published as ``moderation.done.v1`` or
``moderation.failed.v1`` (a publish that fails leaves the request to be redelivered)."""

from __future__ import annotations

import logging
from collections.abc import Mapping

import httpx

from contracts.interaction import Channel
from contracts.moderation import (
    ModerationAction,
    ModerationDoneV1,
    ModerationFailedV1,
    ModerationRequestedV1,
)
from ingestor.credentials import Vault
from ingestor.replies.base import Refused, Retryable, Uncertain
from ingestor.replies.http import call
from ingestor.replies.meta import TOKEN_NAMES
from ingestor.replies.sending import RetryPolicy
from ingestor.settings import IngestorSettings
from ingestor.store.port import IngestStore
from servicekit.clock import Clock
from servicekit.publishing import EventPublisher, OutgoingMessage

log = logging.getLogger("ingestor.moderation")


class Moderator:
    def __init__(self, settings: IngestorSettings, client: httpx.AsyncClient) -> None:
        self._client = client
        self._graph = settings.meta_graph_url.rstrip("/")
        self._youtube = settings.youtube_base_url.rstrip("/")
        self._x = settings.x_api_url.rstrip("/")

    async def act(self, request: ModerationRequestedV1, credentials: Mapping[str, str]) -> None:
        hide = request.action is ModerationAction.HIDE
        if request.channel in (Channel.FACEBOOK, Channel.INSTAGRAM):
            token = next((credentials[n] for n in TOKEN_NAMES if credentials.get(n)), None)
            if token is None:
                raise Refused(f"account {request.account!r} has no page_access_token")
            url = f"{self._graph}/{request.target}"
            if request.action is ModerationAction.DELETE:
                await call(self._client, "Meta", "DELETE", url, params={"access_token": token})
                return
            flag = "hide" if request.channel is Channel.INSTAGRAM else "is_hidden"
            await call(
                self._client,
                "Meta",
                "POST",
                url,
                params={"access_token": token, flag: "true" if hide else "false"},
            )
            return
        token = credentials.get("access_token")
        if not token:
            raise Refused(f"account {request.account!r} has no OAuth access_token")
        bearer = {"Authorization": f"Bearer {token}"}
        if request.channel is Channel.YOUTUBE and request.action is not ModerationAction.DELETE:
            status = "rejected" if hide else "published"
            await call(
                self._client,
                "YouTube",
                "POST",
                f"{self._youtube}/youtube/v3/comments/setModerationStatus",
                params={"id": request.target, "moderationStatus": status},
                headers=bearer,
            )
            return
        if request.channel is Channel.TWITTER and request.action is not ModerationAction.DELETE:
            await call(
                self._client,
                "X",
                "PUT",
                f"{self._x}/2/tweets/{request.target}/hidden",
                json={"hidden": hide},
                headers=bearer,
            )
            return
        raise Refused(f"{request.channel.value} cannot {request.action.value} this")


async def moderate(
    *,
    request: ModerationRequestedV1,
    store: IngestStore,
    vault: Vault,
    moderator: Moderator,
    publisher: EventPublisher,
    policy: RetryPolicy,
    clock: Clock,
) -> None:
    outcome: ModerationDoneV1 | ModerationFailedV1
    try:
        await _with_retries(request, store, vault, moderator, policy)
    except (Refused, Retryable, Uncertain) as exc:
        outcome = ModerationFailedV1(
            correlation_id=request.correlation_id or request.id,
            request_id=request.request_id,
            interaction_id=request.interaction_id,
            ticket_id=request.ticket_id,
            action=request.action,
            reason=str(exc)[:1000],
        )
    else:
        outcome = ModerationDoneV1(
            correlation_id=request.correlation_id or request.id,
            request_id=request.request_id,
            interaction_id=request.interaction_id,
            ticket_id=request.ticket_id,
            action=request.action,
            at=clock(),
        )
    await publisher.publish_all([OutgoingMessage.of(outcome)])


async def _with_retries(
    request: ModerationRequestedV1,
    store: IngestStore,
    vault: Vault,
    moderator: Moderator,
    policy: RetryPolicy,
) -> None:
    stored = await store.account(request.account)
    if stored is None or not stored.account.active:
        raise Refused(f"account {request.account!r} is unknown or inactive")
    if stored.credentials is None:
        raise Refused(f"account {request.account!r} has no credentials")
    try:
        credentials = vault.open(stored.credentials)
    except ValueError as exc:
        raise Refused(f"account {request.account!r}: {exc}") from exc
    wait = policy.backoff_seconds
    for attempt in range(1, policy.attempts + 1):
        try:
            await moderator.act(request, credentials)
            return
        except (Retryable, Uncertain) as exc:  # idempotent: another call is safe
            if attempt == policy.attempts:
                raise
            asked = exc.retry_after if isinstance(exc, Retryable) else None
            if asked is not None and asked > policy.max_wait_seconds:
                raise Retryable(f"{exc} (Retry-After {asked:g} s is too long)") from exc
            log.info("moderation %s: %s; trying again", request.request_id, exc)
            await policy.sleep(asked if asked is not None else wait)
            wait = min(wait * 2, policy.max_wait_seconds)
