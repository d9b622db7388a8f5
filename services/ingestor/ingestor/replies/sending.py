"""Sending one reply (docs/architecture.md "Replies"): claim it, call the network through the
channel's sender with retries, record the outcome in the outbox, publish it.

At most once: the claim is written before the network is called, and a request that finds
its reply already claimed never calls the network again. If an outcome was recorded the
request was a redelivery and nothing is done; if not, the sender stopped between the claim and
the outcome (it may have posted): the reply becomes uncertain, for a person to check.

429, 5xx and unreachable networks are retried with exponential back-off and jitter
(tenacity), waiting what the network's Retry-After asks for when it gives one, up to
INGESTOR_REPLY_ATTEMPTS calls; then the reply fails with the last reason."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from contracts.interaction import Channel
from contracts.replies import (
    DeliveryAttempt,
    ReplyDeliveredV1,
    ReplyFailedV1,
    ReplyRequestedV1,
)
from ingestor.credentials import Vault
from ingestor.replies.base import Refused, Retryable, Sender, Uncertain
from ingestor.store.port import IngestStore
from servicekit.clock import Clock
from servicekit.publishing import EventPublisher, OutgoingMessage

log = logging.getLogger("ingestor.replies")


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5
    backoff_seconds: float = 1.0
    max_wait_seconds: float = 60.0
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    """How a wait is spent (tests record the waits instead)."""


class _TooLong(Exception):
    """The network asked to wait longer than we hold a reply."""


async def deliver(
    *,
    request: ReplyRequestedV1,
    store: IngestStore,
    vault: Vault,
    senders: Mapping[Channel, Sender],
    publisher: EventPublisher,
    policy: RetryPolicy,
    clock: Clock,
) -> None:
    reply_id = str(request.reply_id)
    claim = await store.claim_reply(reply_id, clock())
    if not claim.new:
        if claim.settled:
            return  # a redelivered request whose outcome is recorded (the relay publishes it)
        log.warning("reply %s was claimed before without an outcome: uncertain", reply_id)
        verdict = _failed(
            request,
            "the sender stopped after claiming this reply and before recording what the "
            "network answered: it may have been posted; check the network before sending again",
            [DeliveryAttempt(at=clock(), outcome="uncertain", detail="claimed, no outcome")],
            uncertain=True,
        )
        await _settle(store, publisher, reply_id, None, verdict)
        return
    attempts: list[DeliveryAttempt] = []
    network_id: str | None = None
    try:
        network_id = await _send_with_retries(
            request, store, vault, senders, policy, clock, attempts
        )
    except Uncertain as exc:
        attempts.append(DeliveryAttempt(at=clock(), outcome="uncertain", detail=str(exc)))
        outcome: ReplyDeliveredV1 | ReplyFailedV1 = _failed(
            request, str(exc), attempts, uncertain=True
        )
    except (Refused, Retryable, _TooLong) as exc:
        if not attempts or attempts[-1].detail != str(exc):
            attempts.append(DeliveryAttempt(at=clock(), outcome="failed", detail=str(exc)))
        else:
            attempts[-1] = attempts[-1].model_copy(update={"outcome": "failed"})
        outcome = _failed(request, str(exc), attempts)
    else:
        outcome = ReplyDeliveredV1(
            correlation_id=request.correlation_id or request.id,
            reply_id=request.reply_id,
            ticket_id=request.ticket_id,
            network_id=network_id,
            sent_at=attempts[-1].at,
            attempts=attempts,
        )
    key = f"{request.channel.value}:{network_id}" if network_id else None
    await _settle(store, publisher, reply_id, key, outcome)


async def _send_with_retries(
    request: ReplyRequestedV1,
    store: IngestStore,
    vault: Vault,
    senders: Mapping[Channel, Sender],
    policy: RetryPolicy,
    clock: Clock,
    attempts: list[DeliveryAttempt],
) -> str:
    sender = senders.get(request.channel)
    if sender is None:
        raise Refused(f"this ingestor has no sender for {request.channel.value}")
    stored = await store.account(request.account)
    if stored is None or not stored.account.active:
        raise Refused(f"account {request.account!r} is unknown or inactive")
    if stored.credentials is None:
        raise Refused(f"account {request.account!r} has no credentials")
    try:
        credentials = vault.open(stored.credentials)
    except ValueError as exc:  # sealed with another key: no retry can fix it
        raise Refused(f"account {request.account!r}: {exc}") from exc
    backoff = wait_exponential_jitter(
        initial=policy.backoff_seconds, max=policy.max_wait_seconds, jitter=policy.backoff_seconds
    )

    def wait(state: RetryCallState) -> float:
        failure = state.outcome.exception() if state.outcome else None
        asked = failure.retry_after if isinstance(failure, Retryable) else None
        if asked is not None:
            if asked > policy.max_wait_seconds:
                raise _TooLong(
                    f"{failure} (Retry-After {asked:g} s is longer than we hold a reply)"
                )
            return asked
        return float(backoff(state))

    async for attempt in AsyncRetrying(
        stop=stop_after_attempt(policy.attempts),
        wait=wait,
        retry=retry_if_exception_type(Retryable),
        sleep=policy.sleep,
        reraise=True,
    ):
        with attempt:
            try:
                posted = await sender.send(request, stored, credentials)
            except Retryable as exc:
                attempts.append(DeliveryAttempt(at=clock(), outcome="retry", detail=str(exc)))
                raise
            attempts.append(DeliveryAttempt(at=clock(), outcome="sent", detail=posted))
            return posted
    raise AssertionError("unreachable: tenacity re-raises the last failure")


def _failed(
    request: ReplyRequestedV1,
    reason: str,
    attempts: list[DeliveryAttempt],
    *,
    uncertain: bool = False,
) -> ReplyFailedV1:
    return ReplyFailedV1(
        correlation_id=request.correlation_id or request.id,
        reply_id=request.reply_id,
        ticket_id=request.ticket_id,
        reason=reason[:1000],
        uncertain=uncertain,
        attempts=attempts,
    )


async def _settle(
    store: IngestStore,
    publisher: EventPublisher,
    reply_id: str,
    network_key: str | None,
    outcome: ReplyDeliveredV1 | ReplyFailedV1,
) -> None:
    recorded = await store.settle_reply(reply_id, network_key, OutgoingMessage.of(outcome))
    if not recorded:
        return
    try:
        await publisher.publish_all(recorded)
        await store.mark_published([m.id for m in recorded])
    except Exception:
        log.exception("publishing the outcome of reply %s failed; the outbox relay will", reply_id)
